"""Deterministic demo market data: real KRX and US listings and Binance spot pairs with seeded price paths.

Time is counted in integer steps, `steps_per_day` to a day (the paper broker maps its clock onto steps from an
epoch, UTC days, which hold a whole KRX and a whole US session). Each day has a base price, the previous day's
close (day 0: the listed base), and that day's band: the KRX daily limits, ±30 % of the base rounded onto the
tick grid (the same band for US listings, which have no limits). Within a day the price walks up to
`max_ticks_per_step` ticks per step, folded back (reflected) at the band's edges, so every price is on a
valid tick and inside the day's limits; the last walk position gives the next day's base.

A step's price depends only on (seed, symbol, step), never on call order: the walk's increments come in
chunks of a global step index, each drawn from a NumPy generator seeded with (seed, symbol, chunk index).
Running sums at chunk starts and the days' bases are memoised per process (they are pure functions of the
inputs), so late steps cost a one-off catch-up; the sums at chunk starts are also kept in the user's cache folder
and so are the days' bases (~/.cache/trimtab/demo-walk, keyed by NumPy's version and the path's parameters), so
the catch-up is paid once per machine, not once per command.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Mapping
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

import numpy as np
import numpy.typing as npt

from trimtab.adapters.cache_files import cache_file, read_cached, write_cached
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.ticks import Direction, PriceLimits, daily_limits, round_to_tick, shift_ticks, ticks_between

CHUNK_STEPS = 1024
PATH_BAND = Decimal("0.30")


def _krx(symbol: str, name: str, kind: InstrumentType) -> Instrument:
    return Instrument(symbol=symbol, market=Market.KOSPI, instrument_type=kind, currency="KRW", name=name)


def _us(symbol: str, name: str) -> Instrument:
    return Instrument(symbol=symbol, market=Market.US, instrument_type=InstrumentType.ETF, currency="USD", name=name)


def _crypto(base: str, lot: str) -> Instrument:
    return Instrument(symbol=f"{base}/USDT", market=Market.CRYPTO, instrument_type=InstrumentType.CRYPTO,
                      currency="USDT", lot_size=Decimal(lot), tick_size=Decimal("0.01"), name=f"{base}USDT")


_ETF, _STOCK = InstrumentType.ETF, InstrumentType.STOCK

# Real codes and names; all of these KRX listings trade on the KOSPI board.
DEMO_INSTRUMENTS: Mapping[str, Instrument] = {
    instrument.symbol: instrument
    for instrument in (
        _krx("069500", "KODEX 200", _ETF),
        _krx("360750", "TIGER 미국S&P500", _ETF),
        _krx("005930", "삼성전자", _STOCK),
        _krx("000660", "SK하이닉스", _STOCK),
        _krx("148070", "KOSEF 국고채10년", _ETF),
        _krx("114260", "KODEX 국고채3년", _ETF),
        _krx("132030", "KODEX 골드선물(H)", _ETF),
        _krx("229200", "KODEX 코스닥150", _ETF),
        _krx("114800", "KODEX 인버스", _ETF),
        _us("SPMO", "Invesco S&P 500 Momentum ETF"),
        _us("SMH", "VanEck Semiconductor ETF"),
        _us("IAU", "iShares Gold Trust"),
        # Binance's spot pairs with their LOT_SIZE steps and PRICE_FILTER ticks (their perpetuals BTC/USDT:USDT ...
        # follow these paths: adapters/brokers/paper/futures.py).
        _crypto("BTC", "0.00001"),
        _crypto("ETH", "0.0001"),
        _crypto("SOL", "0.001"),
    )
}

# Illustrative day-0 base prices, each on its tick (000660 and 114800 sit near a tick band edge on purpose).
DEMO_BASE_PRICES: Mapping[str, Decimal] = {
    symbol: Decimal(text)
    for symbol, text in {
        "069500": "52350", "360750": "23415", "005930": "98700", "000660": "512000", "148070": "118500",
        "114260": "63200", "132030": "21850", "229200": "13415", "114800": "1925",
        "SPMO": "115.42", "SMH": "305.18", "IAU": "68.73",
        "BTC/USDT": "90000.00", "ETH/USDT": "3000.00", "SOL/USDT": "150.00",
    }.items()
}


class DemoMarketData:
    """Seeded demo prices for the demo instruments (or any instruments and day-0 base prices given)."""

    def __init__(
        self,
        seed: int = 0,
        *,
        steps_per_day: int = 1440,
        max_ticks_per_step: int = 3,
        instruments: Mapping[str, Instrument] = DEMO_INSTRUMENTS,
        base_prices: Mapping[str, Decimal] = DEMO_BASE_PRICES,
    ) -> None:
        if max_ticks_per_step < 0 or steps_per_day <= 0:
            raise InvalidInput("steps per day must be positive and ticks per step at least 0",
                               where="demo market data", field="max_ticks_per_step", value=max_ticks_per_step)
        missing = sorted(set(instruments) - set(base_prices))
        if missing:
            raise InvalidInput("every instrument needs a base price", where="demo market data",
                               field="base_prices", value=missing)
        self.seed = seed
        self.steps_per_day = steps_per_day
        self.max_ticks_per_step = max_ticks_per_step
        self._instruments = dict(instruments)
        self._base_prices = dict(base_prices)

    def symbols(self) -> tuple[str, ...]:
        """Return every symbol with a price path."""
        return tuple(self._instruments)

    def instrument(self, symbol: str) -> Instrument | None:
        """Return the instrument of a symbol, or None when it has no price path."""
        return self._instruments.get(symbol)

    def base_price(self, symbol: str, step: int = 0) -> Decimal:
        """Return the base price (previous close) of the day holding a step."""
        return self._day(symbol, step).base

    def price_limits(self, symbol: str, step: int = 0) -> PriceLimits:
        """Return the band of the day holding a step (the KRX daily limits in Korea)."""
        return self._day(symbol, step).limits

    def price_at(self, symbol: str, step: int) -> Decimal:
        """Return the price at a step (the first step of each day is at the day's base)."""
        return self._price_in_day(symbol, self._day(symbol, step), step)

    def _price_in_day(self, symbol: str, day: _Day, step: int) -> Decimal:
        """Return the price at a step of a day: the day's base moved by the walk since the day began."""
        return day.price(day.base_index + self._walk(symbol, step) - self._walk(symbol, day.first_step))

    def _day(self, symbol: str, step: int) -> _Day:
        if step < 0:
            raise InvalidInput("step must be at least 0", where="demo market data", field="step", value=step)
        instrument = self.instrument(symbol)
        if instrument is None:
            raise InvalidInput("no demo price for this symbol", where="demo market data", field="symbol",
                               value=symbol)
        key = (self.seed, symbol, self.max_ticks_per_step, self.steps_per_day, instrument,
               self._base_prices[symbol])
        index = step // self.steps_per_day
        with _lock:
            bases = _bases.get(key)
            if bases is None:
                bases = _bases[key] = _cached_bases(key) or [self._base_prices[symbol]]
            if len(bases) <= index:
                while len(bases) <= index:
                    next_first = len(bases) * self.steps_per_day
                    last = self._built_day(key, len(bases) - 1)
                    bases.append(self._price_in_day(symbol, last, next_first))  # one step past the day's last
                write_cached(_bases_file(key), [str(base) for base in bases])
            return self._built_day(key, index)

    def _built_day(self, key: _DayKey, index: int) -> _Day:
        day = _days.get((key, index))
        if day is None:
            day = _days[key, index] = _Day.build(key[4], _bases[key][index], index * self.steps_per_day)
        return day

    def _walk(self, symbol: str, step: int) -> int:
        """Return the unbounded walk's position at a step: the sum of every increment before it."""
        chunk, offset = divmod(step, CHUNK_STEPS)
        positions = _chunk_positions(self.seed, symbol, chunk, self.max_ticks_per_step)
        moved = 0 if offset == 0 else int(positions[offset - 1])
        return self._chunk_start(symbol, chunk) + moved

    def _chunk_start(self, symbol: str, chunk: int) -> int:
        key = (self.seed, symbol, self.max_ticks_per_step)
        with _lock:
            starts = _chunk_starts.get(key)
            if starts is None:
                starts = _chunk_starts[key] = _cached_starts(*key)
            if len(starts) <= chunk:
                while len(starts) <= chunk:
                    starts.append(starts[-1] + _chunk_total(*key, len(starts) - 1))
                write_cached(_starts_file(*key), starts)
            return starts[chunk]


class _Day:
    """One day of a path: its base, its band, and the valid prices in the band indexed 0 (lower) to `top`."""

    def __init__(self, instrument: Instrument, base: Decimal, limits: PriceLimits, first_step: int) -> None:
        self.instrument = instrument
        self.base = base
        self.limits = limits
        self.first_step = first_step
        self.top = _ticks_between(instrument, limits.lower, limits.upper)
        self.base_index = _ticks_between(instrument, limits.lower, base)

    @classmethod
    def build(cls, instrument: Instrument, base: Decimal, first_step: int) -> _Day:
        limits = daily_limits(instrument, base) or PriceLimits(
            lower=round_to_tick(instrument, base * (1 - PATH_BAND), Direction.UP),
            upper=round_to_tick(instrument, base * (1 + PATH_BAND), Direction.DOWN),
        )
        return cls(instrument, base, limits, first_step)

    def price(self, position: int) -> Decimal:
        """Fold an unbounded walk position into [0, top] by reflection and return that grid price."""
        if self.top == 0:
            return self.limits.lower
        folded = position % (2 * self.top)
        index = folded if folded <= self.top else 2 * self.top - folded
        return shift_ticks(self.instrument, self.limits.lower, index)


def _ticks_between(instrument: Instrument, low: Decimal, high: Decimal) -> int:
    """Count the ticks from one valid price up to another."""
    return ticks_between(instrument, low, high)


def _symbol_key(symbol: str) -> int:
    """A stable integer for a symbol (Python's hash() is salted per process)."""
    return int.from_bytes(hashlib.sha256(symbol.encode()).digest()[:8], "big")


# Pure functions of their keys, memoised per process and shared by every DemoMarketData.
_lock = threading.RLock()
_chunk_starts: dict[tuple[int, str, int], list[int]] = {}
_DayKey = tuple[int, str, int, int, Instrument, Decimal]
_bases: dict[_DayKey, list[Decimal]] = {}
_days: dict[tuple[_DayKey, int], _Day] = {}


def _draw_chunk(seed: int, symbol: str, chunk: int, max_ticks: int) -> npt.NDArray[np.int64]:
    generator = np.random.default_rng([seed, _symbol_key(symbol), chunk])
    return generator.integers(-max_ticks, max_ticks, size=CHUNK_STEPS, endpoint=True, dtype=np.int64)


def _bases_file(key: _DayKey) -> Path:
    seed, symbol, max_ticks, steps_per_day, instrument, base = key
    return cache_file("demo-walk", f"days-{_symbol_key(symbol):016x}", [
        np.__version__, seed, symbol, max_ticks, steps_per_day, CHUNK_STEPS, repr(instrument), str(base)])


def _cached_bases(key: _DayKey) -> list[Decimal]:
    """The days' bases (previous closes) computed by an earlier process, else none."""
    bases = read_cached(_bases_file(key))
    try:
        return [Decimal(base) for base in bases] if isinstance(bases, list) and bases[:1] == [str(key[5])] else []
    except (TypeError, ArithmeticError):
        return []


def _starts_file(seed: int, symbol: str, max_ticks: int) -> Path:
    return cache_file("demo-walk", f"starts-{_symbol_key(symbol):016x}",
                      [np.__version__, seed, symbol, max_ticks, CHUNK_STEPS])


def _cached_starts(seed: int, symbol: str, max_ticks: int) -> list[int]:
    """The walk's positions at chunk starts computed by an earlier process (a catch-up of every chunk since the
    paper epoch is most of a paper command's work), else only the first."""
    starts = read_cached(_starts_file(seed, symbol, max_ticks))
    if isinstance(starts, list) and starts[:1] == [0] and all(type(start) is int for start in starts):
        return starts
    return [0]


def _chunk_total(seed: int, symbol: str, max_ticks: int, chunk: int) -> int:
    """Return how far one chunk of the walk moves in total."""
    return int(_draw_chunk(seed, symbol, chunk, max_ticks).sum())


@lru_cache(maxsize=256)
def _chunk_positions(seed: int, symbol: str, chunk: int, max_ticks: int) -> npt.NDArray[np.int64]:
    """Return where the walk stands after each increment of one chunk (exact integers, cumulative)."""
    positions = np.cumsum(_draw_chunk(seed, symbol, chunk, max_ticks))
    positions.setflags(write=False)
    return positions
