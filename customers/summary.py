"""Dashboard figures of the book of business, precomputed.

``book_summary_refresh`` rebuilds BookSnapshot / BookMonthFigure / BookMixFigure in one
transaction from the database's own aggregates (GROUP BY in SQL, never row by row in
Python, except the in-force curve, computed from two sorted date arrays with numpy).
The dashboard then reads a few hundred rows, whatever the size of the book.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
from django.db import transaction
from django.db.models import Count, Q, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone

from customers.models import (
    BookMixFigure,
    BookMonthFigure,
    BookSnapshot,
    Customer,
    Policy,
    PolicyTransaction,
    Product,
)

ZERO = Decimal("0")
# Statuses that end a policy; the date it ended is status_date.
ENDED = [s for s in Policy.Status.values if s != Policy.Status.IN_FORCE]


def _month(d: dt.date | dt.datetime) -> dt.date:
    if isinstance(d, dt.datetime):
        d = timezone.localtime(d).date() if timezone.is_aware(d) else d.date()
    return d.replace(day=1)


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    months, cur = [], first
    while cur <= last:
        months.append(cur)
        cur = (cur.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
    return months


def _month_end(month: dt.date) -> dt.date:
    return (month.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


def _in_force_curve(months: list[dt.date]) -> list[int]:
    """Policies in force at each month end = issued by then − ended by then."""
    issued = np.sort(np.array(Policy.objects.values_list("issue_date", flat=True), dtype="datetime64[D]"))
    ended_dates = Policy.objects.filter(status__in=ENDED).values_list("status_date", "issue_date")
    # An ended policy without a status date is taken as ended at issue (never counted).
    ended = np.sort(np.array([s or i for s, i in ended_dates], dtype="datetime64[D]"))
    ends = np.array([_month_end(m) for m in months], dtype="datetime64[D]")
    return (np.searchsorted(issued, ends, side="right") - np.searchsorted(ended, ends, side="right")).tolist()


def _by_month(queryset, date_field: str, **aggregates) -> dict[dt.date, dict]:
    rows = queryset.annotate(m=TruncMonth(date_field)).values("m").annotate(**aggregates).order_by("m")
    return {_month(r["m"]): r for r in rows}


@transaction.atomic
def book_summary_refresh(*, trigger: str) -> BookSnapshot:
    """Rebuild every dashboard figure. Writes only derived tables, so it needs no
    permission check; it is run by imports, the demo seeder and the nightly task."""
    now = timezone.now()
    txns = PolicyTransaction.objects.all()
    premiums = _by_month(txns.filter(kind="premium"), "timestamp", total=Sum("amount"))
    surrenders = _by_month(txns.filter(kind="surrender"), "timestamp", n=Count("id"), total=Sum("amount"))
    claims = _by_month(txns.filter(kind="claim_payout"), "timestamp", total=Sum("amount"))
    new_business = _by_month(Policy.objects.all(), "issue_date", n=Count("id"))
    lapses = _by_month(Policy.objects.filter(status="lapsed", status_date__isnull=False), "status_date", n=Count("id"))

    seen = [*premiums, *new_business]
    months = _months_between(min(seen), max(max(seen), _month(now))) if seen else []
    in_force = _in_force_curve(months) if months else []

    BookMonthFigure.objects.all().delete()
    BookMonthFigure.objects.bulk_create(
        BookMonthFigure(
            month=m,
            premium_income=premiums.get(m, {}).get("total") or ZERO,
            new_policies=new_business.get(m, {}).get("n", 0),
            policies_in_force_end=in_force[i],
            surrenders=surrenders.get(m, {}).get("n", 0),
            surrender_amount=surrenders.get(m, {}).get("total") or ZERO,
            lapses=lapses.get(m, {}).get("n", 0),
            claims_paid=claims.get(m, {}).get("total") or ZERO,
        )
        for i, m in enumerate(months)
    )

    BookMixFigure.objects.all().delete()
    in_force_qs = Policy.objects.filter(status="in_force")
    names = dict(Product.objects.values_list("id", "name"))
    codes = dict(Product.objects.values_list("id", "product_code"))
    mixes = []
    for row in in_force_qs.values("product").annotate(n=Count("id"), p=Sum("annual_premium")):
        mixes.append(
            BookMixFigure(
                dimension="product",
                key=codes[row["product"]],
                label=names[row["product"]],
                policies=row["n"],
                annual_premium=row["p"] or ZERO,
            )
        )
    channel_labels = dict(Policy.Channel.choices)
    for row in in_force_qs.values("channel").annotate(n=Count("id"), p=Sum("annual_premium")):
        mixes.append(
            BookMixFigure(
                dimension="channel",
                key=row["channel"],
                label=str(channel_labels.get(row["channel"], row["channel"])),
                policies=row["n"],
                annual_premium=row["p"] or ZERO,
            )
        )
    status_labels = dict(Policy.Status.choices)
    for row in Policy.objects.values("status").annotate(n=Count("id"), p=Sum("annual_premium")):
        mixes.append(
            BookMixFigure(
                dimension="status",
                key=row["status"],
                label=str(status_labels.get(row["status"], row["status"])),
                policies=row["n"],
                annual_premium=row["p"] or ZERO,
            )
        )
    BookMixFigure.objects.bulk_create(mixes)

    totals = Policy.objects.aggregate(
        n=Count("id"),
        in_force=Count("id", filter=Q(status="in_force")),
        premium=Sum("annual_premium", filter=Q(status="in_force")),
        sum_assured=Sum("sum_assured", filter=Q(status="in_force")),
    )
    return BookSnapshot.objects.create(
        computed_at=now,
        customers=Customer.objects.count(),
        policies=totals["n"],
        policies_in_force=totals["in_force"],
        annual_premium_in_force=totals["premium"] or ZERO,
        sum_assured_in_force=totals["sum_assured"] or ZERO,
        transactions=txns.count(),
        trigger=trigger,
    )
