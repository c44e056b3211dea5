"""Render an account snapshot: a table for people, a document for programs."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich.table import Table

from trimtab.application.documents import equity_of
from trimtab.application.documents import snapshot_document as snapshot_document
from trimtab.domain.market_time import format_date
from trimtab.domain.money_format import format_money, format_quantity
from trimtab.domain.numbers import ZERO

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.domain.snapshot import AccountSnapshot


def render_holdings(snapshot: AccountSnapshot, console: Console, *, simulated: bool = False) -> None:
    """One row per holding with its weight of the account's equity, then cash and equity.

    `simulated`: the snapshot is the paper broker's, dated on its simulated market clock.
    """
    equity, currency = equity_of(snapshot), snapshot.currency
    table = Table(title=f"{snapshot.account_id} on {format_date(snapshot.as_of, simulated=simulated)} ({currency})",
                  title_justify="left")
    for column in ("symbol", "quantity", "orderable", "price", "value", "weight"):
        table.add_column(column, justify="left" if column == "symbol" else "right")
    for holding in snapshot.holdings:
        instrument, value = holding.quote.instrument, holding.quantity * holding.quote.price
        table.add_row(holding.symbol, format_quantity(holding.quantity, instrument),
                      format_quantity(holding.orderable_quantity, instrument),
                      format_money(holding.quote.price, currency, instrument), format_money(value, currency),
                      _weight(value, equity))
    table.add_row("cash", "", "", "", format_money(snapshot.cash, currency), _weight(snapshot.cash, equity))
    console.print(table)
    console.print(f"equity {format_money(equity, currency)} {currency}")


def _weight(value: Decimal, equity: Decimal) -> str:
    return "-" if equity <= ZERO else f"{value / equity * 100:.2f}%"
