"""Identity numbers: validation with the official check digits, and generation for demo data.

- PRC resident identity number (GB 11643-1999): 6-digit region, 8-digit birth date, 3-digit
  sequence (odd = male), ISO 7064 MOD 11-2 check character.
- Unified social credit code (GB 32100-2015): 18 characters, MOD 31 check character.

Validation uses python-stdnum; the generator computes the same check digits itself so the
demo insurer can make 200,000 valid numbers in well under a second.
"""

from __future__ import annotations

import datetime as dt
import re

from stdnum import exceptions as stdnum_exceptions
from stdnum.cn import ric, uscc

_RIC_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
_RIC_CHECK = "10X98765432"
_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


class IdentityError(ValueError):
    """A bad identity number; the message says what is wrong in plain words."""


def validate_resident_id(value: str, *, birth_date: dt.date | None = None, sex: str | None = None) -> str:
    """Return the normalised number or raise IdentityError.

    Checks the length, the birth date and the check digit, and, when given, that the
    birth date and sex on file agree with the number.
    """
    number = (value or "").strip().upper()
    try:
        number = ric.validate(number)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise IdentityError("resident ID check digit is wrong") from exc
    except stdnum_exceptions.InvalidLength as exc:
        raise IdentityError("resident ID must have 18 characters") from exc
    except stdnum_exceptions.InvalidComponent as exc:
        raise IdentityError("resident ID holds an impossible birth date or region") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise IdentityError(f"resident ID is not valid ({exc.message})") from exc
    if birth_date is not None and ric.get_birth_date(number) != birth_date:
        raise IdentityError(f"resident ID birth date {ric.get_birth_date(number)} differs from birth_date {birth_date}")
    if sex in ("M", "F"):
        number_sex = "M" if int(number[16]) % 2 else "F"
        if number_sex != sex:
            raise IdentityError(f"resident ID encodes sex {number_sex}, the record says {sex}")
    return number


def validate_uscc(value: str) -> str:
    number = (value or "").strip().upper()
    try:
        return uscc.validate(number)
    except stdnum_exceptions.InvalidChecksum as exc:
        raise IdentityError("unified social credit code check character is wrong") from exc
    except stdnum_exceptions.InvalidLength as exc:
        raise IdentityError("unified social credit code must have 18 characters") from exc
    except stdnum_exceptions.ValidationError as exc:
        raise IdentityError(f"unified social credit code is not valid ({exc.message})") from exc


def normalise_phone(value: str) -> str:
    """Digits of a PRC mobile or landline number, without +86; raise IdentityError if not one."""
    raw = re.sub(r"[\s()]", "", value or "")
    match = _PHONE.match(raw)
    if not match:
        raise IdentityError("phone must be a PRC mobile (11 digits starting 1) or landline (0xx-xxxxxxxx)")
    return match.group(1).replace("-", "")


def resident_id_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, _RIC_WEIGHTS, strict=True))
    return _RIC_CHECK[total % 11]


def make_resident_id(region: str, birth_date: dt.date, sequence: int, sex: str) -> str:
    """A valid number for demo data. ``sequence`` 0-499; the last digit is set by sex."""
    seq = (sequence % 500) * 2 + (1 if sex == "M" else 0)
    first17 = f"{region}{birth_date:%Y%m%d}{seq:03d}"
    return first17 + resident_id_check_char(first17)


def uscc_check_char(first17: str) -> str:
    total = sum(_USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return _USCC_ALPHABET[(31 - total % 31) % 31]


def make_uscc(region: str, serial: int) -> str:
    """A valid code for demo data: registered by market regulation (9), enterprise (1).

    ``serial`` 0-99,999,999 becomes the organisation code's eight-digit body."""
    body = f"91{region}{serial % 100_000_000:08d}"
    # The organisation-code part (positions 9-17) carries its own GB 11714 check digit.
    weights = [3, 7, 9, 10, 5, 8, 4, 2]
    check = 11 - sum(int(c) * w for c, w in zip(body[8:16], weights, strict=True)) % 11
    first17 = body + {10: "X", 11: "0"}.get(check, str(check))
    return first17 + uscc_check_char(first17)
