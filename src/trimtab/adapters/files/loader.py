"""Read YAML and JSON documents exactly: numbers stay text, duplicate keys are refused.

Numbers are returned as their original text so that callers build ``Decimal`` values from text, never
through a float: ``33.34`` stays ``"33.34"`` and the Korean code ``069500`` (or ``000660``, which YAML 1.1
would read as an octal integer) stays as written. Dates and timestamps stay text too. Booleans and null
keep their usual YAML meaning.

The small ``require_*`` / ``check_keys`` helpers below are shared by the file adapters so that every
bad input becomes an :class:`InvalidInput` naming where, the field and the value.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from decimal import Decimal
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, ScalarNode

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import HUNDRED, parse_decimal

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json"})
_MERGE_TAG = "tag:yaml.org,2002:merge"
MAX_DIGITS_BEFORE_POINT = 18  # larger numbers are typos, and would overflow Decimal arithmetic later


class StrictLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate mapping keys and keeps numbers and dates as their text."""

    def __init__(self, stream: str, name: str = "<string>") -> None:
        super().__init__(stream)
        self.name = name

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[object, object]:
        self._refuse_duplicate_keys(node)
        return dict(super().construct_mapping(node, deep=deep))

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        first_line: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                seen = key in first_line
            except TypeError:
                raise InvalidInput("a mapping key must be a plain value, not a list or a mapping",
                                   where=f"{self.name}, line {line}", field="key", value=key) from None
            if seen:
                raise InvalidInput(f"duplicate key {key!r} (first on line {first_line[key]})",
                                   where=f"{self.name}, line {line}", field=str(key), value=key)
            first_line[key] = line

    def construct_as_text(self, node: ScalarNode) -> str:
        """Return a scalar exactly as written in the file."""
        return self.construct_scalar(node)


for _tag in ("int", "float", "timestamp"):
    StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", StrictLoader.construct_as_text)


def read_text(path: Path) -> str:
    """Read a UTF-8 file (a leading BOM is dropped); a missing or unreadable file is InvalidInput."""
    if not path.is_file():
        raise InvalidInput("file not found", where=str(path), field="path", value=str(path))
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=str(path),
                           field="encoding", value="utf-8") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the file ({exc.strerror or exc})", where=str(path),
                           field="path", value=str(path)) from None


def parse_yaml(text: str, *, name: str = "<string>") -> object:
    """Parse one YAML document with :class:`StrictLoader`; syntax errors become InvalidInput."""
    loader = StrictLoader(text, name)
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}, line {mark.line + 1}" if mark else name
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise InvalidInput(f"not valid YAML: {problem}", where=where) from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"not valid YAML: {exc}", where=name) from None
    finally:
        loader.dispose()


class _JsonProblem(Exception):
    def __init__(self, message: str, field: str, value: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


def _json_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonProblem(f"duplicate key {key!r}", key, key)
        result[key] = value
    return result


def _json_constant(text: str) -> object:
    raise _JsonProblem("NaN and Infinity are not accepted", "number", text)


def parse_json(text: str, *, name: str = "<string>") -> object:
    """Parse JSON keeping numbers as text and refusing duplicate keys."""
    try:
        return json.loads(text, parse_float=str, parse_int=str, parse_constant=_json_constant,
                          object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg} (column {exc.colno})",
                           where=f"{name}, line {exc.lineno}") from None
    except _JsonProblem as exc:
        raise InvalidInput(exc.message, where=name, field=exc.field, value=exc.value) from None


def read_document(path: Path) -> object:
    """Read a .yaml/.yml or .json file into plain dicts, lists, text, booleans and None."""
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES | JSON_SUFFIXES:
        raise InvalidInput("unsupported file type (use .yaml, .yml or .json)", where=str(path),
                           field="suffix", value=path.suffix)
    text = read_text(path)
    if suffix in JSON_SUFFIXES:
        return parse_json(text, name=str(path))
    return parse_yaml(text, name=str(path))


def require_mapping(value: object, *, where: str, field: str) -> dict[str, object]:
    """Check that a value is a mapping whose keys are all text."""
    if not isinstance(value, dict):
        raise InvalidInput(f"expected a mapping, got {_kind(value)}", where=where, field=field,
                           value=_short(value))
    for key in value:
        if not isinstance(key, str):
            raise InvalidInput("keys must be text; quote them (YAML reads yes/no/on/off as booleans)",
                               where=where, field=field, value=key)
    return {str(key): item for key, item in value.items()}


def require_list(value: object, *, where: str, field: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidInput(f"expected a list, got {_kind(value)}", where=where, field=field,
                           value=_short(value))
    return list(value)


def require_text(value: object, *, where: str, field: str, allow_empty: bool = False) -> str:
    """Check that a value is text (numbers arrive as text already) and return it stripped."""
    if not isinstance(value, str):
        raise InvalidInput(f"expected text, got {_kind(value)}; quote it", where=where, field=field,
                           value=value)
    text = value.strip()
    if not text and not allow_empty:
        raise InvalidInput("must not be empty", where=where, field=field, value=value)
    return text


def parse_number(value: object, *, where: str, field: str) -> Decimal:
    """A Decimal from text (never a float), refusing magnitudes of 10^18 and beyond."""
    number = parse_decimal(value, where=where, field=field)
    if number.adjusted() >= MAX_DIGITS_BEFORE_POINT:
        raise InvalidInput(f"number out of range (at most {MAX_DIGITS_BEFORE_POINT} digits before the point)",
                           where=where, field=field, value=value)
    return number


def parse_percentage(value: object, *, where: str, field: str) -> Decimal:
    """A percentage ("33.34" or "33.34%") as a fraction (0.3334)."""
    if isinstance(value, str) and value.strip().endswith("%"):
        value = value.strip()[:-1]
    return parse_number(value, where=where, field=field) / HUNDRED


def require_symbol(spec: Mapping[str, object], *, where: str) -> str:
    """The ``symbol`` of a list item, checked before its other keys so later errors can name it."""
    if "symbol" not in spec:
        raise InvalidInput("missing required key", where=where, field="symbol")
    return require_text(spec["symbol"], where=where, field="symbol")


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


def _short(value: object) -> object:
    text = repr(value)
    return value if len(text) <= 60 else text[:57] + "..."
