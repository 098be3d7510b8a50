from django.urls import path

from . import views

app_name = "finance"
urlpatterns = [
    path("", views.index, name="index"),
    path("<int:unit_id>/", views.unit, name="unit"),
    path("<int:unit_id>/lines/", views.lines, name="lines"),
    path("<int:unit_id>/budgets/new/", views.budget_new, name="budget_new"),
    path("<int:unit_id>/expenditures/new/", views.expenditure_new, name="expenditure_new"),
    path("budgets/<uuid:pk>/delete/", views.budget_delete, name="budget_delete"),
    path("expenditures/<uuid:pk>/delete/", views.expenditure_delete, name="expenditure_delete"),
    path("import/", views.import_lines, name="import"),
    path("import/template/<str:kind>/", views.import_template, name="import_template"),
    path("purchases/", views.purchases, name="purchases"),
    path("purchases/new/", views.purchase_new, name="purchase_new"),
    path("purchases/<uuid:pk>/", views.purchase, name="purchase"),
    path("purchases/<uuid:pk>/delete/", views.purchase_delete, name="purchase_delete"),
    path("sources/", views.sources, name="sources"),
    path("sources/<uuid:pk>/toggle/", views.source_toggle, name="source_toggle"),
    path("projection/", views.projection, name="projection"),
]
