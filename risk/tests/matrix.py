"""Permission-matrix endpoints of the risk app (tests/test_permission_matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import Endpoint


def world(builders) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from insurer.jobs.models import Job

    requester = get_user_model().objects.create_user(username="matrix-valuation-requester", password="x-pass-12345")
    summary = {"basis": "cross_default", "scenarios": "base", "valuation_date": "2026-06-30", "policies": 1,
               "valued": 1, "skipped": {}, "totals": {"base": {"pv_premiums": 1.0, "bel": -1.0}},
               "by_product": {"TL01": {"pv_premiums": 1.0, "bel": -1.0}}, "cashflows": {"premiums": [1.0]}}  # fmt: skip
    job = Job.objects.create(
        kind="book_valuation", parameters={"basis": "cross_default", "scenarios": "base",
                                           "valuation_date": "2026-06-30", "chunk_size": 20000},
        input_hash="0" * 64, code_version="matrix", requested_by=requester, status="succeeded",
        chunks_total=1, chunks_done=1, result_summary=summary, finished_at=timezone.now(),
    )  # fmt: skip
    return {"valuation": job}


VIEW = "risk.view_valuation"
ENDPOINTS = [
    Endpoint("risk:valuations", lambda w: "/risk/valuations/", VIEW),
    # Valuations are jobs: seeing one needs the risk view permission and the job in scope.
    Endpoint("risk:valuation", lambda w: f"/risk/valuations/{w['valuation'].pk}/", VIEW, object_permission=VIEW),
]
