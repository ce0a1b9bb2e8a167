"""Premiums from the CL1-CL6 tables with commutation functions (docs/demo-data.md).

Net level annual premium for a benefit of 1 paid at the end of the year of claim, during
``n`` years, premiums payable yearly in advance for ``m`` years, at 3.5%:

    P = (M_x - M_{x+n}) / (N_x - N_{x+m})

with D_x = v^x l_x, C_x = v^{x+1} d_x, N_x = sum D, M_x = sum C, and q_x the table's
rate times the product's incidence factor (capped at 1). The product names the male table
(CL1/CL3/CL5); a female insured is priced on its female pair (CL2/CL4/CL6).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from customers.demo.params import INTEREST
from insurer.reference.mortality import annual_qx

FEMALE_TABLE = {"CL1": "CL2", "CL3": "CL4", "CL5": "CL6"}


def table_for(table: str, sex: str) -> str:
    return FEMALE_TABLE.get(table, table) if sex == "F" else table


@lru_cache(maxsize=64)
def commutation(table: str, incidence: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """(N, M) indexed by age 0..omega+1 (the value past the last age is 0)."""
    q = np.minimum(np.asarray(annual_qx(table), dtype=float) * incidence, 1.0)
    q[-1] = 1.0  # everybody leaves the table at its last age
    lx = np.concatenate([[1.0], np.cumprod(1.0 - q)])
    v = 1.0 / (1.0 + INTEREST)
    ages = np.arange(len(lx))
    d = np.concatenate([lx[:-1] * q, [0.0]])
    big_d = v**ages * lx
    big_c = v ** (ages + 1) * d
    big_n = np.cumsum(big_d[::-1])[::-1]
    big_m = np.cumsum(big_c[::-1])[::-1]
    return np.append(big_n, 0.0), np.append(big_m, 0.0)


def omega(table: str) -> int:
    return len(annual_qx(table)) - 1


def net_rate(table: str, incidence: float, age: np.ndarray, n: np.ndarray, m: np.ndarray) -> np.ndarray:
    """Net annual premium per 1 of benefit, vectorised over policies of one table."""
    big_n, big_m = commutation(table, incidence)
    top = len(big_n) - 1
    end_n = np.minimum(age + n, top)
    end_m = np.minimum(age + m, top)
    return (big_m[age] - big_m[end_n]) / (big_n[age] - big_n[end_m])
