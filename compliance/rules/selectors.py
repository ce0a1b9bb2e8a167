"""Reads of rule governance: the live catalogue (what monitoring should run), versions,
labels, and the backtest and shadow jobs of a version."""

from __future__ import annotations

from django.db.models import QuerySet

from compliance.engine.parameters import Parameters, load_parameters, parse_parameters
from compliance.rules.models import RuleVersion, TypologyLabel
from insurer.access import restrict
from insurer.jobs.models import Job

BACKTEST_KIND, SHADOW_KIND = "aml_backtest", "aml_shadow"
_PARSED: dict[tuple, Parameters] = {}


def version_parameters(version: RuleVersion) -> Parameters:
    """The validated catalogue of a stored version (cached per version and approval)."""
    key = (version.pk, version.name, str(version.approved_at))
    if key not in _PARSED:
        _PARSED[key] = parse_parameters(version.parameters, path=f"rule version {version.name}")
    return _PARSED[key]


def live_version() -> RuleVersion | None:
    return RuleVersion.objects.filter(status=RuleVersion.Status.LIVE).first()


def live_parameters() -> Parameters:
    """The catalogue monitoring runs with: the live rule version, or the shipped rules-v1 file
    when no version is stored (a database before the migration that loads it)."""
    version = live_version()
    return version_parameters(version) if version else load_parameters()


def versions_for(user) -> QuerySet[RuleVersion]:
    return restrict(RuleVersion.objects.select_related("proposed_by", "approved_by", "based_on"), user)


def labels() -> QuerySet[TypologyLabel]:
    return TypologyLabel.objects.order_by("pk")


def jobs_of(kind: str, **parameters) -> QuerySet[Job]:
    """Jobs of one kind whose parameters match (newest first)."""
    filters = {f"parameters__{k}": v for k, v in parameters.items()}
    return Job.objects.filter(kind=kind, **filters).select_related("requested_by").order_by("-created_at", "-pk")


def latest_backtest(version: RuleVersion) -> Job | None:
    return jobs_of(BACKTEST_KIND, version=version.name).filter(status=Job.Status.SUCCEEDED).first()


def latest_shadow(candidate: RuleVersion, live: RuleVersion | None = None) -> Job | None:
    qs = jobs_of(SHADOW_KIND, candidate=candidate.name).filter(status=Job.Status.SUCCEEDED)
    if live is not None:
        qs = qs.filter(parameters__live=live.name)
    return qs.first()


def runs_pending(version: RuleVersion) -> bool:
    """A backtest or shadow run of this version is queued or running."""
    return (
        jobs_of(BACKTEST_KIND, version=version.name).filter(status__in=Job.ACTIVE).exists()
        or jobs_of(SHADOW_KIND, candidate=version.name).filter(status__in=Job.ACTIVE).exists()
    )
