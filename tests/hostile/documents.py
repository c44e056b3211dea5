"""Valid model, snapshot and CSV documents as trees with tagged leaves, and ways to break them.

A document is plain dicts and lists whose leaves are :class:`Number` or :class:`Text`; `render` writes it
as JSON (which PyYAML also reads, so the same text serves .json and .yaml files). Mutations replace one
leaf or one key with a hostile value. Numbers are written quoted: trimtab reads every number as its text,
so ``"1,5"`` and ``1,5`` are the same value to it, and quoting keeps the hostile value in one piece.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

Path_ = tuple[object, ...]  # keys and indexes from the root to a leaf


@dataclass(frozen=True)
class Number:
    text: str


@dataclass(frozen=True)
class Text:
    text: str


@dataclass(frozen=True)
class Raw:
    """A token written as it is (``NaN``, ``.inf``, ``true``, ``null``, ``[]``)."""

    token: str


def _holding(weight: str, name: str, kind: str = "etf") -> dict[str, Any]:
    return {"weight": Number(weight), "name": Text(name), "instrument_type": Text(kind), "market": Text("KRX")}


def two_level_model() -> dict[str, Any]:
    return {"models": {"KR": {"description": Text("Korean mix"), "version": Text("2026-11"), "classes": {
        "EQUITY": {"weight": Number("60"), "holdings": {
            "069500": _holding("50", "KODEX 200"), "005930": _holding("50", "삼성전자", "stock")}},
        "BOND": {"weight": Number("35"), "holdings": {"148070": _holding("100", "KOSEF 국고채10년")}},
        "CASH": {"weight": Number("5")},
    }}}}


def flat_model() -> dict[str, Any]:
    return {"models": {"GTAA": {"holdings": [
        {"symbol": Text("SPMO"), "weight": Number("33.34")},
        {"symbol": Text("SMH"), "weight": Number("33.33")},
        {"symbol": Text("IAU"), "weight": Number("33.33%")},
    ]}}}


def somp_model() -> dict[str, Any]:
    return {"model_portfolios": {"GTAA": {"name": Text("GTAA"), "holdings": [
        {"symbol": Text("SPMO"), "target_weight": Number("0.3334"), "security_type": Text("STK")},
        {"symbol": Text("SMH"), "target_weight": Number("0.3333"), "exchange": Text("SMART")},
        {"symbol": Text("IAU"), "target_weight": Number("0.3333"), "currency": Text("USD")},
    ]}}}


def korean_snapshot() -> dict[str, Any]:
    """An account for `two_level_model`, drifted so that a plan trades."""
    return {
        "account_id": Text("KR-1"), "currency": Text("KRW"), "as_of": Text("2026-11-20"),
        "cash": Number("1,842,000"),
        "costs": {"commission_rate": Number("0.015"), "commission_minimum": Number("0")},
        "holdings": [
            {"symbol": Text("069500"), "quantity": Number("180"), "orderable_quantity": Number("180"),
             "price": Number("56320"), "base_price": Number("55980"), "instrument_type": Text("etf"),
             "name": Text("KODEX 200"), "lot_size": Number("1")},
            {"symbol": Text("005930"), "quantity": Number("75"), "price": Number("71500"),
             "tick_size": Number("100")},
            {"symbol": Text("229200"), "quantity": Number("150"), "price": Number("15000")},
        ],
        "prices": {"148070": {"price": Number("104500"), "instrument_type": Text("etf")}},
        "excluded": [Text("229200")],
    }


def us_snapshot() -> dict[str, Any]:
    """An account for `flat_model` and `somp_model`."""
    return {
        "account_id": Text("US-1"), "currency": Text("USD"), "cash": Number("1250.37"),
        "costs": {"commission_rate": Number("0.005"), "commission_minimum": Number("1.00")},
        "holdings": [
            {"symbol": Text("SPMO"), "quantity": Number("420"), "price": Number("125.37")},
            {"symbol": Text("SMH"), "quantity": Number("135"), "price": Number("345.18")},
        ],
        "prices": {"IAU": Number("78.42")},
    }


CSV_HEADER = ["Portfolio ID", "Bucket Name", "ISIN", "Ticker", "Weight", "Effective Date"]


def mp_master_rows() -> list[list[str]]:
    return [
        CSV_HEADER,
        ["GTAA", "Global", "US78468R6633", "SPMO", "33.34", "02/01/26"],
        ["GTAA", "Global", "US92189F6768", "SMH", "33.33", "02/01/26"],
        ["GTAA", "Global", "US4642852044", "", "33.33", "02/01/26"],
    ]


def render_csv(rows: list[list[str]]) -> str:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue()


def render(tree: object) -> str:
    """The document as JSON text (also valid YAML for PyYAML)."""
    return _render(tree)


def _render(node: object) -> str:
    if isinstance(node, dict):
        return "{" + ", ".join(f"{_key(key)}: {_render(value)}" for key, value in node.items()) + "}"
    if isinstance(node, list):
        return "[" + ", ".join(_render(item) for item in node) + "]"
    if isinstance(node, Raw):
        return node.token
    if isinstance(node, Number | Text):
        return json.dumps(node.text)
    raise TypeError(f"not a document node: {node!r}")


def _key(key: object) -> str:
    return json.dumps(key.text if isinstance(key, Text) else str(key))


def leaves(tree: object, path: Path_ = ()) -> Iterator[tuple[Path_, Number | Text]]:
    """Every tagged leaf with its path."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield from leaves(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from leaves(value, (*path, index))
    elif isinstance(tree, Number | Text):
        yield path, tree


def mapping_keys(tree: object, path: Path_ = ()) -> Iterator[Path_]:
    """The path of every key of every mapping (the key itself is the last element)."""
    if isinstance(tree, dict):
        for key, value in tree.items():
            yield (*path, key)
            yield from mapping_keys(value, (*path, key))
    elif isinstance(tree, list):
        for index, value in enumerate(tree):
            yield from mapping_keys(value, (*path, index))


def replace_leaf(tree: object, path: Path_, value: object) -> object:
    result = copy.deepcopy(tree)
    parent = result
    for part in path[:-1]:
        parent = parent[part]  # type: ignore[index]
    parent[path[-1]] = value  # type: ignore[index]
    return result


def rename_key(tree: object, path: Path_, new_key: str) -> object:
    result = copy.deepcopy(tree)
    parent = result
    for part in path[:-1]:
        parent = parent[part]  # type: ignore[index]
    assert isinstance(parent, dict)
    items = [(new_key if key == path[-1] else key, value) for key, value in parent.items()]
    parent.clear()
    parent.update(items)
    return result
