"""What the broker contract suite needs from each broker: a BrokerHarness, and helpers to drive it.

To run the suite against another adapter, write a factory that yields a BrokerHarness for it (a fake server,
a recorded session, a sandbox account) and register it in `HARNESS_FACTORIES` in conftest.py.
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TypeVar

from trimtab.application.ports import BrokerPort
from trimtab.domain.execution import OrderReport, OrderRequest
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import Quote
from trimtab.domain.ticks import daily_limits, limit_price

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What a broker under test can show; a case that needs a missing capability is skipped."""

    partial_fills: bool = True  # an order can be caught part-filled (then cancelled)
    krx_sell_tax: bool = True  # sells of KRX stocks pay the securities transaction tax, ETFs none
    price_limits: bool = True  # quotes carry base_price and orders outside the daily limits are refused
    corrects_prices: bool = False  # off-grid or out-of-limit limits are corrected (never more aggressive), not refused


@dataclass
class BrokerHarness:
    """A broker with one account in a known state, and a way to let time pass."""

    name: str
    broker: BrokerPort
    account_id: str
    currency: str
    cash: Decimal  # orderable cash at the start
    holdings: Mapping[str, Decimal]  # quantities at the start, all orderable
    stock: str  # a held stock whose sale is taxed
    etf: str  # a held ETF (no sell tax)
    unheld: str  # a symbol not held, to quote and buy
    advance: Callable[[int], None]  # let whole seconds pass
    poll_seconds: int = 10  # how long to wait between polls for fills
    max_polls: int = 60
    capabilities: Capabilities = field(default_factory=Capabilities)
    _ids: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def new_client_order_id(self, label: str) -> str:
        """Return a client order id never used before in this harness."""
        return f"{self.name}-{label}-{next(self._ids):04d}"


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run one async scenario to completion (the project has no pytest-asyncio)."""
    return asyncio.run(coroutine)


def marketable_price(quote: Quote, side: Side, ticks: int = 20) -> Decimal:
    """Return a limit some ticks through the current price (above for a buy), inside the daily limits."""
    limits = None if quote.base_price is None else daily_limits(quote.instrument, quote.base_price)
    return limit_price(quote.instrument, quote.price, ticks if side is Side.BUY else -ticks, limits)


def passive_price(quote: Quote, side: Side, ticks: int = 20) -> Decimal:
    """Return a limit some ticks away from the current price (below for a buy): it rests, unfilled."""
    return marketable_price(quote, Side.SELL if side is Side.BUY else Side.BUY, ticks)


def limit_request(
    harness: BrokerHarness, label: str, symbol: str, side: Side, quantity: Decimal, price: Decimal,
) -> OrderRequest:
    """Build a limit order request with a fresh client order id."""
    return OrderRequest(
        client_order_id=harness.new_client_order_id(label), account_id=harness.account_id, symbol=symbol,
        side=side, quantity=quantity, order_type=OrderType.LIMIT, limit_price=price,
    )


async def wait_for(
    harness: BrokerHarness, client_order_id: str, is_done: Callable[[OrderReport], bool],
) -> OrderReport:
    """Poll an order, letting time pass between polls, until `is_done` holds; fail after max_polls."""
    for _ in range(harness.max_polls):
        report = await harness.broker.get_order(harness.account_id, client_order_id)
        assert report is not None, f"{client_order_id} vanished"
        if is_done(report):
            return report
        harness.advance(harness.poll_seconds)
    raise AssertionError(f"{client_order_id} did not reach the expected state in {harness.max_polls} polls")


async def quote_of(harness: BrokerHarness, symbol: str) -> Quote:
    """Return the broker's current quote of a symbol."""
    snapshot = await harness.broker.get_snapshot(harness.account_id, [symbol])
    quote = snapshot.quote(symbol)
    assert quote is not None, f"no quote for {symbol}"
    return quote
