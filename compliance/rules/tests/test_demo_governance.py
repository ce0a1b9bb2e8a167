"""seed_demo leaves a rule-governance history (compliance.rules.demo, through book_seeded): the
demo MLRO shadow-ran rules-v2 against rules-v1 and approved it; the demo analyst backtested the
rules-v3 draft; the screens show both. Seeding again approves nothing twice."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.urls import reverse

from compliance.rules.models import RuleVersion
from insurer.jobs.models import Job
from insurer.ledger.models import AuditEvent

pytestmark = pytest.mark.django_db


class _Sink:
    def write(self, s):
        pass


def _seed():
    call_command("seed_demo", "--size", "small", "--seed", "7", "--no-logins", stdout=_Sink())


def test_seeding_the_demo_approves_rules_v2_after_its_shadow_run_and_backtests_rules_v3(shipped_versions, client):
    _seed()
    v1, v2, v3 = (RuleVersion.objects.get(name=n) for n in ("rules-v1", "rules-v2", "rules-v3"))
    assert (v1.status, v2.status, v3.status) == ("retired", "live", "draft")
    assert v2.approved_by.username == "mlro" and v2.proposed_by is None and "shadow run" in v2.approval_comment
    shadow = Job.objects.get(kind="aml_shadow")
    assert shadow.status == "succeeded" and shadow.requested_by.username == "mlro"
    assert shadow.parameters == {"candidate": "rules-v2", "live": "rules-v1"}
    summary = shadow.result_summary
    assert summary["only_candidate"] == 0 and summary["only_live"] > 0  # v2 only drops (L11) alerts
    assert set(summary["rules"]) >= {"L11"} and all(
        r["only_live"] == 0 for rule, r in summary["rules"].items() if rule != "L11"
    )
    backtest = Job.objects.get(kind="aml_backtest")
    assert backtest.requested_by.username == "aml_analyst" and backtest.parameters == {"version": "rules-v3"}
    figures = backtest.result_summary["rules"]
    assert all(r["recall"] >= 0.95 for r in figures.values() if r["cases"])
    assert AuditEvent.objects.filter(action="rule_version.approve", object_id=str(v2.pk)).count() == 1
    assert AuditEvent.objects.filter(action="rule_version.retire", object_id=str(v1.pk)).count() == 1
    # The screens: v2 with its shadow comparison, v3 with its backtest (an analyst reads them).
    client.force_login(backtest.requested_by)
    page = client.get(reverse("compliance_rules:version", args=[v2.pk])).content.decode()
    assert 'data-testid="shadow-summary"' in page and "Live" in page
    page = client.get(reverse("compliance_rules:version", args=[v3.pk])).content.decode()
    assert 'data-testid="backtest-table"' in page

    _seed()  # a new book: the history stays, the draft is backtested on the new book
    assert RuleVersion.objects.get(name="rules-v2").status == "live"
    assert AuditEvent.objects.filter(action="rule_version.approve").count() == 1
    assert Job.objects.filter(kind="aml_shadow").count() == 1 and Job.objects.filter(kind="aml_backtest").count() == 2
