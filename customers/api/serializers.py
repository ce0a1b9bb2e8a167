"""API representations of the book of business: the interchange fields by natural key.

Customers show masked ID and phone numbers only; the unmasked values come from the
audited reveal-pii command.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from customers import imports
from customers.models import BeneficialOwner, Customer, Policy, PolicyTransaction, Product
from insurer.serializers import FastRepresentation


class CustomerSerializer(FastRepresentation, serializers.ModelSerializer):
    id_number = serializers.CharField(source="id_number_masked", read_only=True, help_text=_("Masked ID number."))
    phone = serializers.CharField(source="phone_masked", read_only=True, help_text=_("Masked phone number."))

    class Meta:
        model = Customer
        fields = [
            "customer_ref",
            "kind",
            "name",
            "id_type",
            "id_number",
            "birth_date",
            "sex",
            "phone",
            "address",
            "nationality",
            "occupation",
            "annual_income",
            "risk_rating",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields


class CustomerPiiSerializer(serializers.Serializer):
    customer_ref = serializers.CharField()
    id_number = serializers.CharField(help_text=_("Unmasked ID number."))
    phone = serializers.CharField(help_text=_("Unmasked phone number (empty when none)."))


class BeneficialOwnerSerializer(FastRepresentation, serializers.ModelSerializer):
    organisation_ref = serializers.CharField(source="organisation.customer_ref", read_only=True)
    owner_ref = serializers.CharField(source="owner.customer_ref", read_only=True)

    class Meta:
        model = BeneficialOwner
        fields = ["id", "organisation_ref", "owner_ref", "share_pct", "control"]
        read_only_fields = fields


class ProductSerializer(FastRepresentation, serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["product_code", "name", "kind", "mortality_table", "min_age", "max_age", "cooling_off_days"]
        read_only_fields = fields


class PolicySerializer(FastRepresentation, serializers.ModelSerializer):
    product_code = serializers.CharField(source="product.product_code", read_only=True)
    policyholder_ref = serializers.CharField(source="policyholder.customer_ref", read_only=True)
    insured_ref = serializers.CharField(source="insured.customer_ref", read_only=True)
    beneficiary_refs = serializers.SerializerMethodField(help_text=_("Beneficiaries' customer refs, in order."))

    class Meta:
        model = Policy
        fields = [
            "policy_ref",
            "product_code",
            "policyholder_ref",
            "insured_ref",
            "beneficiary_refs",
            "issue_date",
            "status",
            "status_date",
            "sum_assured",
            "annual_premium",
            "premium_term_years",
            "policy_term_years",
            "payment_frequency",
            "channel",
            "agent_code",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields

    def get_beneficiary_refs(self, policy: Policy) -> list[str]:
        # List pages attach the refs (selectors.attach_beneficiary_refs) to their dict rows; a
        # detail reads the links policies_for prefetches. No query per row either way.
        if isinstance(policy, dict):
            return policy["beneficiary_refs"]
        if hasattr(policy, "beneficiary_refs"):
            return policy.beneficiary_refs
        links = sorted(policy.beneficiary_links.all(), key=lambda link: link.position)
        return [link.customer.customer_ref for link in links]


class TransactionSerializer(FastRepresentation, serializers.ModelSerializer):
    policy_ref = serializers.CharField(source="policy.policy_ref", read_only=True)
    payer_ref = serializers.CharField(source="payer.customer_ref", read_only=True, allow_null=True, default=None)
    payee_ref = serializers.CharField(source="payee.customer_ref", read_only=True, allow_null=True, default=None)

    class Meta:
        model = PolicyTransaction
        fields = [
            "txn_ref",
            "policy_ref",
            "kind",
            "timestamp",
            "amount",
            "currency",
            "method",
            "payer_ref",
            "payee_ref",
            "account_ref",
            "counterparty_country",
        ]
        read_only_fields = fields


# --- Import -----------------------------------------------------------------------------


class ImportResultSerializer(serializers.Serializer):
    kind = serializers.CharField()
    source = serializers.CharField()
    rows = serializers.IntegerField()
    created = serializers.IntegerField()
    updated = serializers.IntegerField()
    unchanged = serializers.IntegerField()
    seconds = serializers.FloatField()
    rows_per_second = serializers.IntegerField()


class RowErrorSerializer(serializers.Serializer):
    row = serializers.IntegerField(allow_null=True, help_text=_("1-based data row; null for a file-level error."))
    column = serializers.CharField(allow_null=True)
    message = serializers.CharField()


class ImportErrorSerializer(serializers.Serializer):
    detail = serializers.CharField()
    errors = RowErrorSerializer(many=True)


class DetailSerializer(serializers.Serializer):
    detail = serializers.CharField()


def _import_row_serializer(kind: str) -> type[serializers.Serializer]:
    """A schema-only serializer naming the JSON fields of one import kind (the CSV columns);
    values are strings as in the CSV (numbers and booleans are accepted too)."""
    spec = imports.SPECS[kind]
    attrs = {
        column: serializers.CharField(required=column in spec.required, allow_blank=True) for column in spec.columns
    }
    name = "".join(part.title() for part in kind.split("_")) + "ImportRow"
    return type(name, (serializers.Serializer,), attrs)


IMPORT_ROW_SERIALIZERS = {kind: _import_row_serializer(kind) for kind in imports.KINDS}
