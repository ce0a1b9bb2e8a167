"""Routing is pure: matrix rows + an amount → ordered levels. Boundaries are [min, max)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from insurer.approvals import routing

RULES = [
    routing.rule_from(
        {
            "business_type": "claim_payout",
            "min_amount": 0,
            "max_amount": 50_000,
            "levels": [{"role": "claims_supervisor", "days": 2}],
            "forbidden_roles": ["underwriter"],
        }
    ),
    routing.rule_from(
        {
            "business_type": "claim_payout",
            "min_amount": 50_000,
            "max_amount": 500_000,
            "levels": [{"role": "claims_supervisor", "days": 2}, {"role": "executive", "days": 3}],
        }
    ),
    routing.rule_from(
        {
            "business_type": "claim_payout",
            "min_amount": 500_000,
            "max_amount": None,
            "levels": [
                {"role": "claims_supervisor", "days": 2},
                {"role": "executive", "days": 3},
                {"body": "board", "days": 10},
            ],
        }
    ),
    routing.rule_from(
        {
            "business_type": "matrix_change",
            "min_amount": 0,
            "max_amount": None,
            "levels": [{"role": "cro", "days": 5}, {"body": "board", "days": 10}],
        }
    ),
]


@pytest.mark.parametrize(
    ("amount", "deciders"),
    [
        ("0", ["claims_supervisor"]),
        ("49999.99", ["claims_supervisor"]),
        ("50000", ["claims_supervisor", "executive"]),
        ("499999.99", ["claims_supervisor", "executive"]),
        ("500000", ["claims_supervisor", "executive", "board_member"]),
        ("9999999999", ["claims_supervisor", "executive", "board_member"]),
    ],
)
def test_amount_ranges_include_the_lower_bound_and_exclude_the_upper(amount, deciders):
    levels = routing.route(RULES, "claim_payout", Decimal(amount))
    assert [lv.role for lv in levels] == deciders
    assert [lv.number for lv in levels] == list(range(1, len(deciders) + 1))


def test_the_board_is_a_body_decided_by_board_members():
    board = routing.route(RULES, "claim_payout", Decimal("600000"))[-1]
    assert (board.body, board.role, board.days) == ("board", "board_member", 10)


def test_an_exception_adds_a_compliance_review_in_front():
    levels = routing.route(RULES, "claim_payout", Decimal("100"), is_exception=True)
    assert [(lv.kind, lv.role) for lv in levels] == [
        ("exception_review", "compliance_officer"),
        ("level", "claims_supervisor"),
    ]


def test_no_route_and_negative_amounts_are_refused():
    with pytest.raises(routing.RoutingError, match="no route for refund"):
        routing.route(RULES, "refund", Decimal("10"))
    with pytest.raises(routing.RoutingError, match="negative"):
        routing.route(RULES, "claim_payout", Decimal("-1"))


def test_the_seeded_matrix_is_valid():
    routing.validate(RULES)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        (
            [
                {
                    "business_type": "claim_payout",
                    "min_amount": 0,
                    "max_amount": 100,
                    "levels": [{"role": "executive", "days": 2}],
                }
            ],
            "last range must have no upper bound",
        ),
        (
            [
                {
                    "business_type": "claim_payout",
                    "min_amount": 10,
                    "max_amount": None,
                    "levels": [{"role": "executive", "days": 2}],
                }
            ],
            "gap or overlap at 0",
        ),
        ([{"business_type": "claim_payout", "min_amount": 0, "max_amount": None, "levels": []}], "at least one level"),
        (
            [
                {
                    "business_type": "claim_payout",
                    "min_amount": 0,
                    "max_amount": None,
                    "levels": [{"role": "internal_auditor", "days": 2}],
                }
            ],
            "oversight role",
        ),
        (
            [
                {
                    "business_type": "claim_payout",
                    "min_amount": 0,
                    "max_amount": None,
                    "levels": [{"role": "executive", "days": 0}],
                }
            ],
            "time limit",
        ),
        (
            [
                {
                    "business_type": "claim_payout",
                    "min_amount": 0,
                    "max_amount": None,
                    "levels": [{"role": "executive", "body": "board", "days": 2}],
                }
            ],
            "either a role or a body",
        ),
        (
            [
                {
                    "business_type": "claim_payout",
                    "min_amount": 0,
                    "max_amount": None,
                    "levels": [{"role": "underwriter", "days": 2}],
                    "forbidden_roles": ["underwriter"],
                }
            ],
            "must-not-hold",
        ),
        (
            [
                {
                    "business_type": "bribes",
                    "min_amount": 0,
                    "max_amount": None,
                    "levels": [{"role": "executive", "days": 2}],
                }
            ],
            "Unknown business type",
        ),
    ],
)
def test_malformed_matrices_are_refused_with_the_problem_named(rows, message):
    rules = [routing.rule_from(r) for r in rows] + [RULES[-1]]
    with pytest.raises(routing.RoutingError, match=message):
        routing.validate(rules)


def test_a_matrix_must_keep_a_route_for_its_own_change():
    with pytest.raises(routing.RoutingError, match="matrix_change"):
        routing.validate(RULES[:3])


def test_diff_names_added_removed_and_changed_rows():
    new = [
        *RULES[:1],
        routing.rule_from(
            {
                "business_type": "claim_payout",
                "min_amount": 50_000,
                "max_amount": None,
                "levels": [{"role": "claims_supervisor", "days": 2}, {"role": "cro", "days": 3}],
            }
        ),
        RULES[3],
    ]
    changes = {(c["change"], c["min_amount"]): c for c in routing.diff(RULES, new)}
    assert set(changes) == {("changed", Decimal(50_000)), ("removed", Decimal(500_000))}
    assert "Chief risk officer" in changes[("changed", Decimal(50_000))]["after"]
    assert routing.diff(RULES, RULES) == []
