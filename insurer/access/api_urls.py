"""/api/v1/access/… routes (included by insurer/urls.py)."""

from rest_framework.routers import DefaultRouter

from insurer.access import api, object_api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("access/grants", api.RoleGrantViewSet, basename="access-grant")
router.register("access/object-grants", object_api.ObjectGrantViewSet, basename="access-object-grant")
router.register("access/sod-exceptions", api.SodExceptionViewSet, basename="access-sod-exception")

urlpatterns = router.urls
