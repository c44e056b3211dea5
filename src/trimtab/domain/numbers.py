"""Exact numbers: parse user values into Decimal, never through a float."""

from __future__ import annotations

from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, InvalidOperation

from trimtab.domain.errors import InvalidInput

ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)


def parse_decimal(value: object, *, where: str, field: str) -> Decimal:
    """Turn text, an int or a Decimal into a finite Decimal; refuse floats and anything else."""
    if isinstance(value, bool):
        raise InvalidInput("expected a number", where=where, field=field, value=value)
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, str):
        text = value.strip().replace("_", "").replace(",", "")
        try:
            result = Decimal(text)
        except InvalidOperation:
            raise InvalidInput("expected a number", where=where, field=field, value=value) from None
    else:
        raise InvalidInput("expected a number written as text or an integer", where=where, field=field,
                           value=value)
    if not result.is_finite():
        raise InvalidInput("expected a finite number", where=where, field=field, value=value)
    return result


def parse_percent(value: object, *, where: str, field: str) -> Decimal:
    """Read a percentage ("33.34", "33.34%") and return the fraction (0.3334)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
    return parse_decimal(value, where=where, field=field) / HUNDRED


def floor_to(value: Decimal, step: Decimal) -> Decimal:
    """Round down to a multiple of step."""
    return (value / step).to_integral_value(rounding=ROUND_FLOOR) * step


def ceil_to(value: Decimal, step: Decimal) -> Decimal:
    """Round up to a multiple of step."""
    return (value / step).to_integral_value(rounding=ROUND_CEILING) * step


def format_percent(fraction: Decimal, places: int = 2) -> str:
    """Show a fraction as a percentage with fixed places."""
    quantum = Decimal(1).scaleb(-places)
    return f"{(fraction * HUNDRED).quantize(quantum)}%"
