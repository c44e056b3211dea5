"""The local exchange's data: markets, accounts, orders and trades, every number a Decimal from its text."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


class ExchangeError(Exception):
    """An answer Binance gives as `{"code": ..., "msg": ...}` with an HTTP status."""

    def __init__(self, code: int, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status


@dataclass
class FakeMarket:
    """One symbol on both market types: BTCUSDT, its assets, current price and filters."""

    base: str
    quote: str
    price: Decimal
    tick_size: Decimal
    step_size: Decimal
    min_quantity: Decimal
    min_notional: Decimal

    @property
    def symbol(self) -> str:
        return self.base + self.quote


@dataclass
class Balance:
    free: Decimal = ZERO
    locked: Decimal = ZERO


@dataclass
class Position:
    """A USDT-margined one-way position: signed amount and average entry price."""

    amount: Decimal = ZERO
    entry_price: Decimal = ZERO
    update_time: int = 0


@dataclass
class Order:
    market_type: str  # "spot" or "futures"
    order_id: int
    client_order_id: str
    symbol: str
    side: str  # BUY / SELL
    order_type: str  # LIMIT / MARKET
    quantity: Decimal
    price: Decimal  # the limit; for a market order the price it was accepted at
    time_in_force: str
    reduce_only: bool
    placed_at: float
    status: str = "NEW"
    executed: Decimal = ZERO
    quote_executed: Decimal = ZERO
    updated_at: float = 0.0

    @property
    def is_open(self) -> bool:
        return self.status in {"NEW", "PARTIALLY_FILLED"}

    @property
    def remaining(self) -> Decimal:
        return self.quantity - self.executed


@dataclass
class Trade:
    market_type: str
    trade_id: int
    order_id: int
    symbol: str
    side: str
    price: Decimal
    quantity: Decimal
    commission: Decimal
    commission_asset: str
    realized_pnl: Decimal
    time: float


@dataclass
class ExchangeConfig:
    """The exchange's starting state and rules.

    Marketable limit orders fill `fill_fraction` of their quantity (down to the lot step) every `fill_interval`
    seconds of `clock`, at the market price; 0 seconds fills at once. Requests weigh as Binance counts them, and
    more than `weight_limit` in a minute of `clock` is answered -1003 with HTTP 429.
    """

    api_key: str
    api_secret: str
    markets: list[FakeMarket]
    spot_balances: dict[str, Decimal] = field(default_factory=dict)
    futures_wallet: Decimal = ZERO  # USDT
    futures_positions: dict[str, Decimal] = field(default_factory=dict)  # symbol -> amount (entry at the price)
    clock: Callable[[], float] = time.time
    fill_interval: float = 0.0
    fill_fraction: Decimal = Decimal(1)
    spot_commission: Decimal = Decimal("0.001")
    futures_commission: Decimal = Decimal("0.0005")
    weight_limit: int = 6000
    max_recv_window_ms: int = 60_000

    def market(self, symbol: str) -> FakeMarket | None:
        return next((market for market in self.markets if market.symbol == symbol), None)
