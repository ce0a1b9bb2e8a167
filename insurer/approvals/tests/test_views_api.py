"""Screens and API: the decision form renders only for someone who may decide; forged
POSTs are refused with the rule's message; oversight sees no controls and is refused every
command; query counts do not grow with the number of requests."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from insurer.approvals import services
from insurer.approvals.models import ApprovalRequest
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


def web(client, user):
    client.force_login(user)
    return client


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_decision_form_renders_only_for_a_checker(client, crew, submit):
    request = submit(crew["maker"], "100")
    url = f"/approvals/requests/{request.pk}/"
    page = web(client, crew["maker"]).get(url).content.decode()
    assert 'data-testid="decision-form"' not in page and 'data-testid="approve"' not in page
    assert "maker-checker" in page  # why not, in words
    assert 'data-testid="withdraw"' in page
    page = web(client, crew["exe"]).get(url).content.decode()  # sees it, does not hold the role
    assert 'data-testid="approve"' not in page and "do not hold the role" in page
    page = web(client, crew["sup"]).get(url).content.decode()
    assert 'data-testid="approve"' in page and 'data-testid="withdraw"' not in page


def test_a_forged_post_from_the_maker_is_refused_with_the_rule(client, crew, submit):
    request = submit(crew["maker"], "100")
    response = web(client, crew["maker"]).post(f"/approvals/requests/{request.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 403
    assert "maker-checker" in response.content.decode()
    request.refresh_from_db()
    assert request.status == "pending" and request.decisions.count() == 0


def test_the_checker_approves_through_the_page(client, crew, submit):
    request = submit(crew["maker"], "100")
    step = request.steps.get(order=1)
    response = web(client, crew["sup"]).post(
        f"/approvals/requests/{request.pk}/decide/", {"decision": "approve", "step": step.pk, "comment": "ok"}
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "approved"
    # a second, stale POST is refused as a state error, shown on the page
    response = web(client, crew["sup2"]).post(
        f"/approvals/requests/{request.pk}/decide/", {"decision": "approve", "step": step.pk}, follow=True
    )
    assert "not the current step" in response.content.decode()


def test_submit_and_resubmit_through_the_pages(client, crew, claims):
    c = web(client, crew["maker"])
    assert c.get("/approvals/requests/new/").status_code == 200
    response = c.post(
        "/approvals/requests/new/",
        {
            "kind": "claim_payout",
            "amount": "120000",
            "department": claims.pk,
            "title": "Claim 77",
            "object_type": "claims.claim",
            "object_id": "77",
        },
    )
    assert response.status_code == 302
    request = ApprovalRequest.objects.get(object_id="77")
    services.approval_decide(actor=crew["sup"], request=request, decision="return", comment="add the invoice")
    assert web(client, crew["sup"]).get(f"/approvals/requests/{request.pk}/resubmit/").status_code == 403
    c = web(client, crew["maker"])
    assert 'data-testid="resubmit-link"' in c.get(f"/approvals/requests/{request.pk}/").content.decode()
    response = c.post(
        f"/approvals/requests/{request.pk}/resubmit/",
        {"title": "Claim 77", "amount": "120000", "comment": "invoice attached"},
    )
    assert response.status_code == 302
    request.refresh_from_db()
    assert request.status == "pending" and request.steps.get(order=1).status == "current"


@pytest.mark.parametrize("auditor_role", ["internal_auditor", "external_examiner"])
def test_oversight_sees_everything_and_no_controls_and_is_refused_every_command(
    client, crew, submit, persona_factory, auditor_role
):
    auditor = persona_factory(auditor_role)
    request = submit(crew["maker"], "100")
    returned = submit(crew["maker"], "200")
    services.approval_decide(actor=crew["sup"], request=returned, decision="return", comment="fix")
    c = web(client, auditor)
    for url in [
        "/approvals/",
        "/approvals/requests/",
        f"/approvals/requests/{request.pk}/",
        f"/approvals/requests/{returned.pk}/",
        "/approvals/delegations/",
        "/approvals/matrix/",
        "/approvals/matrix/v1/",
        "/approvals/matrix/diff/?a=1&b=1",
    ]:
        response = c.get(url)
        assert response.status_code == 200, url
        page = response.content.decode()
        for control in (
            'data-testid="approve"',
            'data-testid="decision-form"',
            'data-testid="withdraw"',
            'data-testid="resubmit-link"',
            'data-testid="new-request"',
            'data-testid="propose"',
            "Delegate one of your roles",
        ):
            assert control not in page, (url, control)
    before = AuditEvent.objects.count()
    posts = {
        f"/approvals/requests/{request.pk}/decide/": {"decision": "approve"},
        f"/approvals/requests/{request.pk}/withdraw/": {},
        f"/approvals/requests/{returned.pk}/resubmit/": {"title": "x", "amount": "1"},
        "/approvals/requests/new/": {
            "kind": "refund",
            "amount": "1",
            "title": "x",
            "object_type": "a.b",
            "object_id": "1",
        },
        "/approvals/delegations/": {
            "delegate": crew["sup"].username,
            "role": auditor_role,
            "valid_to": "2099-01-01",
            "reason": "x",
        },
        "/approvals/matrix/propose/": {"rules": "[]", "note": "x"},
    }
    for url, data in posts.items():
        assert c.post(url, data).status_code == 403, url
    a = api(auditor)
    assert a.get("/api/v1/approvals/").status_code == 200
    assert a.get(f"/api/v1/approvals/{request.pk}/").status_code == 200
    for url in [
        f"/api/v1/approvals/{request.pk}/approve/",
        f"/api/v1/approvals/{request.pk}/reject/",
        f"/api/v1/approvals/{request.pk}/return/",
        f"/api/v1/approvals/{request.pk}/withdraw/",
        f"/api/v1/approvals/{returned.pk}/resubmit/",
    ]:
        response = a.post(url, {"comment": "x"}, format="json")
        assert response.status_code == 403, url
        assert response.json()["detail"]
    assert (
        a.post(
            "/api/v1/approvals/submit/",
            {"kind": "refund", "amount": "1", "object_type": "a.b", "object_id": "1", "title": "x"},
            format="json",
        ).status_code
        == 403
    )
    assert a.post("/api/v1/approvals/matrix/propose/", {"note": "x", "rules": []}, format="json").status_code == 403
    assert (
        a.post(
            "/api/v1/approvals/delegations/",
            {"delegate": crew["sup"].username, "role": auditor_role, "valid_to": "2099-01-01", "reason": "x"},
            format="json",
        ).status_code
        == 403
    )
    assert AuditEvent.objects.count() == before


def test_api_commands(crew, submit):
    request = submit(crew["maker"], "100000")
    response = api(crew["maker"]).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json")
    assert response.status_code == 403 and "maker-checker" in response.json()["detail"]
    response = api(crew["sup"]).post(f"/api/v1/approvals/{request.pk}/approve/", {"comment": "fine"}, format="json")
    assert response.status_code == 200
    body = response.json()
    assert [s["status"] for s in body["steps"]] == ["approved", "current"]
    assert body["decisions"][0]["decided_by"] == "sam" and body["current_step"]["role"] == "executive"
    response = api(crew["sup"]).post(f"/api/v1/approvals/{request.pk}/approve/", {}, format="json")
    assert response.status_code == 403 and "do not hold the role Executive" in response.json()["detail"]
    response = api(crew["exe"]).post(f"/api/v1/approvals/{request.pk}/reject/", {}, format="json")
    assert response.status_code == 400 and "comment" in json.dumps(response.json())
    response = api(crew["exe"]).post(f"/api/v1/approvals/{request.pk}/return/", {"comment": "more"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "returned"
    response = api(crew["maker"]).post(f"/api/v1/approvals/{request.pk}/resubmit/", {"comment": "done"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "pending"
    response = api(crew["maker"]).post(f"/api/v1/approvals/{request.pk}/withdraw/", {"reason": "x"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "withdrawn"


def test_api_submit_queue_and_scope(crew, person):
    response = api(crew["maker"]).post(
        "/api/v1/approvals/submit/",
        {
            "kind": "claim_payout",
            "amount": "600000",
            "object_type": "claims.claim",
            "object_id": "9",
            "object_repr": "Claim 9",
            "department": "CLAIMS",
            "title": "Claim 9",
        },
        format="json",
    )
    assert response.status_code == 201
    made = response.json()
    assert [s["role"] for s in made["steps"]] == ["claims_supervisor", "executive", "board_member"]
    assert made["matrix_version"] == 1 and made["maker"] == "hana"
    queue = api(crew["sup"]).get("/api/v1/approvals/queue/").json()
    assert [r["id"] for r in queue] == [made["id"]]
    assert api(crew["exe"]).get("/api/v1/approvals/queue/").json() == []
    # a viewer scoped to another department: the request is out of scope (404)
    outsider = person("otto", "claims_supervisor", department="SERVICE")
    assert api(outsider).get(f"/api/v1/approvals/{made['id']}/").status_code == 404
    assert api(outsider).post(f"/api/v1/approvals/{made['id']}/approve/", {}, format="json").status_code == 404
    assert api(outsider).get("/api/v1/approvals/").json()["results"] == []
    assert len(api(crew["exe"]).get("/api/v1/approvals/").json()["results"]) == 1


def test_api_matrix_versions_and_propose(crew):
    versions = api(crew["sup"]).get("/api/v1/approvals/matrix/").json()
    assert [v["version"] for v in versions] == [1] and versions[0]["status"] == "active"
    one = api(crew["sup"]).get("/api/v1/approvals/matrix/1/").json()
    assert {r["business_type"] for r in one["rules"]} >= {"claim_payout", "matrix_change"}
    rows = one["rules"]
    rows[0]["levels"] = [{"role": "claims_supervisor", "days": 4}]
    assert (
        api(crew["sup"])
        .post("/api/v1/approvals/matrix/propose/", {"note": "x", "rules": rows}, format="json")
        .status_code
        == 403
    )
    response = api(crew["cro"]).post(
        "/api/v1/approvals/matrix/propose/", {"note": "longer first level", "rules": rows}, format="json"
    )
    assert response.status_code == 201
    body = response.json()
    assert body["matrix"]["version"] == 2 and body["matrix"]["status"] == "pending_approval"
    assert body["approval_request"]["kind"] == "matrix_change"
    assert [s["role"] for s in body["approval_request"]["steps"]] == ["cro", "board_member"]


def test_matrix_pages(client, crew):
    services.matrix_propose(actor=crew["cro"], rules=_changed_rows(), note="raise limits")
    c = web(client, crew["cro"])
    page = c.get("/approvals/matrix/").content.decode()
    assert "v2" in page and "Pending approval" in page and 'data-testid="propose"' in page
    diff = c.get("/approvals/matrix/diff/?a=1&b=2").content.decode()
    assert "changed" in diff and "Claim payout" not in diff.split("<table")[0]
    assert c.get("/approvals/matrix/propose/").status_code == 200
    assert c.get("/approvals/matrix/v2/").status_code == 200
    assert web(client, crew["sup"]).get("/approvals/matrix/propose/").status_code == 403


def _changed_rows():
    from insurer.approvals.models import AuthorisationMatrix
    from insurer.approvals.views import _as_rows

    rows = _as_rows(AuthorisationMatrix.objects.get(version=1))
    rows[0] = {**rows[0], "levels": [{"role": "claims_supervisor", "days": 5}]}
    return rows


def test_delegations_page_creates_one(client, crew):
    c = web(client, crew["sup"])
    response = c.post(
        "/approvals/delegations/",
        {"delegate": crew["sup2"].username, "role": "claims_supervisor", "valid_to": "2099-01-01", "reason": "leave"},
    )
    assert response.status_code == 200 and "at most" in response.content.decode()  # too long
    import datetime as dt

    from django.utils import timezone

    end = (timezone.localdate() + dt.timedelta(days=10)).isoformat()
    response = c.post(
        "/approvals/delegations/",
        {"delegate": crew["sup2"].username, "role": "claims_supervisor", "valid_to": end, "reason": "leave"},
    )
    assert response.status_code == 302
    page = c.get("/approvals/delegations/").content.decode()
    assert crew["sup2"].username in page and "In force" in page


def _grow(crew, submit, n):
    for i in range(n):
        submit(crew["maker"], str(100 + i), object_id=f"Q-{i}")


def _count(callable_):
    callable_()  # warm the per-process caches (content types) so both sizes compare like for like
    with CaptureQueriesContext(connection) as queries:
        response = callable_()
    assert response.status_code == 200
    return len(queries)


def test_query_counts_do_not_grow_with_the_requests(client, crew, submit):
    services.delegation_create(
        actor=crew["exe"],
        delegate=crew["sup"],
        role="executive",
        valid_to=__import__("django.utils.timezone").utils.timezone.localdate(),
        reason="x",
    )
    c = web(client, crew["sup"])
    a = api(crew["sup"])
    pages = {
        "queue": lambda: c.get("/approvals/"),
        "list": lambda: c.get("/approvals/requests/"),
        "mine": lambda: web(client, crew["maker"]).get("/approvals/mine/"),
        "api list": lambda: a.get("/api/v1/approvals/"),
        "api queue": lambda: a.get("/api/v1/approvals/queue/"),
    }
    _grow(crew, submit, 3)
    small = {}
    for name, call in pages.items():
        c = web(client, crew["sup"])
        small[name] = _count(call)
    _grow(crew, submit, 12)
    for name, call in pages.items():
        c = web(client, crew["sup"])
        assert _count(call) == small[name], name
    print("approvals query counts (3 and 15 requests):", small)
    assert len(a.get("/api/v1/approvals/queue/").json()) == 15
