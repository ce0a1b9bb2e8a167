"""Mortality tables through one loader interface, and the life-table arithmetic built on them.

Every table, whatever its origin, becomes a :class:`MortalityTable`: annual q_x by age, with
optional select columns (duration 0, 1, ... since entry) before the ultimate column. Three
origins are supported:

* ``CL1``..``CL6`` - China Life Insurance Mortality Tables (2010-2013), read from the CSV
  shipped under ``insurer/reference/mortality/`` (read as a data file, not imported, so this
  module stays free of the platform apps);
* ``basiclife`` - lifelib's BasicTerm_M select-and-ultimate table, copied to
  ``bases/basiclife/mortality.csv``;
* any array, through :func:`table_from_array` (a licensed table such as the 2025 tables is
  added as data this way, or as a CSV through :func:`table_from_csv`).
"""

from __future__ import annotations

import csv
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

ENGINE_DIR = Path(__file__).resolve().parent
REPO_DIR = ENGINE_DIR.parent.parent
CHINA_CL_CSV = REPO_DIR / "insurer" / "reference" / "mortality" / "china-cl-2010-2013.csv"
BASICLIFE_CSV = ENGINE_DIR / "bases" / "basiclife" / "mortality.csv"

# Why "ultimate" as a column name: lifelib labels it "5"; a name says what it is.
ULTIMATE = "ultimate"


class UnknownTable(LookupError):
    """A table name the loader does not know: refused rather than silently defaulted."""


@dataclass(frozen=True)
class MortalityTable:
    """Annual death probabilities: ``qx[age - min_age, column]``.

    Columns ``0 .. select_years-1`` are the select rates by whole years since entry, the last
    column is ultimate. A table without select years has one column.
    """

    name: str
    min_age: int
    qx: np.ndarray
    source: str = ""

    def __post_init__(self) -> None:
        qx = np.asarray(self.qx, dtype=float)
        if qx.ndim == 1:
            qx = qx.reshape(-1, 1)
        if qx.ndim != 2 or qx.shape[0] == 0:
            raise ValueError(f"table {self.name}: q_x must be a non-empty (ages, columns) array")
        bad = np.argwhere(~np.isfinite(qx) | (qx < 0) | (qx > 1))
        if len(bad):
            age, col = bad[0]
            raise ValueError(
                f"table {self.name}: q at age {self.min_age + age}, column {col} is {qx[age, col]!r} (must be 0..1)"
            )
        qx = qx.copy()
        qx.setflags(write=False)
        object.__setattr__(self, "qx", qx)

    @property
    def select_years(self) -> int:
        return self.qx.shape[1] - 1

    @property
    def max_age(self) -> int:
        return self.min_age + self.qx.shape[0] - 1

    def annual_q(self, age, duration=None) -> np.ndarray:
        """q at attained ``age``; ``duration`` (whole years since entry) picks a select column,
        ``None`` the ultimate one. Refuses ages outside the table instead of extrapolating."""
        age = np.asarray(age)
        if np.any(age < self.min_age) or np.any(age > self.max_age):
            raise ValueError(f"table {self.name} covers ages {self.min_age}-{self.max_age}; asked for {age}")
        col = self.select_years if duration is None else np.minimum(np.asarray(duration), self.select_years)
        return self.qx[age - self.min_age, col]

    def select_path(self, entry_age: int) -> np.ndarray:
        """Annual q for a life entering at ``entry_age``, year by year to the end of the table."""
        years = np.arange(self.max_age - entry_age + 1)
        return self.annual_q(entry_age + years, years)


def monthly_rate(annual) -> np.ndarray:
    """Monthly rate with the same one-year survival: 1 - (1 - q)^(1/12)."""
    return 1.0 - (1.0 - np.asarray(annual, dtype=float)) ** (1.0 / 12.0)


def survival(q_path) -> np.ndarray:
    """t_p_x for t = 0, 1, ..., len(q_path) from the one-period rates along a life."""
    return np.concatenate(([1.0], np.cumprod(1.0 - np.asarray(q_path, dtype=float))))


def life_expectancy(table: MortalityTable, age: int = 0, *, complete: bool = False) -> float:
    """Curtate e_x = sum_{k>=1} k_p_x on the ultimate column (select from ``age`` if the table
    has select years). ``complete`` adds half a year: deaths spread uniformly over each year."""
    q_path = table.select_path(age) if table.select_years else table.annual_q(np.arange(age, table.max_age + 1))
    if q_path[-1] < 1.0:
        # A table that does not close at its last age would understate e_x; say so.
        raise ValueError(f"table {table.name} does not end with q = 1, life expectancy is not defined")
    curtate = float(survival(q_path)[1:].sum())
    return curtate + 0.5 if complete else curtate


def table_from_array(name: str, qx, min_age: int = 0, source: str = "") -> MortalityTable:
    """A table given as an array: (ages,) ultimate only, or (ages, select_years + 1)."""
    return MortalityTable(name=name, min_age=int(min_age), qx=np.asarray(qx, dtype=float), source=source)


def table_from_csv(path: Path | str, name: str, columns: list[str] | None = None, source: str = "") -> MortalityTable:
    """Columns ``age`` then the q columns (``columns``: select ones in order, ultimate last)."""
    path = Path(path)
    if not path.exists():
        raise UnknownTable(f"mortality table {name!r}: file {path} does not exist")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    if not rows:
        raise ValueError(f"table {name}: {path} has no rows")
    ages = [int(r["age"]) for r in rows]
    if ages != list(range(ages[0], ages[0] + len(ages))):
        raise ValueError(f"table {name}: ages in {path} must run one by one without gaps")
    columns = columns or [c for c in rows[0] if c != "age"]
    missing = [c for c in columns if c not in rows[0]]
    if missing:
        raise UnknownTable(f"table {name}: {path} has no column {', '.join(missing)}")
    qx = np.array([[float(r[c]) for c in columns] for r in rows])
    return MortalityTable(name=name, min_age=ages[0], qx=qx, source=source or str(path))


def _china_cl(name: str) -> MortalityTable:
    return table_from_csv(CHINA_CL_CSV, name, [name], source="China Life Insurance Mortality Tables (2010-2013)")


def _basiclife(name: str) -> MortalityTable:
    columns = [f"select_{d}" for d in range(5)] + [ULTIMATE]
    return table_from_csv(BASICLIFE_CSV, name, columns, source="lifelib 0.17.2 basiclife BasicTerm_M mort_table (MIT)")


_LOADERS: dict[str, Callable[[str], MortalityTable]] = {
    **{f"CL{i}": _china_cl for i in range(1, 7)},
    "basiclife": _basiclife,
}


def table_names() -> list[str]:
    return sorted(_LOADERS)


def register_table(name: str, loader: Callable[[str], MortalityTable]) -> None:
    """Add a table (e.g. a licensed one read from a private CSV) under ``name``."""
    _LOADERS[name] = loader
    load_table.cache_clear()


@lru_cache(maxsize=64)
def load_table(name: str) -> MortalityTable:
    """The one way the engine gets a mortality table by name."""
    loader = _LOADERS.get(name)
    if loader is None:
        raise UnknownTable(f"unknown mortality table {name!r}; known: {', '.join(table_names())}")
    return loader(name)
