"""Documents and text of strategies, capital, ledger positions and reconciliations (CLI output)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

    from trimtab.application.strategy_operations import CapitalReport, Reconciliation
    from trimtab.domain.ledger import StrategyPosition
    from trimtab.domain.strategies import Strategy


def say(out: Console, text: str) -> None:
    out.print(text, markup=False, highlight=False)  # ids, symbols and reasons are printed as written


def print_rows(documents: list[dict[str, Any]], *, as_json: bool, line: Callable[[dict[str, Any]], str],
               empty: str) -> None:
    """The documents as JSON, or a line each (`empty` when there are none)."""
    if as_json:
        from trimtab.entrypoints.cli.common import print_json

        print_json(documents)
        return
    from trimtab.entrypoints.cli.common import console

    out = console()
    for document in documents:
        say(out, line(document))
    if not documents:
        say(out, empty)


def shorten_number(text: str | None, places: int = 4) -> str:
    """A long decimal cut to `places` digits for reading (JSON keeps every digit)."""
    if text is None:
        return "-"
    from decimal import Decimal

    value = Decimal(text)
    exponent = value.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -places:
        return str(value.quantize(Decimal(1).scaleb(-places)).normalize())
    return text


def strategy_document(strategy: Strategy) -> dict[str, Any]:
    return {"strategy": strategy.strategy_id, "market_type": strategy.market_type.value,
            "weight": str(strategy.weight), "leverage": str(strategy.leverage), "active": strategy.active,
            "model": strategy.target}


def capital_document(report: CapitalReport) -> dict[str, Any]:
    rows = []
    for allocation in report.allocations:
        market = allocation.market
        rows.append({**strategy_document(allocation.strategy), "share": str(allocation.share),
                     "capital": None if allocation.capital is None else str(allocation.capital),
                     "currency": None if market is None else market.currency,
                     "source": None if market is None else market.source.value, "stale": allocation.is_stale,
                     "as_of": None if market is None or market.as_of is None else market.as_of.isoformat(),
                     "trades": allocation.can_trade, "reason": allocation.reason})
    return {"account": report.account_id, "market_date": report.market_date.isoformat(),
            "oldest_usable_summary": report.oldest_usable.isoformat(), "strategies": rows}


def render_capital(report: CapitalReport, out: Console) -> None:
    say(out, f"capital of {report.account_id} on {report.market_date} (cached summaries usable from "
              f"{report.oldest_usable})")
    for row in capital_document(report)["strategies"]:
        capital = "no capital" if row["capital"] is None else f"{row['capital']} {row['currency']}"
        marker = " STALE" if row["stale"] and row["capital"] is not None else ""
        why = f" ({row['reason']})" if row["reason"] else ""
        say(out, f"{row['strategy']:<16} {row['market_type']:<10} share {row['share'][:8]:<8} "
                  f"{capital}{marker} source {row['source']}{why}")
    if not report.allocations:
        say(out, f"account {report.account_id} has no strategies (trimtab strategies add)")


def position_document(position: StrategyPosition) -> dict[str, Any]:
    average = position.average_price
    return {"strategy": position.strategy_id, "symbol": position.symbol, "quantity": str(position.quantity),
            "cost": str(position.cost), "average_price": None if average is None else str(average)}


def reconciliation_document(done: Reconciliation) -> dict[str, Any]:
    report = done.report
    return {"account": report.account_id, "market_date": report.market_date.isoformat(), "applied": done.applied,
            "fills_booked": done.fills_booked,
            "lines": [{"symbol": line.symbol, "broker_quantity": str(line.broker_quantity),
                       "ledger_quantity": str(line.ledger_quantity), "status": line.status.value,
                       "adjustments": [{"strategy": a.strategy_id, "quantity": str(a.quantity),
                                        "price": str(a.price), "reason": a.reason} for a in line.adjustments]}
                      for line in report.lines]}


def render_reconciliation(done: Reconciliation, out: Console) -> None:
    report = done.report
    say(out, f"reconciliation of {report.account_id} on {report.market_date}: {len(report.lines)} symbols, "
              f"{len(report.differences)} differences; {done.fills_booked} new fills booked")
    for line in report.lines:
        say(out, f"{line.symbol:<12} broker {line.broker_quantity:>10} ledger {line.ledger_quantity:>10} "
                  f"{line.status.value}")
        for adjustment in line.adjustments:
            say(out, f"    {adjustment.quantity:+} to {adjustment.strategy_id}: {adjustment.reason}")
    say(out, "booked: the ledger now equals the broker's holdings" if done.applied
              else "dry run: nothing booked")
