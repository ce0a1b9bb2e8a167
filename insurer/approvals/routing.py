"""Routing, pure: an authorisation matrix (rows of business type × amount range → ordered
levels) and an amount give the ordered levels that must decide. No database here; the
services feed it the rows of the version in force.

A row covers the amounts ``min_amount <= amount < max_amount`` (``max_amount`` None = no
upper bound). A level names the role that decides it, or a body: ``"board"`` is decided by
a holder of ``board_member``. Every business type a matrix names must be covered from 0 to
infinity without gaps or overlaps, and every matrix must route ``matrix_change`` (otherwise
it could never be changed again).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from insurer.roles import BY_CODE, OVERSIGHT

BUSINESS_TYPES = (
    "claim_payout",
    "surrender_payout",
    "policy_loan",
    "refund",
    "expense",
    "contract",
    "investment",
    "related_party_transaction",
    "matrix_change",
)
BODIES = {"board": "board_member"}  # a body decides through the holders of this role
EXCEPTION_REVIEW = {"role": "compliance_officer", "days": 3}  # the step an exception adds in front
MAX_DAYS = 60


class RoutingError(ValueError):
    """The matrix has no route for this request, or a proposed matrix is malformed."""

    def __init__(self, messages: list[str] | str):
        self.messages = [messages] if isinstance(messages, str) else list(messages)
        super().__init__("; ".join(self.messages))


@dataclass(frozen=True)
class Level:
    number: int
    role: str  # the deciding role (for a body: the role its members hold)
    body: str  # "" or a key of BODIES
    days: int  # time limit in PRC working days
    kind: str = "level"  # "level", or "exception_review" for the compliance step

    @property
    def label(self) -> str:
        if self.body:
            return _("The board (any board member)")
        return str(BY_CODE[self.role].name)


@dataclass(frozen=True)
class Rule:
    business_type: str
    min_amount: Decimal
    max_amount: Decimal | None
    levels: tuple[dict, ...]
    forbidden_roles: tuple[str, ...] = field(default=())

    def covers(self, amount: Decimal) -> bool:
        return self.min_amount <= amount and (self.max_amount is None or amount < self.max_amount)


def _decimal(value, what: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError) as exc:
        raise RoutingError(_("%(what)s is not a number: %(value)r") % {"what": what, "value": value}) from exc
    if not number.is_finite():
        raise RoutingError(_("%(what)s is not a finite number") % {"what": what})
    return number


def rule_from(data: dict) -> Rule:
    """A Rule from a dict (a MatrixRule's values, or one row of a proposal)."""
    max_amount = data.get("max_amount")
    return Rule(
        business_type=data["business_type"],
        min_amount=_decimal(data.get("min_amount", 0), "min_amount"),
        max_amount=None if max_amount in (None, "") else _decimal(max_amount, "max_amount"),
        levels=tuple(dict(level) for level in data.get("levels", [])),
        forbidden_roles=tuple(data.get("forbidden_roles", [])),
    )


def levels_of(rule: Rule) -> list[Level]:
    levels = []
    for number, level in enumerate(rule.levels, start=1):
        body = level.get("body", "") or ""
        role = BODIES[body] if body else level["role"]
        levels.append(Level(number=number, role=role, body=body, days=int(level["days"])))
    return levels


def validate(rules: list[Rule]) -> None:
    """Raise RoutingError listing every problem of a proposed matrix."""
    problems: list[str] = []
    by_type: dict[str, list[Rule]] = {}
    for rule in rules:
        if rule.business_type not in BUSINESS_TYPES:
            problems.append(_("Unknown business type %(t)s.") % {"t": rule.business_type})
            continue
        by_type.setdefault(rule.business_type, []).append(rule)
        where = f"{rule.business_type} [{rule.min_amount}, {rule.max_amount if rule.max_amount is not None else '∞'})"
        if rule.min_amount < 0:
            problems.append(_("%(w)s: the range starts below zero.") % {"w": where})
        if rule.max_amount is not None and rule.max_amount <= rule.min_amount:
            problems.append(_("%(w)s: the upper bound must be above the lower bound.") % {"w": where})
        if not rule.levels:
            problems.append(_("%(w)s: at least one level is needed.") % {"w": where})
        for number, level in enumerate(rule.levels, start=1):
            body, role = level.get("body", "") or "", level.get("role", "") or ""
            if bool(body) == bool(role):
                problems.append(_("%(w)s level %(n)s: name either a role or a body.") % {"w": where, "n": number})
            elif body and body not in BODIES:
                problems.append(_("%(w)s level %(n)s: unknown body %(b)s.") % {"w": where, "n": number, "b": body})
            elif role and role not in BY_CODE:
                problems.append(_("%(w)s level %(n)s: unknown role %(r)s.") % {"w": where, "n": number, "r": role})
            elif role and BY_CODE[role].body == OVERSIGHT:
                problems.append(
                    _("%(w)s level %(n)s: %(r)s is an oversight role and never decides.")
                    % {"w": where, "n": number, "r": role}
                )
            try:
                days = int(level.get("days", 0))
            except (TypeError, ValueError):
                days = 0
            if not 1 <= days <= MAX_DAYS:
                problems.append(
                    _("%(w)s level %(n)s: the time limit must be 1 to %(max)s working days.")
                    % {"w": where, "n": number, "max": MAX_DAYS}
                )
        for role in rule.forbidden_roles:
            if role not in BY_CODE:
                problems.append(_("%(w)s: unknown role %(r)s in the must-not-hold list.") % {"w": where, "r": role})
        deciders = {BODIES.get(level.get("body", ""), level.get("role", "")) for level in rule.levels}
        if deciders & set(rule.forbidden_roles):
            problems.append(_("%(w)s: a deciding role is also in its must-not-hold list.") % {"w": where})
    for business_type, rows in by_type.items():
        rows.sort(key=lambda r: r.min_amount)
        expected = Decimal(0)
        for row in rows:
            if expected is None:
                problems.append(_("%(t)s: a range follows the unbounded one.") % {"t": business_type})
                break
            if row.min_amount != expected:
                problems.append(
                    _("%(t)s: the ranges leave a gap or overlap at %(a)s.") % {"t": business_type, "a": expected}
                )
            expected = row.max_amount
        if expected is not None:
            problems.append(_("%(t)s: the last range must have no upper bound.") % {"t": business_type})
    if "matrix_change" not in by_type:
        problems.append(_("The matrix must route matrix_change, or it could never be changed again."))
    if problems:
        raise RoutingError(problems)


def find_rule(rules: list[Rule], business_type: str, amount: Decimal) -> Rule:
    if amount < 0:
        raise RoutingError(_("The amount may not be negative."))
    for rule in rules:
        if rule.business_type == business_type and rule.covers(amount):
            return rule
    raise RoutingError(
        _("The authorisation matrix has no route for %(t)s of %(a)s CNY.") % {"t": business_type, "a": amount}
    )


def route(rules: list[Rule], business_type: str, amount: Decimal, *, is_exception: bool = False) -> list[Level]:
    """The ordered levels deciding ``business_type`` of ``amount`` (an exception first
    goes through a compliance review)."""
    levels = levels_of(find_rule(rules, business_type, amount))
    if is_exception:
        review = Level(0, EXCEPTION_REVIEW["role"], "", EXCEPTION_REVIEW["days"], kind="exception_review")
        levels = [review, *levels]
    return levels


def _key(rule: Rule) -> tuple:
    return (rule.business_type, rule.min_amount)


def _describe(rule: Rule) -> str:
    upper = "∞" if rule.max_amount is None else f"{rule.max_amount:,.0f}"
    chain = " → ".join(f"{lv.label} ({lv.days}d)" for lv in levels_of(rule))
    forbidden = f"; must not hold {', '.join(rule.forbidden_roles)}" if rule.forbidden_roles else ""
    return f"[{rule.min_amount:,.0f}, {upper}): {chain}{forbidden}"


def diff(old: list[Rule], new: list[Rule]) -> list[dict]:
    """Rows added, removed and changed between two versions (a row is known by its business
    type and lower bound; a new upper bound is a change)."""
    before, after = {_key(r): r for r in old}, {_key(r): r for r in new}
    changes = []
    for key in sorted(set(before) | set(after), key=lambda k: (k[0], k[1])):
        a, b = before.get(key), after.get(key)
        if a == b:
            continue
        change = "added" if a is None else "removed" if b is None else "changed"
        changes.append(
            {
                "change": change,
                "business_type": key[0],
                "min_amount": key[1],
                "max_amount": (b or a).max_amount,
                "before": _describe(a) if a else "",
                "after": _describe(b) if b else "",
            }
        )
    return changes
