"""Mortality tables shipped as data, through one loader.

CL1-CL6: China Life Insurance Mortality Tables (2010-2013), see SOURCE.md beside this file.
A licensed table (e.g. the 2025 tables) is added by dropping a CSV of the same layout
(``age,<TABLE>...``) here and listing it in TABLE_FILES; nothing else changes.
"""

from __future__ import annotations

import csv
from functools import lru_cache
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
TABLE_FILES = {
    "CL1": "china-cl-2010-2013.csv",
    "CL2": "china-cl-2010-2013.csv",
    "CL3": "china-cl-2010-2013.csv",
    "CL4": "china-cl-2010-2013.csv",
    "CL5": "china-cl-2010-2013.csv",
    "CL6": "china-cl-2010-2013.csv",
}


class UnknownTable(KeyError):
    pass


def table_names() -> list[str]:
    return sorted(TABLE_FILES)


@lru_cache(maxsize=32)
def annual_qx(name: str) -> np.ndarray:
    """q_x for ages 0..max as a read-only float array (index = age)."""
    if name not in TABLE_FILES:
        raise UnknownTable(f"unknown mortality table {name!r}; known: {', '.join(table_names())}")
    with open(HERE / TABLE_FILES[name], newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    ages = [int(r["age"]) for r in rows]
    if ages != list(range(len(ages))):
        raise ValueError(f"table {name}: ages must run 0,1,2,... without gaps")
    qx = np.array([float(r[name]) for r in rows])
    qx.setflags(write=False)
    return qx
