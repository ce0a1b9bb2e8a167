"""The AML monitoring batch as a job (insurer.jobs) and the runner the command shares.

``aml_monitoring`` splits the customers into ``parts`` (by a stable hash of the customer
ref); each chunk runs the rules over the whole history (a rule's window may span customers:
L01 across payers, L10 across policies sharing contacts) and stores the alerts of its part
of the customers, with their cases. Storing is idempotent (alerts are keyed by the engine's
alert_id and a customer's alerts always fall in the same part), so a chunk computed twice
changes nothing the second time. A worker process keeps the last alerts frame it computed
for the same book and rules (keyed by the book's fingerprint), so several parts on one
worker run the rules once.
"""

from __future__ import annotations

import zlib

from django import forms
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from insurer.jobs import registry

KIND = "aml_monitoring"
VERSION = "1.0"
_CACHE: dict = {}


class MonitoringForm(forms.Form):
    parts = forms.IntegerField(
        label=_("Parts"), min_value=1, max_value=32, initial=1, required=False,
        help_text=_("The customers are stored in this many chunks (progress and parallel storing); the alerts do "
                    "not change."),
    )  # fmt: skip

    def clean_parts(self):
        return self.cleaned_data.get("parts") or 1


def book_fingerprint() -> dict:
    from customers.models import Customer, Policy, PolicyTransaction

    txns = PolicyTransaction.objects.aggregate(n=Count("id"), last=Max("id"))
    from compliance.models import RuleSnooze
    from compliance.screening.models import ScreeningHit

    return {
        # L13 reads the screening hits: a new hit or a review changes the alerts too.
        "screening_hits": ScreeningHit.objects.aggregate(
            n=Count("id"), seen=Max("last_screened"), reviewed=Max("reviewed_at"), confirmed=Max("confirmed_at")
        ),
        "transactions": txns,
        # a rule snooze placed, ended or expired changes the alerts
        "rule_snoozes": RuleSnooze.objects.aggregate(
            n=Count("id"),
            last=Max("id"),
            ended=Max("ended_at"),
            in_force=Count("id", filter=Q(ended_at__isnull=True, expires_at__gt=timezone.now())),
        ),
        "policies": Policy.objects.aggregate(n=Count("id"), changed=Max("updated_at")),
        "customers": Customer.objects.aggregate(n=Count("id"), changed=Max("updated_at")),
    }


def compute_alerts():
    """(alerts frame, transactions read, rules version) over the whole book."""
    from compliance.book import book_frames, screening_hits_frame
    from compliance.engine.monitoring import apply_snoozes, monitor
    from compliance.engine.ownership import look_through
    from compliance.rules.selectors import live_parameters
    from compliance.selectors import rule_snoozes_frame

    params = live_parameters()  # the live rule version (AML-5): approving a new one changes the batch
    snoozes = rule_snoozes_frame()  # snoozing, ending or expiry of a rule snooze changes the batch too
    key = (params.label, repr(book_fingerprint()), repr(snoozes.to_records(index=False).tolist()))
    if _CACHE.get("key") == key:
        return _CACHE["value"]
    frames = book_frames()
    ownership = look_through(frames["beneficial_owners"], frames["customers"])
    alerts = monitor(frames["transactions"], frames["policies"], frames["customers"],
                     screening_hits=screening_hits_frame(), ownership=ownership, params=params)  # fmt: skip
    alerts = apply_snoozes(alerts, snoozes, params, as_of=timezone.now())
    value = (alerts, len(frames["transactions"]), params.label)
    _CACHE.clear()
    _CACHE.update(key=key, value=value)
    return value


def part_of(customer_ref: str, parts: int) -> int:
    return zlib.crc32(customer_ref.encode()) % parts


def run_batch(*, actor, source: str, part: int = 0, parts: int = 1, job_id=None) -> dict:
    """Run the rules and store the alerts of customers in ``part`` of ``parts``; returns counts."""
    from compliance import services
    from compliance.models import MonitoringRun

    alerts, n_txns, label = compute_alerts()
    if parts > 1 and len(alerts):
        alerts = alerts[[part_of(c, parts) == part for c in alerts["customer_ref"]]]
    run = services.run_start(actor=actor, source=source, rules_version=label, job_id=job_id, part=part, parts=parts)
    try:
        counts = services.alerts_persist(actor=actor, alerts=alerts, run=run)
    except Exception:
        services.run_finish(run, transactions=n_txns, status=MonitoringRun.Status.FAILED)
        raise
    by_tier = alerts["tier"].value_counts().to_dict() if len(alerts) else {}
    by_rule = alerts["rule_ids"].explode().value_counts().to_dict() if len(alerts) else {}
    services.run_finish(run, transactions=n_txns, by_tier={str(k): int(v) for k, v in by_tier.items()},
                        by_rule={str(k): int(v) for k, v in by_rule.items()})  # fmt: skip
    return {"run": run.pk, "transactions": n_txns, "rules_version": label, **counts}


def split(parameters: dict) -> list[dict]:
    return [{"part": i, "parts": parameters["parts"]} for i in range(parameters["parts"])]


def run_chunk(parameters: dict, spec: dict) -> dict:
    return run_batch(actor=None, source="job", part=spec["part"], parts=spec["parts"])


COUNTS = ("alerts_found", "alerts_new", "alerts_updated", "alerts_unchanged", "cases_opened", "cases_escalated",
          "alerts_reraised")  # fmt: skip


def reduce(parameters: dict, results: list[dict]) -> dict:
    summary = {key: sum(r.get(key, 0) for r in results) for key in COUNTS}
    summary["runs"] = [r["run"] for r in results]
    summary["transactions"] = max((r["transactions"] for r in results), default=0)
    summary["rules_version"] = results[0]["rules_version"] if results else ""
    return summary


def fingerprint(parameters: dict) -> dict:
    return book_fingerprint()


def register() -> None:
    registry.register(
        registry.JobKind(
            name=KIND,
            version=VERSION,
            verbose_name=_("AML monitoring batch (rules L01–L13)"),
            description=_(
                "Runs the AML rules over the whole transaction history and stores the alerts with their scores, "
                "tiers and explanations, grouped into one case per customer with the 5-working-day review clock; "
                "each new hold- or freeze-tier alert places a payout hold or freeze on its policy. Running it again "
                "over the same history adds nothing."
            ),
            permission="compliance.run_monitoring",
            form=MonitoringForm,
            split=split,
            run_chunk=run_chunk,
            reduce=reduce,
            input_fingerprint=fingerprint,
        )
    )
