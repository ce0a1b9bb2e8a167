"""Screens and API of the clocks: what each persona sees, 403 on every command for
oversight roles (web and API), and a constant query budget for the API list."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from insurer.clocks import services
from insurer.clocks.models import Clock, ClockBreach
from insurer.clocks.tests.conftest import shanghai
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db

WRITE_MARKERS = (
    'data-testid="clock-actions"',
    'data-testid="clock-start"',
    'data-testid="explain-form"',
    'data-testid="signoff-form"',
)


@pytest.fixture
def world(staff, at):
    """A running C1 clock, a paused C10 clock and an explained C3 breach."""
    handler, supervisor = staff("claims_handler"), staff("claims_supervisor")
    at(2024, 9, 26, 16, 0)
    breached = services.clock_start(
        actor=handler,
        rule_code="C3",
        object_type="claims.claim",
        object_id="CLM-3",
        object_repr="Claim CLM-3",
        started_at=shanghai(2024, 9, 26, 16, 0),
    )
    services.clocks_tick(now=shanghai(2024, 10, 7, 1, 0))
    breach = ClockBreach.objects.get(clock=breached)
    services.breach_explain(actor=handler, breach=breach, explanation="Bank details arrived late.")
    at(2026, 11, 20, 9, 0)
    running = services.clock_start(
        actor=handler, rule_code="C1", object_type="claims.claim", object_id="CLM-1", object_repr="Claim CLM-1"
    )
    paused = services.clock_start(
        actor=supervisor,
        rule_code="C10",
        object_type="complaints.complaint",
        object_id="CMP-7",
        object_repr="Complaint CMP-7",
    )
    services.clock_pause(actor=supervisor, clock=paused, reason="waiting for the complainant")
    return {"handler": handler, "supervisor": supervisor, "running": running, "paused": paused, "breach": breach}


def test_list_sorted_by_due_date_with_filters_and_due_soon(client, world, at):
    at(2026, 12, 19, 9, 0)  # C1 of 2026-11-20 is due at the end of 2026-12-20: within two days
    client.force_login(world["handler"])
    page = client.get(reverse("clocks:list")).content.decode()
    assert page.index("CLM-3") < page.index("CLM-1")  # earliest due first
    assert 'data-due-soon="1"' in page and "table-danger" in page
    assert 'data-testid="clock-start"' in page
    only_c1 = client.get(reverse("clocks:list"), {"rule": "C1"}).content.decode()
    assert "CLM-1" in only_c1 and "CLM-3" not in only_c1
    paused = client.get(reverse("clocks:list"), {"status": "paused"}).content.decode()
    assert "CMP-7" in paused and "CLM-1" not in paused
    before = client.get(reverse("clocks:list"), {"due_before": "2025-01-01"}).content.decode()
    assert "CLM-3" in before and "CLM-1" not in before
    partial = client.get(reverse("clocks:list"), {"rule": "C1"}, HTTP_HX_REQUEST="true", HTTP_HX_TARGET="table-region")
    assert "<html" not in partial.content.decode()


def test_detail_shows_rule_source_and_timeline(client, world):
    client.force_login(world["handler"])
    page = client.get(reverse("clocks:detail", args=[world["breach"].clock_id])).content.decode()
    assert "Insurance Law art. 23" in page
    for kind in ("start", "breach"):
        assert f'data-kind="{kind}"' in page
    paused = client.get(reverse("clocks:detail", args=[world["paused"].pk])).content.decode()
    assert "waiting for the complainant" in paused and 'data-kind="pause"' in paused


def test_web_commands_for_an_operator(client, world, at):
    at(2026, 11, 21, 9, 0)
    client.force_login(world["supervisor"])
    response = client.post(reverse("clocks:resume", args=[world["paused"].pk]), {"reason": " "}, follow=True)
    assert "A resume needs a reason." in response.content.decode()
    assert Clock.objects.get(pk=world["paused"].pk).status == Clock.Status.PAUSED
    response = client.post(reverse("clocks:resume", args=[world["paused"].pk]), {"reason": "documents arrived"})
    assert response.status_code == 302 and response.url == reverse("clocks:detail", args=[world["paused"].pk])
    assert Clock.objects.get(pk=world["paused"].pk).status == Clock.Status.RUNNING
    response = client.post(reverse("clocks:pause", args=[world["running"].pk]), {"reason": ""}, follow=True)
    assert "A pause needs a reason." in response.content.decode()
    client.post(reverse("clocks:start"), {"rule_code": "C4", "object_type": "claims.claim", "object_id": "CLM-8"})
    assert Clock.objects.filter(object_id="CLM-8", rule__code="C4").exists()


def test_breach_register_sign_off_by_another_approver(client, world):
    client.force_login(world["handler"])
    page = client.get(reverse("clocks:breaches")).content.decode()
    assert "Bank details arrived late." in page and 'data-testid="signoff-form"' not in page
    client.force_login(world["supervisor"])
    page = client.get(reverse("clocks:breaches")).content.decode()
    assert 'data-testid="signoff-form"' in page
    client.post(reverse("clocks:breach_sign_off", args=[world["breach"].pk]))
    assert ClockBreach.objects.get(pk=world["breach"].pk).signed_off_by == world["supervisor"]


def test_rule_catalogue_lists_versions_and_sources(client, world):
    client.force_login(world["handler"])
    page = client.get(reverse("clocks:rules")).content.decode()
    for code in ("C1", "C9", "C15"):
        assert f'data-rule="{code}"' in page
    assert "PBOC Order 2016 No. 3" in page and "verify" in page


@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner"])
def test_oversight_sees_everything_and_no_write_control(client, world, persona_factory, code):
    reader = persona_factory(code)
    client.force_login(reader)
    pages = [
        reverse("clocks:list"),
        reverse("clocks:detail", args=[world["running"].pk]),
        reverse("clocks:detail", args=[world["paused"].pk]),
        reverse("clocks:breaches"),
        reverse("clocks:rules"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        assert not [m for m in WRITE_MARKERS if m in body], url
    assert "Regulatory clocks" in client.get(reverse("home")).content.decode()  # in the menu


@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner"])
def test_oversight_web_posts_are_refused(client, world, persona_factory, code):
    client.force_login(persona_factory(code))
    events = AuditEvent.objects.count()
    posts = [
        (reverse("clocks:start"), {"rule_code": "C1", "object_type": "claims.claim", "object_id": "X"}),
        (reverse("clocks:pause", args=[world["running"].pk]), {"reason": "x"}),
        (reverse("clocks:resume", args=[world["paused"].pk]), {"reason": "x"}),
        (reverse("clocks:stop", args=[world["running"].pk]), {"reason": "x"}),
        (reverse("clocks:breach_explain", args=[world["breach"].pk]), {"explanation": "x"}),
        (reverse("clocks:breach_sign_off", args=[world["breach"].pk]), {}),
    ]
    for url, data in posts:
        assert client.post(url, data).status_code == 403, url
    assert AuditEvent.objects.count() == events


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.mark.parametrize("code", ["internal_auditor", "external_examiner"])
def test_oversight_api_reads_and_every_command_is_403(world, persona_factory, code):
    client = api(persona_factory(code))
    assert client.get("/api/v1/clocks/").status_code == 200
    assert client.get(f"/api/v1/clocks/{world['running'].pk}/").status_code == 200
    assert client.get("/api/v1/clocks/rules/").status_code == 200
    assert client.get("/api/v1/clocks/breaches/").status_code == 200
    commands = [
        ("/api/v1/clocks/start/", {"rule_code": "C1", "object_type": "claims.claim", "object_id": "X"}),
        (f"/api/v1/clocks/{world['running'].pk}/pause/", {"reason": "x"}),
        (f"/api/v1/clocks/{world['paused'].pk}/resume/", {"reason": "x"}),
        (f"/api/v1/clocks/{world['running'].pk}/stop/", {"reason": "x"}),
        (f"/api/v1/clocks/breaches/{world['breach'].pk}/explain/", {"explanation": "x"}),
        (f"/api/v1/clocks/breaches/{world['breach'].pk}/sign-off/", {}),
    ]
    for url, data in commands:
        assert client.post(url, data, format="json").status_code == 403, url


def test_api_commands_for_operators(world, at):
    handler, supervisor = api(world["handler"]), api(world["supervisor"])
    at(2026, 11, 21, 9, 0)
    created = handler.post(
        "/api/v1/clocks/start/",
        {"rule_code": "C13", "object_type": "aml.transaction", "object_id": "TX-1", "object_repr": "TX-1"},
        format="json",
    )
    assert created.status_code == 201, created.content
    assert created.json()["rule"] == "C13" and created.json()["due_at"].startswith("2026-11-27T23:59:59.999999")
    pk = created.json()["id"]
    refused = handler.post(f"/api/v1/clocks/{pk}/pause/", {"reason": "wait"}, format="json")
    assert refused.status_code == 400 and "does not allow pauses" in str(refused.json())
    running = world["running"].pk
    assert (
        handler.post(f"/api/v1/clocks/{running}/pause/", {"reason": "docs"}, format="json").json()["status"] == "paused"
    )
    no_reason = handler.post(f"/api/v1/clocks/{running}/resume/", {}, format="json")
    assert no_reason.status_code == 400 and "A resume needs a reason." in str(no_reason.json()["errors"]["reason"])
    resumed = handler.post(f"/api/v1/clocks/{running}/resume/", {"reason": "documents in"}, format="json")
    assert resumed.json()["status"] == "running"
    blank_stop = handler.post(f"/api/v1/clocks/{running}/stop/", {"reason": "  "}, format="json")
    assert blank_stop.status_code == 400 and "A stop needs a reason." in str(blank_stop.json()["errors"]["reason"])
    assert (
        handler.post(f"/api/v1/clocks/{running}/stop/", {"reason": "decided"}, format="json").json()["status"]
        == "stopped"
    )
    events = AuditEvent.objects.filter(object_type="clocks.clock", object_id=str(running))
    assert events.get(action="clock_resume").reason == "documents in"
    assert events.get(action="clock_stop").reason == "decided"
    breach = world["breach"].pk
    assert handler.post(f"/api/v1/clocks/breaches/{breach}/sign-off/", {}, format="json").status_code == 403
    signed = supervisor.post(f"/api/v1/clocks/breaches/{breach}/sign-off/", {}, format="json")
    assert signed.status_code == 200 and signed.json()["signed_off_by"] == world["supervisor"].username
    detail = handler.get(f"/api/v1/clocks/{running}/").json()
    assert detail["pauses"][0]["reason"] == "docs" and "from" in detail["pauses"][0]


def test_api_list_filters_and_order(world):
    client = api(world["handler"])
    rows = client.get("/api/v1/clocks/").json()["results"]
    assert [r["object_id"] for r in rows] == ["CLM-3", "CMP-7", "CLM-1"]
    assert [r["object_id"] for r in client.get("/api/v1/clocks/", {"rule": "C1"}).json()["results"]] == ["CLM-1"]
    assert client.get("/api/v1/clocks/", {"status": "breached"}).json()["results"][0]["breached"] is True
    codes = [r["code"] for r in client.get("/api/v1/clocks/rules/").json()]
    assert codes[:16] == [*(f"C{i}" for i in range(1, 16)), "A1"]  # the platform's; domain apps may add more


def test_nobody_gets_403_on_lists_and_404_on_objects(world, nobody):
    client = api(nobody)
    assert client.get("/api/v1/clocks/").status_code == 403
    assert client.get(f"/api/v1/clocks/{world['running'].pk}/").status_code == 404
    assert client.post(f"/api/v1/clocks/{world['running'].pk}/stop/", {}, format="json").status_code == 404


def _make_clocks(handler, n, start):
    """n C3 clocks, all breached by the tick, half of them explained."""
    for i in range(n):
        services.clock_start(
            actor=handler,
            rule_code="C3",
            object_type="claims.claim",
            object_id=f"Q-{start + i}",
            started_at=shanghai(2024, 9, 1, 9, 0),
        )
    services.clocks_tick(now=shanghai(2024, 9, 20, 0, 0))
    for breach in ClockBreach.objects.filter(explained_at__isnull=True)[: n // 2]:
        services.breach_explain(actor=handler, breach=breach, explanation="late")


def test_api_list_query_count_is_constant(world, django_assert_max_num_queries, django_user_model):
    def get(url):  # a fresh user object each time: nothing cached between requests
        return api(django_user_model.objects.get(pk=world["handler"].pk)).get(url, {"page_size": 100})

    _make_clocks(world["handler"], 3, 0)
    with django_assert_max_num_queries(6) as small:
        assert len(get("/api/v1/clocks/").json()["results"]) == 6
    with django_assert_max_num_queries(6) as small_breaches:
        assert len(get("/api/v1/clocks/breaches/").json()["results"]) == 4
    _make_clocks(world["handler"], 40, 100)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert len(get("/api/v1/clocks/").json()["results"]) == 46
    with django_assert_max_num_queries(len(small_breaches.captured_queries)):
        assert len(get("/api/v1/clocks/breaches/").json()["results"]) == 44
    assert len(small.captured_queries) <= 5 and len(small_breaches.captured_queries) <= 5
