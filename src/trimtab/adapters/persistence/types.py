"""Column types: exact Decimals, aware UTC instants and JSON documents that never hold a float.

PostgreSQL stores Decimals as NUMERIC(38, 12); SQLite, which has no exact decimal type, stores them as
text. Both refuse a value that would lose digits rather than round it silently.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from enum import Enum
from typing import Any

from sqlalchemy import JSON, NUMERIC, DateTime, Dialect, Text
from sqlalchemy.types import TypeDecorator, TypeEngine

PRECISION = 38
SCALE = 12
_MAX_INTEGER_DIGITS = PRECISION - SCALE


def plain_decimal(value: Decimal) -> str:
    """Write a Decimal as plain text without trailing zeros or an exponent ("1.5", "100", "0.0001")."""
    text = format(value, "f")  # exact: unlike normalize() or quantize(), formatting ignores the context precision
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def check_decimal(value: object) -> Decimal:
    """Return an int or a Decimal as an exact, storable Decimal; refuse floats and lossy values."""
    if isinstance(value, float):
        raise TypeError(f"float {value!r} refused for a Decimal column: build a Decimal from text, "
                        f"e.g. Decimal('{value!r}')")
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        raise TypeError(f"{type(value).__name__} {value!r} refused for a Decimal column: use Decimal or int")
    number = Decimal(value)
    if not number.is_finite():
        raise ValueError(f"{number} refused for a Decimal column: only finite numbers are stored")
    parts = Decimal(plain_decimal(number)).as_tuple()
    exponent = parts.exponent if isinstance(parts.exponent, int) else 0  # finite: always an int
    if -exponent > SCALE:
        raise ValueError(f"{number} has more than {SCALE} decimal places; round it at a named place first")
    if len(parts.digits) + exponent > _MAX_INTEGER_DIGITS:
        raise ValueError(f"{number} has more than {_MAX_INTEGER_DIGITS} integer digits")
    return number


class ExactDecimal(TypeDecorator[Decimal]):
    """A Decimal stored exactly: NUMERIC(38, 12) on PostgreSQL, text elsewhere; read back as Decimal."""

    impl = Text
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Choose NUMERIC on PostgreSQL and text on other databases."""
        if dialect.name == "postgresql":
            return dialect.type_descriptor(NUMERIC(PRECISION, SCALE, asdecimal=True))
        return dialect.type_descriptor(Text())

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> Any:
        """Check the value and pass it on as a Decimal (PostgreSQL) or plain text (SQLite)."""
        if value is None:
            return None
        number = check_decimal(value)
        return number if dialect.name == "postgresql" else plain_decimal(number)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        """Read a stored number back as a Decimal without trailing zeros."""
        if value is None:
            return None
        if isinstance(value, float):  # never stored by this type; refuse rather than guess
            raise TypeError(f"float {value!r} found in a Decimal column")
        return Decimal(plain_decimal(Decimal(value)))


class UtcDateTime(TypeDecorator[dt.datetime]):
    """An aware instant stored in UTC and read back as an aware UTC datetime; naive values are refused."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Convert to UTC; SQLite keeps the UTC wall time without an offset."""
        if value is None:
            return None
        if not isinstance(value, dt.datetime):
            raise TypeError(f"{type(value).__name__} {value!r} refused for a datetime column")
        if value.tzinfo is None or value.utcoffset() is None:
            raise ValueError(f"naive datetime {value.isoformat()} refused: use an aware UTC instant")
        utc = value.astimezone(dt.UTC)
        return utc if dialect.name == "postgresql" else utc.replace(tzinfo=None)

    def process_result_value(self, value: dt.datetime | None, dialect: Dialect) -> dt.datetime | None:
        """Return the stored instant as an aware UTC datetime."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def to_json_ready(value: object, *, path: str = "$") -> Any:
    """Return a copy fit for a JSON column: Decimals as plain text, enums as values; refuse floats.

    A walk that takes the plain types by their exact type and names no paths comes first (a market-data batch
    is a thousand documents of plain text, numbers and containers); a document it cannot take is walked again
    by the checking walk, which converts it or refuses it naming where."""
    try:
        return _plain(value)
    except Exception:  # the checking walk converts it or raises the error that names where
        return _checked(value, path=path)


def _plain(value: object) -> Any:
    kind = type(value)
    if kind is str or kind is int or kind is bool or value is None:
        return value
    if kind is dict and isinstance(value, dict):
        return {key if type(key) is str else _json_key(key, "$"): _plain(item) for key, item in value.items()}
    if (kind is list or kind is tuple) and isinstance(value, list | tuple):
        return [_plain(item) for item in value]
    if kind is Decimal:
        return plain_decimal(check_decimal(value))
    return _checked(value, path="$")


def _checked(value: object, *, path: str) -> Any:
    if value is None or isinstance(value, bool | int | str):
        return value.value if isinstance(value, Enum) else value
    if isinstance(value, float):
        raise TypeError(f"float {value!r} at {path} refused in a JSON document: use a Decimal or text")
    if isinstance(value, Decimal):
        return plain_decimal(check_decimal(value))
    if isinstance(value, Enum):
        return _checked(value.value, path=path)
    if isinstance(value, dt.datetime | dt.date):
        if isinstance(value, dt.datetime) and value.tzinfo is None:
            raise ValueError(f"naive datetime at {path} refused in a JSON document")
        return value.isoformat()
    if isinstance(value, Mapping):
        return {_json_key(key, path): _checked(item, path=f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_checked(item, path=f"{path}[{index}]") for index, item in enumerate(items)]
    raise TypeError(f"{type(value).__name__} at {path} cannot be stored in a JSON document")


def _json_key(key: object, path: str) -> str:
    if not isinstance(key, str):
        raise TypeError(f"key {key!r} at {path} refused in a JSON document: keys must be text")
    return key.value if isinstance(key, Enum) else key


class JsonDocument(TypeDecorator[Any]):
    """A JSON document (JSONB on PostgreSQL) whose numbers are Decimals written as text, never floats."""

    impl = JSON
    cache_ok = True

    def load_dialect_impl(self, dialect: Dialect) -> TypeEngine[Any]:
        """Choose JSONB on PostgreSQL and JSON text elsewhere."""
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB  # loaded with the dialect, not before

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())

    def process_bind_param(self, value: Any, dialect: Dialect) -> Any:
        """Convert Decimals to text and refuse floats before the document is serialised."""
        return to_json_ready(value)
