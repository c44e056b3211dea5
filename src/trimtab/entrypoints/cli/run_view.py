"""Render runs for people: the list, and one run with its plan, orders, fills, costs and weights."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from rich.table import Table

from trimtab.application.brokers import SIMULATED_CLOCK_BROKERS
from trimtab.application.documents import run_document as run_document
from trimtab.domain.market_time import format_time, zone_for
from trimtab.domain.money_format import format_money, format_quantity
from trimtab.domain.numbers import ZERO

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.ports import RunRecord
    from trimtab.domain.execution import Fill
    from trimtab.domain.instruments import Instrument
    from trimtab.domain.snapshot import AccountSnapshot


def render_runs(runs: list[RunRecord], console: Console) -> None:
    """Print one line per run."""
    table = Table(title="Runs", title_justify="left")
    for column in ("run", "account", "model", "status", "step", "execute", "orders", "updated", "reason"):
        table.add_column(column)
    for run in runs:
        table.add_row(run.run_id, run.account_id, _target(run, named=False), run.status.value,
                      run.step.value, "yes" if run.execute else "no", str(len(run.orders)),
                      _run_time(run, run.updated_at), run.reason)
    console.print(table)


def _target(run: RunRecord, *, named: bool = True) -> str:
    """What the run steers to: the model, or each strategy's model in a run of strategies' slices."""
    if run.strategies is None:
        return f"{'model ' if named else ''}{run.model_name} v{run.model_version}"
    return ("strategies " if named else "") + ", ".join(f"{s.strategy_id} ({s.model_name} v{s.model_version})"
                                                        for s in run.strategies.strategies)


def render_run(run: RunRecord, fills: list[Fill], console: Console) -> None:
    """Print a run: status, orders with fills and costs, weights before and after."""
    console.print(f"run [bold]{run.run_id}[/] account {run.account_id} {_target(run)} "
                  f"on {run.broker}: [bold]{run.status.value}[/] (step {run.step.value})")
    if run.reason:
        console.print(f"  {run.reason}")
    console.print(f"  started {_run_time(run, run.created_at)}, last saved {_run_time(run, run.updated_at)}")
    if run.lease is not None:  # a lease runs on real time, whatever the market's clock
        console.print(f"  driven by {run.lease.owner} (lease until "
                      f"{format_time(run.lease.expires_at, _zone(run))})")
    for leg, progress in run.legs.items():
        if progress.phase.value != "done":
            deadline = "" if progress.deadline is None else f" until {_run_time(run, progress.deadline)}"
            console.print(f"  leg {leg}: {progress.phase.value}{deadline}")
    for breach in [] if run.plan is None else run.plan.drift.breaches():
        console.print(f"  breach: {breach}")
    console.print(_orders_table(run) if run.orders else _planned_table(run))
    costs = sum((f.commission + f.tax for f in fills), ZERO)
    currency = _currency(run)
    console.print(f"fills: {len(fills)}, costs paid {format_money(costs, currency)}"
                  + (f" {currency}" if currency else ""))
    console.print(_weights_table(run))
    if run.strategies is not None:
        from trimtab.application.strategy_ledger import with_split
        from trimtab.entrypoints.cli.strategy_run_view import render_strategies

        render_strategies(with_split(run, fills), currency, console)
    if run.status.value in ("needs_attention", "running"):
        console.print(f"resume it with: trimtab runs resume {run.run_id}")


def _orders_table(run: RunRecord) -> Table:
    table = Table(title=f"Orders ({len(run.orders)})", title_justify="left")
    for column in ("client order id", "side", "symbol", "quantity", "limit", "status", "filled", "avg price",
                   "costs", "note"):
        table.add_column(column, justify="right" if column in _NUMBERS else "left")
    currency, instruments = _currency(run), _instruments(run)
    for order in run.orders:
        request, instrument = order.request, instruments.get(order.request.symbol)
        average = order.filled_value / order.filled_quantity if order.filled_quantity else None
        table.add_row(request.client_order_id, request.side.value, request.symbol,
                      format_quantity(request.quantity, instrument), _limit(request.limit_price, currency, instrument),
                      order.status.value, format_quantity(order.filled_quantity, instrument),
                      "-" if average is None else format_money(average, currency, instrument),
                      format_money(order.costs, currency), order.reject_reason)
    return table


def _planned_table(run: RunRecord) -> Table:
    """The plan's orders, for a run that sent none (dry run, skipped, failed checks)."""
    planned = () if run.plan is None else run.plan.orders
    table = Table(title=f"Planned orders ({len(planned)}), not sent", title_justify="left")
    for column in ("action", "ticker", "name", "quantity", "limit", "reason"):
        table.add_column(column, justify="right" if column in _NUMBERS else "left")
    currency, instruments = _currency(run), _instruments(run)
    for order in planned:
        instrument = instruments.get(order.symbol)
        table.add_row(order.side.value, order.symbol, order.name, format_quantity(order.quantity, instrument),
                      _limit(order.limit_price, currency, instrument), order.reason)
    return table


_NUMBERS = frozenset({"quantity", "limit", "filled", "avg price", "costs"})


def _limit(price: Decimal | None, currency: str | None, instrument: Instrument | None) -> str:
    return "market" if price is None else format_money(price, currency, instrument)


def _currency(run: RunRecord) -> str | None:
    for source in (run.snapshot, run.plan, run.post):
        if source is not None:
            return source.currency
    return None


def _instruments(run: RunRecord) -> dict[str, Instrument]:
    return {symbol: quote.instrument for snapshot in (run.post, run.snapshot) if snapshot is not None
            for symbol, quote in snapshot.quotes.items()}


def _zone(run: RunRecord) -> dt.tzinfo:
    """The run's market's zone: its instruments' market, else its currency's home market, else UTC."""
    return zone_for({i.market for i in _instruments(run).values()}, _currency(run))


def _run_time(run: RunRecord, at: dt.datetime) -> str:
    """An instant of the run's clock in its market's zone; a paper run's is on the simulated market clock."""
    return format_time(at, _zone(run), simulated=run.broker in SIMULATED_CLOCK_BROKERS)


def _weights(snapshot: AccountSnapshot | None) -> dict[str, Decimal]:
    if snapshot is None:
        return {}
    values = {h.symbol: h.quantity * h.quote.price for h in snapshot.holdings}
    equity = snapshot.cash + sum(values.values(), ZERO)
    return {symbol: value / equity for symbol, value in values.items()} if equity else {}


def _weights_table(run: RunRecord) -> Table:
    before, after = _weights(run.snapshot), _weights(run.post)
    targets = {} if run.plan is None else {row.symbol: row.target_weight for row in run.plan.rows}
    sliced = run.strategies is not None  # each strategy has its own targets, in its own slice: none for the account
    table = Table(title="Weights of the account" if sliced else "Weights", title_justify="left")
    columns = ("symbol", "before", "after") if sliced else ("symbol", "before", "target", "after")
    for column in columns:
        table.add_column(column, justify="left" if column == "symbol" else "right")
    for symbol in sorted({*before, *after, *targets}):
        target = () if sliced else (_pct(targets.get(symbol)),)
        table.add_row(symbol, _pct(before.get(symbol)), *target, _pct(after.get(symbol)) if run.post else "-")
    table.add_row("cash", _cash_pct(run.snapshot), *(() if sliced else ("",)),
                  _cash_pct(run.post) if run.post else "-")
    return table


def _pct(value: Decimal | None) -> str:
    return "-" if value is None else f"{value * 100:.2f}%"


def _cash_pct(snapshot: AccountSnapshot | None) -> str:
    if snapshot is None:
        return "-"
    values = sum((h.quantity * h.quote.price for h in snapshot.holdings), ZERO)
    return _pct(snapshot.cash / (snapshot.cash + values)) if snapshot.cash + values else "-"
