"""/api/v1/aml/… routes of compliance.holds (included by insurer/urls.py)."""

from django.urls import path
from rest_framework.routers import DefaultRouter

from compliance.holds import api, legal_holds_api, restrictions_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("aml/restrictions", restrictions_api.RestrictionViewSet, basename="aml-restriction")
router.register("aml/legal-holds", legal_holds_api.LegalHoldViewSet, basename="aml-legal-hold")

urlpatterns = [path("aml/score", api.ScoreView.as_view(), name="aml-score"), *router.urls]
