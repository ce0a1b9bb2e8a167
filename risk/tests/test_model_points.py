"""Imported model points: the import refuses a bad file whole, naming every line, column and
reason; a good file is kept with its hash and counts, audited; valuing the set as a job gives
the same totals as ``manage.py valuation --model-points`` on the same CSV."""

from __future__ import annotations

import hashlib
import io

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command

from insurer.jobs import services
from insurer.ledger.models import AuditEvent
from risk import model_points
from risk.engine.bases import basis_file
from risk.models import ModelPointBlock, ModelPointSet

pytestmark = pytest.mark.django_db
BASICLIFE_POINTS = basis_file("basiclife", "model_points.csv")
HEADER = "point_id,age_at_entry,sex,policy_term,policy_count,sum_assured,duration_mth,premium_pp\n"


def _file(text: str | bytes, name: str = "model_points.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text if isinstance(text, bytes) else text.encode())


def test_a_bad_file_is_refused_naming_every_bad_line_and_nothing_is_written(actuary):
    text = HEADER + (
        "1,40,M,10,1,100000,0,\n"  # line 2: good
        "2,abc,M,10,1,100000,0,\n"  # line 3: age not a number
        "3,40,X,10,1,100000,0,\n"  # line 4: sex
        "1,40,F,10,1,100000,0,\n"  # line 5: point_id used twice
        "5,40,F,0,1,-5,0,\n"  # line 6: term and sum assured
        "6,40,F,10,1,100000,200,\n"  # line 7: past its term
    )
    with pytest.raises(model_points.ModelPointImportError) as caught:
        model_points.model_points_import(actor=actuary, name="bad", file=_file(text))
    problems = {(line, column) for line, column, _reason in caught.value.problems}
    assert problems == {(3, "age_at_entry"), (4, "sex"), (5, "point_id"), (6, "policy_term"), (6, "sum_assured"),
                        (7, "duration_mth")}  # fmt: skip
    reasons = {(line, column): reason for line, column, reason in caught.value.problems}
    assert "first on line 2" in reasons[(5, "point_id")]
    assert "'abc' is not a whole number" in reasons[(3, "age_at_entry")]
    assert "line 3, age_at_entry" in " ".join(caught.value.message_dict["file"])
    assert ModelPointSet.objects.count() == 0 and ModelPointBlock.objects.count() == 0
    assert not AuditEvent.objects.filter(action="model_points_import").exists()


def test_a_missing_column_and_an_empty_file_are_refused(actuary):
    with pytest.raises(model_points.ModelPointImportError) as caught:
        model_points.model_points_import(actor=actuary, name="x", file=_file("point_id,age_at_entry,sex\n1,40,M\n"))
    assert {(c, r) for _line, c, r in caught.value.problems} >= {("policy_term", "column is missing")}
    with pytest.raises(model_points.ModelPointImportError):
        model_points.model_points_import(actor=actuary, name="x", file=_file(b""))
    assert ModelPointSet.objects.count() == 0


def test_only_runners_import_and_oversight_never(actuary, risk_officer, internal_auditor):
    for refused in (risk_officer, internal_auditor):
        with pytest.raises(PermissionDenied):
            model_points.model_points_import(actor=refused, name="x", file=_file(HEADER + "1,40,M,10,1,1000,0,\n"))
    model_points.model_points_import(actor=actuary, name="x", file=_file(HEADER + "1,40,M,10,1,1000,0,\n"))
    with pytest.raises(ValidationError, match="exists already"):
        model_points.model_points_import(actor=actuary, name="x", file=_file(HEADER + "1,40,M,10,1,1000,0,\n"))


def _import_basiclife(actor) -> ModelPointSet:
    data = BASICLIFE_POINTS.read_bytes()
    return model_points.model_points_import(actor=actor, name="basiclife", file=_file(data))


def test_the_basiclife_set_is_kept_with_its_hash_counts_and_an_audit_entry(actuary):
    point_set = _import_basiclife(actuary)
    data = BASICLIFE_POINTS.read_bytes()
    assert point_set.sha256 == hashlib.sha256(data).hexdigest()
    assert point_set.row_count == 10_000 and point_set.blocks.count() == 2
    import pandas as pd

    frame = pd.read_csv(BASICLIFE_POINTS)
    by_sex = point_set.counts["by_sex"]
    assert {k: v["rows"] for k, v in by_sex.items()} == frame["sex"].value_counts().to_dict()
    assert {int(k): v["rows"] for k, v in point_set.counts["by_term"].items()} == (
        frame["policy_term"].value_counts().to_dict()
    )
    assert point_set.sum_assured == pytest.approx(float(frame["sum_assured"].sum()))
    stored = model_points.load_frame(point_set.pk)
    assert stored["point_id"].tolist() == frame["point_id"].tolist()
    assert stored["age_at_entry"].tolist() == frame["age_at_entry"].tolist()
    event = AuditEvent.objects.get(action="model_points_import", object_id=str(point_set.pk))
    assert event.actor_id == actuary.pk


def _valuation_parameters(point_set, **extra) -> dict:
    return {"basis": "basiclife", "scenarios": "base", "valuation_date": "2026-06-30",
            "model_point_set": str(point_set.pk), **extra}  # fmt: skip


def test_the_valued_set_equals_the_command_on_the_same_csv(actuary):
    point_set = _import_basiclife(actuary)
    out = io.StringIO()
    call_command("valuation", "--model-points", str(BASICLIFE_POINTS), "--basis", "basiclife", stdout=out)
    from risk import runs

    command_run = runs.run_valuation(model_points=str(BASICLIFE_POINTS), basis="basiclife")
    command_totals = command_run.result.totals().loc["base"].to_dict()
    assert "14,489,630.53" in out.getvalue()

    summary = services.job_run_inline(model_points.KIND, _valuation_parameters(point_set, chunk_size=5_000))
    base = summary["totals"]["base"]
    assert summary["valued"] == 10_000
    assert base["pv_net_cf"] == pytest.approx(14_489_630.5346, rel=1e-9)
    for column, value in command_totals.items():
        assert base[column] == pytest.approx(value, rel=1e-9, abs=1e-6), column
    assert sum(v["pv_net_cf"] for v in summary["by_sex"].values()) == pytest.approx(base["pv_net_cf"], rel=1e-9)
    assert summary["model_points_set"] == {"id": point_set.pk, "name": "basiclife", "sha256": point_set.sha256,
                                           "rows": 10_000}  # fmt: skip


def test_a_requested_run_records_the_set_and_its_hash_and_splits_by_blocks(actuary, risk_officer):
    point_set = _import_basiclife(actuary)
    job = services.job_request(actor=actuary, kind=model_points.KIND, parameters=_valuation_parameters(point_set))
    assert job.parameters["model_points"] == {"id": point_set.pk, "name": "basiclife", "sha256": point_set.sha256,
                                              "rows": 10_000}  # fmt: skip
    assert job.parameters["assumption_set"]["name"] == "basiclife"
    assert model_points.split({**job.parameters, "chunk_size": 5_000}) == [
        {"first_block": 0, "last_block": 0}, {"first_block": 1, "last_block": 1}]  # fmt: skip
    assert model_points.split(job.parameters) == [{"first_block": 0, "last_block": 1}]
    with pytest.raises(PermissionDenied):
        services.job_request(actor=risk_officer, kind=model_points.KIND, parameters=_valuation_parameters(point_set))
    with pytest.raises(ValidationError, match="no imported model point set"):
        services.job_request(actor=actuary, kind=model_points.KIND,
                             parameters=_valuation_parameters(point_set, model_point_set="999999"))  # fmt: skip


def test_points_the_basis_cannot_project_are_refused_before_the_run(actuary):
    point_set = model_points.model_points_import(
        actor=actuary, name="old", file=_file(HEADER + "1,119,M,20,1,1000,0,\n")
    )
    with pytest.raises(ValidationError, match="point 1: policy_term"):
        services.job_request(actor=actuary, kind=model_points.KIND, parameters=_valuation_parameters(point_set))


def test_the_screens_list_upload_refuse_and_show_counts(client, actuary):
    client.force_login(actuary)
    bad = HEADER + "1,40,M,10,1,100000,0,\n2,40,Q,10,1,100000,0,\n"
    response = client.post("/risk/model-points/", {"name": "bad", "file": _file(bad)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Q" in page and "model-points-problems" in page and "<td>3</td>" in page
    assert ModelPointSet.objects.count() == 0
    good = HEADER + "1,40,M,10,1,100000,0,\n2,41,F,20,2,50000,-3,12.5\n3,42,F,20,1,70000,5,\n"
    response = client.post("/risk/model-points/", {"name": "good", "file": _file(good)})
    point_set = ModelPointSet.objects.get(name="good")
    assert response.status_code == 302 and response["Location"] == f"/risk/model-points/{point_set.pk}/"
    detail = client.get(response["Location"]).content.decode()
    assert point_set.sha256 in detail and 'data-testid="counts-by-term"' in detail
    assert point_set.counts["by_term"] == {"10": {"rows": 1, "policies": 1.0}, "20": {"rows": 2, "policies": 3.0}}
    assert "good" in client.get("/risk/model-points/").content.decode()


def test_the_run_form_offers_the_imported_sets(client, actuary):
    one = _file(HEADER + "1,40,M,10,1,1,0,\n")
    point_set = model_points.model_points_import(actor=actuary, name="offered", file=one)
    client.force_login(actuary)
    page = client.get(f"/jobs/run/{model_points.KIND}/").content.decode()
    assert f'value="{point_set.pk}"' in page and "offered (1 rows" in page
    assert 'name="grouping"' not in page  # grouping is offered only by kinds whose chunks apply it


BENEFIT_HEADER = HEADER.strip() + ",premium_term,maturity_benefit,annuity_pp,annuity_start,annuity_frequency\n"
BENEFIT_ROWS = (
    "1,40,M,10,1,100000,0,,,,,,\n"  # blanks: level-premium term, priced by the basis
    "2,40,F,15,2,50000,30,300,5,50000,,,\n"  # endowment, premiums for 5 years
    "3,65,F,41,1,0,12,0,0,,12000,0,12\n"  # immediate monthly annuity bought by a single premium
)


def test_the_optional_benefit_columns_are_kept_and_valued_as_the_engine_values_the_same_csv(actuary, tmp_path):
    from risk.engine.bases import load_basis
    from risk.engine.modelpoints import read_model_points_csv
    from risk.engine.projection import project

    text = BENEFIT_HEADER + BENEFIT_ROWS
    point_set = model_points.model_points_import(actor=actuary, name="kinds", file=_file(text))
    stored = model_points.model_points_of(point_set.pk)
    assert stored.premium_term.tolist() == [10, 5, 0] and stored.annuity_pp.tolist() == [0.0, 0.0, 12_000.0]
    summary = services.job_run_inline(model_points.KIND, {**_valuation_parameters(point_set), "basis": "cross_default"})
    path = tmp_path / "kinds.csv"
    path.write_text(text)
    direct = project(read_model_points_csv(path), load_basis("cross_default")).totals().loc["base"]
    for column in ("pv_premiums", "pv_claims", "pv_maturities", "pv_annuities", "bel"):
        assert summary["totals"]["base"][column] == pytest.approx(direct[column], rel=1e-12), column
    assert summary["totals"]["base"]["pv_annuities"] > 0 and summary["totals"]["base"]["pv_maturities"] > 0


def test_a_bad_benefit_column_is_refused_naming_line_and_column(actuary):
    text = BENEFIT_HEADER + "1,40,M,10,1,100000,0,50,12,,,,\n" + "2,65,F,41,1,0,0,0,0,,12000,0,4\n"
    with pytest.raises(model_points.ModelPointImportError) as caught:
        model_points.model_points_import(actor=actuary, name="bad", file=_file(text))
    assert {(line, column) for line, column, _r in caught.value.problems} == {(2, "premium_term"),
                                                                               (3, "annuity_frequency")}  # fmt: skip
    assert ModelPointSet.objects.count() == 0
