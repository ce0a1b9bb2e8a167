"""Job kinds over the book of business (registered from CustomersConfig.ready()).

``book_premium_reconciliation``: for every policy issued by the as-of date, the premiums
received (premium transactions dated up to that day, Asia/Shanghai) against the premiums
expected from the annual premium and the payment frequency. Installments fall due on the
issue date and every 12/n months after it (n = 1, 2, 4, 12; a single premium once), for the
premium term, up to the as-of date, and, for a policy no longer in force, only before its
status date. Each installment is the annual premium / n; a policy's expected total is
rounded to the cent once. Chunks are ranges of policy ids; every figure is a sum over
policies, so the summary is the same whatever the chunk size or the number of workers.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry

CENT = Decimal("0.01")
PER_YEAR = {"single": 1, "annual": 1, "semiannual": 2, "quarterly": 4, "monthly": 12}
FIGURES = ("expected", "received", "shortfall", "excess")
COUNTS = ("policies", "in_arrears", "overpaid", "settled")


class ReconciliationForm(forms.Form):
    as_of = forms.DateField(
        label=_("As of"),
        initial=timezone.localdate,
        help_text=_("Premiums due and received up to and including this day."),
    )
    chunk_size = forms.IntegerField(
        label=_("Policies per chunk"), min_value=1, max_value=100_000, initial=5_000, required=False,
        help_text=_("Smaller chunks spread the work over more workers; the result does not change."),
    )  # fmt: skip

    def clean_chunk_size(self):
        return self.cleaned_data.get("chunk_size") or 5_000


def _policies(as_of: dt.date):
    from customers.models import Policy

    return Policy.objects.filter(issue_date__lte=as_of)


def _cutoff(as_of: dt.date) -> dt.datetime:
    """The first instant after the as-of day, in the company's time zone."""
    return dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time(), tzinfo=zoneinfo.ZoneInfo(settings.TIME_ZONE))


def split(parameters: dict) -> list[dict]:
    as_of, size = dt.date.fromisoformat(parameters["as_of"]), parameters["chunk_size"]
    ids = list(_policies(as_of).order_by("id").values_list("id", flat=True))
    return [{"first_id": ids[i], "last_id": ids[min(i + size, len(ids)) - 1]} for i in range(0, len(ids), size)]


def installments_due(issue: dt.date, end: dt.date, per_year: int, premium_years: int) -> int:
    """How many installments fall due from ``issue`` to ``end`` inclusive."""
    if end < issue:
        return 0
    months = (end.year - issue.year) * 12 + end.month - issue.month
    # The installment of the last month falls on the issue day, or the month's last day.
    last_day = (dt.date(end.year + end.month // 12, end.month % 12 + 1, 1) - dt.timedelta(days=1)).day
    if end.day < min(issue.day, last_day):
        months -= 1
    return min(months // (12 // per_year) + 1, per_year * premium_years)


def expected_premium(policy: dict, as_of: dt.date) -> Decimal:
    end = as_of
    if policy["status"] != "in_force" and policy["status_date"] is not None:
        end = min(end, policy["status_date"] - dt.timedelta(days=1))
    per_year = PER_YEAR[policy["payment_frequency"]]
    years = 1 if policy["payment_frequency"] == "single" else policy["premium_term_years"]
    count = installments_due(policy["issue_date"], end, per_year, years)
    return (policy["annual_premium"] * count / per_year).quantize(CENT, ROUND_HALF_UP)


def run_chunk(parameters: dict, spec: dict) -> dict:
    from customers.models import PolicyTransaction

    as_of = dt.date.fromisoformat(parameters["as_of"])
    policies = _policies(as_of).filter(id__gte=spec["first_id"], id__lte=spec["last_id"])
    received = dict(
        PolicyTransaction.objects.filter(
            policy_id__gte=spec["first_id"],
            policy_id__lte=spec["last_id"],
            kind="premium",
            timestamp__lt=_cutoff(as_of),
        )
        .values_list("policy_id")
        .annotate(total=Sum("amount"))
        .values_list("policy_id", "total")
    )
    figures = dict.fromkeys(FIGURES, Decimal(0))
    counts = dict.fromkeys(COUNTS, 0)
    fields = ("id", "issue_date", "status", "status_date", "annual_premium", "payment_frequency", "premium_term_years")
    for policy in policies.values(*fields).iterator(chunk_size=2000):
        expected = expected_premium(policy, as_of)
        got = received.get(policy["id"]) or Decimal(0)
        figures["expected"] += expected
        figures["received"] += got
        counts["policies"] += 1
        if got < expected:
            figures["shortfall"] += expected - got
            counts["in_arrears"] += 1
        elif got > expected:
            figures["excess"] += got - expected
            counts["overpaid"] += 1
        else:
            counts["settled"] += 1
    return {**{k: str(v) for k, v in figures.items()}, **counts}


def reduce(parameters: dict, results: list[dict]) -> dict:
    summary: dict = {"as_of": parameters["as_of"]}
    for key in FIGURES:
        summary[key] = str(sum((Decimal(r[key]) for r in results), Decimal(0)))
    for key in COUNTS:
        summary[key] = sum(r[key] for r in results)
    summary["received_minus_expected"] = str(Decimal(summary["received"]) - Decimal(summary["expected"]))
    return summary


def fingerprint(parameters: dict) -> dict:
    """What the input looked like: policy and premium counts, highest ids, last change."""
    from customers.models import PolicyTransaction

    as_of = dt.date.fromisoformat(parameters["as_of"])
    policies = _policies(as_of).aggregate(n=Count("id"), max_id=Max("id"), changed=Max("updated_at"))
    premiums = PolicyTransaction.objects.filter(kind="premium", timestamp__lt=_cutoff(as_of)).aggregate(
        n=Count("id"), max_id=Max("id"), total=Sum("amount")
    )
    return {"policies": policies, "premiums": premiums}


def register() -> None:
    registry.register(
        registry.JobKind(
            name="book_premium_reconciliation",
            version="1.0",
            verbose_name=_("Premium reconciliation over the book"),
            description=_(
                "Premiums received against premiums expected from each policy's annual premium and "
                "payment frequency, up to the as-of date."
            ),
            permission="customers.view_policy",
            form=ReconciliationForm,
            split=split,
            run_chunk=run_chunk,
            reduce=reduce,
            input_fingerprint=fingerprint,
        )
    )
