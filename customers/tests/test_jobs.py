"""The premium reconciliation job kind: installments due, and the same summary whatever the chunking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers import jobs
from customers.tests import builders
from insurer.jobs import services

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.mark.parametrize(
    ("issue", "end", "per_year", "years", "due"),
    [
        (D(2024, 1, 15), D(2024, 1, 14), 1, 20, 0),
        (D(2024, 1, 15), D(2024, 1, 15), 1, 20, 1),
        (D(2024, 1, 15), D(2025, 1, 14), 1, 20, 1),
        (D(2024, 1, 15), D(2025, 1, 15), 1, 20, 2),
        (D(2024, 1, 31), D(2024, 2, 29), 12, 20, 2),  # a month-end issue falls due on the last day of February
        (D(2024, 1, 31), D(2024, 2, 28), 12, 20, 1),
        (D(2024, 1, 15), D(2024, 12, 31), 4, 20, 4),
        (D(2024, 1, 15), D(2030, 1, 1), 2, 3, 6),  # capped by the premium term
        (D(2024, 1, 15), D(2030, 1, 1), 1, 1, 1),  # a single premium
    ],
)
def test_installments_due(issue, end, per_year, years, due):
    assert jobs.installments_due(issue, end, per_year, years) == due


def _book():
    product = builders.product()
    cases = [("annual", "1200", "in_force", None, 2), ("monthly", "1200", "in_force", None, 5),
             ("quarterly", "999.99", "lapsed", D(2024, 9, 1), 1), ("single", "50000", "in_force", None, 1)]  # fmt: skip
    for n, (frequency, premium, status, status_date, paid) in enumerate(cases * 3):
        policy = builders.policy(product=product, payment_frequency=frequency, annual_premium=Decimal(premium),
                                 issue_date=D(2024, 1, 15), status=status, status_date=status_date,
                                 premium_term_years=1 if frequency == "single" else 10)  # fmt: skip
        for k in range(paid + n % 2):
            when = timezone.make_aware(dt.datetime(2024, 1 + k, 15, 10))
            builders.transaction(on=policy, amount=str(Decimal(premium) / (12 if frequency == "monthly" else 1)),
                                 when=when)  # fmt: skip
    builders.policy(product=product, issue_date=D(2026, 1, 1))  # issued after the as-of date: not counted


def test_the_summary_does_not_depend_on_the_chunking():
    _book()
    summaries = [services.job_run_inline("book_premium_reconciliation", {"as_of": "2025-01-14", "chunk_size": size})
                 for size in (1, 5, 5000)]  # fmt: skip
    assert summaries[0] == summaries[1] == summaries[2]
    summary = summaries[0]
    assert summary["policies"] == 12 == summary["in_arrears"] + summary["overpaid"] + summary["settled"]
    # Expected per policy: annual 1 x 1200; monthly 12 x 100; quarterly until the lapse 3 x 250.00 (999.99 / 4
    # = 249.9975 each; 749.9925 rounded once to 749.99); single 50000. Three of each.
    assert Decimal(summary["expected"]) == 3 * (Decimal("1200") + Decimal("1200") + Decimal("749.99") + 50000)
    assert Decimal(summary["received_minus_expected"]) == Decimal(summary["received"]) - Decimal(summary["expected"])
    assert Decimal(summary["excess"]) - Decimal(summary["shortfall"]) == Decimal(summary["received_minus_expected"])


def test_the_kind_is_registered_with_the_book_permission(actuary, internal_auditor):
    from insurer.jobs import registry

    kind = registry.get("book_premium_reconciliation")
    assert kind.permission == "customers.view_policy"
    assert kind in registry.kinds_for(actuary) and kind not in registry.kinds_for(internal_auditor)
    job = services.job_request(actor=actuary, kind=kind.name, parameters={"as_of": "2025-01-14"})
    assert job.parameters == {"as_of": "2025-01-14", "chunk_size": 5000}
