"""Auditor screens over the ledger: browse, filter, history, verify, export."""

from __future__ import annotations

import csv
import io

import pytest
from django.db import connection

from insurer import audit
from insurer.ledger.maintenance import triggers_disabled
from insurer.ledger.models import AuditEvent
from insurer.ledger.services import chain_pending

pytestmark = pytest.mark.django_db


@pytest.fixture
def history(cro):
    for ref in ("C00000001", "C00000002", "C00000001"):
        audit.record_change(actor=cro, action="update", obj_type="customers.customer", obj_id=ref,
                            before={"address": "a"}, after={"address": "b"})  # fmt: skip
    chain_pending()  # what the after-commit hook does outside a test transaction


def test_auditor_browses_filters_and_opens_an_objects_history(client, internal_auditor, history):
    client.force_login(internal_auditor)
    page = client.get("/ledger/", {"object_id": "C00000001"}).content.decode()
    assert page.count('href="/ledger/events/') == 2
    history_page = client.get("/ledger/history/customers.customer/C00000001/").content.decode()
    assert history_page.count('href="/ledger/events/') == 2
    first = AuditEvent.objects.filter(object_id="C00000001").order_by("link__sequence").first()
    detail = client.get(f"/ledger/events/{first.pk}/").content.decode()
    assert "&quot;address&quot;: &quot;b&quot;" in detail and first.hash in detail


def test_verify_page_reports_intact_then_names_the_tampered_event(client, external_examiner, history):
    client.force_login(external_examiner)
    total = AuditEvent.objects.count()
    assert f"Chain intact: {total} events" in client.post("/ledger/verify/").content.decode()
    target = AuditEvent.objects.filter(object_id="C00000002").get().sequence
    with triggers_disabled(), connection.cursor() as cursor:
        cursor.execute(
            "UPDATE ledger_auditevent SET actor_name = 'someone-else' WHERE id = %s",
            [AuditEvent.objects.get(link__sequence=target).pk],
        )
    page = client.post("/ledger/verify/").content.decode()
    assert "The ledger does not verify." in page and f"event #{target}: content changed" in page


def test_export_streams_every_column_and_is_itself_recorded(client, internal_auditor, history):
    client.force_login(internal_auditor)
    response = client.get("/ledger/export.csv", {"object_type": "customers.customer"})
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode())))
    assert rows[0][:3] == ["sequence", "recorded_at", "kind"] and rows[0][-1] == "hash"
    expected = AuditEvent.objects.filter(object_type="customers.customer").order_by("link__sequence")
    assert [r[0] for r in rows[1:]] == [str(e.sequence) for e in expected]
    assert [r[8] for r in rows[1:]] == ["C00000001", "C00000002", "C00000001"]
    export = AuditEvent.objects.get(kind="export")
    assert (export.actor_name, export.changes["rows"]) == (internal_auditor.username, 3)


@pytest.mark.parametrize("role", ["board_member", "claims_handler", "actuary"])
def test_roles_without_ledger_permissions_are_refused(client, persona_factory, role, history):
    client.force_login(persona_factory(role))
    assert client.get("/ledger/").status_code == 403
    assert client.get("/ledger/export.csv").status_code == 403


def test_compliance_reads_but_may_not_export(client, compliance_officer, history):
    client.force_login(compliance_officer)
    assert client.get("/ledger/").status_code == 200
    assert client.get("/ledger/export.csv").status_code == 403
