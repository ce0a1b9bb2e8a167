"""A customer's and a policy's own pages, and the audited reveal of personal information.

Objects outside the user's scope are 404 (insurer.access.get_for_user), so a page does not
tell whether a ref exists.
"""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers, patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from customers import selectors
from customers.models import Customer, Policy
from customers.views.tables import paginate
from insurer.access import get_for_user

# Policies shown per relation on the customer page; the policy list (filtered by the
# customer) has the rest.
POLICIES_SHOWN = 50


def _policies(user, **lookup):
    rows = selectors.policies_for(user).prefetch_related(None).filter(**lookup).order_by("-issue_date", "-pk")
    rows = list(rows[: POLICIES_SHOWN + 1])
    return rows[:POLICIES_SHOWN], len(rows) > POLICIES_SHOWN


def _timeline(user, customer: Customer):
    """Transactions on the customer's policies (held or insured) or paid by or to them,
    newest first. Policy ids are fetched first so the database can use the per-policy and
    payer/payee indexes rather than joining through policies for every transaction."""
    policy_ids = list(
        Policy.objects.filter(Q(policyholder=customer) | Q(insured=customer)).values_list("pk", flat=True)
    )
    return (
        selectors.transactions_for(user)
        .filter(Q(policy_id__in=policy_ids) | Q(payer=customer) | Q(payee=customer))
        .order_by("-timestamp", "-pk")
    )


def _render(request, full: str, partial: str | None, context: dict, partial_target: str | None = None):
    use_partial = (
        partial and request.htmx and not request.htmx.history_restore_request and request.htmx.target == partial_target
    )
    response = render(request, partial if use_partial else full, context)
    patch_vary_headers(response, ["HX-Request", "HX-Target"])
    return response


@login_required
@require_GET
def customer_detail(request, customer_ref: str):
    customer = get_for_user(selectors.customers_for(request.user), request.user, customer_ref=customer_ref)
    page_obj, page_range = paginate(request, _timeline(request.user, customer))
    context = {
        "customer": customer,
        "page_obj": page_obj,
        "page_range": page_range,
        "can_reveal": request.user.has_perm("customers.view_customer_pii"),
    }
    if request.htmx and request.htmx.target == "timeline":
        return _render(
            request, "customers/customer_detail.html", "customers/partials/timeline.html", context, "timeline"
        )
    held, more_held = _policies(request.user, policyholder=customer)
    insured, more_insured = _policies(request.user, insured=customer)
    benefiting, more_benefiting = _policies(request.user, beneficiary_links__customer=customer)
    context.update(
        {
            "policies_held": held,
            "policies_insured": insured,
            "policies_benefiting": benefiting,
            "more_policies": more_held or more_insured or more_benefiting,
        }
    )
    if customer.kind == Customer.Kind.ORGANISATION:
        context["owners"] = selectors.owners_for(request.user).filter(organisation=customer).order_by("-share_pct")
    context["holdings"] = selectors.owners_for(request.user).filter(owner=customer).order_by("-share_pct")
    return _render(request, "customers/customer_detail.html", None, context)


@login_required
@require_POST
def customer_pii(request, customer_ref: str):
    """The unmasked ID and phone numbers, as a fragment for htmx. 403 without
    customers.view_customer_pii; every reveal is a recorded sensitive read."""
    customer = get_for_user(selectors.customers_for(request.user), request.user, customer_ref=customer_ref)
    revealed = selectors.customer_pii_reveal(user=request.user, customer=customer)
    response = render(request, "customers/partials/pii.html", {"customer": customer, "revealed": revealed})
    add_never_cache_headers(response)
    return response


@login_required
@require_GET
def policy_detail(request, policy_ref: str):
    policy = get_for_user(selectors.policies_for(request.user), request.user, policy_ref=policy_ref)
    transactions = selectors.transactions_for(request.user).filter(policy=policy).order_by("-timestamp", "-pk")
    page_obj, page_range = paginate(request, transactions)
    beneficiaries = sorted(policy.beneficiary_links.all(), key=lambda link: link.position)
    context = {"policy": policy, "beneficiaries": beneficiaries, "page_obj": page_obj, "page_range": page_range}
    return _render(
        request,
        "customers/policy_detail.html",
        "customers/partials/policy_transactions.html",
        context,
        "policy-transactions",
    )
