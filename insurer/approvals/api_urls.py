"""/api/v1/approvals/… routes (included by insurer/urls.py)."""

from rest_framework.routers import DefaultRouter

from insurer.approvals import api

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("approvals/matrix", api.MatrixViewSet, basename="approval-matrix")
router.register("approvals/delegations", api.DelegationViewSet, basename="approval-delegation")
router.register("approvals", api.ApprovalRequestViewSet, basename="approval")

urlpatterns = router.urls
