"""The local KIS fake's account: configuration, holdings, orders, fills over time, costs and cash.

Fills are computed lazily: every request (and `FakeKisState.set_price`) first calls `catch_up()`, which plays
every event due up to `config.clock()` in time order (fills.py: continuous steps, the two single-price
auctions, day-order expiry at 15:30). An order accepted at t0 has fill steps at t0 + k × fill_interval_seconds
(k = 1, 2, ...); a step fills max(1, ceil(ord_qty × fill_fraction)) units, capped at the remainder, at the
instrument's current price, but only in continuous trading and if the order is marketable (market order, buy
limit >= price, sell limit <= price). Prices change only through `set_price`, which catches up first, so each
step sees the price in force at its own instant. With fill_interval_seconds 0 a marketable order fills in full
as soon as it is seen in continuous trading.

Costs are computed on each order's cumulative filled amount, so totals never depend on fill granularity:
commission = floor(cum × commission_rate); tax = floor(cum × sell_tax_rate) for sells of kind "stock" only.

Cash (settlement is D+2, so the deposit `dnca_tot_amt` does not move intraday): D+2 cash (prvs_rcdl_excc_amt,
also nxdy_excc_amt) = start (settled_cash, else deposit) + today's sells − today's buys − today's costs.
ord_psbl_cash = D+2 cash − reservations of open buys; a reservation is remaining × limit price (market buys at
the upper limit taken at acceptance) plus the commission the whole order would then cost beyond what it has paid.
"""

from __future__ import annotations

import datetime as dt
import math
import time
from collections import Counter
from collections.abc import Callable, Set
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Literal

from trimtab_testkit.kis import fills
from trimtab_testkit.kis.faults import FakeFault
from trimtab_testkit.kis.market import FakePrice, Kind, phase_at

Environment = Literal["real", "virtual"]
Side = Literal["buy", "sell"]
ORG_NO = "91252"  # KRX_FWDG_ORD_ORGNO as in BROKERS.md §1.5's example answer


def canonical_number(text: str) -> str:
    """An order number in the fake's own form: 10 digits, zero-padded (any spacing or zero-stripping undone)."""
    digits = text.strip()
    return digits.lstrip("0").zfill(10) if digits.isdigit() else digits


@dataclass(frozen=True, slots=True)
class FakeHolding:
    """One seeded row of the fake account; `quantity` 0 models a holding sold out today.

    `orderable_quantity` below `quantity` locks the difference (it never becomes orderable).
    """

    symbol: str
    name: str
    quantity: int
    price: Decimal
    orderable_quantity: int | None = None


@dataclass(slots=True)
class FakePosition:
    """A live, mutable holding row: seeded from a FakeHolding or opened by a buy fill."""

    symbol: str
    name: str
    quantity: int
    average_price: Decimal
    last_price: Decimal
    locked: int = 0
    bought_today: int = 0
    sold_today: int = 0

    @classmethod
    def from_holding(cls, holding: FakeHolding) -> FakePosition:
        """Copy a seeded holding into a mutable row."""
        orderable = holding.quantity if holding.orderable_quantity is None else holding.orderable_quantity
        return cls(holding.symbol, holding.name, holding.quantity, holding.price, holding.price,
                   max(0, holding.quantity - orderable))


@dataclass(frozen=True, slots=True)
class FakeFill:
    """One fill step of an order."""

    at: float
    quantity: int
    price: Decimal


@dataclass(slots=True)
class FakeOrder:
    """An accepted order-cash order and what has happened to it."""

    odno: str
    org_no: str
    side: Side
    symbol: str
    name: str
    kind: Kind
    ord_dvsn: str
    quantity: int
    price: Decimal  # ORD_UNPR as sent: 0 for market orders
    reserve_price: Decimal  # the limit price, or the upper limit at acceptance for market orders
    accepted_at: float
    exchange: str = "KRX"
    fills: list[FakeFill] = field(default_factory=list)
    cancelled: int = 0
    expired: int = 0  # open quantity that lapsed at the close of its day
    commission: int = 0
    tax: int = 0
    next_step: int = 1
    last_auction_at: float = 0.0

    @property
    def is_market(self) -> bool:
        return self.ord_dvsn == "01"

    @property
    def filled(self) -> int:
        return sum(fill.quantity for fill in self.fills)

    @property
    def filled_amount(self) -> Decimal:
        return sum((fill.price * fill.quantity for fill in self.fills), Decimal(0))

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled - self.cancelled - self.expired

    @property
    def costs(self) -> int:
        return self.commission + self.tax


@dataclass(frozen=True, slots=True)
class FakeCancel:
    """An accepted cancel: its own ODNO and row in daily-ccld, pointing at the original order."""

    odno: str
    original: FakeOrder
    quantity: int
    ord_dvsn: str
    accepted_at: float


@dataclass(frozen=True, slots=True)
class FakeOrderCall:
    """One call to order-cash or order-rvsecncl as the fake saw and answered it (bodies carry no secrets)."""

    path: str
    tr_id: str
    body: object
    at: float
    status: int
    rt_cd: str
    msg_cd: str
    odno: str | None = None
    lost_response: bool = False

    @property
    def accepted(self) -> bool:
        return self.rt_cd == "0"


@dataclass(slots=True)
class FakeKisConfig:
    """State and behaviour of the fake. `clock` returns epoch seconds and may be a test's manual clock."""

    app_key: str
    app_secret: str
    environment: Environment = "virtual"
    holdings: list[FakeHolding] = field(default_factory=list)
    deposit: Decimal = Decimal(0)
    settled_cash: Decimal | None = None
    prices: dict[str, FakePrice] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    requests_per_second: int | None = None
    rate_limit_status: int = 500
    page_size: int | None = None
    account: str | None = None  # 10 digits (CANO 8 + ACNT_PRDT_CD 2); None accepts any account
    enforce_hours: bool = True
    holidays: Set[dt.date] = frozenset()
    commission_rate: Decimal = Decimal("0.00014")
    sell_tax_rate: Decimal = Decimal("0.0020")
    fill_interval_seconds: float = 10.0
    fill_fraction: Decimal = Decimal("0.25")
    ccld_page_size: int | None = None
    # Tokens and per-second limits run on the gateway's clock, real time even when the market clock is shifted
    # to a simulated session (serve --start); None means the market clock (tests' manual clocks).
    gateway_clock: Callable[[], float] | None = None
    # How strict the fake is (BROKERS.md §1.8.7-9); the defaults are the real KIS's behaviour where known.
    rejection_rt_cd: str = "7"  # order refusals; gateway errors keep rt_cd "1"
    numeric_virtual_codes: bool = True  # the virtual server's 40030000 off-tick and 40100000 not a business day
    auctions: bool = True  # 08:30-09:00 and 15:20-15:30 take orders and fill only at 09:00 and 15:30
    day_orders_expire: bool = True  # open quantity lapses at 15:30 of its day; nothing fills on a later day
    expired_rows_keep_remaining: bool = True  # an expired order's row keeps rmn_qty (False: rmn_qty 0)
    refuse_past_day_cancels: bool = True  # a cancel of an earlier day's order is refused (FAKE0017)
    costs_ignore_order_filter: bool = True  # output2 of an ODNO-filtered daily-ccld sums the whole day
    cancel_rows_keep_remaining: bool = False  # True: the original row keeps rmn_qty, cnc_cfrm_qty 0 after a cancel
    order_number_quirks: bool = False  # answers zero-stripped ("117057"), daily-ccld odno space-padded
    detect_changes_between_pages: bool = True  # daily-ccld's next page answers SYDB0050 if its rows changed
    halted_symbols: Set[str] = frozenset()  # psbl-order and orders answer rt_cd 7 (FAKE0018)

    def gateway_now(self) -> float:
        """Return the gateway's time (token issuance and expiry, rate-limit seconds)."""
        return (self.gateway_clock or self.clock)()

    @property
    def bucket_size(self) -> int:
        """Return the per-second request allowance (20 real, 2 virtual unless configured)."""
        if self.requests_per_second is not None:
            return self.requests_per_second
        return 20 if self.environment == "real" else 2

    @property
    def rows_per_page(self) -> int:
        """Return the balance page size (50 real, 20 virtual unless configured)."""
        if self.page_size is not None:
            return self.page_size
        return 50 if self.environment == "real" else 20

    @property
    def ccld_rows_per_page(self) -> int:
        """Return the daily-ccld page size (100 real, 15 virtual unless configured)."""
        if self.ccld_page_size is not None:
            return self.ccld_page_size
        return 100 if self.environment == "real" else 15

    @property
    def start_cash(self) -> Decimal:
        """Return the D+2 cash at the start of the day: settled_cash if given, else the deposit."""
        return self.deposit if self.settled_cash is None else self.settled_cash

    def session_open(self, epoch: float) -> bool:
        """Tell whether orders may be placed at `epoch` (an auction or continuous trading)."""
        return not self.enforce_hours or phase_at(epoch, self.holidays, auctions=self.auctions) != "closed"

    def continuous(self, epoch: float) -> bool:
        """Tell whether continuous trading (fill steps) runs at `epoch`."""
        return not self.enforce_hours or phase_at(epoch, self.holidays, auctions=self.auctions) == "continuous"


@dataclass(slots=True)
class IssuedToken:
    value: str
    issued_at: float
    expires_at: float


@dataclass(slots=True)
class FakeKisState:
    """What the fake remembers and counts, for tests to inspect and steer."""

    config: FakeKisConfig
    issuances: int = 0
    token: IssuedToken | None = None
    last_issuance_at: float | None = None
    requests_per_second_seen: Counter[tuple[str, int]] = field(default_factory=Counter)
    rate_limited: int = 0
    injected_rate_limits: int = 0
    api_calls: int = 0
    positions: list[FakePosition] = field(default_factory=list)
    orders: list[FakeOrder] = field(default_factory=list)
    cancels: list[FakeCancel] = field(default_factory=list)
    order_calls: list[FakeOrderCall] = field(default_factory=list)
    rvsecncl_calls: list[FakeOrderCall] = field(default_factory=list)
    lost_responses: int = 0
    last_number: int = 0
    faults: list[FakeFault] = field(default_factory=list)
    revoked_tokens: dict[str, str] = field(default_factory=dict)  # token value -> the code it is refused with
    revoke_new_tokens: int = 0  # tokens issued from now on that are revoked at once (a renewal refused too)

    def __post_init__(self) -> None:
        if not self.positions:
            self.positions = [FakePosition.from_holding(holding) for holding in self.config.holdings]

    def inject_rate_limit(self, count: int = 1) -> None:
        """Make the next `count` API calls answer EGW00201 whatever the bucket says."""
        self.injected_rate_limits += count

    def inject_lost_order_response(self, count: int = 1) -> None:
        """Process and record the next `count` order-cash/order-rvsecncl calls, then answer 502 with no JSON."""
        self.lost_responses += count

    def inject_fault(self, code: str, message: str = "", *, path: str | None = None, status: int = 500,
                     rt_cd: str = "1", count: int = 1, next_page_only: bool = False) -> None:
        """Answer the next `count` calls (to `path`, or any) with `code` instead of serving them."""
        self.faults.append(FakeFault(code, message or code, status, rt_cd, path, next_page_only, count))

    def revoke_token(self, code: str = "EGW00123") -> None:
        """Revoke the current token before its expiry: calls with it answer `code` (EGW00123 or EGW00121)."""
        if self.token is not None:
            self.revoked_tokens[self.token.value] = code

    def max_requests_in_one_second(self) -> int:
        """Return the largest number of API calls one app key made within one clock second."""
        return max(self.requests_per_second_seen.values(), default=0)

    def set_price(self, symbol: str, price: Decimal | int) -> None:
        """Move the current price of a known symbol (limits stay); fills due up to now happen at the old price."""
        self.catch_up()
        self.config.prices[symbol] = replace(self.config.prices[symbol], price=Decimal(price))

    def next_number(self) -> str:
        """Return the next 10-digit order number (orders and cancels share the sequence)."""
        self.last_number += 1
        return f"{self.last_number:010d}"

    def find_order(self, odno: str) -> FakeOrder | None:
        """Return the accepted order with this ODNO (zero-stripped or space-padded forms accepted)."""
        wanted = canonical_number(odno)
        return next((order for order in self.orders if order.odno == wanted), None)

    def position(self, symbol: str) -> FakePosition | None:
        """Return the holding row of `symbol`, sold-out rows included."""
        return next((row for row in self.positions if row.symbol == symbol), None)

    # --- cash -------------------------------------------------------------------------------------------------

    def bought_today(self) -> Decimal:
        return sum((order.filled_amount for order in self.orders if order.side == "buy"), Decimal(0))

    def sold_today(self) -> Decimal:
        return sum((order.filled_amount for order in self.orders if order.side == "sell"), Decimal(0))

    def costs_today(self) -> int:
        return sum(order.costs for order in self.orders)

    def d2_cash(self) -> Decimal:
        """Return prvs_rcdl_excc_amt: start D+2 cash + sells − buys − costs of today."""
        return self.config.start_cash + self.sold_today() - self.bought_today() - self.costs_today()

    def reservation(self, order: FakeOrder) -> Decimal:
        """Return the cash an open buy still holds back: remainder at its reserve price plus commission."""
        if order.side != "buy" or order.remaining <= 0:
            return Decimal(0)
        pending = order.reserve_price * order.remaining
        commission = math.floor((order.filled_amount + pending) * self.config.commission_rate)
        return pending + commission - order.commission

    def orderable_cash(self) -> Decimal:
        """Return ord_psbl_cash: D+2 cash less the reservations of open buys."""
        return self.d2_cash() - sum((self.reservation(order) for order in self.orders), Decimal(0))

    def buy_need(self, amount: Decimal) -> Decimal:
        """Return what a new buy of `amount` needs in ord_psbl_cash: the amount plus its commission."""
        return amount + math.floor(amount * self.config.commission_rate)

    def orderable_quantity(self, symbol: str) -> int:
        """Return ord_psbl_qty: holding less locked units less open sell remainders."""
        row = self.position(symbol)
        if row is None:
            return 0
        selling = sum(o.remaining for o in self.orders if o.side == "sell" and o.symbol == symbol)
        return max(0, row.quantity - row.locked - selling)

    # --- fills ------------------------------------------------------------------------------------------------

    def catch_up(self) -> None:
        """Play every fill, auction and expiry due up to config.clock(), in time order (fills.py)."""
        fills.catch_up(self)

    def marketable(self, order: FakeOrder) -> bool:
        """Tell whether the order would trade at the instrument's current price."""
        instrument = self.config.prices.get(order.symbol)
        if instrument is None:
            return False
        if order.is_market:
            return True
        return order.price >= instrument.price if order.side == "buy" else order.price <= instrument.price

    def fill(self, order: FakeOrder, quantity: int, at: float) -> None:
        """Fill `quantity` of the order at the current price; charge the rise in its cumulative costs."""
        price = self.config.prices[order.symbol].price
        order.fills.append(FakeFill(at, quantity, price))
        amount = order.filled_amount
        order.commission = math.floor(amount * self.config.commission_rate)
        if order.side == "sell" and order.kind == "stock":
            order.tax = math.floor(amount * self.config.sell_tax_rate)
        row = self.position(order.symbol)
        if order.side == "buy":
            if row is None:
                row = FakePosition(order.symbol, order.name, 0, Decimal(0), price)
                self.positions.append(row)
            total = row.average_price * row.quantity + price * quantity
            row.quantity += quantity
            row.average_price = total / row.quantity
            row.bought_today += quantity
        elif row is not None:
            row.quantity -= quantity
            row.sold_today += quantity
        if row is not None:
            row.last_price = price
