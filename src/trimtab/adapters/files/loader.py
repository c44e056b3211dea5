"""Shared helpers of the file adapters: every bad input becomes an InvalidInput naming where, the field
and the value.

Documents are read by :mod:`trimtab.adapters.files.documents` (re-exported here); the ``require_*`` /
``check_keys`` / ``parse_*`` helpers below check their parts: text is printable and bounded
(:mod:`trimtab.domain.text`), numbers are exact and inside their bounds (:mod:`trimtab.domain.bounds`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal

from trimtab.adapters.files.documents import (
    JSON_SUFFIXES,
    YAML_SUFFIXES,
    StrictLoader,
    parse_json,
    parse_yaml,
    read_document,
    read_text,
)
from trimtab.domain.bounds import Bound, check_bound
from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import HUNDRED, parse_decimal, parse_percent
from trimtab.domain.text import check_identifier, check_name

__all__ = [
    "JSON_SUFFIXES", "YAML_SUFFIXES", "StrictLoader", "check_keys", "parse_iso_date", "parse_json",
    "parse_number", "parse_percentage", "parse_yaml", "read_document", "read_text", "require_identifier",
    "require_list", "require_mapping", "require_symbol", "require_text",
]
MAX_DIGITS_BEFORE_POINT = 18  # larger numbers are typos, and would overflow Decimal arithmetic later


def require_mapping(value: object, *, where: str, field: str) -> dict[str, object]:
    """Check that a value is a mapping whose keys are all text."""
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a mapping, got {_kind(value)}", where=where, field=field, value=value)
    for key in value:
        if not isinstance(key, str):
            raise InvalidInput("keys must be text; quote them (YAML reads yes/no/on/off as booleans)",
                               where=where, field=field, value=key)
    return {str(key): item for key, item in value.items()}


def require_list(value: object, *, where: str, field: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidInput(f"expected a list, got {_kind(value)}", where=where, field=field, value=value)
    return list(value)


def require_text(value: object, *, where: str, field: str, allow_empty: bool = False) -> str:
    """Check that a value is printable text of bounded length (a name, a description) and strip it."""
    return check_name(_stripped(value, where=where, field=field, allow_empty=allow_empty), where=where, field=field)


def require_identifier(value: object, *, where: str, field: str) -> str:
    """Check that a value is a non-empty identifier (a symbol, an id, a model name) and strip it."""
    return check_identifier(_stripped(value, where=where, field=field, allow_empty=False), where=where, field=field)


def _stripped(value: object, *, where: str, field: str, allow_empty: bool) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"expected text, got {_kind(value)}; quote it", where=where, field=field,
                           value=value)
    text = value.strip()
    if not text and not allow_empty:
        raise InvalidInput("must not be empty", where=where, field=field, value=value)
    return text


def parse_number(value: object, *, where: str, field: str, bound: Bound | None = None) -> Decimal:
    """A Decimal from text (never a float) inside ``bound``; magnitudes of 10^18 and beyond are refused."""
    number = _sane(parse_decimal(value, where=where, field=field), value, where=where, field=field)
    return number if bound is None else check_bound(number, bound, where=where, field=field, value=value)


def parse_percentage(value: object, *, where: str, field: str, bound: Bound | None = None) -> Decimal:
    """A percentage ("33.34", "33.34%", "33.34 pp") as a fraction (0.3334), inside ``bound`` (a fraction's bound).

    Read by the domain's one percent parser (:func:`trimtab.domain.numbers.parse_percent`).
    """
    fraction = parse_percent(value, where=where, field=field)
    _sane(fraction * HUNDRED, value, where=where, field=field)
    return fraction if bound is None else check_bound(fraction, bound, where=where, field=field, value=value)


def _sane(number: Decimal, value: object, *, where: str, field: str) -> Decimal:
    if number.adjusted() >= MAX_DIGITS_BEFORE_POINT:
        raise InvalidInput(f"number out of range (at most {MAX_DIGITS_BEFORE_POINT} digits before the point)",
                           where=where, field=field, value=value)
    return number


def require_symbol(spec: Mapping[str, object], *, where: str) -> str:
    """The ``symbol`` of a list item, checked before its other keys so later errors can name it."""
    if "symbol" not in spec:
        raise InvalidInput("missing required key", where=where, field="symbol")
    return require_identifier(spec["symbol"], where=where, field="symbol")


def parse_iso_date(value: object, *, where: str, field: str) -> dt.date:
    """Read an ISO date (2026-11-20) written as text."""
    text = require_text(value, where=where, field=field)
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InvalidInput("expected a date as YYYY-MM-DD", where=where, field=field, value=value) from None


def check_keys(mapping: Mapping[str, object], allowed: Iterable[str], *, where: str,
               required: Iterable[str] = ()) -> None:
    """Refuse keys outside ``allowed`` (listing them) and report missing required keys."""
    allowed_set = frozenset(allowed)
    for key in mapping:
        if key not in allowed_set:
            raise InvalidInput(f"unknown key (allowed keys: {', '.join(sorted(allowed_set))})",
                               where=where, field=key, value=key)
    for key in required:
        if key not in mapping:
            raise InvalidInput("missing required key", where=where, field=key)


def _kind(value: object) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", str: "text", bool: "a boolean"}.get(type(value),
                                                                                    type(value).__name__)

