"""A task queued by the web process is run by a real worker process on the same database."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from customers.models import BookMonthFigure, BookSnapshot, Customer, Policy, PolicyTransaction, Product
from customers.summary import book_summary_refresh
from customers.tasks import book_summary_refresh_task
from insurer import crypto

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]


def _small_book() -> None:
    product = Product.objects.create(
        product_code="TERM20",
        name="定期寿险20年",
        kind="term",
        mortality_table="CL1",
        min_age=18,
        max_age=60,
        cooling_off_days=15,
    )
    sealed_id = crypto.seal("11010519800101003X", "id_number", crypto.mask_id_number)
    customer = Customer.objects.create(
        customer_ref="C00000001",
        kind="person",
        name="王伟",
        id_type="resident_id",
        id_number_ciphertext=sealed_id.ciphertext,
        id_number_digest=sealed_id.digest,
        id_number_masked=sealed_id.masked,
        birth_date=dt.date(1980, 1, 1),
        sex="M",
    )
    for n, (issued, status, ended) in enumerate(
        [
            (dt.date(2024, 1, 10), "in_force", None),
            (dt.date(2024, 2, 5), "surrendered", dt.date(2025, 3, 1)),
            (dt.date(2024, 3, 1), "lapsed", dt.date(2024, 9, 1)),
        ]
    ):
        policy = Policy.objects.create(
            policy_ref=f"P{n:09d}",
            product=product,
            policyholder=customer,
            insured=customer,
            issue_date=issued,
            status=status,
            status_date=ended,
            sum_assured=Decimal("500000"),
            annual_premium=Decimal("1200"),
            premium_term_years=20,
            policy_term_years=20,
            payment_frequency="annual",
            channel="agency",
        )
        PolicyTransaction.objects.create(
            txn_ref=f"T{n:010d}",
            policy=policy,
            kind="premium",
            amount=Decimal("1200"),
            method="transfer",
            timestamp=timezone.make_aware(dt.datetime.combine(issued, dt.time(10))),
            payer=customer,
        )


def test_summary_task_runs_on_a_real_worker_and_matches_the_inline_result(celery_worker_process, wait_for):
    _small_book()
    book_summary_refresh_task.delay(trigger="worker-test")

    wait_for(lambda: BookSnapshot.objects.filter(trigger="worker-test").exists(), 60, "the worker's snapshot")
    from_worker = BookSnapshot.objects.get(trigger="worker-test")
    months_from_worker = list(BookMonthFigure.objects.values_list("month", "premium_income", "policies_in_force_end"))

    inline = book_summary_refresh(trigger="inline")
    assert (from_worker.policies, from_worker.policies_in_force, from_worker.transactions) == (3, 1, 3)
    assert from_worker.annual_premium_in_force == inline.annual_premium_in_force == Decimal("1200")
    assert months_from_worker == list(
        BookMonthFigure.objects.values_list("month", "premium_income", "policies_in_force_end")
    )
    by_month = {m: n for m, _, n in months_from_worker}
    assert by_month[dt.date(2024, 3, 1)] == 3  # all three issued, none ended yet
    assert by_month[dt.date(2024, 9, 1)] == 2  # the lapse on 1 September counts from that day
    assert by_month[dt.date(2025, 3, 1)] == 1  # and the surrender on 1 March 2025
