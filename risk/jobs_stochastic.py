"""Stochastic valuation of the book as a job: the in-force policies of the valued kinds (the same seriatim
model points as ``book_valuation``) valued under N seeded Hull-White paths, chunks of
policies on any worker.

Every chunk draws the very same paths: the seed is a parameter and the horizon is fixed by the
split (12 x the longest term in force + 1 months), so a chunk's present values per path can be
added to the others'. The summary keeps, per path, the present values summed over the book
(so the distribution of the BEL: mean, Monte Carlo standard error, percentiles), the mean BEL
by product, and the martingale check of the paths.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Max
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry
from risk import jobs

ENGINE_VERSION = "1.1"  # 1.1: every valued product kind (decision 0015)
MAX_PATHS = 10_000


class StochasticValuationForm(jobs.ValuationForm):
    paths = forms.IntegerField(
        label=_("Paths"), min_value=2, max_value=MAX_PATHS, initial=1_000,
        help_text=_("Hull-White scenarios, drawn in antithetic pairs (an even number)."),
    )  # fmt: skip
    seed = forms.IntegerField(label=_("Seed"), min_value=0, initial=20261128)
    mean_reversion = forms.FloatField(label=_("Mean reversion a"), min_value=1e-4, max_value=5.0, initial=0.1)
    volatility = forms.FloatField(label=_("Volatility σ"), min_value=0.0, max_value=0.2, initial=0.01)
    lapse_sensitivity = forms.FloatField(
        label=_("Dynamic lapse sensitivity"), required=False, min_value=-100.0, max_value=100.0,
        help_text=_("Empty: lapses do not depend on rates. 10 means one point of rate above the curve's forward "
                    "makes lapses 10% more likely (multiplier kept between 0.5 and 2)."),
    )  # fmt: skip

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["scenarios"]  # the paths are the scenarios

    def clean_paths(self):
        paths = self.cleaned_data["paths"]
        if paths % 2:
            raise forms.ValidationError(_("Paths are drawn in antithetic pairs: give an even number."))
        return paths


def split(parameters: dict) -> list[dict]:
    valuation_date = dt.date.fromisoformat(parameters["valuation_date"])
    longest = jobs._in_force(valuation_date).aggregate(term=Max("policy_term_years"))["term"] or 0
    return [{**spec, "months": 12 * longest + 1} for spec in jobs.split(parameters)]


def run_chunk(parameters: dict, spec: dict) -> dict:
    from risk import assumptions
    from risk.engine.esg import HullWhite
    from risk.engine.modelpoints import model_points_from_frame
    from risk.engine.stochastic import DynamicLapse, stochastic_valuation

    valuation_date = dt.date.fromisoformat(parameters["valuation_date"])
    policies = list(
        jobs._in_force(valuation_date).filter(id__gte=spec["first_id"], id__lte=spec["last_id"]).values(*jobs.FIELDS)
    )
    basis = assumptions.basis_for_run(parameters.get("assumption_set"))
    frame, skipped = jobs.model_point_frame(policies, valuation_date, basis)
    out = {"policies": len(policies), "valued": len(frame), "skipped": skipped, "scenario_pv": {}, "by_product": {}}
    if frame.empty:
        return out
    sensitivity = parameters.get("lapse_sensitivity")
    result = stochastic_valuation(
        model_points_from_frame(frame.drop(columns=["product_code", "product_kind"])),
        basis,
        HullWhite(parameters["mean_reversion"], parameters["volatility"]),
        parameters["paths"],
        parameters["seed"],
        months=spec["months"],
        dynamic_lapse=None if sensitivity is None else DynamicLapse(sensitivity),
    )
    out["scenario_pv"] = {name: values.tolist() for name, values in result.scenario_pv.items()}
    by_product = frame.assign(mean_bel=result.point_mean_bel).groupby("product_code")["mean_bel"].sum()
    out["by_product"] = {code: float(v) for code, v in by_product.items()}
    out["martingale"] = {"passed": result.martingale.passed, "worst_month": result.martingale.worst_month,
                         "worst_z": float(result.martingale.z_scores[result.martingale.worst_month])}  # fmt: skip
    return out


def reduce(parameters: dict, results: list[dict]) -> dict:
    import numpy as np

    from risk.engine.stochastic import percentiles, standard_error

    summary: dict = {
        "basis": parameters["basis"], "valuation_date": parameters["valuation_date"], "paths": parameters["paths"],
        "seed": parameters["seed"], "model": {"name": "Hull-White", "a": parameters["mean_reversion"],
                                              "sigma": parameters["volatility"]},
        "lapse_sensitivity": parameters.get("lapse_sensitivity"), "engine_version": ENGINE_VERSION,
        "policies": 0, "valued": 0, "skipped": {}, "by_product": {}, "mean_pv": {},
    }  # fmt: skip
    totals: dict[str, np.ndarray] = {}
    for r in results:
        summary["policies"] += r["policies"]
        summary["valued"] += r["valued"]
        jobs._add(summary["skipped"], r["skipped"])
        jobs._add(summary["by_product"], r["by_product"])
        for name, values in r["scenario_pv"].items():
            totals[name] = totals.get(name, 0.0) + np.asarray(values)
        summary.setdefault("martingale", r.get("martingale"))  # the same paths in every chunk
    if totals:
        bel = -totals["pv_net_cf"]
        summary["mean_pv"] = {name: float(v.mean()) for name, v in totals.items()}
        summary["mean_bel"] = float(bel.mean())
        summary["standard_error"] = standard_error(bel, antithetic=True)
        summary["percentiles"] = percentiles(bel)
        summary["bel_by_path"] = bel.tolist()
    return summary


def fingerprint(parameters: dict) -> dict:
    return {**jobs.fingerprint(parameters), "engine_version": ENGINE_VERSION}


def register() -> None:
    registry.register(
        registry.JobKind(
            name="stochastic_valuation",
            version=ENGINE_VERSION,
            verbose_name=_("Stochastic valuation of the book (Hull-White paths)"),
            description=_(
                "Every in-force policy of a valued kind projected under N seeded Hull-White interest-rate paths "
                "fitted to the basis's curve, optionally with rate-sensitive lapses: the BEL's mean, Monte Carlo "
                "error and percentiles, the mean BEL by product and the paths' martingale check."
            ),
            permission="risk.run_valuation",
            form=StochasticValuationForm,
            split=split,
            run_chunk=run_chunk,
            reduce=reduce,
            input_fingerprint=fingerprint,
        )
    )
