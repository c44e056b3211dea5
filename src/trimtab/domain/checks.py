"""Pre-trade checks, recomputed independently of the allocation kernel in exact Decimal arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from trimtab.domain.money_format import format_money, format_quantity
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderIntent, OrderType, Side
from trimtab.domain.ticks import is_valid_price

if TYPE_CHECKING:
    from trimtab.domain.drift import DriftReport, Valuation
    from trimtab.domain.problem import Line
    from trimtab.domain.snapshot import AccountSnapshot

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    passed: bool
    detail: str
    severity: Severity = "error"


def run_checks(
    lines: list[Line], orders: tuple[OrderIntent, ...], snapshot: AccountSnapshot, valuation: Valuation,
    cash_buffer: Decimal, post_drift: DriftReport,
) -> tuple[Check, ...]:
    """Run every pre-trade check on a set of orders."""
    by_symbol = {line.symbol: line for line in lines}
    return (
        check_no_oversell(orders, by_symbol),
        check_lots(orders, by_symbol),
        check_prices(orders, by_symbol, snapshot.currency),
        check_cash(orders, snapshot.cash, valuation.equity * cash_buffer, snapshot.currency),
        check_post_trade_drift(post_drift, bool(orders)),
    )


def check_no_oversell(orders: tuple[OrderIntent, ...], lines: dict[str, Line]) -> Check:
    """Every sell is at most the orderable quantity."""
    bad = [f"{o.symbol} {_quantity(o.quantity, line)} > {_quantity(line.orderable, line)}"
           for o in orders if o.side is Side.SELL and o.quantity > (line := lines[o.symbol]).orderable]
    return Check("no oversell", not bad, "; ".join(bad) or "every sell within the orderable quantity")


def check_lots(orders: tuple[OrderIntent, ...], lines: dict[str, Line]) -> Check:
    """Every quantity is a positive multiple of the lot."""
    bad = [f"{o.symbol} {_quantity(o.quantity, lines[o.symbol])}" for o in orders
           if o.quantity <= ZERO or o.quantity % lines[o.symbol].instrument.lot_size != ZERO]
    return Check("whole lots", not bad, "; ".join(bad) or "every quantity a multiple of its lot")


def check_prices(orders: tuple[OrderIntent, ...], lines: dict[str, Line], currency: str | None = None) -> Check:
    """Every limit price is on the tick grid and inside the daily limits."""
    bad = []
    for order in orders:
        if order.order_type is OrderType.MARKET or order.limit_price is None:
            continue
        line = lines[order.symbol]
        limit = format_money(order.limit_price, currency, line.instrument)
        if not is_valid_price(line.instrument, order.limit_price):
            bad.append(f"{order.symbol} {limit} off tick")
        elif line.limits is not None and not line.limits.contains(order.limit_price):
            lower, upper = (format_money(p, currency, line.instrument) for p in (line.limits.lower, line.limits.upper))
            bad.append(f"{order.symbol} {limit} outside {lower}-{upper}")
    return Check("valid prices", not bad, "; ".join(bad) or "every limit on a valid tick within the limits")


def check_cash(orders: tuple[OrderIntent, ...], cash: Decimal, buffer: Decimal, currency: str | None = None) -> Check:
    """Buys and all costs fit in cash plus sell proceeds, keeping the buffer."""
    proceeds = sum((o.estimated_value for o in orders if o.side is Side.SELL), ZERO)
    spent = sum((o.estimated_value for o in orders if o.side is Side.BUY), ZERO)
    costs = sum((o.estimated_costs for o in orders), ZERO)
    left = cash + proceeds - spent - costs
    cash_, sells, buys, costs_, left_, buffer_ = (format_money(value, currency)
                                                  for value in (cash, proceeds, spent, costs, left, buffer))
    detail = f"cash {cash_} + sells {sells} - buys {buys} - costs {costs_} = {left_}; buffer {buffer_}"
    return Check("cash rule", left >= buffer, detail)


def _quantity(quantity: Decimal, line: Line) -> str:
    return format_quantity(quantity, line.instrument)


def check_post_trade_drift(drift: DriftReport, trading: bool) -> Check:
    """After the orders, every band holds (a warning: lots, cash or orderable limits may prevent it)."""
    breaches = drift.breaches()
    if not trading:
        return Check("post-trade drift", True, "no orders", "warning")
    return Check("post-trade drift", not breaches, "; ".join(breaches) or "every band holds after the trades",
                 "warning")
