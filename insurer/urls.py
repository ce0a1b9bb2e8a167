"""Root URL configuration. Domain apps are included by dotted name (no import), so the
platform stays free of domain imports."""

from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView

from insurer import views
from insurer.api_docs import RedocView, SwaggerView

api_v1 = [
    path("", include("customers.api.urls")),
    path("", include("insurer.clocks.api_urls")),
    path("", include("insurer.jobs.api_urls")),
    path("", include("insurer.approvals.api_urls")),
    path("", include("insurer.access.api_urls")),
    path("", include("compliance.api.urls")),
    path("", include("compliance.screening.api.urls")),
    path("", include("compliance.rules.api_urls")),
    path("risk/", include("risk.api.urls")),
    path("", include("compliance.holds.api_urls")),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    path("redoc/", RedocView.as_view(url_name="api-schema"), name="api-redoc"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("accounts/", include("insurer.auth_urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", views.healthz, name="healthz"),
    path("book/", include("customers.urls")),
    path("risk/", include("risk.urls")),
    path("compliance/", include("compliance.urls")),
    path("compliance/", include("compliance.screening.urls")),
    path("compliance/", include("compliance.rules.urls")),
    path("compliance/holds/", include("compliance.holds.urls")),
    path("notifications/", include("insurer.notifications.urls")),
    path("clocks/", include("insurer.clocks.urls")),
    path("jobs/", include("insurer.jobs.urls")),
    path("access/", include("insurer.access.urls")),
    path("approvals/", include("insurer.approvals.urls")),
    path("ledger/", include("insurer.ledger.urls")),
    path("api/<version>/", include(api_v1)),
    path("admin/", admin.site.urls),
]
