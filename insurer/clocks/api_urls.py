"""/api/v1/clocks/… routes (included by insurer/urls.py)."""

from rest_framework.routers import DefaultRouter

from insurer.clocks import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("clocks/rules", api.ClockRuleViewSet, basename="clock-rule")
router.register("clocks/breaches", api.BreachViewSet, basename="clock-breach")
router.register("clocks", api.ClockViewSet, basename="clock")

urlpatterns = router.urls
