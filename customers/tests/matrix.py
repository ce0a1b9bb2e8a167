"""Permission-matrix endpoints of the book of business (insurer/testing/matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    from decimal import Decimal

    from customers.models import BeneficialOwner

    holder = builders.person()
    policy = builders.policy(holder=holder)
    txn = builders.transaction(on=policy)
    org = builders.organisation()
    owner = BeneficialOwner.objects.create(organisation=org, owner=holder, share_pct=Decimal("40"), control=True)
    return {"customer": holder, "policy": policy, "txn": txn, "product": policy.product, "owner_link": owner}


VIEW_C, VIEW_P, VIEW_T = "customers.view_customer", "customers.view_policy", "customers.view_policytransaction"
VIEW_PR, VIEW_BO = "customers.view_product", "customers.view_beneficialowner"
PRODUCT_CSV = (
    "product_code,name,kind,mortality_table,min_age,max_age,cooling_off_days\nMX1,矩阵测试,term,CL1,18,60,15\n"
)

ENDPOINTS = [
    Endpoint("customers:customer_list", lambda w: "/book/customers/", VIEW_C),
    Endpoint("customers:customer_detail", lambda w: f"/book/customers/{w['customer'].customer_ref}/", VIEW_C,
             object_permission=VIEW_C),
    Endpoint("customers:customer_pii", lambda w: f"/book/customers/{w['customer'].customer_ref}/reveal/",
             "customers.view_customer_pii", method="post", object_permission=VIEW_C),
    Endpoint("customers:policy_list", lambda w: "/book/policies/", VIEW_P),
    Endpoint("customers:policy_detail", lambda w: f"/book/policies/{w['policy'].policy_ref}/", VIEW_P,
             object_permission=VIEW_P),
    Endpoint("customers:transaction_list", lambda w: "/book/transactions/", VIEW_T),
    Endpoint("customers:product_list", lambda w: "/book/products/", VIEW_PR),
    Endpoint("customers:export", lambda w: "/book/export/policies.csv", "customers.export_book"),
    Endpoint("customer-list", lambda w: "/api/v1/customers/", VIEW_C, api=True),
    Endpoint("customer-detail", lambda w: f"/api/v1/customers/{w['customer'].customer_ref}/", VIEW_C, api=True,
             object_permission=VIEW_C),
    Endpoint("customer-reveal-pii", lambda w: f"/api/v1/customers/{w['customer'].customer_ref}/reveal-pii/",
             "customers.view_customer_pii", method="post", api=True, object_permission=VIEW_C),
    Endpoint("customer-export-rows", lambda w: "/api/v1/customers/export/", "customers.export_book", api=True),
    Endpoint("customer-import-rows", lambda w: "/api/v1/customers/import/", "customers.import_book", kind=WRITE,
             method="post", api=True, data=lambda w: [], content_type="application/json"),
    Endpoint("beneficial-owner-list", lambda w: "/api/v1/beneficial-owners/", VIEW_BO, api=True),
    Endpoint("beneficial-owner-detail", lambda w: f"/api/v1/beneficial-owners/{w['owner_link'].pk}/", VIEW_BO,
             api=True, object_permission=VIEW_BO),
    Endpoint("beneficial-owner-export-rows", lambda w: "/api/v1/beneficial-owners/export/", "customers.export_book",
             api=True),
    Endpoint("beneficial-owner-import-rows", lambda w: "/api/v1/beneficial-owners/import/", "customers.import_book",
             kind=WRITE, method="post", api=True, data=lambda w: [], content_type="application/json"),
    Endpoint("product-list", lambda w: "/api/v1/products/", VIEW_PR, api=True),
    Endpoint("product-detail", lambda w: f"/api/v1/products/{w['product'].product_code}/", VIEW_PR, api=True,
             object_permission=VIEW_PR),
    Endpoint("product-export-rows", lambda w: "/api/v1/products/export/", "customers.export_book", api=True),
    Endpoint("product-import-rows", lambda w: "/api/v1/products/import/", "customers.import_book", kind=WRITE,
             method="post", api=True, data=lambda w: PRODUCT_CSV, content_type="text/csv"),
    Endpoint("policy-list", lambda w: "/api/v1/policies/", VIEW_P, api=True),
    Endpoint("policy-detail", lambda w: f"/api/v1/policies/{w['policy'].policy_ref}/", VIEW_P, api=True,
             object_permission=VIEW_P),
    Endpoint("policy-export-rows", lambda w: "/api/v1/policies/export/", "customers.export_book", api=True),
    Endpoint("policy-import-rows", lambda w: "/api/v1/policies/import/", "customers.import_book", kind=WRITE,
             method="post", api=True, data=lambda w: [], content_type="application/json"),
    Endpoint("transaction-list", lambda w: "/api/v1/transactions/", VIEW_T, api=True),
    Endpoint("transaction-detail", lambda w: f"/api/v1/transactions/{w['txn'].txn_ref}/", VIEW_T, api=True,
             object_permission=VIEW_T),
    Endpoint("transaction-export-rows", lambda w: "/api/v1/transactions/export/", "customers.export_book", api=True),
    Endpoint("transaction-import-rows", lambda w: "/api/v1/transactions/import/", "customers.import_book",
             kind=WRITE, method="post", api=True, data=lambda w: [], content_type="application/json"),
]  # fmt: skip
