"""Filters shared by the HTML tables and the API lists (django-filter FilterSets), so a
filter means the same thing on a screen and through the API."""

from __future__ import annotations

import django_filters as df
from django.utils.translation import gettext_lazy as _

from customers.models import BeneficialOwner, Customer, Policy, PolicyTransaction, Product
from insurer import crypto


class BookFilterSet(df.FilterSet):
    """A FilterSet that validates only the parameters a request sends.

    django-filter validates through a form of *every* filter: building it deep-copies a
    dozen fields with their widgets and choices, ~2 ms of each list request and API call.
    No filter here is required and every filter ignores an empty value, so a form of just
    the fields present in the data cleans to the same values, the same errors and the same
    queryset. The full form (``form``) is still built when a page renders it.
    """

    def _validation_form(self):
        form = getattr(self, "_lean_form", None)
        if form is not None:
            return form
        if not self.is_bound or hasattr(self, "_form"):
            form = self.form
        else:
            prefix = f"{self.form_prefix}-" if self.form_prefix else ""
            keys = list(self.data.keys())
            fields = {}
            for name, filter_ in self.filters.items():
                key = prefix + name
                # A multi-widget field sends name_0, name_after …: the prefix match keeps it.
                if any(k == key or k.startswith(key + "_") for k in keys):
                    fields[name] = filter_.field
            if len(fields) == len(self.filters):
                form = self.form
            else:
                form_class = type(f"{type(self).__name__}Form", (self._meta.form,), fields)
                form = form_class(self.data, prefix=self.form_prefix)
        self._lean_form = form
        return form

    def is_valid(self):
        return self.is_bound and self._validation_form().is_valid()

    @property
    def errors(self):
        return self._validation_form().errors

    def filter_queryset(self, queryset):
        for name, value in self._validation_form().cleaned_data.items():
            queryset = self.filters[name].filter(queryset, value)
        return queryset

    def on_form(self, form) -> None:
        """Called once when the full form is built (the tables style it here)."""

    @property
    def form(self):
        if not hasattr(self, "_form"):
            form_class = self.get_form_class()
            self._form = (
                form_class(self.data, prefix=self.form_prefix) if self.is_bound else form_class(prefix=self.form_prefix)
            )
            self.on_form(self._form)
        return self._form


class CustomerFilter(BookFilterSet):
    q = df.CharFilter(label=_("Name or ref"), method="filter_q")
    id_number = df.CharFilter(label=_("ID number (exact)"), method="filter_id_number")
    phone = df.CharFilter(label=_("Phone (exact)"), method="filter_phone")
    kind = df.ChoiceFilter(choices=Customer.Kind.choices, label=_("Kind"))
    risk_rating = df.ChoiceFilter(choices=Customer.RiskRating.choices, label=_("Risk rating"))
    nationality = df.CharFilter(label=_("Nationality"))
    ordering = df.OrderingFilter(
        fields=(
            ("customer_ref", "customer_ref"),
            ("name", "name"),
            ("birth_date", "birth_date"),
            ("annual_income", "annual_income"),
            ("created_at", "created_at"),
        ),
        label=_("Sort"),
    )

    class Meta:
        model = Customer
        fields = ["kind", "risk_rating", "nationality"]

    def filter_q(self, queryset, name, value):
        value = value.strip()
        if not value:
            return queryset
        if value.upper().startswith("C") and value[1:].isdigit():
            return queryset.filter(customer_ref=value.upper())
        return queryset.filter(name__startswith=value)

    def filter_id_number(self, queryset, name, value):
        # Exact lookup through the keyed blind index; the number itself is never queried.
        return queryset.filter(id_number_digest=crypto.blind_index(value.strip().upper(), "id_number"))

    def filter_phone(self, queryset, name, value):
        return queryset.filter(phone_digest=crypto.blind_index(value.strip(), "phone"))


class PolicyFilter(BookFilterSet):
    policy_ref = df.CharFilter(label=_("Policy ref"))
    product = df.CharFilter(field_name="product__product_code", label=_("Product code"))
    status = df.ChoiceFilter(choices=Policy.Status.choices, label=_("Status"))
    channel = df.ChoiceFilter(choices=Policy.Channel.choices, label=_("Channel"))
    payment_frequency = df.ChoiceFilter(choices=Policy.Frequency.choices, label=_("Payment frequency"))
    agent_code = df.CharFilter(label=_("Agent code"))
    customer = df.CharFilter(label=_("Policyholder or insured ref"), method="filter_customer")
    issued_from = df.DateFilter(field_name="issue_date", lookup_expr="gte", label=_("Issued from"))
    issued_to = df.DateFilter(field_name="issue_date", lookup_expr="lte", label=_("Issued to"))
    ordering = df.OrderingFilter(
        fields=(
            ("policy_ref", "policy_ref"),
            ("issue_date", "issue_date"),
            ("sum_assured", "sum_assured"),
            ("annual_premium", "annual_premium"),
            ("status", "status"),
        ),
        label=_("Sort"),
    )

    class Meta:
        model = Policy
        fields = ["status", "channel", "payment_frequency", "agent_code"]

    def filter_customer(self, queryset, name, value):
        from django.db.models import Q

        return queryset.filter(Q(policyholder__customer_ref=value) | Q(insured__customer_ref=value))


class TransactionFilter(BookFilterSet):
    txn_ref = df.CharFilter(label=_("Transaction ref"))
    policy = df.CharFilter(field_name="policy__policy_ref", label=_("Policy ref"))
    kind = df.ChoiceFilter(choices=PolicyTransaction.Kind.choices, label=_("Kind"))
    method = df.ChoiceFilter(choices=PolicyTransaction.Method.choices, label=_("Method"))
    payer = df.CharFilter(field_name="payer__customer_ref", label=_("Payer ref"))
    payee = df.CharFilter(field_name="payee__customer_ref", label=_("Payee ref"))
    min_amount = df.NumberFilter(field_name="amount", lookup_expr="gte", label=_("Minimum amount"))
    max_amount = df.NumberFilter(field_name="amount", lookup_expr="lte", label=_("Maximum amount"))
    date_from = df.DateFilter(field_name="timestamp", lookup_expr="date__gte", label=_("From date"))
    date_to = df.DateFilter(field_name="timestamp", lookup_expr="date__lte", label=_("To date"))
    counterparty_country = df.CharFilter(label=_("Counterparty country"))
    ordering = df.OrderingFilter(
        fields=(("timestamp", "timestamp"), ("amount", "amount"), ("txn_ref", "txn_ref")),
        label=_("Sort"),
    )

    class Meta:
        model = PolicyTransaction
        fields = ["kind", "method", "counterparty_country"]


class ProductFilter(BookFilterSet):
    kind = df.ChoiceFilter(choices=Product.Kind.choices, label=_("Kind"))

    class Meta:
        model = Product
        fields = ["kind", "mortality_table"]


class BeneficialOwnerFilter(BookFilterSet):
    organisation = df.CharFilter(field_name="organisation__customer_ref", label=_("Organisation ref"))
    owner = df.CharFilter(field_name="owner__customer_ref", label=_("Owner ref"))
    control = df.BooleanFilter(label=_("Control"))

    class Meta:
        model = BeneficialOwner
        fields = ["control"]
