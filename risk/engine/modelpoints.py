"""Model points as arrays, validated all-or-nothing before anything runs.

Columns (interchange.md, model_points.csv): point_id, age_at_entry, sex, policy_term (years),
policy_count, sum_assured, duration_mth (months in force at the valuation date; 0 = issued at
the valuation date, negative = future new business), premium_pp (optional monthly premium per
policy; blank = priced by the basis).

Optional benefit columns (docs/interchange.md; absent or blank = level-premium term assurance,
so an old file means what it meant):

- ``premium_term`` (years; default = policy_term): premiums are paid in policy months
  0 .. 12 * premium_term - 1 (limited pay); ``0`` = a single premium, ``premium_pp`` paid once
  at issue (policy month 0);
- ``maturity_benefit`` (per policy, default 0): paid to every policy still in force at the end
  of the term (endowment; whole life pays its sum assured at the table's last age);
- ``annuity_pp`` (annual amount per policy, default 0), ``annuity_start`` (years after issue
  of the first payment, default 0) and ``annuity_frequency`` (payments a year, 12 or 1,
  default 12): a life annuity paid in advance to the policies in force, from policy month
  12 * annuity_start to the end of the term.

- ``decrement`` (default ``death``): the rates claims and survival follow - ``death`` (the
  basis's mortality), ``annuitant`` (the basis's ``annuity_mortality``) or ``critical_illness``
  (diagnosis or death: the death table's q times the basis's ``critical_illness_incidence``);
  a basis without the field a point needs refuses the point, naming the field.

``sum_assured`` stays the death benefit (0 for an annuity without one; for critical illness,
the benefit paid on diagnosis or death).

Validation collects every problem - point, field, reason - and refuses the whole input with
all of them, as the interchange rules ask for imports: a projection on a partly wrong book
would produce a plausible but wrong reserve.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from risk.engine.assumptions import DECREMENTS, Basis

REQUIRED = ("point_id", "age_at_entry", "sex", "policy_term", "policy_count", "sum_assured")
BENEFIT_COLUMNS = ("premium_term", "maturity_benefit", "annuity_pp", "annuity_start", "annuity_frequency", "decrement")
ANNUITY_FREQUENCIES = (1, 12)
MAX_AGE = 120  # oldest plausible age at entry; the basis's tables narrow it further
MAX_PROBLEMS_SHOWN = 20
SEXES = ("M", "F")


class ModelPointError(ValueError):
    """Bad model points; ``problems`` lists every (point_id, field, reason)."""

    def __init__(self, problems: list[tuple[object, str, str]]):
        self.problems = problems
        shown = "; ".join(f"point {p}: {f} {r}" for p, f, r in problems[:MAX_PROBLEMS_SHOWN])
        more = f" (and {len(problems) - MAX_PROBLEMS_SHOWN} more)" if len(problems) > MAX_PROBLEMS_SHOWN else ""
        super().__init__(f"model points refused, nothing was projected: {shown}{more}")


@dataclass(frozen=True)
class ModelPoints:
    point_id: np.ndarray  # int64
    age_at_entry: np.ndarray  # int64
    sex: np.ndarray  # str
    policy_term: np.ndarray  # int64, years
    policy_count: np.ndarray  # float64
    sum_assured: np.ndarray  # float64
    duration_mth: np.ndarray  # int64
    premium_pp: np.ndarray  # float64, NaN = price with the basis
    # Benefit shape (defaults: level-premium term assurance); see the module docstring.
    premium_term: np.ndarray | None = None  # int64, years; 0 = single premium
    maturity_benefit: np.ndarray | None = None  # float64 per policy
    annuity_pp: np.ndarray | None = None  # float64, a year per policy
    annuity_start: np.ndarray | None = None  # int64, years after issue
    annuity_frequency: np.ndarray | None = None  # int64, payments a year
    decrement: np.ndarray | None = None  # str, one of assumptions.DECREMENTS

    def __post_init__(self):
        # Defaults filled here so that code building points for term business (lifelib's
        # files, the tests, pricing) keeps working unchanged.
        n = self.point_id.size
        defaults = {
            "premium_term": self.policy_term,
            "maturity_benefit": np.zeros(n),
            "annuity_pp": np.zeros(n),
            "annuity_start": np.zeros(n, dtype=np.int64),
            "annuity_frequency": np.full(n, 12, dtype=np.int64),
            "decrement": np.full(n, "death"),
        }
        for name, default in defaults.items():
            if getattr(self, name) is None:
                object.__setattr__(self, name, np.asarray(default))

    @property
    def is_level_term(self) -> np.ndarray:
        """Premiums for the whole term, death benefit only: the business lifelib's model covers."""
        same_shape = (self.premium_term == self.policy_term) & (self.maturity_benefit == 0) & (self.annuity_pp == 0)
        return same_shape & (self.decrement == "death")

    def __len__(self) -> int:
        return self.point_id.size

    @property
    def is_future_new_business(self) -> np.ndarray:
        return self.duration_mth < 0

    def subset(self, index) -> ModelPoints:
        return ModelPoints(**{name: getattr(self, name)[index] for name in self.__dataclass_fields__})

    def to_frame(self) -> pd.DataFrame:
        data = {name: getattr(self, name) for name in self.__dataclass_fields__}
        return pd.DataFrame(data).set_index("point_id")


def _whole_numbers(frame: pd.DataFrame, column: str, ids, problems: list) -> np.ndarray:
    values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    finite = np.isfinite(values)
    for i in np.flatnonzero(~finite | (np.where(finite, values, 0) % 1 != 0)):
        problems.append((ids[i], column, f"= {frame[column].iloc[i]!r} is not a whole number"))
    return np.where(finite, values, 0).astype(np.int64)


def _amounts(frame: pd.DataFrame, column: str, ids, problems: list, optional: bool = False) -> np.ndarray:
    raw = frame[column]
    values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
    blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    unreadable = ~np.isfinite(values) & ~(blank & optional)
    for i in np.flatnonzero(unreadable):
        problems.append((ids[i], column, f"= {raw.iloc[i]!r} is not a number"))
    for i in np.flatnonzero(np.isfinite(values) & (values < 0)):
        problems.append((ids[i], column, f"= {values[i]:g} is negative"))
    return np.where(blank & optional, np.nan, values)


def _field_rules(points: ModelPoints, problems: list) -> None:
    ids, age, term, dur = points.point_id, points.age_at_entry, points.policy_term, points.duration_mth
    for i in np.flatnonzero((age < 0) | (age > MAX_AGE)):
        problems.append((ids[i], "age_at_entry", f"= {age[i]} is impossible (0-{MAX_AGE})"))
    for i in np.flatnonzero(term <= 0):
        problems.append((ids[i], "policy_term", f"= {term[i]} must be at least one year"))
    # duration == 12 * term is a policy maturing at the valuation date (lifelib BasicTerm_ME has
    # such points: they mature in month 0 and carry no other cash flow); beyond it is an error.
    for i in np.flatnonzero((term > 0) & (dur > 12 * term)):
        problems.append((ids[i], "duration_mth", f"= {dur[i]} is past the term of {term[i]} years (already matured)"))
    for i in np.flatnonzero(~np.isin(points.sex, SEXES)):
        problems.append((ids[i], "sex", f"= {points.sex[i]!r} is not one of {', '.join(SEXES)}"))
    premium_term, start, freq = points.premium_term, points.annuity_start, points.annuity_frequency
    for i in np.flatnonzero((premium_term < 0) | (premium_term > term)):
        problems.append(
            (ids[i], "premium_term", f"= {premium_term[i]} must be 0 (single premium) to the term {term[i]}")
        )
    paying = points.annuity_pp > 0
    for i in np.flatnonzero(paying & ((start < 0) | (start >= term))):
        problems.append((ids[i], "annuity_start", f"= {start[i]} must be 0 to the term {term[i]} less one year"))
    for i in np.flatnonzero(~np.isin(freq, ANNUITY_FREQUENCIES)):
        problems.append((ids[i], "annuity_frequency", f"= {freq[i]} must be 12 (monthly) or 1 (yearly)"))
    for i in np.flatnonzero(~np.isin(points.decrement, DECREMENTS)):
        problems.append((ids[i], "decrement", f"= {points.decrement[i]!r} is not one of {', '.join(DECREMENTS)}"))


def _optional_column(frame: pd.DataFrame, column: str, ids, problems: list, default: np.ndarray) -> np.ndarray:
    """An optional benefit column: absent or blank cells take the default (term assurance)."""
    if column not in frame.columns:
        return default
    raw = frame[column]
    blank = raw.isna().to_numpy() | (raw.astype(str).str.strip() == "").to_numpy()
    if blank.all():
        return default
    if default.dtype.kind == "U":
        return np.where(blank, default, raw.astype(str).str.strip().to_numpy(dtype=str))
    if default.dtype.kind == "i":
        filled = raw.where(~blank, pd.Series(default, index=raw.index).astype(str))
        return _whole_numbers(frame.assign(**{column: filled}), column, ids, problems)
    values = _amounts(frame, column, ids, problems, optional=True)
    return np.where(np.isnan(values), default, values)


def model_points_from_frame(frame: pd.DataFrame) -> ModelPoints:
    """Arrays from a frame with the model_points.csv columns (point_id may be the index)."""
    if "point_id" not in frame.columns and frame.index.name == "point_id":
        frame = frame.reset_index()
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise ModelPointError([("-", c, "column is missing") for c in missing])
    problems: list[tuple[object, str, str]] = []
    raw_ids = list(frame["point_id"])
    ids = _whole_numbers(frame, "point_id", raw_ids, problems)
    dupes = pd.Series(ids).duplicated(keep="first")  # the second use of an id is the mistake
    problems += [(pid, "point_id", "is used twice") for pid in ids[dupes.to_numpy()]]
    if "duration_mth" in frame.columns:
        duration = _whole_numbers(frame, "duration_mth", ids, problems)
    else:
        duration = np.zeros(len(frame), dtype=np.int64)  # lifelib BasicTerm_M: every point new at t=0
    premium = (
        _amounts(frame, "premium_pp", ids, problems, optional=True)
        if "premium_pp" in frame.columns
        else np.full(len(frame), np.nan)
    )
    points = ModelPoints(
        point_id=ids,
        age_at_entry=_whole_numbers(frame, "age_at_entry", ids, problems),
        sex=frame["sex"].astype(str).str.strip().to_numpy(dtype=str),  # fixed-width: fast to compare
        policy_term=_whole_numbers(frame, "policy_term", ids, problems),
        policy_count=_amounts(frame, "policy_count", ids, problems),
        sum_assured=_amounts(frame, "sum_assured", ids, problems),
        duration_mth=duration,
        premium_pp=premium,
        **_benefit_columns(frame, ids, problems),
    )
    _field_rules(points, problems)
    if problems:
        raise ModelPointError(problems)
    return points


def _benefit_columns(frame: pd.DataFrame, ids, problems: list) -> dict[str, np.ndarray]:
    n = len(frame)
    term = pd.to_numeric(frame["policy_term"], errors="coerce").fillna(0).to_numpy().astype(np.int64)
    defaults = {
        "premium_term": term,
        "maturity_benefit": np.zeros(n),
        "annuity_pp": np.zeros(n),
        "annuity_start": np.zeros(n, dtype=np.int64),
        "annuity_frequency": np.full(n, 12, dtype=np.int64),
        "decrement": np.full(n, "death"),
    }
    return {name: _optional_column(frame, name, ids, problems, default) for name, default in defaults.items()}


def read_model_points_csv(path: Path | str) -> ModelPoints:
    # Read as text so "abc" in a numeric column is reported per point, not as a parse crash.
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return model_points_from_frame(frame)


def check_against_basis(points: ModelPoints, basis: Basis) -> None:
    """Refuse points the basis cannot project: unknown sex, a decrement whose basis field is
    missing (named), ages outside the table the point is valued on."""
    problems: list[tuple[object, str, str]] = []
    for sex in np.unique(points.sex):
        of_sex = points.sex == sex
        if sex not in basis.mortality:
            reason = f"= {sex!r} has no table in basis {basis.name}"
            problems += [(pid, "sex", reason) for pid in points.point_id[of_sex]]
            continue
        for decrement in np.unique(points.decrement[of_sex]):
            chosen = of_sex & (points.decrement == decrement)
            ids = points.point_id[chosen]
            missing = basis.missing_for(sex, str(decrement))
            if missing:
                reason = f"= {decrement!r} needs {missing} (sex {sex}), which basis {basis.name} does not give"
                problems += [(pid, "decrement", reason) for pid in ids]
                continue
            _check_ages(ids, points.age_at_entry[chosen], points.policy_term[chosen],
                        basis.table_for_sex(sex, str(decrement)), problems)  # fmt: skip
    if problems:
        raise ModelPointError(problems)


def _check_ages(ids, age, term, table, problems: list) -> None:
    # Vectorised test first: a valid book of 100,000 points costs no Python loop.
    for i in np.flatnonzero(age < table.min_age):
        problems.append((ids[i], "age_at_entry", f"= {age[i]} is below table {table.name}'s first age"))
    for i in np.flatnonzero((age >= table.min_age) & (age + term > table.max_age + 1)):
        reason = f"= {term[i]}: age {age[i]} + term runs past table {table.name}'s last age {table.max_age}"
        problems.append((ids[i], "policy_term", reason))
