"""Shared set-up for the paper broker's own tests: a clock in KRX hours and a seeded account."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from tests.contract.clocks import FixedClock
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.domain.execution import OrderRequest
from trimtab.domain.orders import OrderType, Side
from trimtab_testkit.memory import InMemoryPaperStateStore

ACCOUNT = "PAPER-1"
# Friday 2026-11-20, 10:00 in Seoul.
KRX_MORNING = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
HOLDINGS = {"005930": Decimal(20), "069500": Decimal(30)}


def make_broker(
    config: PaperConfig | None = None, *, clock: FixedClock | None = None,
    store: InMemoryPaperStateStore | None = None, cash: Decimal = Decimal(10_000_000),
) -> tuple[PaperBroker, FixedClock, InMemoryPaperStateStore]:
    """Build a paper broker with one KRW account (10,000,000 won, 20 × 005930, 30 × 069500)."""
    clock = clock or FixedClock(KRX_MORNING)
    store = store or InMemoryPaperStateStore()
    broker = PaperBroker(store, clock, config or PaperConfig(seed=5))
    broker.open_account(ACCOUNT, "KRW", cash, HOLDINGS)
    return broker, clock, store


def order(
    client_order_id: str, symbol: str, side: Side, quantity: int | str, price: str | None,
    *, account_id: str = ACCOUNT,
) -> OrderRequest:
    """Build a limit order (or a market order when price is None)."""
    return OrderRequest(
        client_order_id=client_order_id, account_id=account_id, symbol=symbol, side=side,
        quantity=Decimal(quantity), order_type=OrderType.MARKET if price is None else OrderType.LIMIT,
        limit_price=None if price is None else Decimal(price),
    )
