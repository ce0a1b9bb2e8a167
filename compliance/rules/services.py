"""Writes of rule governance. Each is keyword-only, atomic, permission-checked
(insurer.access.require: oversight roles are refused every write) and audited.

Lifecycle of a rule version: ``rule_version_propose`` (draft, validated by the engine's
loader) → ``rule_version_shadow`` (the candidate; backtests and shadow runs compare it with
the live version) → ``rule_version_approve`` (live; the version it replaces is retired in the
same transaction). Refusals, each with its message:
- maker ≠ checker: the proposer of a version never approves it;
- only a version in shadow goes live, and only after a succeeded shadow run against the
  version live at the time of approval;
- exactly one version is live (the replaced one is retired under a row lock; a partial
  unique constraint backs it).
"""

from __future__ import annotations

import yaml
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from compliance.engine.parameters import parse_parameters, plain_document
from compliance.rules import selectors
from compliance.rules.models import RuleVersion, TypologyLabel
from insurer import audit
from insurer.access import require

OBJ = "compliance_rules.ruleversion"
PROPOSE, APPROVE = "compliance_rules.propose_ruleversion", "compliance_rules.approve_ruleversion"


def _snapshot(v: RuleVersion) -> dict:
    return {"name": v.name, "status": v.status, "approved_by": v.approved_by_id, "note": v.note[:500]}


def parse_document(text: str) -> dict:
    """A catalogue document from YAML (or JSON) text, validated; ValidationError names the field."""
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ValidationError({"parameters": [_("Not valid YAML: %(error)s") % {"error": exc}]}) from None
    doc = plain_document(doc)
    try:
        parse_parameters(doc)
    except ValueError as exc:
        raise ValidationError({"parameters": [str(exc)]}) from None
    return doc


@transaction.atomic
def rule_version_propose(*, actor, name: str, parameters_text: str, note: str = "",
                         based_on: RuleVersion | None = None) -> RuleVersion:  # fmt: skip
    """A new draft version. Checks: the propose permission, a new name, a note saying what
    changes and why, a catalogue the engine accepts. Writes the version and an audit event."""
    require(actor, PROPOSE, _("Your role may not propose rule versions."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": [_("Give the version a name.")]})
    if RuleVersion.objects.filter(name=name).exists():
        raise ValidationError({"name": [_("A rule version with this name exists already.")]})
    if not (note or "").strip():
        raise ValidationError({"note": [_("Say what changes and why.")]})
    doc = parse_document(parameters_text)
    version = RuleVersion.objects.create(
        name=name, parameters=doc, note=note.strip(), based_on=based_on, proposed_by=actor
    )
    audit.record_change(actor=actor, action="rule_version.propose", obj_type=OBJ, obj_id=str(version.pk),
                        object_repr=str(version), after=_snapshot(version))  # fmt: skip
    return version


@transaction.atomic
def rule_version_shadow(*, actor, version: RuleVersion) -> RuleVersion:
    """Draft → shadow: the candidate that backtests and shadow runs compare with the live one."""
    require(actor, PROPOSE, _("Your role may not put rule versions in shadow."))
    locked = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if locked.status != RuleVersion.Status.DRAFT:
        raise ValidationError(_("Only a draft can be put in shadow (this version is %(status)s).")
                              % {"status": locked.get_status_display()})  # fmt: skip
    before = _snapshot(locked)
    locked.status = RuleVersion.Status.SHADOW
    locked.save(update_fields=["status"])
    audit.record_change(actor=actor, action="rule_version.shadow", obj_type=OBJ, obj_id=str(locked.pk),
                        object_repr=str(locked), before=before, after=_snapshot(locked))  # fmt: skip
    return locked


@transaction.atomic
def rule_version_approve(*, actor, version: RuleVersion, comment: str = "") -> RuleVersion:
    """Shadow → live, retiring the live version. Checks: the approve permission; the approver
    did not propose it (maker ≠ checker); the version is in shadow; a shadow run of it against
    the live version succeeded. Writes both versions and one audit event each."""
    require(actor, APPROVE, _("Your role may not approve rule versions."))
    locked = RuleVersion.objects.select_for_update().get(pk=version.pk)
    if locked.proposed_by_id is not None and locked.proposed_by_id == actor.pk:
        raise PermissionDenied(_("Maker-checker: you proposed this rule version, so someone else must approve it."))
    if locked.status != RuleVersion.Status.SHADOW:
        raise ValidationError(_("Only a version in shadow can go live (this version is %(status)s).")
                              % {"status": locked.get_status_display()})  # fmt: skip
    live = RuleVersion.objects.select_for_update().filter(status=RuleVersion.Status.LIVE).first()
    if live is not None and selectors.latest_shadow(locked, live) is None:
        raise ValidationError(_("Run a shadow comparison of %(candidate)s against the live %(live)s first.")
                              % {"candidate": locked.name, "live": live.name})  # fmt: skip
    now = timezone.now()
    if live is not None:
        before = _snapshot(live)
        live.status, live.retired_at = RuleVersion.Status.RETIRED, now
        live.save(update_fields=["status", "retired_at"])
        audit.record_change(actor=actor, action="rule_version.retire", obj_type=OBJ, obj_id=str(live.pk),
                            object_repr=str(live), before=before, after=_snapshot(live),
                            reason=f"replaced by {locked.name}")  # fmt: skip
    before = _snapshot(locked)
    locked.status, locked.approved_by, locked.approved_at = RuleVersion.Status.LIVE, actor, now
    locked.approval_comment = (comment or "").strip()
    locked.save(update_fields=["status", "approved_by", "approved_at", "approval_comment"])
    audit.record_change(actor=actor, action="rule_version.approve", obj_type=OBJ, obj_id=str(locked.pk),
                        object_repr=str(locked), before=before, after=_snapshot(locked),
                        reason=locked.approval_comment)  # fmt: skip
    return locked


@transaction.atomic
def typology_labels_record(*, size: str, seed: int, keep: bool, labels: list[dict], watchlist: list[dict]) -> int:
    """Store the labels of the planted cases sent by seed_demo (customers.signals.book_seeded),
    replacing those of the book it replaced (unless the book was added with --keep). L13
    labels carry their watch-list entry. A system write: seed_demo is the actor."""
    entries = {e["entry_id"]: e for e in watchlist}
    removed = 0 if keep else TypologyLabel.objects.all().delete()[0]
    rows = []
    for lab in labels:
        detail = dict(lab.get("detail") or {})
        if lab["typology"] == "L13" and detail.get("entry_id") in entries:
            detail["entry"] = entries[detail["entry_id"]]
        rows.append(TypologyLabel(rule_id=lab["typology"], customer_ref=lab["customer_ref"],
                                  policy_ref=lab["policy_ref"], txn_refs=list(lab["txn_refs"]), detail=detail,
                                  seed=seed, size=size))  # fmt: skip
    TypologyLabel.objects.bulk_create(rows, batch_size=2000)
    audit.record_change(actor=None, action="typology_labels.record", obj_type="compliance_rules.typologylabel",
                        obj_id="", object_repr=f"demo {size} seed {seed}",
                        detail={"stored": len(rows), "removed": removed, "keep": keep})  # fmt: skip
    return len(rows)
