"""Cell parsers. Each returns the parsed value or raises FieldError with a plain reason;
validators turn that into a RowError carrying the row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from insurer.errors import RowError

# interchange.md: timestamps without a zone are Beijing time, whatever the server's zone.
DEFAULT_ZONE = ZoneInfo("Asia/Shanghai")
# MONEY fields hold 18 digits, 2 after the point.
MAX_AMOUNT = Decimal("9999999999999999.99")
TRUE, FALSE = {"true", "1", "yes", "y", "t"}, {"false", "0", "no", "n", "f"}


class FieldError(ValueError):
    pass


def required(value: str) -> str:
    if not value:
        raise FieldError(_("a value is required"))
    return value


def text(value: str, max_length: int, *, blank: bool = True) -> str:
    if not value and not blank:
        raise FieldError(_("a value is required"))
    if len(value) > max_length:
        raise FieldError(
            _("is %(n)d characters long; at most %(max)d are allowed") % {"n": len(value), "max": max_length}
        )
    return value


def choice(value: str, allowed, *, blank: bool = False) -> str:
    if not value and blank:
        return ""
    if value not in allowed:
        shown = value or _("(empty)")
        raise FieldError(
            _("“%(value)s” is not allowed; use one of: %(allowed)s") % {"value": shown, "allowed": " | ".join(allowed)}
        )
    return value


def date(value: str, *, blank: bool = False) -> dt.date | None:
    if not value:
        if blank:
            return None
        raise FieldError(_("a date is required (ISO 8601, YYYY-MM-DD)"))
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(_("“%(value)s” is not a valid date; use ISO 8601, YYYY-MM-DD") % {"value": value}) from exc


def timestamp(value: str) -> dt.datetime:
    if not value:
        raise FieldError(_("a timestamp is required (ISO 8601, e.g. 2024-03-01T09:30:00+08:00)"))
    try:
        parsed = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise FieldError(
            _("“%(value)s” is not a valid timestamp; use ISO 8601, e.g. 2024-03-01T09:30:00+08:00") % {"value": value}
        ) from exc
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=DEFAULT_ZONE)


def amount(value: str, *, blank: bool = False, positive: bool = False) -> Decimal | None:
    if not value:
        if blank:
            return None
        raise FieldError(_("an amount is required"))
    try:
        number = Decimal(value)
    except InvalidOperation as exc:
        raise FieldError(
            _("“%(value)s” is not a decimal amount (use digits and a point, e.g. 1234.50)") % {"value": value}
        ) from exc
    if not number.is_finite():
        raise FieldError(
            _("“%(value)s” is not a decimal amount (use digits and a point, e.g. 1234.50)") % {"value": value}
        )
    if number < 0:
        raise FieldError(_("must not be negative (got %(value)s)") % {"value": value})
    if positive and number == 0:
        raise FieldError(_("must be greater than zero"))
    if number.as_tuple().exponent < -2:
        raise FieldError(_("%(value)s has more than 2 decimal places") % {"value": value})
    if number > MAX_AMOUNT:
        raise FieldError(_("%(value)s is too large") % {"value": value})
    return number


def integer(value: str, *, low: int, high: int) -> int:
    try:
        number = int(value)
    except ValueError as exc:
        raise FieldError(_("“%(value)s” is not a whole number") % {"value": value or _("(empty)")}) from exc
    if not low <= number <= high:
        raise FieldError(_("%(value)d is outside %(low)d–%(high)d") % {"value": number, "low": low, "high": high})
    return number


def boolean(value: str) -> bool:
    lowered = value.lower()
    if lowered in TRUE:
        return True
    if lowered in FALSE:
        return False
    raise FieldError(_("“%(value)s” is not true or false") % {"value": value or _("(empty)")})


def country(value: str, *, blank: bool = True) -> str:
    if not value and blank:
        return ""
    code = value.upper()
    if len(code) != 2 or not code.isascii() or not code.isalpha():
        raise FieldError(_("“%(value)s” is not an ISO 3166 alpha-2 country code (e.g. CN, HK, US)") % {"value": value})
    return code


def currency(value: str) -> str:
    if not value:
        return "CNY"
    code = value.upper()
    if len(code) != 3 or not code.isascii() or not code.isalpha():
        raise FieldError(_("“%(value)s” is not a 3-letter ISO 4217 currency code (e.g. CNY)") % {"value": value})
    return code


def age_at(birth: dt.date, on: dt.date) -> int:
    """Completed years (the age an underwriter uses at issue)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))


class Cells:
    """One row's cells by column name; parse failures become RowErrors on the table.

    ``ok`` tells whether the current row is still clean, so cross-field checks only run
    on values that parsed.
    """

    def __init__(self, table):
        self.index = {c: i for i, c in enumerate(table.columns)}
        self.errors = table.errors
        self.number = 0
        self.values: list[str] = []
        self.ok = True

    def start(self, number: int, values: list[str]) -> Cells:
        self.number, self.values, self.ok = number, values, True
        return self

    def __getitem__(self, column: str) -> str:
        i = self.index.get(column)
        return self.values[i] if i is not None else ""

    def parse(self, column: str, parser, *args, **kwargs):
        try:
            return parser(self[column], *args, **kwargs)
        except FieldError as exc:
            self.fail(column, str(exc))
            return None

    def fail(self, column: str | None, message: str) -> None:
        self.errors.append(RowError(self.number, column, message))
        self.ok = False


def duplicate_message(column: str, value: str, first_row: int) -> str:
    return _("duplicate %(column)s “%(value)s”: it is also on row %(row)d") % {
        "column": column,
        "value": value,
        "row": first_row,
    }


def unknown_message(column: str, value: str) -> str:
    what = {"policy_ref": _("policy"), "product_code": _("product")}.get(column, _("customer"))
    return _("unknown %(what)s “%(value)s” (%(column)s): import it first or fix the ref") % {
        "what": what,
        "value": value,
        "column": column,
    }
