"""The quarterly solvency report: the files are opened again (openpyxl, pypdf) and their
figures compared with the run's stored summary; Chinese text survives in the PDF; downloads
are audited exports and only a finished run has a report."""

from __future__ import annotations

from io import BytesIO

import pytest
from django.contrib.auth import get_user_model
from django.utils import translation
from openpyxl import load_workbook
from pypdf import PdfReader

from insurer.jobs.models import Job
from insurer.ledger.models import AuditEvent
from risk.reports import build
from risk.reports.document import format_value
from risk.reports.excel import to_xlsx
from risk.reports.pdf import to_pdf
from risk.tests.matrix import solvency_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def runs():
    requester = get_user_model().objects.create_user(username="report-requester")
    return solvency_world(requester)


def _by_key(workbook_bytes: bytes) -> dict[str, list]:
    sheet = load_workbook(BytesIO(workbook_bytes)).active
    key_column = sheet.max_column
    rows = {}
    for row in sheet.iter_rows(min_row=1, values_only=False):
        key = row[key_column - 1].value
        if key:
            rows[key] = [c.value for c in row[1 : key_column - 1]]
    return rows


def _pdf_text(pdf_bytes: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(BytesIO(pdf_bytes)).pages)


def _same(value):
    """Excel keeps 15 significant digits (openpyxl writes a float so)."""
    return pytest.approx(value, rel=1e-14, abs=0)


def test_the_workbook_holds_the_runs_figures_as_numbers(runs):
    job = runs["solvency_run"]
    s = job.result_summary["solvency"]
    data = build(job)
    cells = _by_key(to_xlsx(data))
    assert cells["position.ratio_core"][0] == _same(s["ratio_core"])
    assert cells["position.ratio_comprehensive"][0] == _same(s["ratio_comprehensive"])
    assert cells["position.minimum_capital"][0] == _same(s["minimum_capital"])
    assert cells["minimum_capital.module_life"][0] == _same(s["modules"]["life"])
    assert cells["minimum_capital.module_market"][0] == _same(s["modules"]["market"])
    assert cells["minimum_capital.diversification"][0] == _same(-s["diversification"])
    assert cells["minimum_capital.control_risk_q"][0] == _same(s["control_risk_q"])
    assert cells["record.input_hash"][0] == job.input_hash
    # The stress run on the same date and basis is in the report, scenario by scenario.
    stress = {r["scenario"]: r for r in runs["stress_run"].result_summary["stress"]}
    row = cells["stress.stress3_rate_down"]
    assert row[:6] == _same([stress["stress3_rate_down"][k] for k in ("bel_change", "asset_loss", "core_capital_after",
                                                                 "actual_capital_after", "ratio_core_after",
                                                                 "ratio_comprehensive_after")])  # fmt: skip
    sheet = load_workbook(BytesIO(to_xlsx(data))).active
    formats = {c.number_format for row in sheet.iter_rows() for c in row if isinstance(c.value, float)}
    assert {"0.00%", "#,##0.00"} <= formats


def test_the_pdf_says_the_same_figures(runs):
    job = runs["solvency_run"]
    s = job.result_summary["solvency"]
    text = _pdf_text(to_pdf(build(job), "en"))
    assert "C-ROSS quarterly solvency report, 2026 Q2" in text
    for value, fmt in ((s["minimum_capital"], "money"), (s["ratio_core"], "percent"),
                       (s["ratio_comprehensive"], "percent"), (s["aggregated"], "money"),
                       (s["control_risk_q"], "factor")):  # fmt: skip
        assert format_value(value, fmt) in text, (value, fmt)
    stressed = runs["stress_run"].result_summary["stress"][3]
    assert format_value(stressed["ratio_core_after"], "percent") in text
    assert job.input_hash in "".join(text.split())  # wrapped in its cell


def test_a_chinese_report_renders_chinese_text_in_the_pdf(runs):
    job = runs["solvency_run"]
    with translation.override("zh-hans"):
        report = build(job)
        pdf = to_pdf(report, translation.get_language())
    text = _pdf_text(pdf)
    assert "评估日" in text and "申请人" in text  # "Valuation date", "Requested by" in the catalogue
    assert format_value(job.result_summary["solvency"]["minimum_capital"], "money") in text
    fonts = {str(f["/BaseFont"]) for page in PdfReader(BytesIO(pdf)).pages
             for f in page["/Resources"]["/Font"].get_object().values()}  # fmt: skip
    assert any("STSong-Light" in f for f in fonts)


def test_downloads_are_audited_exports_of_finished_runs_only(client, actuary, board_member, runs):
    job = runs["solvency_run"]
    client.force_login(board_member)
    response = client.get(f"/risk/solvency/{job.pk}/report.xlsx")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert f"run{job.pk}.xlsx" in response["Content-Disposition"]
    assert _by_key(response.content)["position.minimum_capital"][0] == _same(
        job.result_summary["solvency"]["minimum_capital"]
    )
    pdf = client.get(f"/risk/solvency/{job.pk}/report.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    exports = AuditEvent.objects.filter(kind="export", object_type="risk.solvency_report")
    assert exports.count() == 2
    Job.objects.filter(pk=job.pk).update(status="running")
    client.force_login(actuary)
    assert client.get(f"/risk/solvency/{job.pk}/report.pdf").status_code == 404
    # A stress run is not a solvency run: no report under its id.
    assert client.get(f"/risk/solvency/{runs['stress_run'].pk}/report.pdf").status_code == 404
