"""Render a plan for people: drift table, orders, trades not made, checks.

The plan is laid out as lines and tables (plain_text.Block) and printed by rich, or, where rich would print
without styles, by plain_text alone: `trimtab plan` from files does not import rich when its output is a file or
a pipe (benchmarks/cli_bench.py).
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.domain.money_format import format_money, format_quantity
from trimtab.domain.numbers import HUNDRED
from trimtab.entrypoints.cli.plain_text import TextTable

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.domain.planning import Plan
    from trimtab.entrypoints.cli.plain_text import Block


def _pct(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).quantize(Decimal('0.01'))}%"


def _pp(fraction: Decimal) -> str:
    return f"{(fraction * HUNDRED).quantize(Decimal('0.01')):+} pp"


def render_plan(plan: Plan, console: Console) -> None:
    """Print the plan as tables on a rich console."""
    from trimtab.entrypoints.cli.common import print_rich

    print_rich(plan_blocks(plan), console)


def print_plan(plan: Plan) -> None:
    """Print the plan as tables on standard output."""
    from trimtab.entrypoints.cli.common import print_blocks

    print_blocks(plan_blocks(plan))


def plan_blocks(plan: Plan) -> list[Block]:
    """The plan's lines and tables, in the order printed."""
    blocks: list[Block] = []
    verdict = "[bold yellow]rebalance needed[/]" if plan.rebalance_needed else "[green]inside every band[/]"
    equity = format_money(plan.equity, plan.currency)
    blocks.append(f"[bold]{plan.account_id}[/] on model [bold]{plan.model_name}[/] "
                  f"({plan.method.value}): {verdict}; equity {equity} {plan.currency}")
    if plan.cash_flow is not None:
        flow, amount = plan.cash_flow, format_money(plan.cash_flow.amount, plan.currency)
        blocks.append(f"{flow.kind.value} of {amount} {plan.currency}: "
                      + ("buys only" if flow.buys else "sells only what is needed, net of costs")
                      + ("" if flow.in_cash else "; equity and targets after it"))
    for line in plan.drift.breaches():
        blocks.append(f"  breach: {line}")
    if len(plan.drift.classes) > 1:
        blocks.append(_class_table(plan))
    blocks.append(_drift_table(plan))
    blocks.append(_orders_table(plan))
    if plan.skipped:
        blocks.append(_skipped_table(plan))
    blocks.append(f"cash after: {format_money(plan.post_trade.cash, plan.currency)} {plan.currency} "
                  f"({_pct(plan.post_trade.cash / plan.post_trade.equity)} of equity)")
    if plan.gap_bp is not None:
        blocks.append(f"distance from target: {plan.objective_bp} bp of equity; no plan can go below "
                      f"{plan.lower_bound_bp} bp (gap {plan.gap_bp} bp)")
    for check in plan.checks:
        mark = "[green]ok[/]" if check.passed else ("[red]FAIL[/]" if check.severity == "error" else "[yellow]warn[/]")
        blocks.append(f"  {mark} {check.name}: {check.detail}")
    return blocks


def _class_table(plan: Plan) -> TextTable:
    table = TextTable("Asset classes", [(column, "left" if column == "class" else "right")
                                        for column in ("class", "current", "target", "difference", "band")])
    for row in plan.drift.classes:
        table.add_row(row.name, _pct(row.current_weight), _pct(row.target_weight), _pp(row.drift),
                      f"[red]{row.breach}[/]" if row.breach else "ok")
    return table


def _drift_table(plan: Plan) -> TextTable:
    table = TextTable("Drift", [(column, "left" if column in ("symbol", "name", "class", "action") else "right")
                                for column in ("symbol", "name", "class", "current", "target", "difference",
                                               "shares", "target shares", "action")])
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


def _orders_table(plan: Plan) -> TextTable:
    table = TextTable(f"Orders ({len(plan.orders)})", [
        (column, "right" if column in ("quantity", "limit", "value", "costs") else "left")
        for column in ("ticker", "name", "action", "quantity", "limit", "price logic", "value", "costs", "reason")])
    for order in plan.orders:
        money = plan.currency
        limit = format_money(order.limit_price, money) if order.limit_price is not None else "market"
        logic = order.price_logic.replace("current_price ", "").replace("current_price", "at current")
        table.add_row(order.symbol, order.name, order.side.value, format_quantity(order.quantity), limit, logic,
                      format_money(order.estimated_value, money), format_money(order.estimated_costs, money),
                      order.reason)
    return table


def _skipped_table(plan: Plan) -> TextTable:
    table = TextTable("Trades not made", [("symbol", "left"), ("reason", "left"), ("detail", "left")])
    for skipped in plan.skipped:
        table.add_row(skipped.symbol, skipped.reason.value, skipped.detail)
    return table
