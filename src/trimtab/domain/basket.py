"""TWS basket lines from a plan: Day 1 market-on-close whole shares, Day 2 limit orders for the rest.

The rule (docs/reports.md): an order whose symbol weighs at least `DAY1_MIN_WEIGHT` of the account's equity,
now or at target, is a *larger position*; Day 1 sends the whole-share part of each such order as MOC (TWS does
not take fractional MOC orders). Day 2 sends everything else as LMT: the fractional part of those orders and
the whole of the orders of smaller positions. Day 1 and Day 2 of one plan add up to the plan's orders exactly.
Every LMT line has a limit price on the instrument's tick: the plan's limit, or for a plan of market orders its
sizing price, rounded onto the grid (sells down, buys up). A fractional quantity is written only for an
instrument whose lot is fractional; any other is refused.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderIntent, Side
from trimtab.domain.planning import Plan
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.domain.ticks import Direction, is_valid_price, round_to_tick

HEADER = ("Action", "Quantity", "Symbol", "SecType", "Exchange", "Currency", "TimeInForce", "OrderType", "LmtPrice",
          "BasketTag", "Account", "UsePriceMgmtAlgo", "OrderRef")
DAY1_MIN_WEIGHT = Decimal("0.05")  # a larger position: at least 5 % of equity, now or at target (the seed's rule)
DAYS = (1, 2)
_SEC_TYPES = {InstrumentType.FUND: "FUND", InstrumentType.CRYPTO: "CRYPTO", InstrumentType.ELW: "WAR"}


@dataclass(frozen=True, slots=True)
class BasketLine:
    """One order of a TWS basket."""

    action: Side
    quantity: Decimal
    instrument: Instrument
    order_type: str  # "MOC" or "LMT"
    limit_price: Decimal | None
    basket_tag: str
    account: str
    order_ref: str
    time_in_force: str = "DAY"
    use_price_mgmt_algo: bool = True

    @property
    def symbol(self) -> str:
        return self.instrument.symbol

    def row(self) -> tuple[str, ...]:
        """The line's cells, in HEADER's order, as TWS reads them (no thousands separators, no exponents)."""
        instrument = self.instrument
        exchange = "SMART" if instrument.market is Market.US else instrument.market.value
        return (self.action.value, plain(self.quantity), instrument.symbol,
                _SEC_TYPES.get(instrument.instrument_type, "STK"), exchange, instrument.currency, self.time_in_force,
                self.order_type, "" if self.limit_price is None else plain(self.limit_price), self.basket_tag,
                self.account, "1" if self.use_price_mgmt_algo else "0", self.order_ref)


def plain(value: Decimal) -> str:
    """A number as plain text: ``100``, ``0.437``, ``24.35`` (never ``1E+2``)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def basket_tag(day: int, on: dt.date) -> str:
    """The seed's tag: ``EX_YYYYMMDD_<day>``."""
    return f"EX_{on:%Y%m%d}_{day}"


def order_ref(account_id: str, day: int, on: dt.date, symbol: str, side: Side) -> str:
    """A deterministic order reference: the same plan on the same day gives the same reference."""
    return f"TT-{on:%Y%m%d}-D{day}-{account_id}-{symbol}-{side.value[0]}"


def larger_positions(plan: Plan, min_weight: Decimal = DAY1_MIN_WEIGHT) -> frozenset[str]:
    """Symbols weighing at least `min_weight` of equity now or at target."""
    return frozenset(row.symbol for row in plan.rows if max(row.current_weight, row.target_weight) >= min_weight)


def split_quantity(order: OrderIntent, larger: bool) -> tuple[Decimal, Decimal]:
    """(Day 1, Day 2) quantities of an order: the whole-share part of a larger position's order on Day 1."""
    if not larger:
        return ZERO, order.quantity
    whole = order.quantity.to_integral_value(rounding=ROUND_FLOOR)
    return whole, order.quantity - whole


def basket_lines(plan: Plan, snapshot: AccountSnapshot, day: int, *, on: dt.date | None = None,
                 min_weight: Decimal = DAY1_MIN_WEIGHT) -> tuple[BasketLine, ...]:
    """The basket lines of one account's plan for `day` (1 or 2), tagged with the date `on` (default: the
    snapshot's market date; a basket of several accounts takes the latest of theirs, one tag for the file)."""
    if day not in DAYS:
        raise InvalidInput("choose 1 or 2", where="basket", field="day", value=day)
    larger = larger_positions(plan, min_weight)
    on = on or snapshot.as_of
    tag = basket_tag(day, on)
    lines = []
    for order in plan.orders:
        instrument = _instrument(snapshot, order.symbol)
        quantity = split_quantity(order, order.symbol in larger)[day - 1]
        if quantity <= ZERO:
            continue
        _require_lot(instrument, quantity, plan.account_id)
        price = None if day == 1 else limit_price(order, instrument)
        lines.append(BasketLine(order.side, quantity, instrument, "MOC" if day == 1 else "LMT", price, tag,
                                plan.account_id, order_ref(plan.account_id, day, on, order.symbol,
                                                           order.side)))
    return tuple(lines)


def limit_price(order: OrderIntent, instrument: Instrument) -> Decimal:
    """The order's limit (its sizing price for a market order) on the instrument's tick: sells down, buys up."""
    price = order.limit_price if order.limit_price is not None else order.sizing_price
    direction = Direction.DOWN if order.side is Side.SELL else Direction.UP
    rounded = round_to_tick(instrument, price, direction)
    if not is_valid_price(instrument, rounded):  # pragma: no cover - round_to_tick lands on the grid
        raise DomainError(f"{instrument.symbol}: no valid limit price near {price}")
    return rounded


def _instrument(snapshot: AccountSnapshot, symbol: str) -> Instrument:
    quote = snapshot.quote(symbol)
    if quote is None:
        raise DomainError(f"{snapshot.account_id}: the plan orders {symbol}, which has no quote in the snapshot")
    return quote.instrument


def _require_lot(instrument: Instrument, quantity: Decimal, account_id: str) -> None:
    step = instrument.lot_size if instrument.lot_size < 1 else Decimal(1)
    if quantity % step:
        raise DomainError(f"{account_id}: {instrument.symbol} takes whole shares (lot {instrument.lot_size}); "
                          f"the basket would hold {quantity}")


def merge(days: Sequence[tuple[BasketLine, ...]]) -> tuple[BasketLine, ...]:
    """The lines of several accounts, one after the other."""
    return tuple(line for lines in days for line in lines)
