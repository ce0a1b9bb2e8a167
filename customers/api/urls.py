"""/api/v1/ routes of the book of business (included by insurer/urls.py)."""

from rest_framework.routers import DefaultRouter

from customers.api import views

router = DefaultRouter()
router.register("customers", views.CustomerViewSet, basename="customer")
router.register("beneficial-owners", views.BeneficialOwnerViewSet, basename="beneficial-owner")
router.register("products", views.ProductViewSet, basename="product")
router.register("policies", views.PolicyViewSet, basename="policy")
router.register("transactions", views.TransactionViewSet, basename="transaction")

urlpatterns = router.urls
