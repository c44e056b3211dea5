"""Tick sizes, rounding to the tick grid and daily price limits per market, kept as data.

A tick table is a tuple of (lower bound, tick) bands in ascending order, the first starting at 0. The tick
of the band holding a price applies at that price. Every lower bound must be a multiple of its own tick and
of the tick below it; then rounding and stepping cross band edges without special cases. The tables are
checked when the module loads.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeAlias

from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.numbers import ceil_to, floor_to

Bands: TypeAlias = tuple[tuple[Decimal, Decimal], ...]


class Direction(StrEnum):
    """Which way to round a price onto the tick grid."""

    DOWN = "down"
    UP = "up"


def _make_bands(*rows: tuple[int | str, int | str]) -> Bands:
    """Build a tick table and check that its band edges line up with the ticks on both sides."""
    bands = tuple((Decimal(lower), Decimal(tick)) for lower, tick in rows)
    if not bands or bands[0][0] != 0:
        raise ValueError("a tick table must start at 0")
    previous_lower, previous_tick = bands[0]
    for lower, tick in bands:
        if tick <= 0 or lower % tick != 0 or lower % previous_tick != 0:
            raise ValueError(f"band at {lower} does not line up with tick {tick} or {previous_tick}")
        if lower < previous_lower:
            raise ValueError(f"band at {lower} is out of order")
        previous_lower, previous_tick = lower, tick
    return bands


# KRX, one shared table for KOSPI, KOSDAQ and KONEX stocks since 2023-01-25.
_KRX_STOCK = _make_bands(
    (0, 1), (2_000, 5), (5_000, 10), (20_000, 50), (50_000, 100), (200_000, 500), (500_000, 1_000),
)
# KRX ETF and ETN since December 2023: 1 won below 2,000, 5 won at or above.
_KRX_FUND = _make_bands((0, 1), (2_000, 5))
# KRX ELW: 5 won at every price.
_KRX_ELW = _make_bands((0, 5))
# US equities (Reg NMS Rule 612): a cent at or above $1, a hundredth of a cent below.
_US = _make_bands((0, "0.0001"), (1, "0.01"))

_KRX_BY_TYPE: dict[InstrumentType, Bands] = {
    InstrumentType.ETF: _KRX_FUND,
    InstrumentType.ETN: _KRX_FUND,
    InstrumentType.ELW: _KRX_ELW,
}

_DAILY_LIMIT = Decimal("0.30")


def _bands_for(instrument: Instrument) -> Bands:
    """Pick the tick table of an instrument; its own tick, when set, wins over the market table."""
    own = instrument.tick_size
    if own is not None:
        if not own.is_finite() or own <= 0:
            raise InvalidInput("tick size must be a positive number", where=f"instrument {instrument.symbol}",
                               field="tick_size", value=own)
        return ((Decimal(0), own),)
    if instrument.market.is_korean:
        return _KRX_BY_TYPE.get(instrument.instrument_type, _KRX_STOCK)
    if instrument.market is Market.US:
        return _US
    raise InvalidInput(f"market {instrument.market} has no tick table; the instrument needs its own tick",
                       where=f"instrument {instrument.symbol}", field="tick_size")


def _require_price(instrument: Instrument, price: Decimal) -> None:
    """Refuse a price that is not a finite positive number."""
    if not price.is_finite() or price <= 0:
        raise InvalidInput("price must be a finite positive number", where=f"instrument {instrument.symbol}",
                           field="price", value=price)


def _band_at(bands: Bands, price: Decimal) -> int:
    """Return the index of the band that holds price (its lower bound is at or below price)."""
    return bisect_right(bands, price, key=lambda band: band[0]) - 1


def _band_below(bands: Bands, price: Decimal) -> int:
    """Return the index of the band that holds the prices just below price."""
    return bisect_left(bands, price, key=lambda band: band[0]) - 1


def _step_up(bands: Bands, price: Decimal, steps: int) -> Decimal:
    """Move a valid price up by steps ticks, a whole band at a time."""
    while steps > 0:
        index = _band_at(bands, price)
        tick = bands[index][1]
        moved = steps
        if index + 1 < len(bands):
            moved = min(steps, int((bands[index + 1][0] - price) / tick))
        price += moved * tick
        steps -= moved
    return price


def _step_down(bands: Bands, price: Decimal, steps: int, symbol: str) -> Decimal:
    """Move a valid price down by steps ticks, a whole band at a time, never to zero or below."""
    while steps > 0:
        index = _band_below(bands, price)
        lower, tick = bands[index]
        room = int((price - lower) / tick) - (1 if index == 0 else 0)
        if room <= 0:
            raise DomainError(f"{symbol}: cannot step below the smallest valid price {price}")
        moved = min(steps, room)
        price -= moved * tick
        steps -= moved
    return price


def tick_size(instrument: Instrument, price: Decimal) -> Decimal:
    """Return the tick that applies at price."""
    bands = _bands_for(instrument)
    _require_price(instrument, price)
    return bands[_band_at(bands, price)][1]


def is_valid_price(instrument: Instrument, price: Decimal) -> bool:
    """Tell whether price is positive and on the tick grid at that price."""
    if not price.is_finite() or price <= 0:
        return False
    return price % tick_size(instrument, price) == 0


def round_to_tick(instrument: Instrument, price: Decimal, direction: Direction) -> Decimal:
    """Return the nearest valid price at or below (DOWN) or at or above (UP) price."""
    bands = _bands_for(instrument)
    _require_price(instrument, price)
    tick = bands[_band_at(bands, price)][1]
    if direction == Direction.UP:
        # At most the next band's lower bound, which is a multiple of this tick and valid.
        return ceil_to(price, tick)
    result = floor_to(price, tick)
    if result <= 0:
        raise DomainError(f"{instrument.symbol}: no valid price at or below {price} (first tick is {tick})")
    return result


def shift_ticks(instrument: Instrument, price: Decimal, ticks: int) -> Decimal:
    """Round price onto the grid (UP for ticks >= 0, DOWN below) and step that many ticks."""
    bands = _bands_for(instrument)
    if ticks >= 0:
        return _step_up(bands, round_to_tick(instrument, price, Direction.UP), ticks)
    start = round_to_tick(instrument, price, Direction.DOWN)
    return _step_down(bands, start, -ticks, instrument.symbol)


def ticks_between(instrument: Instrument, low: Decimal, high: Decimal) -> int:
    """Count the ticks from one valid price up to another (0 when high <= low), band by band.

    The same as the largest n with shift_ticks(instrument, low, n) <= high, without stepping.
    """
    bands = _bands_for(instrument)
    _require_price(instrument, low)
    count, price = 0, low
    while price < high:
        index = _band_at(bands, price)
        tick = bands[index][1]
        stop = high if index + 1 >= len(bands) else min(high, bands[index + 1][0])
        steps = int((stop - price) / tick)
        if steps == 0:
            break  # high sits between two valid prices of this band
        count += steps
        price += steps * tick
    return count


@dataclass(frozen=True)
class PriceLimits:
    """Lowest and highest price the exchange accepts today, both inclusive."""

    lower: Decimal
    upper: Decimal

    def __post_init__(self) -> None:
        """Refuse limits whose lower bound is above the upper bound."""
        if self.lower > self.upper:
            raise InvalidInput(f"lower limit is above upper limit {self.upper}", where="price limits",
                               field="lower", value=self.lower)

    def contains(self, price: Decimal) -> bool:
        """Tell whether price lies within the limits, bounds included."""
        return self.lower <= price <= self.upper


def daily_limits(instrument: Instrument, base_price: Decimal) -> PriceLimits | None:
    """Estimate the KRX daily limits (±30 % of the base price); return None outside Korea.

    KIS returns the exact limits (stck_mxpr / stck_llam in the price inquiry); those win whenever known. This
    estimate takes base × 1.3 rounded down and base × 0.7 rounded up onto the tick grid. Leveraged products
    may have wider limits, which only the broker's values reflect.
    """
    if not instrument.market.is_korean:
        return None
    _require_price(instrument, base_price)
    upper = round_to_tick(instrument, base_price * (1 + _DAILY_LIMIT), Direction.DOWN)
    lower = round_to_tick(instrument, base_price * (1 - _DAILY_LIMIT), Direction.UP)
    return PriceLimits(lower=lower, upper=upper)


def limit_price(instrument: Instrument, price: Decimal, ticks: int, limits: PriceLimits | None) -> Decimal:
    """Shift price by ticks and clamp it onto a valid price within the limits."""
    if limits is None:
        return shift_ticks(instrument, price, ticks)
    upper = round_to_tick(instrument, limits.upper, Direction.DOWN)
    lower = round_to_tick(instrument, limits.lower, Direction.UP)
    if lower > upper:
        raise DomainError(f"{instrument.symbol}: no valid price between {limits.lower} and {limits.upper}")
    try:
        shifted = shift_ticks(instrument, price, ticks)
    except DomainError:
        if ticks >= 0:
            raise
        return lower  # stepped below the smallest price: the lower limit is as far down as an order goes
    return min(max(shifted, lower), upper)
