from django.urls import path

from compliance.rules import views

app_name = "compliance_rules"

urlpatterns = [
    path("rules/", views.version_list, name="versions"),
    path("rules/new/", views.version_new, name="version_new"),
    path("rules/<int:pk>/", views.version_detail, name="version"),
    path("rules/<int:pk>/shadow/", views.version_shadow, name="version_shadow"),
    path("rules/<int:pk>/backtest/", views.version_backtest, name="version_backtest"),
    path("rules/<int:pk>/shadow-run/", views.version_shadow_run, name="version_shadow_run"),
    path("rules/<int:pk>/approve/", views.version_approve, name="version_approve"),
]
