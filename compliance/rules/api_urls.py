"""/api/v1/aml/rules/ routes (included by insurer/urls.py)."""

from rest_framework.routers import DefaultRouter

from compliance.rules import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("aml/rules", api.RuleVersionViewSet, basename="aml-rule-version")

urlpatterns = router.urls
