from django.urls import path

from . import views

app_name = "deliveries"
urlpatterns = [
    path("stock/", views.stock, name="stock"),
    path("stock/receive/", views.receive, name="receive"),
    path("stock/adjust/", views.adjust, name="adjust"),
    path("stock/deliveries/", views.delivery_list, name="list"),
    path("households/<uuid:pk>/deliver/", views.deliver, name="deliver"),
]
