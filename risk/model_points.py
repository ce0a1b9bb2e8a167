"""Imported model points (``model_points.csv``, interchange.md): the import service, the
selectors, and the job kind that values an imported set on an approved basis.

- ``model_points_import(actor, name, file)``: risk.run_valuation; the whole file is validated
  first (risk.engine.modelpoints' rules, reported by CSV line: the header is line 1, the first
  point line 2), and any problem refuses the file with every bad row, column and reason -
  nothing is written. A good file becomes one ModelPointSet (name, SHA-256 of the bytes
  uploaded, counts) with its validated rows in blocks of BLOCK_ROWS; audited.
- The job kind ``model_point_valuation`` takes the set and an approved basis; it is split into
  chunks of whole blocks (``chunk_size`` rows, rounded to blocks) and records the set's id,
  name, row count and SHA-256 in its parameters (so in its input hash). Its summary has the
  same shape as a book valuation's (totals by scenario, cash flows, Rule 5 capital for the
  C-ROSS set), with present values by sex in place of by product. The optional benefit
  columns (premium_term, maturity_benefit, annuity_pp, annuity_start, annuity_frequency;
  docs/interchange.md) are validated and stored with the rows.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import io

from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from insurer import audit
from insurer.access import require
from risk.models import ModelPointBlock, ModelPointSet

RUN = "risk.run_valuation"
VIEW = "risk.view_valuation"
KIND = "model_point_valuation"
OBJECT_TYPE = "risk.modelpointset"
BLOCK_ROWS = 5_000
MAX_PROBLEMS = 200  # kept on the exception; the screen shows them all up to this many
COLUMNS = ("point_id", "age_at_entry", "sex", "policy_term", "policy_count", "sum_assured", "duration_mth",
           "premium_pp")  # fmt: skip


class ModelPointImportError(ValidationError):
    """The file was refused, nothing written; ``problems`` lists (line, column, reason), all of them."""

    def __init__(self, problems: list[tuple[object, str, str]]):
        self.problems = problems
        messages = [_("line %(row)s, %(column)s: %(reason)s") % {"row": r, "column": c, "reason": why}
                    for r, c, why in problems[:MAX_PROBLEMS]]  # fmt: skip
        if len(problems) > MAX_PROBLEMS:
            messages.append(_("and %(n)s more problems") % {"n": len(problems) - MAX_PROBLEMS})
        super().__init__({"file": messages})


# --------------------------------------------------------------------------- selectors


def model_point_sets_for(user) -> QuerySet[ModelPointSet]:
    """Imported sets are company-wide risk inputs: readers of valuations see them all."""
    if not user.has_perm(VIEW):
        return ModelPointSet.objects.none()
    return ModelPointSet.objects.select_related("uploaded_by")


def valuations_of(point_set: ModelPointSet):
    from insurer.jobs.models import Job

    return Job.objects.filter(kind=KIND, parameters__model_points__id=point_set.pk).select_related("requested_by")


def load_frame(point_set_id: int, first_block: int = 0, last_block: int | None = None):
    """The stored rows of blocks first..last (all by default) as a model_points.csv frame."""
    import pandas as pd

    blocks = ModelPointBlock.objects.filter(point_set_id=point_set_id, index__gte=first_block)
    if last_block is not None:
        blocks = blocks.filter(index__lte=last_block)
    frames = [pd.DataFrame(b.columns) for b in blocks.order_by("index")]
    frame = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=list(COLUMNS))
    frame["premium_pp"] = pd.to_numeric(frame["premium_pp"], errors="coerce")  # null -> NaN: priced by the basis
    return frame


def model_points_of(point_set_id: int, first_block: int = 0, last_block: int | None = None):
    from risk.engine.modelpoints import model_points_from_frame

    return model_points_from_frame(load_frame(point_set_id, first_block, last_block))


# --------------------------------------------------------------------------- validation


def _validated(frame):
    """(every problem of the file, named by CSV line (header = line 1); the model points if none)."""
    import numpy as np
    import pandas as pd

    from risk.engine.modelpoints import REQUIRED, ModelPointError, model_points_from_frame

    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        return [(1, c, _("column is missing")) for c in missing], None
    if frame.empty:
        return [(2, "-", _("the file has no model points"))], None
    lines = np.arange(2, len(frame) + 2)
    problems: list[tuple[object, str, str]] = []
    raw = frame["point_id"]
    ids = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    whole = np.isfinite(ids) & (np.where(np.isfinite(ids), ids, 0.5) % 1 == 0)
    for i in np.flatnonzero(~whole):
        problems.append((int(lines[i]), "point_id", _("= %(v)r is not a whole number") % {"v": raw.iloc[i]}))
    valid = pd.Series(ids[whole].astype(np.int64), index=np.flatnonzero(whole))
    repeated = valid.duplicated(keep="first")
    if repeated.any():  # a Python loop over the repeats only
        firsts = valid[~repeated]
        first_line = dict(zip(firsts.to_numpy().tolist(), lines[firsts.index].tolist(), strict=True))
        for i, pid in valid[repeated].items():
            problems.append((int(lines[i]), "point_id", _("= %(v)s is used twice (first on line %(first)s)")
                             % {"v": pid, "first": first_line[pid]}))  # fmt: skip
    # The other fields: the engine's own rules, with the line number standing in for the point id.
    numbered = frame.copy()
    numbered["point_id"] = lines.astype(str)
    points = None
    try:
        points = model_points_from_frame(numbered)
    except ModelPointError as exc:
        problems += [(int(line), field, reason) for line, field, reason in exc.problems]
    if problems:
        return sorted(problems, key=lambda p: (p[0], p[1])), None
    return [], dataclasses.replace(points, point_id=ids.astype(np.int64))


def _read(data: bytes):
    import pandas as pd

    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ModelPointImportError([(1, "-", _("the file is not UTF-8 text"))]) from None
    if not text.strip():
        raise ModelPointImportError([(1, "-", _("the file is empty"))])
    try:
        frame = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise ModelPointImportError([(1, "-", _("not a readable CSV file: %(e)s") % {"e": exc})]) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame


def _counts(points) -> dict:
    import pandas as pd

    frame = pd.DataFrame({"sex": points.sex, "term": points.policy_term, "n": points.policy_count})
    out = {}
    for key, column in (("by_sex", "sex"), ("by_term", "term")):
        grouped = frame.groupby(column)["n"].agg(["size", "sum"])
        out[key] = {str(k): {"rows": int(r["size"]), "policies": float(r["sum"])} for k, r in grouped.iterrows()}
    return out


def _blocks(points) -> list[dict]:
    import numpy as np

    from risk.engine.modelpoints import BENEFIT_COLUMNS

    blocks = []
    for index, start in enumerate(range(0, len(points), BLOCK_ROWS)):
        part = slice(start, start + BLOCK_ROWS)
        premium = points.premium_pp[part]
        blocks.append({
            "index": index, "first_row": start, "row_count": len(points.point_id[part]),
            "columns": {
                "point_id": points.point_id[part].tolist(), "age_at_entry": points.age_at_entry[part].tolist(),
                "sex": points.sex[part].tolist(), "policy_term": points.policy_term[part].tolist(),
                "policy_count": points.policy_count[part].tolist(), "sum_assured": points.sum_assured[part].tolist(),
                "duration_mth": points.duration_mth[part].tolist(),
                "premium_pp": [None if np.isnan(v) else float(v) for v in premium],
                # The optional benefit columns (docs/interchange.md), stored with their defaults
                # filled in; sets imported before they existed read back as term assurance.
                **{name: getattr(points, name)[part].tolist() for name in BENEFIT_COLUMNS},
            },
        })  # fmt: skip
    return blocks


# --------------------------------------------------------------------------- service


def model_points_import(*, actor, name: str, file) -> ModelPointSet:
    """Import a model_points.csv as a named set, all or nothing (see the module docstring)."""
    require(actor, RUN, _("Your role may not import model points."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the set a name.")})
    if len(name) > 100:
        raise ValidationError({"name": _("At most 100 characters.")})
    data = file.read() if hasattr(file, "read") else bytes(file)
    frame = _read(data)
    problems, points = _validated(frame)
    if problems:
        raise ModelPointImportError(problems)
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        if ModelPointSet.objects.select_for_update().filter(name=name).exists():
            raise ValidationError({"name": _("A model point set named %(name)r exists already.") % {"name": name}})
        point_set = ModelPointSet.objects.create(
            name=name, sha256=digest, file_name=str(getattr(file, "name", "") or "")[:255], row_count=len(points),
            policy_count=float(points.policy_count.sum()), sum_assured=float(points.sum_assured.sum()),
            counts=_counts(points), uploaded_by=actor,
        )  # fmt: skip
        ModelPointBlock.objects.bulk_create([ModelPointBlock(point_set=point_set, **b) for b in _blocks(points)])
        audit.record_change(
            actor=actor, action="model_points_import", obj_type=OBJECT_TYPE, obj_id=str(point_set.pk),
            object_repr=str(point_set),
            after={"name": point_set.name, "sha256": digest, "rows": point_set.row_count,
                   "file_name": point_set.file_name},
        )  # fmt: skip
    return point_set


# --------------------------------------------------------------------------- the job kind


def _set_choices() -> list[tuple[str, str]]:
    return [(str(s.pk), f"{s.name} ({s.row_count} rows, sha256 {s.sha256[:12]})") for s in ModelPointSet.objects.all()]


def _valuation_form():
    from risk.jobs import ValuationForm

    class ModelPointValuationForm(ValuationForm):
        model_point_set = forms.CharField(
            label=_lazy("Model point set"), widget=forms.Select,
            help_text=_lazy("An imported model_points.csv (/risk/model-points/)."),
        )  # fmt: skip

        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.fields["model_point_set"].widget.choices = _set_choices()
            self.fields["chunk_size"].label = _lazy("Model points per chunk")
            self.fields["chunk_size"].help_text = _lazy(
                "Rounded to whole blocks of 5,000 rows; the result does not change."
            )

        def clean_model_point_set(self):
            value = str(self.cleaned_data["model_point_set"]).strip()
            point_set = ModelPointSet.objects.filter(pk=int(value)).first() if value.isdigit() else None
            if point_set is None:
                raise forms.ValidationError(_("no imported model point set %(v)r") % {"v": value})
            self.point_set = point_set
            return point_set.pk

        def clean(self):
            data = super().clean()
            point_set = getattr(self, "point_set", None)
            if point_set is not None:
                data["model_points"] = {"id": point_set.pk, "name": point_set.name, "sha256": point_set.sha256,
                                        "rows": point_set.row_count}  # fmt: skip
                if getattr(self, "assumption_set", None) is not None:
                    self._check_against_basis(point_set)
            return data

        def _check_against_basis(self, point_set):
            """Refuse, before anything runs, points the basis cannot project (named)."""
            from risk import assumptions
            from risk.engine.modelpoints import ModelPointError, check_against_basis

            try:
                check_against_basis(model_points_of(point_set.pk), assumptions.engine_basis(self.assumption_set))
            except ModelPointError as exc:
                self.add_error("model_point_set", str(exc))
            except assumptions.UnapprovedBasis as exc:
                self.add_error("basis", str(exc))

    return ModelPointValuationForm


def split(parameters: dict) -> list[dict]:
    blocks = ModelPointBlock.objects.filter(point_set_id=parameters["model_points"]["id"]).count()
    per_chunk = max(1, round(parameters["chunk_size"] / BLOCK_ROWS))
    return [{"first_block": i, "last_block": min(i + per_chunk, blocks) - 1} for i in range(0, blocks, per_chunk)]


def run_chunk(parameters: dict, spec: dict) -> dict:
    from risk import assumptions, jobs, runs
    from risk.engine.modelpoints import model_points_from_frame
    from risk.engine.projection import project

    reference = parameters["model_points"]
    point_set = ModelPointSet.objects.filter(pk=reference["id"]).first()
    if point_set is None or point_set.sha256 != reference["sha256"]:
        raise ValueError(f"model point set {reference['name']!r} is gone or changed; nothing was run")
    frame = load_frame(point_set.pk, spec["first_block"], spec["last_block"])
    out = {"policies": len(frame), "valued": len(frame), "model_points": len(frame), "skipped": {}, "totals": {},
           "by_product": {}, "cashflows": {}}  # fmt: skip
    if frame.empty:
        return out
    basis = assumptions.basis_for_run(parameters.get("assumption_set"))
    valuation_date = dt.date.fromisoformat(parameters["valuation_date"])
    scenario_set, _shocked = runs.scenario_set_for(parameters["scenarios"], basis.pricing_spot_curve, valuation_date)
    points = model_points_from_frame(frame)
    result = project(points, basis, scenario_set, cashflows=True)
    out["totals"] = {name: row.to_dict() for name, row in result.totals().iterrows()}
    base = result.points(0)
    base["sex"] = points.sex
    out["by_product"] = base.groupby("sex")[list(jobs.PV_BY_PRODUCT)].sum().to_dict("index")
    out["adverse_by_policy"] = jobs.adverse_by_policy(result)  # Rule 5 by policy, as for the book
    out["cashflows"] = {name: values.tolist() for name, values in result.cashflow_frame(0).items()}
    return out


def reduce(parameters: dict, results: list[dict]) -> dict:
    from risk import jobs

    summary = jobs.reduce(parameters, results)
    summary["model_points_set"] = parameters["model_points"]
    summary["by_sex"] = summary.pop("by_product")
    summary["by_product"] = {}
    return summary


def fingerprint(parameters: dict) -> dict:
    from risk import jobs

    return {"model_points": parameters["model_points"], "basis": parameters["basis"],
            "assumption_set": parameters.get("assumption_set"), "engine_version": jobs.ENGINE_VERSION}  # fmt: skip


def register() -> None:
    from insurer.jobs import registry
    from risk import jobs

    registry.register(
        registry.JobKind(
            name=KIND,
            version=jobs.ENGINE_VERSION,
            verbose_name=_lazy("Valuation of imported model points"),
            description=_lazy(
                "Monthly projection of an imported model_points.csv on an approved basis, under the base curve, the "
                "C-ROSS standard scenarios or the stress tests: present values by scenario and sex, base cash flows, "
                "and Rule 5 life-insurance risk capital. The set's id and SHA-256 are kept with the run."
            ),
            permission=RUN,
            form=_valuation_form(),
            split=split,
            run_chunk=run_chunk,
            reduce=reduce,
            input_fingerprint=fingerprint,
        )
    )
