"""Permission-matrix endpoints of jobs (insurer/testing/matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    from django.contrib.auth import get_user_model

    from insurer.jobs.models import Job

    requester = get_user_model().objects.create_user(username="matrix-job-requester", password="x-pass-12345")
    job = Job.objects.create(kind="book_premium_reconciliation", parameters={"as_of": "2026-09-30", "chunk_size": 500},
                             input_hash="0" * 64, code_version="matrix", requested_by=requester)  # fmt: skip
    return {"job": job}


VIEW = "jobs.view_job"
KIND = "book_premium_reconciliation"
ENDPOINTS = [
    Endpoint("jobs:list", lambda w: "/jobs/", VIEW),
    Endpoint("jobs:detail", lambda w: f"/jobs/{w['job'].pk}/", VIEW, object_permission=VIEW),
    Endpoint("jobs:live", lambda w: f"/jobs/{w['job'].pk}/live/", VIEW, object_permission=VIEW),
    Endpoint("jobs:run", lambda w: f"/jobs/run/{KIND}/", "jobs.request_job", kind=WRITE, ok=frozenset({200})),
    # Someone else's job: only a role that may cancel any job (the requester is not a persona).
    Endpoint("jobs:cancel", lambda w: f"/jobs/{w['job'].pk}/cancel/", "jobs.cancel_job", kind=WRITE, method="post",
             object_permission=VIEW),
    Endpoint("job-list", lambda w: "/api/v1/jobs/", VIEW, api=True),
    Endpoint("job-list", lambda w: "/api/v1/jobs/", "jobs.request_job", kind=WRITE, method="post", api=True,
             content_type="application/json",
             data=lambda w: {"kind": KIND, "parameters": {"as_of": "2026-09-30", "chunk_size": 500}}),
    Endpoint("job-detail", lambda w: f"/api/v1/jobs/{w['job'].pk}/", VIEW, api=True, object_permission=VIEW),
    Endpoint("job-cancel", lambda w: f"/api/v1/jobs/{w['job'].pk}/cancel/", "jobs.cancel_job", kind=WRITE,
             method="post", api=True, object_permission=VIEW, content_type="application/json", data=lambda w: {}),
    # Lists the kinds the caller may request (possibly none): open to every signed-in user.
    Endpoint("job-kind-list", lambda w: "/api/v1/job-kinds/", None, api=True),
]  # fmt: skip
