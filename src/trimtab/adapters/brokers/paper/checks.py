"""Why the paper exchange refuses an order: each check returns a Rejection with a stable code, or None."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.adapters.marketdata.calendars import is_market_open, market_date, session_on
from trimtab.domain.costs import commission
from trimtab.domain.execution import OrderRequest
from trimtab.domain.instruments import Instrument
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings
from trimtab.domain.ticks import PriceLimits, daily_limits, is_valid_price


class RejectCode(StrEnum):
    """The paper broker's reject codes (reported in OrderReport.reject_code)."""

    CLIENT_ORDER_ID_REUSED = "CLIENT_ORDER_ID_REUSED"  # a different order under a client order id already used
    UNKNOWN_SYMBOL = "UNKNOWN_SYMBOL"
    CURRENCY_MISMATCH = "CURRENCY_MISMATCH"
    INVALID_QUANTITY = "INVALID_QUANTITY"  # not a positive multiple of the lot
    INVALID_PRICE = "INVALID_PRICE"  # limit missing, not positive, or given on a market order
    OFF_TICK = "OFF_TICK"
    OUTSIDE_DAILY_LIMITS = "OUTSIDE_DAILY_LIMITS"
    MARKET_CLOSED = "MARKET_CLOSED"
    INSUFFICIENT_CASH = "INSUFFICIENT_CASH"
    INSUFFICIENT_QUANTITY = "INSUFFICIENT_QUANTITY"  # oversell: more than the orderable quantity
    SIMULATED_REJECT = "SIMULATED_REJECT"  # injected at PaperConfig.reject_rate


@dataclass(frozen=True, slots=True)
class Rejection:
    code: RejectCode
    message: str


def check_shape(request: OrderRequest, instrument: Instrument, base_price: Decimal) -> Rejection | None:
    """Check the quantity against the lot and the limit price against the tick grid and the daily limits."""
    quantity, lot = request.quantity, instrument.lot_size
    if not quantity.is_finite() or quantity <= ZERO or quantity % lot != ZERO:
        return Rejection(RejectCode.INVALID_QUANTITY, f"quantity {quantity} is not a positive multiple of lot {lot}")
    price = request.limit_price
    if request.order_type is OrderType.MARKET:
        if price is not None:
            return Rejection(RejectCode.INVALID_PRICE, "a market order takes no limit price")
        return None
    if price is None or not price.is_finite() or price <= ZERO:
        return Rejection(RejectCode.INVALID_PRICE, f"a limit order needs a positive limit price, got {price}")
    if not is_valid_price(instrument, price):
        return Rejection(RejectCode.OFF_TICK, f"limit price {price} is not on the tick grid of {instrument.symbol}")
    return _check_limits(price, daily_limits(instrument, base_price))


def _check_limits(price: Decimal, limits: PriceLimits | None) -> Rejection | None:
    if limits is None or limits.contains(price):
        return None
    return Rejection(RejectCode.OUTSIDE_DAILY_LIMITS,
                     f"limit price {price} is outside today's limits {limits.lower}..{limits.upper}")


def check_market_open(instrument: Instrument, now: dt.datetime) -> Rejection | None:
    """Refuse an order when the instrument's market is not in its continuous session."""
    if is_market_open(instrument.market, now):
        return None
    day = market_date(instrument.market, now)
    reason = "not a trading day" if session_on(instrument.market, day) is None else "outside trading hours"
    return Rejection(RejectCode.MARKET_CLOSED, f"{instrument.market} is closed on {day.isoformat()} ({reason})")


def buy_requirement(quantity: Decimal, reserve_price: Decimal, costs: CostSettings, currency: str) -> Decimal:
    """Return the cash a buy reserves: its value at the reserve price plus the estimated commission."""
    value = quantity * reserve_price
    return value + commission(value, costs, currency)


def check_funds(
    request: OrderRequest, required_cash: Decimal, orderable_cash: Decimal, orderable_quantity: Decimal,
) -> Rejection | None:
    """Refuse a buy the orderable cash cannot pay for, or a sell of more than the orderable quantity."""
    if request.side is Side.BUY and required_cash > orderable_cash:
        return Rejection(RejectCode.INSUFFICIENT_CASH,
                         f"buy needs {required_cash} including costs; orderable cash is {orderable_cash}")
    if request.side is Side.SELL and request.quantity > orderable_quantity:
        return Rejection(RejectCode.INSUFFICIENT_QUANTITY,
                         f"sell of {request.quantity} exceeds the orderable quantity {orderable_quantity}")
    return None
