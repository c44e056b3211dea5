"""The one number grammar of files, options and settings (trimtab.domain.numbers)."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import parse_decimal

FAST = settings(max_examples=200, deadline=None, derandomize=True)
NON_ASCII_DIGITS = [chr(code) for code in range(0x80, 0x10000) if unicodedata.category(chr(code)) == "Nd"]


def parse(text: str) -> Decimal:
    return parse_decimal(text, where="test", field="n")


def grouped(whole: int, separator: str) -> str:
    return f"{whole:,}".replace(",", separator)


@FAST
@given(st.integers(0, 10**15), st.sampled_from([",", "_"]), st.sampled_from(["", ".5", ".25", ".000001"]),
       st.sampled_from(["", "-", "+"]))
def test_thousands_in_groups_of_three_read_as_the_number_written(whole: int, separator: str, fraction: str,
                                                                 sign: str) -> None:
    text = sign + grouped(whole, separator) + fraction
    assert parse(text) == Decimal(sign + str(whole) + fraction)


@FAST
@given(st.integers(1, 10**9), st.integers(1, 2))
def test_a_separator_before_fewer_or_more_than_three_digits_is_refused(whole: int, short: int) -> None:
    for tail in ("5" * short, "5" * (3 + short)):
        with pytest.raises(InvalidInput, match="groups of three"):
            parse(f"{whole},{tail}")


@FAST
@given(st.text(alphabet="0123456789", min_size=1, max_size=6), st.sampled_from(NON_ASCII_DIGITS),
       st.integers(0, 6))
def test_any_non_ascii_digit_is_refused(digits: str, foreign: str, at: int) -> None:
    text = digits[:at] + foreign + digits[at:]
    assert Decimal(text.replace(foreign, "0")) is not None  # the same text in ASCII is a number
    with pytest.raises(InvalidInput, match="ASCII"):
        parse(text)


@pytest.mark.parametrize("text", ["NaN", "nan", "-nan", "sNaN", "Infinity", "-Infinity", "inf", "+Inf", ".inf"])
def test_nan_and_infinity_are_refused_by_name(text: str) -> None:
    with pytest.raises(InvalidInput, match="NaN and Infinity"):
        parse(text)


@FAST
@given(st.text(max_size=20))
def test_any_text_is_a_finite_number_or_invalid_input(text: str) -> None:
    message = ""
    try:
        number = parse(text)
    except InvalidInput as error:
        message = str(error)
    if message:
        assert len(message) < 250
    else:
        assert number.is_finite()
        assert all(character.isascii() for character in text.strip())


def test_an_overlong_number_is_refused_without_echoing_it() -> None:
    with pytest.raises(InvalidInput, match="at most 64 characters") as info:
        parse("1" * 100_000)
    assert len(str(info.value)) < 200
