"""The broker's preview of a dry run's orders (IBKR's what-if): margin change, commission, warnings."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.table import Table

from trimtab.domain.money_format import format_money, format_quantity

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.order_preview import OrderPreview


def render_previews(previews: Sequence[OrderPreview], console: Console) -> None:
    """One row per planned order as the broker previewed it; nothing when the plan has no order."""
    if not previews:
        return
    table = Table(title="Broker preview (what-if; nothing placed)", title_justify="left")
    for column in ("action", "ticker", "quantity", "init margin change", "maint margin change",
                   "equity change", "commission", "note"):
        table.add_column(column, justify="left" if column in {"action", "ticker", "note"} else "right")
    for preview in previews:
        margin = preview.margin_currency
        table.add_row(preview.side.value, preview.symbol, format_quantity(preview.quantity),
                      _money(preview.initial_margin_change, margin),
                      _money(preview.maintenance_margin_change, margin),
                      _money(preview.equity_with_loan_change, margin), _commission(preview),
                      preview.error or preview.warning)
    console.print(table)
    total = sum((p.commission for p in previews if p.commission is not None), Decimal(0))
    currencies = {p.commission_currency for p in previews if p.commission is not None}
    refused = sum(1 for p in previews if not p.ok)
    if len(currencies) == 1:
        currency = currencies.pop()
        console.print(f"broker commission: {format_money(total, currency)} {currency} in all"
                      + (f"; {refused} order(s) the broker would not preview" if refused else ""))
    elif refused:
        console.print(f"{refused} order(s) the broker would not preview")


def _money(value: Decimal | None, currency: str) -> str:
    if value is None:
        return "-"
    return f"{format_money(value, currency)} {currency}".strip()


def _commission(preview: OrderPreview) -> str:
    """The commission, with IBKR's range when its minimum and maximum differ."""
    if preview.commission is None:
        return "-"
    currency = preview.commission_currency
    text = _money(preview.commission, currency)
    low, high = preview.min_commission, preview.max_commission
    if low is not None and high is not None and low != high:
        text += f" ({format_money(low, currency)}-{format_money(high, currency)})"
    return text
