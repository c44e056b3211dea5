"""Sizing a strategy's signal from its own capital and position (issue 13 item 5, seed 003).

A signal names a symbol and exactly one of:

* ``qty_per`` > 0: **open** with qty_per % of the strategy's capital, times its leverage:
  quantity = capital x qty_per / 100 x leverage / price (a buy; a sell opens a short, futures only).
* ``qty_per`` < 0: **close** |qty_per| % of the strategy's position in the symbol (a sell when it is long,
  a buy when it is short); at most -100. Capital is not needed to close.
* ``qty``: an absolute number of shares or contracts, signed (negative = sell) or with a ``side``.

Rules, in this order, each a refusal naming the field and its value:

1. Quantities are rounded **down** to a multiple of the instrument's lot size and of its amount precision
   (both, when both are given: their least common multiple). A closing quantity is |position| x percent
   rounded down, so it never exceeds what the strategy holds; a sell of an absolute ``qty`` larger than the
   strategy's long position is refused unless the strategy may go short (futures).
2. A quantity that rounds to zero is refused (``quantity``).
3. A notional (quantity x price) below the instrument's minimum notional is refused (``min_notional``);
   this applies to closing orders too, as exchanges apply it to them.
4. The part of the order that **opens** exposure (grows |position|, or the new side after crossing zero) must
   be paid from the strategy's **cash reservation**: its margin = opened notional / leverage (the notional
   itself at leverage 1) plus fees at ``fee_rate`` on the whole notional. More than the reservation is refused
   (``cash_reservation``); nothing is shrunk to fit. A closing part needs no cash.
5. Opening by ``qty_per`` needs capital: none (``None``) or not above 0 is refused (``capital``).

Malformed input (both or neither of qty_per and qty, a price not above 0, a leverage under 1, a side that
contradicts a signed qty) raises :class:`InvalidInput`; a well-formed signal that cannot be traded is a
:class:`SizingRefusal`. Pure: Decimal in, Decimal out, no rounding beyond the named steps.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import HUNDRED, ONE, ZERO, floor_to, parse_decimal
from trimtab.domain.orders import Side


@dataclass(frozen=True, slots=True)
class SignalQuantity:
    """How much a signal asks for: a percent (``qty_per``) or an absolute quantity (``qty``), and a side."""

    percent: Decimal | None = None  # qty_per: > 0 opens from capital, < 0 closes that % of the position
    quantity: Decimal | None = None  # qty: signed shares or contracts (negative = sell)
    side: Side | None = None  # the side for qty_per > 0 (BUY by default); qty's side when it is unsigned

    def __post_init__(self) -> None:
        where = "signal"
        if (self.percent is None) == (self.quantity is None):
            raise InvalidInput("exactly one of qty_per and qty is expected", where=where, field="qty_per",
                               value=None if self.percent is None else str(self.percent))
        if self.percent is not None and (self.percent == ZERO or self.percent < -HUNDRED):
            raise InvalidInput("must be above 0 (open) or between -100 and 0 (close)", where=where,
                               field="qty_per", value=str(self.percent))
        if self.quantity is not None and self.quantity == ZERO:
            raise InvalidInput("must not be 0", where=where, field="qty", value=str(self.quantity))
        if self.quantity is not None and self.quantity < ZERO and self.side is Side.BUY:
            raise InvalidInput("a negative qty is a sell; it contradicts side BUY", where=where, field="side",
                               value=self.side.value)


@dataclass(frozen=True, slots=True)
class InstrumentFilters:
    """The instrument's quantity steps and minimum notional (exchange filters; 0/None when it has none)."""

    lot_size: Decimal = ONE
    amount_precision: Decimal | None = None  # the quantity step of ccxt's amount_to_precision (0.001 = 3 digits)
    min_notional: Decimal = ZERO
    fee_rate: Decimal = ZERO  # fees as a fraction of the notional, counted against the reservation

    def __post_init__(self) -> None:
        where = "instrument"
        if not self.lot_size.is_finite() or self.lot_size <= ZERO:
            raise InvalidInput("must be above 0", where=where, field="lot_size", value=str(self.lot_size))
        step = self.amount_precision
        if step is not None and (not step.is_finite() or step <= ZERO):
            raise InvalidInput("must be above 0", where=where, field="amount_precision", value=str(step))
        for name in ("min_notional", "fee_rate"):
            value: Decimal = getattr(self, name)
            if not value.is_finite() or value < ZERO:
                raise InvalidInput("must be 0 or more", where=where, field=name, value=str(value))

    @property
    def step(self) -> Decimal:
        """The quantity step: a multiple of the lot size and of the amount precision (their lcm)."""
        if self.amount_precision is None:
            return self.lot_size
        return common_step(self.lot_size, self.amount_precision)


@dataclass(frozen=True, slots=True)
class StrategySlice:
    """What a strategy has to size with: its capital, leverage, position in the symbol and cash reservation."""

    strategy_id: str
    capital: Decimal | None  # its allocated capital; None = no capital (the allocation's reason elsewhere)
    leverage: Decimal
    position: Decimal  # its ledger quantity in the symbol (negative = short)
    cash_reservation: Decimal  # the cash it may spend (margin at leverage > 1)
    can_short: bool = False  # futures: a sell beyond the position opens a short

    def __post_init__(self) -> None:
        where = f"strategy '{self.strategy_id}'"
        if not self.leverage.is_finite() or self.leverage < ONE:
            raise InvalidInput("must be 1 or more", where=where, field="leverage", value=str(self.leverage))
        if not self.cash_reservation.is_finite():
            raise InvalidInput("must be a finite number", where=where, field="cash_reservation",
                               value=str(self.cash_reservation))
        if not self.position.is_finite():
            raise InvalidInput("must be a finite number", where=where, field="position", value=str(self.position))


@dataclass(frozen=True, slots=True)
class SizedOrder:
    """The order a signal becomes: side and quantity, with the figures the checks used."""

    symbol: str
    side: Side
    quantity: Decimal  # > 0, a multiple of the instrument's step
    price: Decimal
    notional: Decimal  # quantity x price
    margin: Decimal  # cash the opening part takes from the reservation (fees included); 0 when only closing
    reason: str  # how the quantity was reached


@dataclass(frozen=True, slots=True)
class SizingRefusal:
    """Why a signal gets no order: the field at fault, its value, and the rule."""

    symbol: str
    field: str
    value: str
    reason: str

    def __str__(self) -> str:
        return f"{self.symbol}: {self.field} = {self.value}: {self.reason}"


SizingResult = SizedOrder | SizingRefusal


def size_signal(symbol: str, wanted: SignalQuantity, price: Decimal, strategy: StrategySlice,
                filters: InstrumentFilters) -> SizingResult:
    """Turn a strategy's signal into a side and quantity, or a refusal (the rules are in the module)."""
    if not price.is_finite() or price <= ZERO:
        raise InvalidInput("must be above 0", where=f"signal for {symbol}", field="price", value=str(price))
    step = filters.step
    if wanted.quantity is not None:
        sized = _absolute(symbol, wanted, strategy, step)
    elif wanted.percent is not None and wanted.percent < ZERO:
        sized = _closing(symbol, wanted.percent, wanted.side, strategy, step)
    else:
        sized = _opening(symbol, wanted, price, strategy, step)
    if isinstance(sized, SizingRefusal):
        return sized
    side, quantity, how = sized
    return _checked(symbol, side, quantity, price, strategy, filters, how)


def _opening(symbol: str, wanted: SignalQuantity, price: Decimal, strategy: StrategySlice,
             step: Decimal) -> tuple[Side, Decimal, str] | SizingRefusal:
    percent = wanted.percent if wanted.percent is not None else ZERO
    side = wanted.side or Side.BUY
    if strategy.capital is None or strategy.capital <= ZERO:
        shown = "none" if strategy.capital is None else str(strategy.capital)
        return SizingRefusal(symbol, "capital", shown, f"strategy '{strategy.strategy_id}' has no capital to "
                                                       "size qty_per from")
    if side is Side.SELL and not strategy.can_short:
        return SizingRefusal(symbol, "side", side.value, "a positive qty_per with side SELL opens a short; "
                                                         "only a strategy that may go short can")
    exact = strategy.capital * percent / HUNDRED * strategy.leverage / price
    how = (f"{percent}% of capital {strategy.capital} x leverage {strategy.leverage} / price {price} = "
           f"{exact.normalize():f}, down to a multiple of {step}")
    return side, floor_to(exact, step), how


def _closing(symbol: str, percent: Decimal, side: Side | None, strategy: StrategySlice,
             step: Decimal) -> tuple[Side, Decimal, str] | SizingRefusal:
    if strategy.position == ZERO:
        return SizingRefusal(symbol, "position", "0", f"strategy '{strategy.strategy_id}' holds nothing to close")
    closing_side = Side.SELL if strategy.position > ZERO else Side.BUY
    if side is not None and side is not closing_side:
        return SizingRefusal(symbol, "side", side.value, f"closing a position of {strategy.position} is a "
                                                         f"{closing_side.value}")
    held = abs(strategy.position)
    how = f"{-percent}% of the position {strategy.position}, down to a multiple of {step}"
    return closing_side, min(floor_to(held * -percent / HUNDRED, step), held), how


def _absolute(symbol: str, wanted: SignalQuantity, strategy: StrategySlice,
              step: Decimal) -> tuple[Side, Decimal, str] | SizingRefusal:
    quantity = wanted.quantity if wanted.quantity is not None else ZERO
    side = Side.SELL if quantity < ZERO else (wanted.side or Side.BUY)
    rounded = floor_to(abs(quantity), step)
    if side is Side.SELL and not strategy.can_short and rounded > max(strategy.position, ZERO):
        return SizingRefusal(symbol, "qty", str(quantity), f"strategy '{strategy.strategy_id}' holds "
                                                           f"{strategy.position}; it cannot sell more")
    return side, rounded, f"qty {quantity}, down to a multiple of {step}"


def _checked(symbol: str, side: Side, quantity: Decimal, price: Decimal, strategy: StrategySlice,
             filters: InstrumentFilters, how: str) -> SizingResult:
    if quantity <= ZERO:
        return SizingRefusal(symbol, "quantity", _plain(quantity), f"rounds to zero ({how})")
    notional = quantity * price
    if notional < filters.min_notional:
        return SizingRefusal(symbol, "min_notional", str(filters.min_notional),
                             f"the order's notional {_plain(notional)} is below the instrument's minimum")
    opened = opened_quantity(strategy.position, quantity if side is Side.BUY else -quantity)
    margin = ZERO
    if opened > ZERO:
        margin = opened * price / strategy.leverage + notional * filters.fee_rate
    if margin > strategy.cash_reservation:
        return SizingRefusal(symbol, "cash_reservation", str(strategy.cash_reservation),
                             f"the order needs {_plain(margin)} (margin = opened notional "
                             f"{_plain(opened * price)} / leverage {strategy.leverage}, plus fees), more than "
                             f"strategy '{strategy.strategy_id}' has reserved")
    return SizedOrder(symbol, side, quantity, price, notional, margin, how)


def opened_quantity(position: Decimal, change: Decimal) -> Decimal:
    """How much of a signed change grows the position's size (the rest closes it): what needs margin."""
    after = position + change
    if position == ZERO or ((position > ZERO) == (after > ZERO) and after != ZERO):
        return max(abs(after) - abs(position), ZERO)
    return abs(after)  # crossed or reached zero: the new side is all opened


def common_step(first: Decimal, second: Decimal) -> Decimal:
    """The least common multiple of two positive decimal steps (0.3 and 0.5 -> 1.5)."""
    exponent = min(_exponent(first), _exponent(second))
    scale = Decimal(1).scaleb(exponent)
    return Decimal(math.lcm(int(first / scale), int(second / scale))) * scale


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f")


def _exponent(value: Decimal) -> int:
    exponent = value.normalize().as_tuple().exponent
    return exponent if isinstance(exponent, int) else 0


def read_signal_quantity(payload: Mapping[str, object], *, where: str = "signal") -> SignalQuantity:
    """Read ``qty_per`` / ``qty`` / ``side`` from a signal's fields (numbers as text or integers, never floats)."""
    percent = payload.get("qty_per")
    quantity = payload.get("qty")
    side = payload.get("side")
    chosen_side = None
    if side is not None and str(side).strip():
        text = str(side).strip().upper()
        if text not in {"BUY", "SELL"}:
            raise InvalidInput("expected buy or sell", where=where, field="side", value=side)
        chosen_side = Side(text)
    return SignalQuantity(
        percent=None if percent is None else parse_decimal(percent, where=where, field="qty_per"),
        quantity=None if quantity is None else parse_decimal(quantity, where=where, field="qty"),
        side=chosen_side,
    )
