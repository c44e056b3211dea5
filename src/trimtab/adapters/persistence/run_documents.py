"""A run's typed values (plans, snapshots) as JSON documents, and back, at the persistence edge only.

cattrs turns the domain's frozen dataclasses into plain JSON and rebuilds them from their type hints; Decimals
travel as exact text. Each document carries a format number. Runs stored before typed documents (format 1:
the plan as the CLI printed it) load with those values absent; their orders and fills are columns and rows of
their own and stay complete.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from cattrs import Converter

    from trimtab.domain.planning import Plan
    from trimtab.domain.snapshot import AccountSnapshot
    from trimtab.domain.strategy_netting import StrategyRun

FORMAT = 2
T = TypeVar("T")


@cache
def _converter() -> Converter:
    from cattrs.preconf.json import make_converter

    converter = make_converter()
    converter.register_unstructure_hook(Decimal, _exact_text)
    converter.register_structure_hook(Decimal, lambda value, _type: Decimal(str(value)))
    return converter


def _exact_text(value: object) -> str:
    """A Decimal as text; a float where a Decimal belongs is refused, never rounded into one."""
    if not isinstance(value, Decimal):
        raise TypeError(f"{type(value).__name__} {value!r} refused where a Decimal belongs")
    return str(value)


def encode(value: object | None) -> dict[str, Any]:
    """A typed value as a JSON document ({} for None)."""
    if value is None:
        return {}
    return {"format": FORMAT, "value": _converter().unstructure(value)}


def _decode(document: dict[str, Any], kind: type[T]) -> T | None:
    if document.get("format") != FORMAT:
        return None  # empty, or stored before typed documents
    return _converter().structure(document["value"], kind)


def decode_plan(document: dict[str, Any]) -> Plan | None:
    """The plan a document holds, or None."""
    from trimtab.domain.planning import Plan

    return _decode(document, Plan)


def decode_snapshot(document: dict[str, Any]) -> AccountSnapshot | None:
    """The account snapshot a document holds, or None."""
    from trimtab.domain.snapshot import AccountSnapshot

    return _decode(document, AccountSnapshot)


def decode_strategy_run(document: dict[str, Any]) -> StrategyRun | None:
    """The strategies' slices, netting and split a document holds, or None (an account-level run)."""
    from trimtab.domain.strategy_netting import StrategyRun

    return _decode(document, StrategyRun)
