"""/api/v1/risk/ routes (included by insurer/urls.py)."""

from rest_framework.routers import SimpleRouter

from risk.api import views

router = SimpleRouter()
router.register("valuations", views.ValuationRunViewSet, basename="risk-valuation")
router.register("solvency-runs", views.SolvencyRunViewSet, basename="risk-solvency-run")
router.register("stress-runs", views.StressRunViewSet, basename="risk-stress-run")

urlpatterns = router.urls
