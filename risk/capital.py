"""Capital positions: the capital figures a solvency or stress run is measured against, as a
versioned record entered by a maker and approved by a checker (decision 0014, amended).

- Who: finance accountants, actuaries and the chief actuary enter (``risk.enter_capital``);
  the chief actuary and the CRO approve or reject (``risk.approve_capital``), never a
  position they entered (maker ≠ checker here and as a database constraint); readers of
  valuations read them (``risk.view_capitalposition``). Oversight roles never write.
- A position is entered submitted, with its source; its figures are fixed from then on
  (``content_hash``). A correction is a new version of the same valuation date.
- A run references an **approved** position by id (``capital_position``): the run form
  copies its figures into the run's parameters and records its id, version and hash, so the
  input hash covers them. A run given free figures instead is a **what-if** run
  (``what_if = true``), flagged as such on the screens and in the report.
- Every write is atomic and audited (insurer.audit, before/after).
"""

from __future__ import annotations

import copy
import hashlib
import json

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from insurer import audit
from insurer.access import require
from risk.models import CapitalPosition

ENTER = "risk.enter_capital"
APPROVE = "risk.approve_capital"
VIEW = "risk.view_capitalposition"
OBJECT_TYPE = "risk.capitalposition"
Status = CapitalPosition.Status

CROSS_FIGURES = ("core_capital", "actual_capital", "irr_rating", "sarmra_score", "non_life_capital",
                 "market_capital", "credit_capital", "absorbency_base", "absorbency_cap", "absorbency_k",
                 "total_assets", "add_ons")  # fmt: skip
SOLVENCY2_FIGURES = ("own_funds", "scr_market", "scr_default", "scr_health", "scr_non_life", "scr_intangible",
                     "scr_operational", "scr_adjustment")  # fmt: skip
HOLDINGS = ("equity_holdings", "fixed_income_holdings", "maturing_fixed_income")
FIGURES = CROSS_FIGURES + SOLVENCY2_FIGURES + HOLDINGS


class CapitalPositionForm(forms.Form):
    """The valuation date, the source and the figures, validated exactly as the run forms
    validate them (the fields are theirs)."""

    valuation_date = forms.DateField(label=gettext_lazy("Valuation date"))
    source = forms.CharField(
        label=gettext_lazy("Where the figures come from"), widget=forms.Textarea(attrs={"rows": 2}),
        help_text=gettext_lazy("The balance sheet, the regulator's assessment, the investment book: name them."),
    )  # fmt: skip

    def clean(self):
        data = super().clean()
        core, actual = data.get("core_capital"), data.get("actual_capital")
        if core is not None and actual is not None and actual < core:
            self.add_error("actual_capital", _("Actual capital includes the core capital: it cannot be less."))
        cross_given = [n for n in ("core_capital", "actual_capital", "irr_rating", "sarmra_score") if data.get(n)]
        if not data.get("own_funds") and len(cross_given) < 4:
            raise ValidationError(
                _("Give the C-ROSS position (core and actual capital, IRR rating, SARMRA score), the Solvency II "
                  "own funds, or both.")
            )  # fmt: skip
        return data


def _figure_fields() -> None:
    from risk.jobs_solvency import SolvencyForm, StressForm

    for name in FIGURES:
        source = StressForm.base_fields.get(name) or SolvencyForm.base_fields[name]
        field = copy.deepcopy(source)
        field.required = False
        if name == "sarmra_score":
            field.initial = None
        CapitalPositionForm.base_fields[name] = field


def figures_of(cleaned: dict) -> dict:
    """The figures as the run form's raw values (strings), without the empty ones."""
    out = {}
    for name in FIGURES:
        value = cleaned.get(name)
        if value not in (None, ""):
            out[name] = str(value)
    return out


def content_hash(valuation_date: str, figures: dict) -> str:
    text = json.dumps({"valuation_date": valuation_date, "figures": figures}, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


# --------------------------------------------------------------------------- reads


def positions_for(user) -> QuerySet[CapitalPosition]:
    if not user.has_perm(VIEW):
        return CapitalPosition.objects.none()
    return CapitalPosition.objects.select_related("maker", "checker")


def approved_choices() -> list[tuple[str, str]]:
    approved = CapitalPosition.objects.filter(status=Status.APPROVED).order_by("-valuation_date", "-version")
    return [(str(p.pk), f"#{p.pk}: {p.valuation_date.isoformat()} v{p.version}") for p in approved]


def approved_position(pk) -> CapitalPosition:
    """The approved capital position ``pk``, or ValidationError naming why it cannot be used."""
    position = CapitalPosition.objects.filter(pk=pk).first()
    if position is None:
        raise ValidationError(_("There is no capital position %(id)s.") % {"id": pk})
    if position.status != Status.APPROVED:
        raise ValidationError(
            _("Capital position %(id)s (%(position)s) is %(status)s, not approved: a run may use only an approved one.")
            % {"id": pk, "position": position, "status": position.get_status_display().lower()}
        )
    if content_hash(position.valuation_date.isoformat(), position.figures) != position.content_hash:
        raise ValidationError(_("Capital position %(id)s: its figures do not match its content hash.") % {"id": pk})
    return position


# --------------------------------------------------------------------------- services


def _snapshot(p: CapitalPosition) -> dict:
    return {"valuation_date": p.valuation_date.isoformat(), "version": p.version, "status": p.status,
            "content_hash": p.content_hash, "figures": p.figures}  # fmt: skip


@transaction.atomic
def capital_position_enter(*, actor, data: dict) -> CapitalPosition:
    """A new version of the capital position at ``data['valuation_date']``, submitted for
    approval. ``data`` is the form's raw values; bad figures are refused naming the field."""
    require(actor, ENTER, _("Your role may not enter capital positions."))
    form = CapitalPositionForm(data=data)
    problems = {} if form.is_valid() else {k: [str(m) for m in v] for k, v in form.errors.items()}
    problems.update({k: [_("Unknown field.")] for k in sorted(set(data) - set(form.fields) - {"csrfmiddlewaretoken"})})
    if problems:
        raise ValidationError(problems)
    day = form.cleaned_data["valuation_date"]
    figures = figures_of(form.cleaned_data)
    list(CapitalPosition.objects.select_for_update().filter(valuation_date=day).values_list("pk", flat=True))
    version = (CapitalPosition.objects.filter(valuation_date=day).aggregate(v=Max("version"))["v"] or 0) + 1
    position = CapitalPosition.objects.create(
        valuation_date=day, version=version, figures=figures, content_hash=content_hash(day.isoformat(), figures),
        source=form.cleaned_data["source"].strip(), maker=actor, created_at=timezone.now(),
    )  # fmt: skip
    audit.record_change(actor=actor, action="capital_position_enter", obj_type=OBJECT_TYPE, obj_id=str(position.pk),
                        object_repr=str(position), after=_snapshot(position), reason=position.source)  # fmt: skip
    return position


@transaction.atomic
def capital_position_decide(*, actor, position: CapitalPosition, approve: bool, comment: str = "") -> CapitalPosition:
    """A checker (not the maker) approves or rejects (saying why) a submitted position."""
    require(actor, APPROVE, _("Your role may not approve capital positions."))
    p = CapitalPosition.objects.select_for_update().get(pk=position.pk)
    if p.status != Status.SUBMITTED:
        raise ValidationError(
            _("Capital position %(position)s is %(status)s: only a submitted one can be approved or rejected.")
            % {"position": p, "status": p.get_status_display().lower()}
        )
    if p.maker_id == actor.pk:
        raise PermissionDenied(_("Maker-checker: you entered %(position)s, so someone else must decide it.")
                               % {"position": p})  # fmt: skip
    if not approve and not comment.strip():
        raise ValidationError({"comment": _("Say why the position is rejected.")})
    if approve and content_hash(p.valuation_date.isoformat(), p.figures) != p.content_hash:
        raise ValidationError(_("Capital position %(position)s: its figures do not match its hash.") % {"position": p})
    before = _snapshot(p)
    p.status = Status.APPROVED if approve else Status.REJECTED
    p.checker, p.decided_at, p.decision_comment = actor, timezone.now(), comment.strip()
    p.save(update_fields=["status", "checker", "decided_at", "decision_comment"])
    audit.record_change(actor=actor, action="capital_position_approve" if approve else "capital_position_reject",
                        obj_type=OBJECT_TYPE, obj_id=str(p.pk), object_repr=str(p), before=before,
                        after=_snapshot(p), reason=p.decision_comment)  # fmt: skip
    return p


_figure_fields()
