"""The local IB Gateway's state: instruments, accounts (cash by currency, positions), orders and executions."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal(0)


@dataclass
class FakeInstrument:
    """A stock or ETF the gateway knows: its contract details and its current price (last = bid = ask)."""

    symbol: str
    con_id: int
    price: Decimal
    currency: str = "USD"
    primary_exchange: str = "NASDAQ"
    min_tick: Decimal = Decimal("0.01")
    isin: str = ""
    long_name: str = ""
    stock_type: str = "COMMON"  # or ETF
    close: Decimal | None = None  # the previous close (tick 9); the price when None


@dataclass
class FakeAccount:
    """One managed account: cash by currency (may be negative) and positions by symbol."""

    account_id: str
    base_currency: str = "USD"
    cash: dict[str, Decimal] = field(default_factory=dict)
    positions: dict[str, Decimal] = field(default_factory=dict)
    average_costs: dict[str, Decimal] = field(default_factory=dict)

    @property
    def is_paper(self) -> bool:
        return self.account_id.startswith("DU")


@dataclass
class GatewayConfig:
    """Everything the fake serves, and how it fills.

    A marketable order (MKT, a LMT at or through the price) fills `fill_fraction` of its quantity (rounded up to
    whole shares) every `fill_interval` seconds of `clock`, starting one interval after it is placed; a MOC
    order fills whole at `close_at` (or after one interval when it is None); a LMT away from the price rests.
    Commission per execution: `commission_per_share` × shares, at least `commission_minimum`.
    `fx_to_usd` converts cash to each account's base currency for summaries (1 unit of currency = rate USD).
    A what-if order changes the margin requirements by its value x `initial_margin_rate` / `maintenance_margin_rate`.
    """

    accounts: list[FakeAccount]
    instruments: list[FakeInstrument]
    clock: Callable[[], float] = time.time
    fill_interval: float = 10.0
    fill_fraction: Decimal = Decimal(1)
    commission_per_share: Decimal = Decimal("0.005")
    commission_minimum: Decimal = Decimal(1)
    close_at: float | None = None
    fx_to_usd: dict[str, Decimal] = field(default_factory=lambda: {"USD": Decimal(1)})
    first_order_id: int = 1
    allow_fractional: bool = False  # IBKR refuses fractional equity orders over the socket API (10243)
    initial_margin_rate: Decimal = Decimal(1)  # what-if: a cash account's buy needs its whole value
    maintenance_margin_rate: Decimal = Decimal(1)

    def account(self, account_id: str) -> FakeAccount | None:
        return next((account for account in self.accounts if account.account_id == account_id), None)

    def instrument(self, symbol: str = "", con_id: int = 0, isin: str = "") -> FakeInstrument | None:
        for item in self.instruments:
            if (con_id and item.con_id == con_id) or (not con_id and symbol and item.symbol == symbol) or (
                    not con_id and not symbol and isin and item.isin == isin):
                return item
        return None

    def convert(self, amount: Decimal, currency: str, to: str) -> Decimal:
        """An amount in another currency at the configured rates."""
        if currency == to:
            return amount
        return amount * self.fx_to_usd[currency] / self.fx_to_usd[to]


@dataclass
class FakeExecution:
    exec_id: str
    order: FakeOrder
    shares: Decimal
    price: Decimal
    at: float
    cum_qty: Decimal
    avg_price: Decimal
    commission: Decimal


@dataclass
class FakeOrder:
    """An order as the gateway holds it."""

    order_id: int
    client_id: int
    perm_id: int
    account: str
    instrument: FakeInstrument
    action: str  # BUY or SELL
    quantity: Decimal
    order_type: str  # LMT, MKT, MOC
    limit: Decimal | None
    tif: str
    order_ref: str
    placed_at: float
    status: str = "Submitted"
    filled: Decimal = ZERO
    value: Decimal = ZERO
    next_fill_at: float = 0.0
    executions: list[FakeExecution] = field(default_factory=list)
    completed_at: float | None = None
    why: str = ""  # the reject or cancel text

    @property
    def remaining(self) -> Decimal:
        return ZERO if self.status in DONE else self.quantity - self.filled

    @property
    def average(self) -> Decimal:
        return self.value / self.filled if self.filled else ZERO

    @property
    def is_open(self) -> bool:
        return self.status not in DONE

    def reserve_price(self) -> Decimal:
        """The price that reserves cash for the rest of a buy: its limit, else the current price."""
        return self.limit if self.limit is not None else self.instrument.price


DONE = frozenset({"Filled", "Cancelled", "ApiCancelled", "Inactive"})
