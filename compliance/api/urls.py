"""/api/v1/aml/… routes (included by insurer/urls.py)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from compliance.api import views

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("aml/alerts", views.AlertViewSet, basename="aml-alert")
router.register("aml/rule-snoozes", views.RuleSnoozeViewSet, basename="aml-rule-snooze")
router.register("aml/cases", views.CaseViewSet, basename="aml-case")
router.register("aml/reports", views.ReportViewSet, basename="aml-report")
router.register("aml/large-value", views.LargeValueViewSet, basename="aml-large-value")

urlpatterns = [path("aml/dashboard/", views.Dashboard.as_view(), name="aml-dashboard"), *router.urls]
