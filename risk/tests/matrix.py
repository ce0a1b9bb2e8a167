"""Permission-matrix endpoints of the risk app (tests/test_permission_matrix.py)."""

from __future__ import annotations

from insurer.testing.matrix import WRITE, Endpoint
from risk.tests.matrix_assumptions import ASSUMPTION_ENDPOINTS, assumption_world


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
    return {**assumption_world(requester), "valuation": job, **solvency_world(requester),
            **solvency2_world(requester), **model_points_world(requester), **capital_world(requester)}  # fmt: skip


VIEW = "risk.view_valuation"
ENDPOINTS = [
    Endpoint("risk:valuations", lambda w: "/risk/valuations/", VIEW),
    # Valuations are jobs: seeing one needs the risk view permission and the job in scope.
    Endpoint("risk:valuation", lambda w: f"/risk/valuations/{w['valuation'].pk}/", VIEW, object_permission=VIEW),
]
ENDPOINTS += ASSUMPTION_ENDPOINTS


# --- Solvency and stress runs (risk/views_solvency.py, risk/api/) ---------------------------

SOLVENCY_PARAMETERS = {"basis": "cross_default", "valuation_date": "2026-06-30", "chunk_size": 20000,
                       "core_capital": "900000.00", "actual_capital": "1200000.00", "irr_rating": "A",
                       "sarmra_score": "82.00", "market_capital": "150000.00"}  # fmt: skip


def solvency_world(requester) -> dict:
    """A finished solvency run and a finished stress run whose figures the engine computed
    from a small Rule 5 result (no projection: the matrix checks access, not figures)."""
    from django.utils import timezone

    from insurer.jobs.models import Job
    from risk.jobs_solvency import solvency_position, stress_results

    capital = {"life_insurance_risk": 400000.0, "interest_rate_risk": 50000.0, "sub_risks": {"mortality": 300000.0},
               "loss_occurrence": 380000.0, "expense": 20000.0, "lapse": 60000.0, "lapse_driver": "up",
               "diversification": 0.0, "shock_table": "cross-2022Q1"}  # fmt: skip
    summary = {"basis": "cross_default", "valuation_date": "2026-06-30", "engine_version": "1.0", "policies": 3,
               "valued": 2, "skipped": {"product kind whole_life": 1}, "totals": {"base": {"bel": 1000.0}},
               "capital": capital, "solvency": solvency_position(SOLVENCY_PARAMETERS, capital)}  # fmt: skip
    common = {"input_hash": "1" * 64, "code_version": "matrix", "requested_by": requester, "status": "succeeded",
              "chunks_total": 1, "chunks_done": 1, "finished_at": timezone.now()}  # fmt: skip
    solvency = Job.objects.create(kind="solvency_run", parameters=SOLVENCY_PARAMETERS, result_summary=summary, **common)
    totals = {"base": {"bel": 1000.0}, "stress3_rate_down": {"bel": 51000.0}}
    stress_summary = {**summary, "stress": stress_results(SOLVENCY_PARAMETERS, totals, summary["solvency"])}
    stress = Job.objects.create(kind="stress_run", parameters=SOLVENCY_PARAMETERS, result_summary=stress_summary,
                                **common)  # fmt: skip
    return {"solvency_run": solvency, "stress_run": stress}


SOLVENCY2_PARAMETERS = {"basis": "cross_default", "valuation_date": "2026-06-30", "chunk_size": 20000,
                        "regime": "solvency2", "own_funds": "5000.00", "scr_market": "800.00",
                        "scr_default": "200.00", "scr_operational": "100.00", "scr_adjustment": "50.00"}  # fmt: skip
SOLVENCY2_TOTALS = {"base": {"bel": 1000.0}, "mortality": {"bel": 1600.0}, "longevity": {"bel": 900.0},
                    "lapse_up": {"bel": 1100.0}, "lapse_down": {"bel": 950.0}, "mass_lapse": {"bel": 1300.0},
                    "expense": {"bel": 1050.0}, "catastrophe": {"bel": 1400.0}, "rate_up": {"bel": 900.0},
                    "rate_down": {"bel": 1250.0}}  # fmt: skip


def solvency2_world(requester, day: str = "2026-06-30", own_funds: str = "5000.00") -> dict:
    """A finished Solvency II run whose SCR the reduce computed from small totals."""
    from django.utils import timezone

    from insurer.jobs.models import Job
    from risk.jobs_solvency import solvency2_position

    parameters = {**SOLVENCY2_PARAMETERS, "valuation_date": day, "own_funds": own_funds}
    summary = {"basis": "cross_default", "valuation_date": day, "engine_version": "1.0", "policies": 3,
               "valued": 2, "skipped": {}, "totals": SOLVENCY2_TOTALS, "regime": "solvency2",
               "solvency2": solvency2_position(parameters, SOLVENCY2_TOTALS)}  # fmt: skip
    job = Job.objects.create(kind="solvency_run", parameters=parameters, result_summary=summary, input_hash="3" * 64,
                             code_version="matrix", requested_by=requester, status="succeeded", chunks_total=1,
                             chunks_done=1, finished_at=timezone.now())  # fmt: skip
    return {"solvency2_run": job}


RUN = "risk.run_valuation"
API = "/api/v1/risk"
ENDPOINTS += [
    Endpoint("risk:solvency", lambda w: "/risk/solvency/", VIEW),
    Endpoint("risk:solvency_run", lambda w: f"/risk/solvency/{w['solvency_run'].pk}/", VIEW, object_permission=VIEW),
    Endpoint("risk:solvency_report_xlsx", lambda w: f"/risk/solvency/{w['solvency_run'].pk}/report.xlsx", VIEW,
             object_permission=VIEW),
    Endpoint("risk:solvency_report_pdf", lambda w: f"/risk/solvency/{w['solvency_run'].pk}/report.pdf", VIEW,
             object_permission=VIEW),
    Endpoint("risk:stress", lambda w: "/risk/stress/", VIEW),
    Endpoint("risk:stress_run", lambda w: f"/risk/stress/{w['stress_run'].pk}/", VIEW, object_permission=VIEW),
    # A Solvency II run: the same page and API routes, another template branch and result.
    Endpoint("risk:solvency_run", lambda w: f"/risk/solvency/{w['solvency2_run'].pk}/", VIEW, object_permission=VIEW),
    Endpoint("risk-solvency-run-detail", lambda w: f"{API}/solvency-runs/{w['solvency2_run'].pk}/", VIEW, api=True,
             object_permission=VIEW),
    Endpoint("risk-solvency-run-list", lambda w: f"{API}/solvency-runs/", RUN, kind=WRITE, method="post", api=True,
             content_type="application/json", data=lambda w: dict(SOLVENCY2_PARAMETERS)),
]  # fmt: skip
for _base, _world_key, _kind in (("valuations", "valuation", "book_valuation"),
                                  ("solvency-runs", "solvency_run", "solvency_run"),
                                  ("stress-runs", "stress_run", "stress_run")):  # fmt: skip
    _name = {"valuations": "risk-valuation", "solvency-runs": "risk-solvency-run", "stress-runs": "risk-stress-run"}[
        _base
    ]
    _data = (
        (lambda w: {"basis": "cross_default", "scenarios": "base", "valuation_date": "2026-06-30"})
        if _kind == "book_valuation"
        else (lambda w: dict(SOLVENCY_PARAMETERS))
    )
    ENDPOINTS += [
        Endpoint(f"{_name}-list", lambda w, b=_base: f"{API}/{b}/", VIEW, api=True),
        # A request is a job: jobs.request_job and risk.run_valuation (runners only; never oversight).
        Endpoint(f"{_name}-list", lambda w, b=_base: f"{API}/{b}/", RUN, kind=WRITE, method="post", api=True,
                 content_type="application/json", data=_data),
        Endpoint(f"{_name}-detail", lambda w, b=_base, k=_world_key: f"{API}/{b}/{w[k].pk}/", VIEW, api=True,
                 object_permission=VIEW),
        Endpoint(f"{_name}-results", lambda w, b=_base, k=_world_key: f"{API}/{b}/{w[k].pk}/results/", VIEW,
                 api=True, object_permission=VIEW),
    ]  # fmt: skip
ENDPOINTS += [
    Endpoint("risk-solvency-run-report", lambda w: f"{API}/solvency-runs/{w['solvency_run'].pk}/report/xlsx/", VIEW,
             api=True, object_permission=VIEW),
    Endpoint("risk-solvency-run-report", lambda w: f"{API}/solvency-runs/{w['solvency_run'].pk}/report/pdf/", VIEW,
             api=True, object_permission=VIEW),
]  # fmt: skip


# --- Imported model points (risk/views_model_points.py) -------------------------------------

MATRIX_POINTS_CSV = b"point_id,age_at_entry,sex,policy_term,policy_count,sum_assured\n1,40,M,10,1,100000\n"


def model_points_world(requester) -> dict:
    """An imported set of one point (made directly: the matrix checks access, not the import)."""
    from risk.models import ModelPointBlock, ModelPointSet

    point_set = ModelPointSet.objects.create(
        name="matrix set", sha256="2" * 64, row_count=1, policy_count=1.0, sum_assured=100000.0,
        counts={"by_sex": {"M": {"rows": 1, "policies": 1.0}}, "by_term": {"10": {"rows": 1, "policies": 1.0}}},
        uploaded_by=requester,
    )  # fmt: skip
    columns = {"point_id": [1], "age_at_entry": [40], "sex": ["M"], "policy_term": [10], "policy_count": [1.0],
               "sum_assured": [100000.0], "duration_mth": [0], "premium_pp": [None]}  # fmt: skip
    ModelPointBlock.objects.create(point_set=point_set, index=0, first_row=0, row_count=1, columns=columns)
    return {"model_point_set": point_set}


def _upload(world) -> dict:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return {"name": "matrix upload", "file": SimpleUploadedFile("model_points.csv", MATRIX_POINTS_CSV)}


ENDPOINTS += [
    Endpoint("risk:model_point_sets", lambda w: "/risk/model-points/", VIEW),
    # Importing needs risk.run_valuation (runners; never oversight); a repeat of the name is a 400.
    Endpoint("risk:model_point_sets", lambda w: "/risk/model-points/", RUN, kind=WRITE, method="post", data=_upload),
    Endpoint("risk:model_point_set", lambda w: f"/risk/model-points/{w['model_point_set'].pk}/", VIEW,
             object_permission=VIEW),
]  # fmt: skip


# --- Capital positions (risk/views_capital.py) -----------------------------------------------

CAPITAL_VIEW, CAPITAL_ENTER, CAPITAL_APPROVE = "risk.view_capitalposition", "risk.enter_capital", "risk.approve_capital"
CAPITAL_FIGURES = {"valuation_date": "2026-06-30", "source": "matrix", "core_capital": "900000",
                   "actual_capital": "1200000", "irr_rating": "A", "sarmra_score": "82"}  # fmt: skip


def capital_world(requester) -> dict:
    """A submitted and an approved capital position entered by a maker of the world."""
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from risk.capital import content_hash
    from risk.models import CapitalPosition

    maker = get_user_model().objects.create_user(username="matrix-capital-maker", password="x-pass-12345")
    figures = {k: v for k, v in CAPITAL_FIGURES.items() if k not in ("valuation_date", "source")}
    made = {}
    for version, status in ((1, "approved"), (2, "submitted")):
        made[f"capital_{status}"] = CapitalPosition.objects.create(
            valuation_date="2026-06-30", version=version, figures=figures, source="matrix", maker=maker,
            content_hash=content_hash("2026-06-30", figures), status=status,
            checker=requester if status == "approved" else None,
            decided_at=timezone.now() if status == "approved" else None,
        )  # fmt: skip
    return made


ENDPOINTS += [
    Endpoint("risk:capital_positions", lambda w: "/risk/capital/", CAPITAL_VIEW),
    Endpoint("risk:capital_positions", lambda w: "/risk/capital/", CAPITAL_ENTER, kind=WRITE, method="post",
             data=lambda w: dict(CAPITAL_FIGURES)),
    Endpoint("risk:capital_position", lambda w: f"/risk/capital/{w['capital_submitted'].pk}/", CAPITAL_VIEW,
             object_permission=CAPITAL_VIEW),
    Endpoint("risk:capital_position_approve", lambda w: f"/risk/capital/{w['capital_submitted'].pk}/approve/",
             CAPITAL_APPROVE, kind=WRITE, method="post", object_permission=CAPITAL_VIEW),
    Endpoint("risk:capital_position_reject", lambda w: f"/risk/capital/{w['capital_submitted'].pk}/reject/",
             CAPITAL_APPROVE, kind=WRITE, method="post", object_permission=CAPITAL_VIEW,
             data=lambda w: {"comment": "not yet"}),
]  # fmt: skip
