from django.contrib import admin
from django.urls import include, path

from crecer.core.views import healthz

urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("django-admin/", admin.site.urls),
    path("", include("crecer.accounts.urls")),
    path("", include("crecer.registry.urls")),
    path("", include("crecer.dedup.urls")),
    path("territory/", include("crecer.territory.urls")),
    path("audit/", include("crecer.core.urls")),
    path("", include("crecer.imports.urls")),
    path("", include("crecer.programmes.urls")),
    path("", include("crecer.fieldwork.urls")),
    path("", include("crecer.deliveries.urls")),
    path("", include("crecer.referrals.urls")),
    path("", include("crecer.coresponsibility.urls")),
    path("", include("crecer.aggregates.urls")),
    path("tablero/", include("crecer.tablero.urls")),
    path("quality/", include("crecer.quality.urls")),
    path("interop/", include("crecer.interop.urls")),
    path("indicators/", include("crecer.indicators.urls")),
    path("finance/", include("crecer.finance.urls")),
    path("planning/", include("crecer.planning.urls")),
    path("scaleup/", include("crecer.scaleup.urls")),
    path("workforce/", include("crecer.workforce.urls")),
    path("implementation/", include("crecer.implementation.urls")),
    path("api/v1/", include("crecer.api.urls")),
]
