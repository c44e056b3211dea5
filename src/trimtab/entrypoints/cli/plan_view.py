"""Render a plan for people: drift table, orders, trades not made, checks."""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from rich.table import Table

from trimtab.domain.money_format import format_money, format_quantity
from trimtab.domain.numbers import HUNDRED

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.domain.planning import Plan


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).quantize(Decimal('0.01'))}%"


def _pp(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).quantize(Decimal('0.01')):+} pp"


def render_plan(plan: Plan, console: Console) -> None:
    """Print the plan as tables."""
    verdict = "[bold yellow]rebalance needed[/]" if plan.rebalance_needed else "[green]inside every band[/]"
    equity = format_money(plan.equity, plan.currency)
    console.print(f"[bold]{plan.account_id}[/] on model [bold]{plan.model_name}[/] "
                  f"({plan.method.value}): {verdict}; equity {equity} {plan.currency}")
    if plan.cash_flow is not None:
        flow, amount = plan.cash_flow, format_money(plan.cash_flow.amount, plan.currency)
        console.print(f"{flow.kind.value} of {amount} {plan.currency}: "
                      + ("buys only" if flow.buys else "sells only what is needed, net of costs")
                      + ("" if flow.in_cash else "; equity and targets after it"))
    for line in plan.drift.breaches():
        console.print(f"  breach: {line}")
    if len(plan.drift.classes) > 1:
        console.print(_class_table(plan))
    console.print(_drift_table(plan))
    console.print(_orders_table(plan))
    if plan.skipped:
        console.print(_skipped_table(plan))
    console.print(f"cash after: {format_money(plan.post_trade.cash, plan.currency)} {plan.currency} "
                  f"({_pct(plan.post_trade.cash / plan.post_trade.equity)} of equity)")
    if plan.gap_bp is not None:
        console.print(f"distance from target: {plan.objective_bp} bp of equity; no plan can go below "
                      f"{plan.lower_bound_bp} bp (gap {plan.gap_bp} bp)", highlight=False)
    for check in plan.checks:
        mark = "[green]ok[/]" if check.passed else ("[red]FAIL[/]" if check.severity == "error" else "[yellow]warn[/]")
        console.print(f"  {mark} {check.name}: {check.detail}", highlight=False)


def _class_table(plan: Plan) -> Table:
    table = Table(title="Asset classes", title_justify="left")
    for column in ("class", "current", "target", "difference", "band"):
        table.add_column(column, justify="left" if column == "class" else "right")
    for row in plan.drift.classes:
        table.add_row(row.name, _pct(row.current_weight), _pct(row.target_weight), _pp(row.drift),
                      f"[red]{row.breach}[/]" if row.breach else "ok")
    return table


def _drift_table(plan: Plan) -> Table:
    table = Table(title="Drift", title_justify="left")
    for column in ("symbol", "name", "class", "current", "target", "difference", "shares", "target shares",
                   "action"):
        table.add_column(column, justify="left" if column in ("symbol", "name", "class", "action") else "right")
    breaches = {row.symbol: row.breach for row in plan.drift.tickers}
    for row in plan.rows:
        trade = row.trade_quantity
        action = "-" if trade == 0 else (f"BUY {format_quantity(trade)}" if trade > 0 else
                                         f"SELL {format_quantity(-trade)}")
        difference = _pp(row.current_weight - row.target_weight)
        if breaches.get(row.symbol):
            difference = f"[red]{difference}[/]"
        table.add_row(row.symbol, row.name, row.asset_class or "", _pct(row.current_weight),
                      _pct(row.target_weight), difference, format_quantity(row.current_quantity),
                      format_quantity(row.target_quantity), action)
    return table


def _orders_table(plan: Plan) -> Table:
    table = Table(title=f"Orders ({len(plan.orders)})", title_justify="left")
    for column in ("ticker", "name", "action", "quantity", "limit", "price logic", "value", "costs", "reason"):
        table.add_column(column, justify="right" if column in ("quantity", "limit", "value", "costs") else "left")
    for order in plan.orders:
        money = plan.currency
        limit = format_money(order.limit_price, money) if order.limit_price is not None else "market"
        logic = order.price_logic.replace("current_price ", "").replace("current_price", "at current")
        table.add_row(order.symbol, order.name, order.side.value, format_quantity(order.quantity), limit, logic,
                      format_money(order.estimated_value, money), format_money(order.estimated_costs, money),
                      order.reason)
    return table


def _skipped_table(plan: Plan) -> Table:
    table = Table(title="Trades not made", title_justify="left")
    for column in ("symbol", "reason", "detail"):
        table.add_column(column)
    for skipped in plan.skipped:
        table.add_row(skipped.symbol, skipped.reason.value, skipped.detail)
    return table
