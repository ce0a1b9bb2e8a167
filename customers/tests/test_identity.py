import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from customers.identity import (
    IdentityError,
    make_resident_id,
    make_uscc,
    normalise_phone,
    validate_resident_id,
    validate_uscc,
)


def test_the_published_example_resident_id_validates():
    # GB 11643-1999's example number: Beijing Dongcheng, born 1949-12-31, female.
    assert validate_resident_id("11010519491231002x", birth_date=dt.date(1949, 12, 31), sex="F") == (
        "11010519491231002X"
    )


@pytest.mark.parametrize(
    ("number", "message"),
    [
        ("110105194912310021", "check digit is wrong"),
        ("1101051949123100", "must have 18 characters"),
        ("110105194913310021", "impossible birth date"),  # month 13, right check digit
    ],
)
def test_bad_resident_ids_say_what_is_wrong(number, message):
    with pytest.raises(IdentityError, match=message):
        validate_resident_id(number)


def test_resident_id_must_agree_with_the_record():
    with pytest.raises(IdentityError, match="differs from birth_date"):
        validate_resident_id("11010519491231002X", birth_date=dt.date(1950, 1, 1))
    with pytest.raises(IdentityError, match="encodes sex F, the record says M"):
        validate_resident_id("11010519491231002X", sex="M")


@given(
    birth=st.dates(min_value=dt.date(1920, 1, 1), max_value=dt.date(2025, 12, 31)),
    sequence=st.integers(min_value=1, max_value=499),
    sex=st.sampled_from(["M", "F"]),
)
def test_generated_resident_ids_always_validate(birth, sequence, sex):
    number = make_resident_id("310104", birth, sequence, sex)
    assert validate_resident_id(number, birth_date=birth, sex=sex) == number


@given(serial=st.integers(min_value=1, max_value=99_999_998))
def test_generated_uscc_always_validate_and_differ_by_serial(serial):
    code = make_uscc("440300", serial)
    assert validate_uscc(code) == code
    assert make_uscc("440300", serial + 1) != code


def test_bad_uscc_is_refused():
    with pytest.raises(IdentityError, match="check character is wrong"):
        validate_uscc("91110000600037341M")


@pytest.mark.parametrize(
    ("raw", "digits"),
    [("138 0013 8000", "13800138000"), ("+8613800138000", "13800138000"), ("010-12345678", "01012345678")],
)
def test_phone_numbers_normalise(raw, digits):
    assert normalise_phone(raw) == digits


def test_bad_phone_is_refused():
    with pytest.raises(IdentityError, match="PRC mobile"):
        normalise_phone("12345")
