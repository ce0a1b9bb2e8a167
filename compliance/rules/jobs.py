"""Backtests and shadow runs as platform jobs (insurer.jobs): one chunk each, since the
vectorised engine runs the whole history in one pass (the large demo book, 3 million
transactions, in well under a minute of rules); the summary is stored on the job."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Count, Max
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry

ENGINE_VERSION = "1.0"
PERMISSION = "compliance_rules.run_backtest"


def _version_choices() -> list[tuple[str, str]]:
    from compliance.rules.models import RuleVersion

    return [(v.name, str(v)) for v in RuleVersion.objects.order_by("-proposed_at", "-pk")]


class BacktestForm(forms.Form):
    version = forms.ChoiceField(label=_("Rule version"), choices=_version_choices)


class ShadowForm(forms.Form):
    candidate = forms.ChoiceField(label=_("Candidate version"), choices=_version_choices)
    live = forms.ChoiceField(label=_("Compared with (live version)"), choices=_version_choices)

    def clean(self):
        data = super().clean()
        if data.get("candidate") and data.get("candidate") == data.get("live"):
            raise ValidationError({"candidate": [_("Compare the candidate with another version.")]})
        return data


def book_inputs() -> dict:
    """What a backtest reads: the book's frames, the labels, and the screening hits of the
    planted watch-list entries (compliance/rules/backtest.py)."""
    import pandas as pd

    from compliance.book import book_frames
    from compliance.rules import backtest
    from compliance.rules.models import TypologyLabel
    from compliance.selectors import rule_snoozes_frame
    from customers.models import Customer

    now = timezone.now()

    labels = list(TypologyLabel.objects.order_by("pk"))
    watchlist = [lab.detail["entry"] for lab in labels if lab.rule_id == "L13" and "entry" in lab.detail]
    names = {e["name"] for e in watchlist}
    people = pd.DataFrame(
        list(Customer.objects.filter(name__in=names).values_list("customer_ref", "name", "birth_date")),
        columns=["customer_ref", "name", "birth_date"],
    )
    people["birth_date"] = people["birth_date"].astype(str)
    return {
        "frames": book_frames(),
        "labels": backtest.labels_frame(labels),
        "screening_hits": backtest.screening_hits(people, watchlist),
        "snoozes": rule_snoozes_frame(now),  # as the live batch applies them
        "snoozes_as_of": now,
    }


def _parameters_of(name: str):
    from compliance.rules.models import RuleVersion
    from compliance.rules.selectors import version_parameters

    return version_parameters(RuleVersion.objects.get(name=name))


def _one_chunk(parameters: dict) -> list[dict]:
    return [{}]


def run_backtest(parameters: dict, spec: dict) -> dict:
    from compliance.rules import backtest

    summary = backtest.backtest(book_inputs(), _parameters_of(parameters["version"]))
    return {"version": parameters["version"], **summary}


def run_shadow(parameters: dict, spec: dict) -> dict:
    from compliance.rules import backtest

    out = backtest.shadow(book_inputs(), _parameters_of(parameters["live"]), _parameters_of(parameters["candidate"]))
    return {"candidate": parameters["candidate"], "live": parameters["live"], **out}


def _only(parameters: dict, results: list[dict]) -> dict:
    return results[0]


def fingerprint(parameters: dict) -> dict:
    from compliance.rules.models import RuleVersion, TypologyLabel
    from customers.models import PolicyTransaction

    names = [parameters[k] for k in ("version", "candidate", "live") if k in parameters]
    return {
        "transactions": PolicyTransaction.objects.aggregate(n=Count("id"), max_id=Max("id")),
        "labels": TypologyLabel.objects.aggregate(n=Count("id"), max_id=Max("id")),
        "versions": {v.name: v.parameters for v in RuleVersion.objects.filter(name__in=names)},
    }


def register() -> None:
    registry.register(registry.JobKind(
        name="aml_backtest", version=ENGINE_VERSION, verbose_name=_("AML rule backtest"),
        description=_("Every rule of one rule version over the whole history: alerts per rule and tier, recall "
                      "and precision per typology against the planted, labelled cases."),
        permission=PERMISSION, form=BacktestForm, split=_one_chunk, run_chunk=run_backtest, reduce=_only,
        input_fingerprint=fingerprint,
    ))  # fmt: skip
    registry.register(registry.JobKind(
        name="aml_shadow", version=ENGINE_VERSION, verbose_name=_("AML rule shadow run"),
        description=_("A candidate rule version and the live one over the same history: alerts only in one, only "
                      "in the other, in both (per rule), with both versions' backtest figures."),
        permission=PERMISSION, form=ShadowForm, split=_one_chunk, run_chunk=run_shadow, reduce=_only,
        input_fingerprint=fingerprint,
    ))  # fmt: skip
