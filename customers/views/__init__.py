"""HTML pages of the book of business (thin: selectors read, templates show)."""

from customers.views.details import customer_detail, customer_pii, policy_detail
from customers.views.tables import customer_list, export, policy_list, product_list, transaction_list

__all__ = [
    "customer_detail",
    "customer_list",
    "customer_pii",
    "export",
    "policy_detail",
    "policy_list",
    "product_list",
    "transaction_list",
]
