"""Render the strategies of a run for people: each slice's capital and cash, the transfers, the split of fills."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.table import Table

from trimtab.domain.money_format import format_money, format_quantity
from trimtab.domain.strategy_netting import TRANSFER

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.domain.strategy_netting import StrategyRun


def render_strategies(state: StrategyRun, currency: str | None, console: Console) -> None:
    """Print the run's slices, its transfers and how its fills were split by strategy."""
    slices = Table(title="Strategies (slices)", title_justify="left")
    for column in ("strategy", "model", "capital", "holdings", "cash reserved", "note"):
        slices.add_column(column, justify="left" if column in ("strategy", "model", "note") else "right")
    for record in state.strategies:
        slices.add_row(record.strategy_id, f"{record.model_name} v{record.model_version}",
                       _money(record.capital, currency), _money(record.holdings_value, currency),
                       _money(record.reservation, currency), record.reason or "trades")
    console.print(slices)
    if not state.split:
        console.print("split by strategy: no fills", markup=False, highlight=False)
        return
    split = Table(title=f"Split by strategy ({len(state.split)} lines)", title_justify="left")
    for column in ("strategy", "symbol", "quantity", "price", "from"):
        split.add_column(column, justify="right" if column in ("quantity", "price") else "left")
    for line in state.split:
        source = f"transfer with {line.counterpart}" if line.source == TRANSFER else f"fill {line.source}"
        split.add_row(line.strategy_id, line.symbol, format_quantity(line.quantity),
                      format_money(line.price, currency), source)
    console.print(split)


def _money(amount: object, currency: str | None) -> str:
    from decimal import Decimal

    return "-" if not isinstance(amount, Decimal) else format_money(amount, currency)
