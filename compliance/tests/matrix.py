"""Permission-matrix endpoints of AML alerts, cases and reports (tests/test_permission_matrix.py).

The world: an open case with a hold-tier alert (analysts work it), a case closed suspicious
whose report an analyst drafted and submitted (an MLRO persona, not the drafter, may decide
it), and a pending large-value report."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint


def world(builders) -> dict:
    import datetime as dt
    from decimal import Decimal

    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from compliance.models import Alert, Case, LargeValueReport, RuleSnooze, SuspiciousTransactionReport

    drafter = get_user_model().objects.create_user(username="matrix-aml-drafter", password="x-pass-12345")
    holder = builders.person()
    policy = builders.policy(holder=holder)
    txn = builders.transaction(on=policy, amount="60000", method="cash")
    now = timezone.now()
    open_case = Case.objects.create(customer=holder, opened_at=now, max_tier="hold", max_score=Decimal("60"))
    Alert.objects.create(
        alert_id="AML-matrix0000001", rules_version="rules-v1", rule_codes="L01;L11", customer=holder, policy=policy,
        txn_refs=[txn.txn_ref], score=Decimal("60"), tier="hold", created_at=now, raised_at=now, updated_at=now,
        case=open_case, explanation={"catalogue": "rules-v1", "rules": [], "confirmed_sanctions": False},
    )  # fmt: skip
    Alert.objects.create(
        alert_id="AML-matrix0000002", rules_version="rules-v1", rule_codes="L06", customer=holder, policy=policy,
        txn_refs=[txn.txn_ref], score=Decimal("30"), tier="review", created_at=now, raised_at=now, updated_at=now,
        case=open_case, explanation={"catalogue": "rules-v1", "rules": [], "confirmed_sanctions": False},
    )  # fmt: skip
    other = builders.person()
    closed = Case.objects.create(customer=other, opened_at=now, status="closed", disposition="suspicious",
                                 closed_at=now)  # fmt: skip
    report = SuspiciousTransactionReport.objects.create(
        case=closed, status="submitted", activity_type="structuring", grounds="split cash", txn_refs=[txn.txn_ref],
        amount_total=Decimal("60000"), drafted_by=drafter, drafted_at=now, submitted_at=now,
    )  # fmt: skip
    lvtr = LargeValueReport.objects.create(
        transaction=txn, customer=holder, category="cash", currency="CNY", threshold=Decimal("50000"),
        amount=Decimal("60000"), day_total=Decimal("60000"), report_day=dt.date(2024, 1, 15), generated_at=now,
        due_at=now,
    )  # fmt: skip
    rule_snooze = RuleSnooze.objects.create(
        rule_id="L06", customer_ref=holder.customer_ref, reason="matrix", expires_at=now + dt.timedelta(days=30),
        from_alert="AML-matrix0000002", snoozed_by=drafter, snoozed_at=now,
    )  # fmt: skip
    return {"aml_case": open_case, "aml_alert_id": "AML-matrix0000001", "aml_review_alert_id": "AML-matrix0000002",
            "aml_str": report, "aml_lvtr": lvtr, "aml_rule_snooze": rule_snooze.pk}  # fmt: skip


V_ALERT, V_CASE = "compliance.view_alert", "compliance.view_case"
V_STR, V_LV = "compliance.view_suspicioustransactionreport", "compliance.view_largevaluereport"
WORK, DECIDE, RUN = "compliance.work_case", "compliance.decide_case", "compliance.run_monitoring"
EXPORT_ALERT, EXPORT_STR = "compliance.export_alert", "compliance.export_suspicioustransactionreport"
REPORT_LV = "compliance.report_largevaluereport"


def _case(w):
    return w["aml_case"].pk


def _str(w):
    return w["aml_str"].pk


def _lv(w):
    return w["aml_lvtr"].pk


def _in_days(n: int) -> str:
    import datetime as dt

    from django.utils import timezone

    return (timezone.localdate() + dt.timedelta(days=n)).isoformat()


def _post(name, url, perm, obj=None, data=None, api=False):
    return Endpoint(name, url, perm, kind=WRITE, method="post", object_permission=obj, api=api,
                    data=data or (lambda w: {}))  # fmt: skip


ENDPOINTS = [
    # Screens
    Endpoint("compliance:alerts", lambda w: "/compliance/alerts/", V_ALERT),
    Endpoint("compliance:alerts_export", lambda w: "/compliance/alerts/export.csv", EXPORT_ALERT),
    _post(
        "compliance:alert_snooze",
        lambda w: f"/compliance/alerts/{w['aml_review_alert_id']}/snooze/",
        WORK,
        V_ALERT,
        lambda w: {"until": _in_days(30), "reason": "matrix"},
    ),
    _post(
        "compliance:alert_unsnooze",
        lambda w: f"/compliance/alerts/{w['aml_review_alert_id']}/unsnooze/",
        WORK,
        V_ALERT,
        lambda w: {"reason": "matrix"},
    ),
    Endpoint("compliance:cases", lambda w: "/compliance/cases/", V_CASE),
    Endpoint("compliance:case", lambda w: f"/compliance/cases/{_case(w)}/", V_CASE, object_permission=V_CASE),
    _post("compliance:case_assign", lambda w: f"/compliance/cases/{_case(w)}/assign/", WORK, V_CASE),
    _post(
        "compliance:case_note",
        lambda w: f"/compliance/cases/{_case(w)}/note/",
        WORK,
        V_CASE,
        lambda w: {"text": "matrix note"},
    ),
    _post(
        "compliance:case_escalate",
        lambda w: f"/compliance/cases/{_case(w)}/escalate/",
        WORK,
        V_CASE,
        lambda w: {"reason": "matrix"},
    ),
    _post(
        "compliance:case_dispose",
        lambda w: f"/compliance/cases/{_case(w)}/dispose/",
        WORK,
        V_CASE,
        lambda w: {"disposition": "not_suspicious", "reason": "matrix"},
    ),
    _post(
        "compliance:str_draft",
        lambda w: f"/compliance/cases/{_case(w)}/report/",
        WORK,
        V_CASE,
        lambda w: {"activity_type": "x", "grounds": "y"},
    ),
    Endpoint("compliance:strs", lambda w: "/compliance/reports/", V_STR),
    Endpoint("compliance:strs_export", lambda w: "/compliance/reports/export.xml", EXPORT_STR),
    Endpoint("compliance:str", lambda w: f"/compliance/reports/{_str(w)}/", V_STR, object_permission=V_STR),
    Endpoint(
        "compliance:str_export",
        lambda w: f"/compliance/reports/{_str(w)}/export.xml",
        EXPORT_STR,
        object_permission=V_STR,
    ),
    _post("compliance:str_submit", lambda w: f"/compliance/reports/{_str(w)}/submit/", WORK, V_STR),
    _post("compliance:str_approve", lambda w: f"/compliance/reports/{_str(w)}/approve/", DECIDE, V_STR),
    _post(
        "compliance:str_return",
        lambda w: f"/compliance/reports/{_str(w)}/return/",
        DECIDE,
        V_STR,
        lambda w: {"comment": "matrix"},
    ),
    Endpoint("compliance:lvtrs", lambda w: "/compliance/large-value/", V_LV),
    _post(
        "compliance:lvtr_generate",
        lambda w: "/compliance/large-value/generate/",
        RUN,
        data=lambda w: {"since": "2024-01-15", "until": "2024-01-15"},
    ),
    _post(
        "compliance:lvtr_report",
        lambda w: f"/compliance/large-value/{_lv(w)}/reported/",
        REPORT_LV,
        V_LV,
        lambda w: {"reference": "PBOC-MATRIX-1"},
    ),
    _post(
        "compliance:lvtr_report_many",
        lambda w: "/compliance/large-value/reported/",
        REPORT_LV,
        data=lambda w: {"ids": [_lv(w)], "reference": "PBOC-MATRIX-BATCH-1"},
    ),
    Endpoint("compliance:dashboard", lambda w: "/compliance/dashboard/", V_ALERT),
    # API
    _post(
        "compliance:alert_rule_snooze",
        lambda w: f"/compliance/alerts/{w['aml_review_alert_id']}/snooze-rule/",
        WORK,
        V_ALERT,
        lambda w: {"rule_id": "L06", "until": _in_days(30), "reason": "matrix"},
    ),
    _post(
        "compliance:rule_snooze_end",
        lambda w: f"/compliance/rule-snoozes/{w['aml_rule_snooze']}/end/",
        WORK,
        V_ALERT,
        lambda w: {"reason": "matrix"},
    ),
    Endpoint("aml-alert-list", lambda w: "/api/v1/aml/alerts/", V_ALERT, api=True),
    Endpoint("aml-dashboard", lambda w: "/api/v1/aml/dashboard/", V_ALERT, api=True),
    _post(
        "aml-alert-snooze-rule",
        lambda w: f"/api/v1/aml/alerts/{w['aml_review_alert_id']}/snooze-rule/",
        WORK,
        V_ALERT,
        lambda w: {"rule_id": "L06", "until": _in_days(30), "reason": "matrix"},
        api=True,
    ),
    Endpoint("aml-rule-snooze-list", lambda w: "/api/v1/aml/rule-snoozes/", V_ALERT, api=True),
    Endpoint(
        "aml-rule-snooze-detail",
        lambda w: f"/api/v1/aml/rule-snoozes/{w['aml_rule_snooze']}/",
        V_ALERT,
        api=True,
        object_permission=V_ALERT,
    ),
    _post(
        "aml-rule-snooze-end",
        lambda w: f"/api/v1/aml/rule-snoozes/{w['aml_rule_snooze']}/end/",
        WORK,
        V_ALERT,
        lambda w: {"reason": "matrix"},
        api=True,
    ),
    Endpoint(
        "aml-alert-detail",
        lambda w: f"/api/v1/aml/alerts/{w['aml_alert_id']}/",
        V_ALERT,
        api=True,
        object_permission=V_ALERT,
    ),
    Endpoint("aml-alert-export", lambda w: "/api/v1/aml/alerts/export/", EXPORT_ALERT, api=True),
    _post(
        "aml-alert-snooze",
        lambda w: f"/api/v1/aml/alerts/{w['aml_review_alert_id']}/snooze/",
        WORK,
        V_ALERT,
        lambda w: {"until": _in_days(30), "reason": "matrix"},
        api=True,
    ),
    _post(
        "aml-alert-unsnooze",
        lambda w: f"/api/v1/aml/alerts/{w['aml_review_alert_id']}/unsnooze/",
        WORK,
        V_ALERT,
        lambda w: {"reason": "matrix"},
        api=True,
    ),
    Endpoint("aml-case-list", lambda w: "/api/v1/aml/cases/", V_CASE, api=True),
    Endpoint("aml-case-detail", lambda w: f"/api/v1/aml/cases/{_case(w)}/", V_CASE, api=True, object_permission=V_CASE),
    _post("aml-case-assign", lambda w: f"/api/v1/aml/cases/{_case(w)}/assign/", WORK, V_CASE, api=True),
    _post(
        "aml-case-note",
        lambda w: f"/api/v1/aml/cases/{_case(w)}/note/",
        WORK,
        V_CASE,
        lambda w: {"text": "matrix"},
        api=True,
    ),
    _post(
        "aml-case-escalate",
        lambda w: f"/api/v1/aml/cases/{_case(w)}/escalate/",
        WORK,
        V_CASE,
        lambda w: {"reason": "matrix"},
        api=True,
    ),
    _post(
        "aml-case-dispose",
        lambda w: f"/api/v1/aml/cases/{_case(w)}/dispose/",
        WORK,
        V_CASE,
        lambda w: {"disposition": "not_suspicious", "reason": "matrix"},
        api=True,
    ),
    _post(
        "aml-case-report",
        lambda w: f"/api/v1/aml/cases/{_case(w)}/report/",
        WORK,
        V_CASE,
        lambda w: {"activity_type": "x", "grounds": "y"},
        api=True,
    ),
    Endpoint("aml-report-list", lambda w: "/api/v1/aml/reports/", V_STR, api=True),
    Endpoint(
        "aml-report-detail", lambda w: f"/api/v1/aml/reports/{_str(w)}/", V_STR, api=True, object_permission=V_STR
    ),
    Endpoint(
        "aml-report-export",
        lambda w: f"/api/v1/aml/reports/{_str(w)}/export/",
        EXPORT_STR,
        api=True,
        object_permission=V_STR,
    ),
    _post("aml-report-submit", lambda w: f"/api/v1/aml/reports/{_str(w)}/submit/", WORK, V_STR, api=True),
    _post("aml-report-approve", lambda w: f"/api/v1/aml/reports/{_str(w)}/approve/", DECIDE, V_STR, api=True),
    _post(
        "aml-report-return",
        lambda w: f"/api/v1/aml/reports/{_str(w)}/return/",
        DECIDE,
        V_STR,
        lambda w: {"comment": "matrix"},
        api=True,
    ),
    Endpoint("aml-large-value-list", lambda w: "/api/v1/aml/large-value/", V_LV, api=True),
    Endpoint(
        "aml-large-value-detail", lambda w: f"/api/v1/aml/large-value/{_lv(w)}/", V_LV, api=True, object_permission=V_LV
    ),
    _post(
        "aml-large-value-generate",
        lambda w: "/api/v1/aml/large-value/generate/",
        RUN,
        data=lambda w: {"since": "2024-01-15", "until": "2024-01-15"},
        api=True,
    ),
    _post(
        "aml-large-value-reported",
        lambda w: f"/api/v1/aml/large-value/{_lv(w)}/reported/",
        REPORT_LV,
        V_LV,
        lambda w: {"reference": "PBOC-MATRIX-2"},
        api=True,
    ),
    _post(
        "aml-large-value-reported-many",
        lambda w: "/api/v1/aml/large-value/reported/",
        REPORT_LV,
        data=lambda w: {"ids": [_lv(w)], "reference": "PBOC-MATRIX-BATCH-2"},
        api=True,
    ),
]
