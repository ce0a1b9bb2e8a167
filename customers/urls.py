"""Pages of the book of business, under /book/. The list URL names are the ones
customers/registry.py puts in the navigation."""

from django.urls import path

from customers import views

app_name = "customers"
urlpatterns = [
    path("customers/", views.customer_list, name="customer_list"),
    path("customers/<str:customer_ref>/", views.customer_detail, name="customer_detail"),
    path("customers/<str:customer_ref>/reveal/", views.customer_pii, name="customer_pii"),
    path("policies/", views.policy_list, name="policy_list"),
    path("policies/<str:policy_ref>/", views.policy_detail, name="policy_detail"),
    path("transactions/", views.transaction_list, name="transaction_list"),
    path("products/", views.product_list, name="product_list"),
    path("export/<slug:table>.csv", views.export, name="export"),
]
