"""Sizes of the demo insurer and the fixed dates its data is generated against.

The data never depends on today's date: everything is "as of" AS_OF, so a given
(size, seed) gives the same book on any day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

AS_OF = dt.date(2026, 9, 30)
FIRST_ISSUE = dt.date(2015, 1, 1)
# New business grows by about this much a year (exponential), so recent years weigh more.
GROWTH_PER_YEAR = 0.12
INTEREST = 0.035  # pricing interest rate of the commutation functions


@dataclass(frozen=True)
class Size:
    name: str
    customers: int
    policies: int
    transactions: int  # target; the premium frequency mix is tuned to reach it
    agents: int
    batch: int  # rows per INSERT/COPY batch


SIZES = {
    "small": Size("small", 300, 400, 4_000, 30, 5_000),
    "medium": Size("medium", 20_000, 30_000, 300_000, 300, 50_000),
    "large": Size("large", 200_000, 300_000, 3_000_000, 300, 250_000),
}
