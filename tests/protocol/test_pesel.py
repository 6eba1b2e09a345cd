"""PESEL rules (BRIEF §4): known vectors, the exact rule each bad number breaks, and properties.

python-stdnum's ``stdnum.pl.pesel`` is the independent reference for the checksum and dates.
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from stdnum.pl import pesel as stdnum_pesel

from protocol import pesel

FAST = settings(max_examples=200, deadline=None)


def with_check_digit(first_ten: str) -> str:
    """Complete ten digits with the right check digit (so only the date rules can fail)."""
    return first_ten + str(pesel.check_digit(first_ten))


@pytest.mark.parametrize(
    ("number", "birth_date", "sex"),
    [
        ("04231115629", dt.date(2004, 3, 11), "F"),
        ("00222912349", dt.date(2000, 2, 29), "F"),
        ("19323100014", dt.date(2019, 12, 31), "M"),
        ("44051401458", dt.date(1944, 5, 14), "M"),
    ],
)
def test_valid_vectors(number: str, birth_date: dt.date, sex: str) -> None:
    assert pesel.parse(number) == pesel.PeselInfo(number, birth_date, sex)
    assert pesel.is_valid(number)
    assert stdnum_pesel.is_valid(number)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("44051401459", "pesel_checksum"),
        ("01222912346", "pesel_date"),  # 2001-02-29 does not exist
        ("00000000000", "pesel_month"),
        ("4405140145X", "pesel_digits"),
        ("4405140145", "pesel_length"),  # 10 digits
        ("440514014580", "pesel_length"),  # 12 digits
        ("", "pesel_length"),
        ("０４２３１１１５６２９", "pesel_digits"),  # full-width digits
        ("٠٤٢٣١١١٥٦٢٩", "pesel_digits"),  # Arabic-Indic digits
        ("۰۴۲۳۱۱۱۵۶۲۹", "pesel_digits"),  # Extended Arabic-Indic (Persian) digits
        ("0423111 5629", "pesel_length"),  # a space inserted: 12 characters
        ("042311 5629", "pesel_digits"),  # a space replacing a digit: 11 characters
        (" 4405140145", "pesel_digits"),
        ("04231115629\n", "pesel_length"),
        ("-4405140145", "pesel_digits"),
    ],
)
def test_rejected_with_specific_code(value: str, code: str) -> None:
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse(value)
    assert caught.value.code == code
    assert not pesel.is_valid(value)


@pytest.mark.parametrize("value", [44051401458, None, b"44051401458", ["44051401458"]])
def test_non_text_is_rejected(value: object) -> None:
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse(value)  # type: ignore[arg-type]
    assert caught.value.code == "pesel_format"
    assert caught.value.message == "must be text of 11 digits"


def test_error_carries_message_id() -> None:
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse("44051401459")
    assert caught.value.message == "the check digit is wrong (a typing error?)"
    assert str(caught.value) == caught.value.message


@pytest.mark.parametrize(
    ("birth_date", "month_code"),
    [
        (dt.date(1805, 3, 7), "83"),
        (dt.date(1905, 3, 7), "03"),
        (dt.date(2005, 3, 7), "23"),
        (dt.date(2105, 3, 7), "43"),
        (dt.date(2205, 3, 7), "63"),
    ],
)
def test_month_code_carries_the_century(birth_date: dt.date, month_code: str) -> None:
    number = pesel.generate(birth_date, "F", 17)
    assert number[:6] == f"05{month_code}07"
    assert pesel.parse(number).birth_date == birth_date


@pytest.mark.parametrize(
    ("month_code", "year", "month"),
    [
        ("81", 1899, 1),
        ("92", 1899, 12),
        ("01", 1999, 1),
        ("12", 1999, 12),
        ("21", 2099, 1),
        ("32", 2099, 12),
        ("41", 2199, 1),
        ("52", 2199, 12),
        ("61", 2299, 1),
        ("72", 2299, 12),
    ],
)
def test_first_and_last_month_code_of_each_century(month_code: str, year: int, month: int) -> None:
    number = with_check_digit(f"99{month_code}011234")
    assert pesel.parse(number).birth_date == dt.date(year, month, 1)


@pytest.mark.parametrize("month_code", ["00", "13", "20", "33", "40", "53", "60", "73", "80", "93", "99"])
def test_month_codes_between_centuries_are_impossible(month_code: str) -> None:
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse(with_check_digit(f"99{month_code}011234"))
    assert caught.value.code == "pesel_month"


@pytest.mark.parametrize(
    "yymmdd",
    ["000230", "010229", "850229", "990431", "002132", "002400", "254229"],
)
def test_impossible_dates(yymmdd: str) -> None:
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse(with_check_digit(f"{yymmdd}1234"))
    assert caught.value.code == "pesel_date"


def test_leap_days_per_century() -> None:
    # 1900 and 2100 are not leap years, 2000 is; the month code must pick the right year.
    assert pesel.parse(with_check_digit("0022291234")).birth_date == dt.date(2000, 2, 29)
    for yymmdd in ("000229", "004229"):  # 1900-02-29, 2100-02-29
        with pytest.raises(pesel.PeselError) as caught:
            pesel.parse(with_check_digit(f"{yymmdd}1234"))
        assert caught.value.code == "pesel_date"


def test_generate_rejects_what_it_cannot_encode() -> None:
    with pytest.raises(ValueError, match="serial"):
        pesel.generate(dt.date(2010, 1, 1), "F", 5000)
    with pytest.raises(ValueError, match="serial"):
        pesel.generate(dt.date(2010, 1, 1), "F", -1)
    with pytest.raises(ValueError, match="1799"):
        pesel.generate(dt.date(1799, 12, 31), "M", 0)


dates = st.dates(min_value=dt.date(1800, 1, 1), max_value=dt.date(2299, 12, 31))
sexes = st.sampled_from(["F", "M"])
serials = st.integers(min_value=0, max_value=4999)


@FAST
@given(dates, sexes, serials)
def test_generated_numbers_parse_back(birth_date: dt.date, sex: str, serial: int) -> None:
    number = pesel.generate(birth_date, sex, serial)
    info = pesel.parse(number)
    assert (info.pesel, info.birth_date, info.sex) == (number, birth_date, sex)
    assert stdnum_pesel.is_valid(number)
    assert stdnum_pesel.get_birth_date(number) == birth_date
    assert stdnum_pesel.get_gender(number) == sex


def test_every_serial_gives_a_distinct_number() -> None:
    birth_date = dt.date(2015, 6, 30)
    women = {pesel.generate(birth_date, "F", serial) for serial in range(5000)}
    men = {pesel.generate(birth_date, "M", serial) for serial in range(5000)}
    assert len(women) == len(men) == 5000
    assert not women & men
    assert {pesel.parse(n).sex for n in women} == {"F"}
    assert {pesel.parse(n).sex for n in men} == {"M"}


@FAST
@given(st.text(alphabet="0123456789", min_size=11, max_size=11))
def test_agrees_with_stdnum_on_random_digits(number: str) -> None:
    assert pesel.is_valid(number) == stdnum_pesel.is_valid(number)


@FAST
@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_agrees_with_stdnum_when_the_checksum_is_right(first_ten: str) -> None:
    # Random digits almost always fail the checksum; this exercises the month and date rules.
    number = first_ten + stdnum_pesel.calc_check_digit(first_ten)
    assert pesel.is_valid(number) == stdnum_pesel.is_valid(number)
    if pesel.is_valid(number):
        assert pesel.parse(number).birth_date == stdnum_pesel.get_birth_date(number)
        assert pesel.parse(number).sex == stdnum_pesel.get_gender(number)


@FAST
@given(dates, sexes, serials, st.integers(min_value=0, max_value=10), st.integers(min_value=1, max_value=9))
def test_any_single_digit_change_is_rejected(
    birth_date: dt.date, sex: str, serial: int, position: int, delta: int
) -> None:
    number = pesel.generate(birth_date, sex, serial)
    changed_digit = str((int(number[position]) + delta) % 10)
    changed = number[:position] + changed_digit + number[position + 1 :]
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse(changed)
    # Weights 1, 3, 7 and 9 are all coprime to 10, so the checksum catches every single-digit error.
    assert caught.value.code == "pesel_checksum"
    assert not stdnum_pesel.is_valid(changed)


@FAST
@given(st.text(min_size=11, max_size=11).filter(lambda s: not s.isascii()))
def test_non_ascii_eleven_characters_never_valid(value: str) -> None:
    with pytest.raises(pesel.PeselError) as caught:
        pesel.parse(value)
    assert caught.value.code == "pesel_digits"
