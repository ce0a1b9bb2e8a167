"""Beneficial-owner look-through: effective shares along chains, control, and the opaque
structures L12 flags (no 25% owner, deep chains, cycles, nominees)."""

from __future__ import annotations

import pandas as pd
import pytest

from compliance.engine.ownership import look_through


def owners(*rows, nominee=None):
    frame = pd.DataFrame(rows, columns=["organisation_ref", "owner_ref", "share_pct", "control"])
    if nominee is not None:
        frame["nominee"] = nominee
    return frame


def org(result, ref):
    return result["organisations"].set_index("organisation_ref").loc[ref]


def test_three_level_chain_multiplies_shares_and_sums_paths():
    # A <- B 60% <- C 50% <- P1 80%; and A <- P1 10% directly: 0.6*0.5*0.8 + 0.1 = 34%
    res = look_through(
        owners(
            ("A", "B", 60, False),
            ("B", "C", 50, False),
            ("C", "P1", 80, False),
            ("A", "P1", 10, False),
            ("A", "P2", 30, False),
            ("C", "P3", 20, False),
        ),
        pd.DataFrame({"customer_ref": ["P1", "P2", "P3"], "kind": "person"}),
    )
    eff = res["all_owners"].set_index(["organisation_ref", "owner_ref"])["effective_pct"]
    assert eff[("A", "P1")] == pytest.approx(34.0)
    assert eff[("A", "P3")] == pytest.approx(6.0)
    assert eff[("B", "P1")] == pytest.approx(40.0)
    named = set(res["owners"].query("organisation_ref == 'A'")["owner_ref"])
    assert named == {"P1", "P2"}
    a = org(res, "A")
    assert not a["opaque"] and a["max_depth"] == 3


def test_control_propagates_through_controlled_companies():
    res = look_through(owners(("A", "B", 10, True), ("B", "P", 5, True), ("A", "Q", 90, False)))
    row = res["all_owners"].set_index(["organisation_ref", "owner_ref"]).loc[("A", "P")]
    assert bool(row["control"]) and bool(row["named"])  # 0.5% but in control


def test_dispersed_ownership_has_no_beneficial_owner():
    res = look_through(owners(*[("A", f"P{i}", 20, False) for i in range(5)]))
    assert org(res, "A")["opaque"] and "no natural person" in org(res, "A")["reasons"]


def test_cycle_is_flagged():
    res = look_through(
        owners(("A", "B", 100, False), ("B", "C", 50, False), ("C", "B", 50, False), ("C", "P", 50, False))
    )
    a = org(res, "A")
    assert a["cycle"] and a["opaque"] and "cycle" in a["reasons"]


def test_depth_five_is_flagged_and_depth_four_is_not():
    chain5 = owners(*[(f"O{i}", f"O{i + 1}", 100, False) for i in range(5)], ("O5", "P", 100, False))
    res = look_through(chain5)
    assert org(res, "O0")["max_depth"] == 6 and "levels deep" in org(res, "O0")["reasons"]
    assert not org(res, "O2")["opaque"]  # O2 -> O3 -> O4 -> O5 -> P: four levels


def test_nominee_marker_and_nominee_names_are_flagged():
    res = look_through(owners(("A", "P", 100, True), ("B", "Q", 100, True), nominee=[True, False]))
    assert org(res, "A")["nominee"] and org(res, "A")["opaque"]
    assert not org(res, "B")["opaque"]
    named = look_through(
        owners(("A", "N1", 100, True)),
        pd.DataFrame({"customer_ref": ["N1"], "kind": ["person"], "name": ["张三(代持)"]}),
    )
    assert org(named, "A")["nominee"]


def test_bad_share_is_refused_naming_the_row():
    with pytest.raises(ValueError, match="row 1: share_pct"):
        look_through(owners(("A", "P", 50, False), ("A", "Q", 150, False)))


def test_ten_thousand_organisations_look_through_quickly():
    import time

    rows = []
    for i in range(10_000):
        rows += [(f"O{i}", f"H{i}", 60, False), (f"O{i}", f"O{(i + 1) % 10_000}x", 40, False)]
        rows += [(f"O{(i + 1) % 10_000}x", f"P{i}", 100, False)]
    start = time.perf_counter()
    res = look_through(owners(*rows))
    assert len(res["organisations"]) == 20_000
    assert time.perf_counter() - start < 10
