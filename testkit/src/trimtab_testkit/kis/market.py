"""The local KIS fake's market: instruments, the KRX tick grid (BROKERS.md §2.1) and the session clock (§2.2).

Independent of trimtab.domain on purpose: the fake is a test oracle and keeps its own small tables.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Set
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

KST = dt.timezone(dt.timedelta(hours=9))
AUCTION_OPEN = dt.time(8, 30)  # the opening single-price auction takes orders from 08:30 (BROKERS.md §1.8.8)
SESSION_OPEN = dt.time(9, 0)  # the opening auction's one price, then continuous trading
CLOSING_AUCTION = dt.time(15, 20)  # continuous trading stops; orders wait for the closing auction's one price
SESSION_CLOSE = dt.time(15, 30)  # the closing auction's price; day orders expire; 15:30 itself takes no order

Phase = Literal["closed", "opening_auction", "continuous", "closing_auction"]

Kind = Literal["stock", "etf"]
TickTable = tuple[tuple[Decimal, Decimal], ...]
"""Rows of (lower bound, tick), ascending: a price takes the tick of the last row whose bound it reaches."""

# BROKERS.md §2.1: one table for KOSPI, KOSDAQ and KONEX stocks since 2023-01-25.
STOCK_TICKS: TickTable = (
    (Decimal(0), Decimal(1)),
    (Decimal(2_000), Decimal(5)),
    (Decimal(5_000), Decimal(10)),
    (Decimal(20_000), Decimal(50)),
    (Decimal(50_000), Decimal(100)),
    (Decimal(200_000), Decimal(500)),
    (Decimal(500_000), Decimal(1_000)),
)
# BROKERS.md §2.1: ETF/ETN 1 won below 2,000, 5 won at or above.
ETF_TICKS: TickTable = ((Decimal(0), Decimal(1)), (Decimal(2_000), Decimal(5)))


@dataclass(frozen=True, slots=True)
class FakePrice:
    """One instrument as the fake knows it: what inquire-price answers and what orders are checked against.

    `tick` pins one tick size at every price (aspr_unit and order checks); `tick_table` replaces the whole
    grid (e.g. to make KIS disagree with the standard table); with neither, the KRX table of `kind` applies.
    """

    price: Decimal
    base_price: Decimal
    upper_limit: Decimal
    lower_limit: Decimal
    tick: Decimal | None = None
    kind: Kind = "stock"
    tick_table: TickTable | None = None
    name: str = ""

    def grid(self) -> TickTable:
        """Return the tick table this instrument's prices are checked against."""
        if self.tick_table is not None:
            return self.tick_table
        if self.tick is not None:
            return ((Decimal(0), self.tick),)
        return ETF_TICKS if self.kind == "etf" else STOCK_TICKS

    def tick_at(self, price: Decimal) -> Decimal:
        """Return the tick that applies at `price` (the band of the price decides it)."""
        return tick_in(self.grid(), price)

    def on_grid(self, price: Decimal) -> bool:
        """Tell whether `price` is a whole multiple of the tick of its own band."""
        return price % self.tick_at(price) == 0


def tick_in(table: TickTable, price: Decimal) -> Decimal:
    """Return the tick of the last row of `table` whose lower bound `price` reaches."""
    tick = table[0][1]
    for lower, size in table:
        if price >= lower:
            tick = size
    return tick


def kst(epoch: float) -> dt.datetime:
    """Return the KST wall time of an epoch instant."""
    return dt.datetime.fromtimestamp(epoch, KST)


def kst_text(epoch: float) -> str:
    """Format an epoch instant as KIS's KST `YYYY-MM-DD HH:MM:SS`."""
    return kst(epoch).strftime("%Y-%m-%d %H:%M:%S")


def is_trading_day(day: dt.date, holidays: Set[dt.date]) -> bool:
    """Monday to Friday and not a configured holiday."""
    return day.weekday() < 5 and day not in holidays


def phase_at(epoch: float, holidays: Set[dt.date], *, auctions: bool) -> Phase:
    """KRX's phase at `epoch`: without auctions, 09:00-15:30 is all continuous and the rest closed."""
    moment = kst(epoch)
    if not is_trading_day(moment.date(), holidays):
        return "closed"
    now = moment.time()
    if auctions and AUCTION_OPEN <= now < SESSION_OPEN:
        return "opening_auction"
    if auctions and CLOSING_AUCTION <= now < SESSION_CLOSE:
        return "closing_auction"
    return "continuous" if SESSION_OPEN <= now < SESSION_CLOSE else "closed"


def at_kst(epoch: float, wall: dt.time) -> float:
    """The epoch of `wall` KST on the KST day of `epoch`."""
    return dt.datetime.combine(kst(epoch).date(), wall, KST).timestamp()


def in_session(epoch: float, holidays: Set[dt.date]) -> bool:
    """Tell whether KRX's regular session (09:00 <= t < 15:30 KST on a trading day) is open at `epoch`."""
    moment = kst(epoch)
    return is_trading_day(moment.date(), holidays) and SESSION_OPEN <= moment.time() < SESSION_CLOSE


def next_session_open(epoch: float, holidays: Set[dt.date]) -> float | None:
    """Return the epoch of the first session open at or after `epoch`, or None within a year there is none."""
    moment = kst(epoch)
    day = moment.date()
    if moment.time() > SESSION_OPEN:
        day += dt.timedelta(days=1)
    for _ in range(400):
        if is_trading_day(day, holidays):
            return dt.datetime.combine(day, SESSION_OPEN, KST).timestamp()
        day += dt.timedelta(days=1)
    return None
