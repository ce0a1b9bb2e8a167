"""Permission-matrix endpoints of approvals (tests/test_permission_matrix.py).

Deciding needs approvals.decide_approvalrequest *and* the step's role: the world's pending
request waits for a claims supervisor, so every other persona is refused (403) by the
authority rule; withdrawing and resubmitting belong to the maker alone (not a persona)."""

from __future__ import annotations

from dataclasses import replace

from insurer.roles import CATALOGUE
from insurer.testing.matrix import WRITE, Endpoint

ALL = frozenset(r.code for r in CATALOGUE)
NOT_THE_SUPERVISOR = ALL - {"claims_supervisor"}


def world(builders) -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from insurer.access.models import Department
    from insurer.access.services import grant_system
    from insurer.approvals import services
    from insurer.approvals.models import AuthorisationMatrix

    user = get_user_model().objects.create_user
    maker = user(username="matrix-approvals-maker", password="x-pass-12345")
    grant_system(user=maker, role="claims_handler", reason="permission matrix")
    checker = user(username="matrix-approvals-checker", password="x-pass-12345")
    grant_system(user=checker, role="claims_supervisor", reason="permission matrix")
    delegate = user(username="matrix-approvals-delegate", password="x-pass-12345")
    grant_system(user=delegate, role="claims_handler", reason="permission matrix")

    def submit(object_id, amount):
        return services.approval_submit(
            actor=maker,
            kind="claim_payout",
            amount=amount,
            object_type="claims.claim",
            object_id=object_id,
            object_repr=f"Claim {object_id}",
            title=f"Pay {object_id}",
        )

    pending = submit("MX-1", "1000")
    # The same, owned by the claims department: department-scoped grants elsewhere get 404.
    claims, finance = Department.objects.get(code="CLAIMS"), Department.objects.get(code="FINANCE")
    scoped = services.approval_submit(
        actor=maker, kind="claim_payout", amount="1500", object_type="claims.claim", object_id="MX-3",
        object_repr="Claim MX-3", title="Pay MX-3", department=claims,
    )  # fmt: skip
    returned = submit("MX-2", "2000")
    services.approval_decide(actor=checker, request=returned, decision="return", comment="missing invoice")
    delegation = services.delegation_create(
        actor=checker,
        delegate=delegate,
        role="claims_supervisor",
        valid_to=timezone.localdate(),
        reason="permission matrix",
    )
    return {
        "approval_pending": pending,
        "approval_returned": returned,
        "approval_delegation": delegation,
        "approval_matrix": AuthorisationMatrix.objects.get(status="active"),
        "approval_scoped": scoped,
        "scope_home": claims,
        "scope_other": finance,
    }


V_REQ, V_MATRIX, V_DELEG = (
    "approvals.view_approvalrequest",
    "approvals.view_authorisationmatrix",
    "approvals.view_delegation",
)
SUBMIT, DECIDE = "approvals.add_approvalrequest", "approvals.decide_approvalrequest"
DELEGATE, PROPOSE = "approvals.add_delegation", "approvals.propose_authorisationmatrix"
JSON = "application/json"


def _submit_data(world):
    return {
        "kind": "expense",
        "amount": "1200",
        "object_type": "finance.expense",
        "object_id": "E-1",
        "title": "Printer paper",
    }


def _propose_rows(world):
    from insurer.approvals.views import _as_rows

    rows = _as_rows(world["approval_matrix"])
    rows[0] = {**rows[0], "levels": [{"role": "claims_supervisor", "days": 3}]}
    return rows


def _propose_form(world):
    import json

    return {"rules": json.dumps(_propose_rows(world)), "note": "matrix test"}


def _pending(w):
    return w["approval_pending"].pk


def _returned(w):
    return w["approval_returned"].pk


def _decide(verdict):
    return lambda w: {"decision": verdict, "comment": "matrix"}


ENDPOINTS = [
    # Screens
    Endpoint("approvals:queue", lambda w: "/approvals/", V_REQ),
    Endpoint("approvals:mine", lambda w: "/approvals/mine/", None),
    Endpoint("approvals:list", lambda w: "/approvals/requests/", V_REQ),
    Endpoint("approvals:detail", lambda w: f"/approvals/requests/{_pending(w)}/", V_REQ, object_permission=V_REQ),
    Endpoint("approvals:submit", lambda w: "/approvals/requests/new/", SUBMIT, kind=WRITE, ok=frozenset({200})),
    Endpoint(
        "approvals:submit", lambda w: "/approvals/requests/new/", SUBMIT, kind=WRITE, method="post", data=_submit_data
    ),
    *[
        Endpoint(
            "approvals:decide",
            lambda w: f"/approvals/requests/{_pending(w)}/decide/",
            DECIDE,
            kind=WRITE,
            method="post",
            object_permission=V_REQ,
            data=_decide(v),
            refuses=NOT_THE_SUPERVISOR,
        )
        for v in ("approve", "reject", "return")
    ],
    Endpoint(
        "approvals:withdraw",
        lambda w: f"/approvals/requests/{_pending(w)}/withdraw/",
        SUBMIT,
        kind=WRITE,
        method="post",
        object_permission=V_REQ,
        refuses=ALL,
    ),
    Endpoint(
        "approvals:resubmit",
        lambda w: f"/approvals/requests/{_returned(w)}/resubmit/",
        SUBMIT,
        kind=WRITE,
        method="post",
        object_permission=V_REQ,
        refuses=ALL,
        data=lambda w: {"title": "again", "amount": "2000"},
    ),
    Endpoint("approvals:delegations", lambda w: "/approvals/delegations/", V_DELEG),
    Endpoint(
        "approvals:delegations",
        lambda w: "/approvals/delegations/",
        DELEGATE,
        kind=WRITE,
        method="post",
        data=lambda w: {
            "delegate": "matrix-approvals-delegate",
            "role": "claims_supervisor",
            "valid_to": "2099-01-01",
            "reason": "matrix",
        },
    ),
    Endpoint(
        "approvals:delegation_revoke",
        lambda w: f"/approvals/delegations/{w['approval_delegation'].pk}/revoke/",
        DELEGATE,
        kind=WRITE,
        method="post",
        object_permission=V_DELEG,
        refuses=ALL,
    ),
    Endpoint("approvals:matrix", lambda w: "/approvals/matrix/", V_MATRIX),
    Endpoint("approvals:matrix_version", lambda w: "/approvals/matrix/v1/", V_MATRIX, object_permission=V_MATRIX),
    Endpoint("approvals:matrix_diff", lambda w: "/approvals/matrix/diff/?a=1&b=1", V_MATRIX),
    Endpoint(
        "approvals:matrix_propose", lambda w: "/approvals/matrix/propose/", PROPOSE, kind=WRITE, ok=frozenset({200})
    ),
    Endpoint(
        "approvals:matrix_propose",
        lambda w: "/approvals/matrix/propose/",
        PROPOSE,
        kind=WRITE,
        method="post",
        data=_propose_form,
    ),
    # API
    Endpoint("approval-list", lambda w: "/api/v1/approvals/", V_REQ, api=True),
    Endpoint("approval-queue", lambda w: "/api/v1/approvals/queue/", None, api=True),
    Endpoint(
        "approval-detail", lambda w: f"/api/v1/approvals/{_pending(w)}/", V_REQ, api=True, object_permission=V_REQ
    ),
    Endpoint(
        "approval-submit",
        lambda w: "/api/v1/approvals/submit/",
        SUBMIT,
        kind=WRITE,
        method="post",
        api=True,
        data=_submit_data,
        content_type=JSON,
    ),
    *[
        Endpoint(
            f"approval-{v}",
            lambda w, v=v: f"/api/v1/approvals/{_pending(w)}/{v}/",
            DECIDE,
            kind=WRITE,
            method="post",
            api=True,
            object_permission=V_REQ,
            data=lambda w: {"comment": "matrix"},
            content_type=JSON,
            refuses=NOT_THE_SUPERVISOR,
        )
        for v in ("approve", "reject", "return")
    ],
    Endpoint(
        "approval-withdraw",
        lambda w: f"/api/v1/approvals/{_pending(w)}/withdraw/",
        SUBMIT,
        kind=WRITE,
        method="post",
        api=True,
        object_permission=V_REQ,
        refuses=ALL,
        content_type=JSON,
    ),
    Endpoint(
        "approval-resubmit",
        lambda w: f"/api/v1/approvals/{_returned(w)}/resubmit/",
        SUBMIT,
        kind=WRITE,
        method="post",
        api=True,
        object_permission=V_REQ,
        refuses=ALL,
        content_type=JSON,
    ),
    Endpoint("approval-delegation-list", lambda w: "/api/v1/approvals/delegations/", V_DELEG, api=True),
    Endpoint(
        "approval-delegation-list",
        lambda w: "/api/v1/approvals/delegations/",
        DELEGATE,
        kind=WRITE,
        method="post",
        api=True,
        content_type=JSON,
        data=lambda w: {
            "delegate": "matrix-approvals-delegate",
            "role": "claims_supervisor",
            "valid_to": "2099-01-01",
            "reason": "matrix",
        },
    ),
    Endpoint(
        "approval-delegation-detail",
        lambda w: f"/api/v1/approvals/delegations/{w['approval_delegation'].pk}/",
        V_DELEG,
        api=True,
        object_permission=V_DELEG,
    ),
    Endpoint(
        "approval-delegation-revoke",
        lambda w: f"/api/v1/approvals/delegations/{w['approval_delegation'].pk}/revoke/",
        DELEGATE,
        kind=WRITE,
        method="post",
        api=True,
        object_permission=V_DELEG,
        refuses=ALL,
        content_type=JSON,
    ),
    Endpoint("approval-matrix-list", lambda w: "/api/v1/approvals/matrix/", V_MATRIX, api=True),
    Endpoint(
        "approval-matrix-detail",
        lambda w: "/api/v1/approvals/matrix/1/",
        V_MATRIX,
        api=True,
        object_permission=V_MATRIX,
    ),
    Endpoint(
        "approval-matrix-propose",
        lambda w: "/api/v1/approvals/matrix/propose/",
        PROPOSE,
        kind=WRITE,
        method="post",
        api=True,
        content_type=JSON,
        data=lambda w: {"note": "matrix test", "rules": _propose_rows(w)},
    ),
]


# Out of scope: the same endpoints on the claims department's request (test_permission_matrix).
_SCOPED = {
    "approvals:detail": lambda w: f"/approvals/requests/{w['approval_scoped'].pk}/",
    "approvals:decide": lambda w: f"/approvals/requests/{w['approval_scoped'].pk}/decide/",
    "approval-detail": lambda w: f"/api/v1/approvals/{w['approval_scoped'].pk}/",
    **{
        f"approval-{v}": (lambda w, v=v: f"/api/v1/approvals/{w['approval_scoped'].pk}/{v}/")
        for v in ("approve", "reject", "return")
    },
}
ENDPOINTS = [replace(e, scoped_url=_SCOPED[e.name]) if e.name in _SCOPED else e for e in ENDPOINTS]
