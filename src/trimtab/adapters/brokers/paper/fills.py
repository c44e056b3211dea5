"""When and how much an open paper order fills, computed lazily from timestamps.

Fill opportunity k of an order falls at `submitted_at + k * fill_interval_seconds` (k = 1, 2, ...). Its
outcome depends only on the seed, the account, the client order id, k and the path price at that instant,
so evaluating opportunities in one batch or across many polls gives the same fills. The order keeps the next
opportunity to evaluate, so no opportunity is looked at twice.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.brokers.paper.draws import uniform
from trimtab.adapters.brokers.paper.prices import PriceSource
from trimtab.adapters.brokers.paper.state import OrderRecord
from trimtab.adapters.marketdata.calendars import is_market_open, next_open
from trimtab.domain.instruments import Instrument
from trimtab.domain.numbers import ZERO, floor_to
from trimtab.domain.orders import OrderType, Side


@dataclass(frozen=True, slots=True)
class DueFill:
    """A fill the exchange owes an order: at an instant, a quantity at a price."""

    at: dt.datetime
    client_order_id: str
    quantity: Decimal
    price: Decimal


def is_marketable(order: OrderRecord, price: Decimal) -> bool:
    """Tell whether an order trades at a path price.

    A market sell always does; a market buy does up to the price its cash was reserved at (the upper limit
    of its submission day), so a fill never spends more than was reserved.
    """
    limit = order.limit_price
    if order.order_type is OrderType.MARKET or limit is None:
        return order.side is Side.SELL or price <= order.reserve_price
    return price <= limit if order.side is Side.BUY else price >= limit


def chunk_quantity(order: OrderRecord, lot: Decimal, fraction: Decimal) -> Decimal:
    """Return one fill's quantity: a fraction of the order rounded down to the lot, at least one lot."""
    return max(lot, floor_to(order.quantity * fraction, lot))


def collect_due_fills(
    account_id: str, order: OrderRecord, instrument: Instrument, now: dt.datetime, config: PaperConfig,
    prices: PriceSource,
) -> list[DueFill]:
    """Evaluate an order's fill opportunities up to `now`, advance its cursor, and return the fills owed."""
    interval = dt.timedelta(seconds=config.fill_interval_seconds)
    chunk = chunk_quantity(order, instrument.lot_size, config.partial_fill_fraction)
    remaining = order.remaining
    opportunity = order.next_opportunity
    owed: list[DueFill] = []
    while remaining > ZERO:
        at = order.submitted_at + opportunity * interval
        if at > now:
            break
        if config.check_calendar and not is_market_open(instrument.market, at):
            skipped_to = _first_open_opportunity(order, instrument, at, interval)
            if skipped_to is None:
                break
            opportunity = skipped_to
            continue
        price = prices.price_at(order.symbol, config.price_step(at))
        draw = uniform(config.seed, "fill", account_id, order.client_order_id, opportunity)
        if is_marketable(order, price) and draw < config.fill_probability:
            quantity = min(chunk, remaining)
            fill_price = price if order.order_type is OrderType.MARKET or order.limit_price is None \
                else order.limit_price
            owed.append(DueFill(at, order.client_order_id, quantity, fill_price))
            remaining -= quantity
        opportunity += 1
    order.next_opportunity = opportunity
    return owed


def _first_open_opportunity(
    order: OrderRecord, instrument: Instrument, closed_at: dt.datetime, interval: dt.timedelta,
) -> int | None:
    """Return the first opportunity at or after the market's next open (skips nights and holidays)."""
    opens_at = next_open(instrument.market, closed_at)
    if opens_at is None:
        return None
    return -((order.submitted_at - opens_at) // interval)  # ceiling of (opens_at - submitted_at) / interval
