"""Assumption sets: the services that write them (draft, edit, submit, approve, reject, retire),
the selectors that read them, the comparison of two versions, and the one resolution every run
goes through (``approved_set``): a name, or name:version, to an approved set, or a refusal
naming it before anything runs.

Rules (decision 0013):
- actuaries and the chief actuary draft (``risk.draft_assumptions``); a draft belongs to its
  maker, who alone edits and submits it;
- the chief actuary and the CRO approve, reject and retire (``risk.approve_assumptions``);
  nobody approves or rejects their own version (maker ≠ checker, also a database constraint);
- from submission on the parameters are fixed: the content hash is what runs record and check;
- every write is atomic and audited (insurer.audit, before/after).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from insurer import audit
from insurer.access import require, restrict
from risk.engine import basis_schema
from risk.models import AssumptionSet

VIEW = "risk.view_assumptionset"
DRAFT = "risk.draft_assumptions"
APPROVE = "risk.approve_assumptions"
OBJECT_TYPE = "risk.assumptionset"
Status = AssumptionSet.Status


class UnapprovedBasis(ValueError):
    """The basis a run asked for is unknown or not approved: nothing was run."""


# --------------------------------------------------------------------------- selectors


def assumption_sets_for(user) -> QuerySet[AssumptionSet]:
    return restrict(AssumptionSet.objects.select_related("maker", "checker", "parent"), user, "view")


def versions_of(name: str) -> QuerySet[AssumptionSet]:
    return AssumptionSet.objects.filter(name=name).order_by("-version")


def approved_names() -> list[str]:
    return sorted(set(AssumptionSet.objects.filter(status=Status.APPROVED).values_list("name", flat=True)))


def approved_set(spec: str) -> AssumptionSet:
    """``NAME`` (its latest approved version) or ``NAME:VERSION`` (that version, which must be
    approved) → the set; UnapprovedBasis naming the set and its state otherwise."""
    spec = (spec or "").strip()
    name, _sep, version_text = spec.partition(":")
    version_text = version_text.strip().lstrip("vV")
    known = approved_names()
    if not AssumptionSet.objects.filter(name=name).exists():
        raise UnapprovedBasis(
            _("unknown basis %(name)r; approved: %(known)s") % {"name": name, "known": ", ".join(known) or "—"}
        )
    if not version_text:
        latest = versions_of(name).filter(status=Status.APPROVED).first()
        if latest is None:
            states = ", ".join(f"v{s.version} {s.get_status_display().lower()}" for s in versions_of(name))
            raise UnapprovedBasis(
                _("basis %(name)s has no approved version (%(states)s): nothing was run")
                % {"name": name, "states": states}
            )
        return latest
    if not version_text.isdigit():
        raise UnapprovedBasis(_("basis %(spec)r: the version must be a whole number, e.g. %(name)s:2")
                              % {"spec": spec, "name": name})  # fmt: skip
    chosen = versions_of(name).filter(version=int(version_text)).first()
    if chosen is None:
        listed = ", ".join(f"v{s.version}" for s in versions_of(name))
        raise UnapprovedBasis(_("basis %(name)s has no version %(v)s (versions: %(listed)s)")
                              % {"name": name, "v": version_text, "listed": listed})  # fmt: skip
    if not chosen.is_usable:
        raise UnapprovedBasis(
            _("basis %(label)s is %(status)s, not approved: a run may use only an approved assumption set; "
              "nothing was run") % {"label": str(chosen), "status": chosen.get_status_display().lower()}
        )  # fmt: skip
    return chosen


def engine_basis(assumption_set: AssumptionSet):
    """The engine's Basis for a set, after checking its parameters still hash to the recorded
    content hash (a changed row is refused, not run)."""
    actual = basis_schema.content_hash(assumption_set.parameters)
    if actual != assumption_set.content_hash:
        raise UnapprovedBasis(
            _("basis %(label)s: its parameters no longer match the approved content hash; nothing was run")
            % {"label": str(assumption_set)}
        )
    return basis_schema.basis_from_parameters(assumption_set.name, assumption_set.parameters)


def basis_for_run(reference: dict | None):
    """The Basis of the set a run recorded (``{"id", "name", "version", "content_hash"}``)."""
    if not reference:
        raise UnapprovedBasis(_("this run names no approved assumption set; request it again"))
    found = AssumptionSet.objects.filter(pk=reference.get("id")).first()
    if found is None or found.content_hash != reference.get("content_hash"):
        raise UnapprovedBasis(
            _("the assumption set %(name)s v%(v)s this run was approved on is gone or changed; nothing was run")
            % {"name": reference.get("name"), "v": reference.get("version")}
        )
    return engine_basis(found)


def diff(old: AssumptionSet, new: AssumptionSet) -> list[basis_schema.Change]:
    """Field-level changes from ``old`` to ``new`` (vectors by index, tables by age)."""
    return basis_schema.diff_parameters(old.parameters, new.parameters)


# --------------------------------------------------------------------------- services


def _snapshot(s: AssumptionSet) -> dict:
    return {"name": s.name, "version": s.version, "status": s.status, "content_hash": s.content_hash,
            "parent": s.parent.version if s.parent_id else None}  # fmt: skip


def _record(actor, action: str, s: AssumptionSet, before: dict | None, *, reason: str = "", detail=None) -> None:
    audit.record_change(actor=actor, action=action, obj_type=OBJECT_TYPE, obj_id=str(s.pk), object_repr=str(s),
                        before=before, after=_snapshot(s), reason=reason, detail=detail)  # fmt: skip


def _valid(parameters) -> dict:
    problems = basis_schema.problems_in(parameters)
    if problems:
        raise ValidationError({"parameters": [str(p) for p in problems]})
    return basis_schema.normalised(parameters)


def _locked(s: AssumptionSet) -> AssumptionSet:
    return AssumptionSet.objects.select_for_update().get(pk=s.pk)


@transaction.atomic
def assumption_set_draft(*, actor, parent: AssumptionSet, parameters: dict, note: str) -> AssumptionSet:
    """A new draft version of ``parent``'s basis with ``parameters`` (validated against the
    engine's schema, every bad field named). Needs risk.draft_assumptions; the note (what
    changes and why) is required; parameters identical to the parent's are refused."""
    require(actor, DRAFT, _("Your role may not draft assumption sets."))
    if not note.strip():
        raise ValidationError({"note": _("Say what changes and why.")})
    clean = _valid(parameters)
    digest = basis_schema.content_hash(clean)
    if digest == parent.content_hash:
        raise ValidationError({"parameters": _("The parameters are the same as %(parent)s's.") % {"parent": parent}})
    # Lock the name's versions so two drafts do not take the same number.
    list(AssumptionSet.objects.select_for_update().filter(name=parent.name).values_list("pk", flat=True))
    version = (versions_of(parent.name).aggregate(v=Max("version"))["v"] or 0) + 1
    now = timezone.now()
    draft = AssumptionSet.objects.create(
        name=parent.name, version=version, parent=parent, note=note.strip(), parameters=clean, content_hash=digest,
        status=Status.DRAFT, maker=actor, created_at=now, updated_at=now,
    )  # fmt: skip
    changes = diff(parent, draft)
    _record(actor, "assumption_set_draft", draft, None, reason=draft.note,
            detail={"changes": [f"{c.field}: {c.old!r} → {c.new!r}" for c in changes[:200]]})  # fmt: skip
    return draft


def _own_draft(actor, s: AssumptionSet, what: str) -> None:
    if s.maker_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the maker of %(set)s may %(what)s it.") % {"set": s, "what": what})
    if s.status != Status.DRAFT:
        raise ValidationError(
            _("%(set)s is %(status)s: only a draft can be changed or submitted.")
            % {"set": s, "status": s.get_status_display().lower()}
        )


@transaction.atomic
def assumption_set_edit(*, actor, assumption_set: AssumptionSet, parameters: dict, note: str) -> AssumptionSet:
    """Change a draft's parameters and note: its maker only, while it is a draft."""
    require(actor, DRAFT, _("Your role may not draft assumption sets."))
    s = _locked(assumption_set)
    _own_draft(actor, s, _("edit"))
    if not note.strip():
        raise ValidationError({"note": _("Say what changes and why.")})
    clean = _valid(parameters)
    before = _snapshot(s)
    old_parameters = s.parameters
    s.parameters, s.content_hash, s.note, s.updated_at = (
        clean,
        basis_schema.content_hash(clean),
        note.strip(),
        timezone.now(),
    )
    s.save(update_fields=["parameters", "content_hash", "note", "updated_at"])
    changes = basis_schema.diff_parameters(old_parameters, clean)
    _record(actor, "assumption_set_edit", s, before, reason=s.note,
            detail={"changes": [f"{c.field}: {c.old!r} → {c.new!r}" for c in changes[:200]]})  # fmt: skip
    return s


@transaction.atomic
def assumption_set_submit(*, actor, assumption_set: AssumptionSet) -> AssumptionSet:
    """The maker submits their draft for approval; its parameters are fixed from now on."""
    require(actor, DRAFT, _("Your role may not submit assumption sets."))
    s = _locked(assumption_set)
    _own_draft(actor, s, _("submit"))
    _valid(s.parameters)  # tables of the loader may have changed since drafting
    before = _snapshot(s)
    s.status, s.submitted_at = Status.SUBMITTED, timezone.now()
    s.save(update_fields=["status", "submitted_at"])
    _record(actor, "assumption_set_submit", s, before)
    return s


def _decide(actor, assumption_set: AssumptionSet, verdict: str, comment: str) -> AssumptionSet:
    require(actor, APPROVE, _("Your role may not approve assumption sets."))
    s = _locked(assumption_set)
    if s.status != Status.SUBMITTED:
        raise ValidationError(
            _("%(set)s is %(status)s: only a submitted version can be approved or rejected.")
            % {"set": s, "status": s.get_status_display().lower()}
        )
    if s.maker_id == actor.pk:
        raise PermissionDenied(_("Maker-checker: you drafted %(set)s, so someone else must decide it.") % {"set": s})
    if verdict == Status.REJECTED and not comment.strip():
        raise ValidationError({"comment": _("Say why the version is rejected.")})
    if verdict == Status.APPROVED and basis_schema.content_hash(s.parameters) != s.content_hash:
        raise ValidationError(_("%(set)s: its parameters do not match its content hash.") % {"set": s})
    before = _snapshot(s)
    s.status, s.checker, s.decided_at, s.decision_comment = verdict, actor, timezone.now(), comment.strip()
    s.save(update_fields=["status", "checker", "decided_at", "decision_comment"])
    action = "assumption_set_approve" if verdict == Status.APPROVED else "assumption_set_reject"
    _record(actor, action, s, before, reason=s.decision_comment)
    return s


@transaction.atomic
def assumption_set_approve(*, actor, assumption_set: AssumptionSet, comment: str = "") -> AssumptionSet:
    """A checker (not the maker) approves a submitted version: runs may use it from now on,
    and runs naming the basis without a version use the latest approved one."""
    return _decide(actor, assumption_set, Status.APPROVED, comment)


@transaction.atomic
def assumption_set_reject(*, actor, assumption_set: AssumptionSet, comment: str) -> AssumptionSet:
    """A checker (not the maker) rejects a submitted version, saying why; it stays on record."""
    return _decide(actor, assumption_set, Status.REJECTED, comment)


@transaction.atomic
def assumption_set_retire(*, actor, assumption_set: AssumptionSet, reason: str) -> AssumptionSet:
    """Withdraw an approved version from use (runs already made keep their record of it)."""
    require(actor, APPROVE, _("Your role may not retire assumption sets."))
    s = _locked(assumption_set)
    if s.status != Status.APPROVED:
        raise ValidationError(_("Only an approved version can be retired (%(set)s is %(status)s).")
                              % {"set": s, "status": s.get_status_display().lower()})  # fmt: skip
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the version is retired.")})
    before = _snapshot(s)
    s.status, s.retired_by, s.retired_at, s.retire_reason = Status.RETIRED, actor, timezone.now(), reason.strip()
    s.save(update_fields=["status", "retired_by", "retired_at", "retire_reason"])
    _record(actor, "assumption_set_retire", s, before, reason=s.retire_reason)
    return s
