"""Exact numbers: parse user values into Decimal, never through a float.

What a number may look like (one rule for files, options and settings):

* ASCII digits only. Python's ``Decimal`` also reads Arabic-Indic (``١٢٣``) and full-width (``１２３``)
  digits; a file that uses them is refused rather than read as a number nobody typed.
* An optional sign, a decimal point, an exponent (``1.5e3``, at most four exponent digits).
* Thousands separators only where they are unambiguous: commas (``1,842,000``, ``1,234.5``) or underscores
  (``1_842_000``) between groups of exactly three digits, in the whole part. ``"1,5"`` is refused, not read
  as 15: a European decimal comma must never become a number ten times larger.
* No NaN, no Infinity.

The magnitudes and precision each field accepts are in :mod:`trimtab.domain.bounds`.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from trimtab.domain.errors import InvalidInput

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
MAX_NUMBER_LENGTH = 64  # characters of a number as written; longer is not a number anyone typed

_NUMBER = re.compile(
    r"""[+-]?
        (?: (?: [0-9]+ | [0-9]{1,3}(?:,[0-9]{3})+ | [0-9]{1,3}(?:_[0-9]{3})+ ) (?:\.[0-9]*)?
          | \.[0-9]+ )
        (?: [eE][+-]?[0-9]{1,4} )?""",
    re.VERBOSE | re.ASCII,
)
_NOT_FINITE = frozenset({"nan", "snan", "inf", "infinity", ".nan", ".inf"})


def parse_decimal(value: object, *, where: str, field: str) -> Decimal:
    """Turn text, an int or a Decimal into a finite Decimal; refuse floats and anything else."""
    if isinstance(value, bool):
        raise InvalidInput("expected a number", where=where, field=field, value=value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        result = _parse_text(value, where=where, field=field)
    else:
        raise InvalidInput("expected a number written as text or an integer", where=where, field=field,
                           value=value)
    if not result.is_finite():
        raise InvalidInput("expected a finite number", where=where, field=field, value=value)
    return result


def _parse_text(value: str, *, where: str, field: str) -> Decimal:
    text = value.strip()
    if len(text) > MAX_NUMBER_LENGTH:
        raise InvalidInput(f"a number of at most {MAX_NUMBER_LENGTH} characters expected", where=where,
                           field=field, value=value)
    if _NUMBER.fullmatch(text) is None:
        raise InvalidInput(_why_not_a_number(text), where=where, field=field, value=value)
    try:
        return Decimal(text.replace(",", "").replace("_", ""))
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise InvalidInput("expected a number", where=where, field=field, value=value) from None


def _why_not_a_number(text: str) -> str:
    if text.lstrip("+-").lower() in _NOT_FINITE:
        return "NaN and Infinity are not accepted"
    if any(character.isdigit() and not character.isascii() for character in text):
        return "digits must be ASCII 0-9"
    if "," in text or "_" in text:
        return "separators only between groups of three digits (1,842,000); the decimal mark is a point"
    return "expected a number"


PERCENT_UNITS = ("%", "pp")  # what may follow a percentage: percent, percentage points (any case, spaces around)


def parse_percent(value: object, *, where: str, field: str) -> Decimal:
    """Read a percentage or percentage points and return the fraction: "3", "3%", "3 pp", "3.5 %" -> 0.03, 0.035.

    The one percent parser of files and options; the number itself follows :func:`parse_decimal`.
    """
    try:
        return parse_decimal(strip_percent_unit(value), where=where, field=field) / HUNDRED
    except InvalidInput as error:  # name the value as written, unit included
        raise InvalidInput(error.message, where=where, field=field, value=value) from None


def strip_percent_unit(value: object) -> object:
    """Text without its trailing percent unit ("3 pp" -> "3"); any other value as it is."""
    if not isinstance(value, str):
        return value
    text = value.strip()
    for unit in PERCENT_UNITS:
        if text.lower().endswith(unit):
            return text[: -len(unit)].rstrip()
    return text


def decimal_places(value: Decimal) -> int:
    """Digits after the point, trailing zeros ignored (``1.50`` has 1, ``1E+3`` has 0)."""
    exponent = value.normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a multiple of step."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """Round up to a multiple of step."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def percent_number(fraction: Decimal) -> str:
    """A fraction as the number of percent a person would type back: 0.03 -> "3", 0.025 -> "2.5", 1 -> "100"."""
    return format((fraction * HUNDRED).normalize(), "f")


def format_percent(fraction: Decimal, places: int = 2) -> str:
    """Show a fraction as a percentage with fixed places."""
    quantum = Decimal(1).scaleb(-places)
    return f"{(fraction * HUNDRED).quantize(quantum)}%"
