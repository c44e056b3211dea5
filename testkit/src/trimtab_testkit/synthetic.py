"""Seeded synthetic allocation batches for tests and benchmarks.

`make_batch(count, tickers, seed)` builds `count` accounts of `tickers` tickers as an `AllocationBatch` in
int64 units. The same arguments always give the same batch (numpy's PCG64 Generator, no global state).

Profile "krx": money in won (unit = 1 won, cost quantum 1), lot = 1 share, prices 1,000-1,000,000 won
log-uniform on the KRX stock tick grid, equity 1M-1B won log-uniform, commission 0.0140527 % (minimum 0),
sell tax 0.20 % (0 for about a third of tickers, the ETFs), a cash buffer of 1 % of equity as the reserve.
Buys pay one tick above the price, sells receive one tick below.

Profile "us": money in cents, lot = 1 share, prices $5-$1,000 log-uniform on the cent grid, equity
$1k-$1M, no commission and no tax, a one-cent spread each side, the same 1 % buffer.

Accounts mix four situations: all cash, drifted from target (some with holdings the target no longer
wants), unrelated holdings, and nearly fully invested with cash below the buffer (forced to sell).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trimtab.domain.allocation import AllocationBatch

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]

RATE_DENOMINATOR = 10**9
KRX_COMMISSION = 140_527  # 0.0140527 %
KRX_SELL_TAX = 2_000_000  # 0.20 %
BUFFER = 0.01

# KRX stock tick table: band lower bounds and the tick inside each band.
_KRX_BAND_FLOORS = np.array([0, 2_000, 5_000, 20_000, 50_000, 200_000, 500_000], dtype=np.int64)
_KRX_TICKS = np.array([1, 5, 10, 50, 100, 500, 1_000], dtype=np.int64)


@dataclass(frozen=True, slots=True)
class _Profile:
    price_range: tuple[float, float]  # in units
    equity_range: tuple[float, float]  # in units
    commission_rate: int
    sell_tax_rate: int
    krx_ticks: bool  # else one unit per tick


_PROFILES = {
    "krx": _Profile((1e3, 1e6), (1e6, 1e9), KRX_COMMISSION, KRX_SELL_TAX, krx_ticks=True),
    "us": _Profile((5e2, 1e5), (1e5, 1e8), 0, 0, krx_ticks=False),
}


def krx_tick(price: I64) -> I64:
    """The KRX stock tick at each price (vectorised)."""
    band = np.searchsorted(_KRX_BAND_FLOORS, price, side="right") - 1
    return _KRX_TICKS[np.clip(band, 0, _KRX_TICKS.size - 1)]


def snap_to_tick(price: I64) -> I64:
    """Round each price down onto the KRX stock tick grid (band floors are multiples of their tick)."""
    return price - price % krx_tick(price)


def _log_uniform(rng: np.random.Generator, bounds: tuple[float, float], size: tuple[int, ...]) -> F64:
    low, high = np.log(bounds[0]), np.log(bounds[1])
    return np.asarray(np.exp(rng.uniform(low, high, size=size)), dtype=np.float64)


def _target_weights(rng: np.random.Generator, count: int, tickers: int) -> F64:
    """Dirichlet weights with about a fifth of tickers set to zero (never all of an account)."""
    weights = rng.dirichlet(np.full(tickers, 1.0), size=count)
    zero = rng.random((count, tickers)) < 0.2
    zero[np.arange(count), rng.integers(0, tickers, size=count)] = False
    weights = np.where(zero, 0.0, weights)
    return np.asarray(weights / weights.sum(axis=1, keepdims=True), dtype=np.float64)


def _held_weights(rng: np.random.Generator, target: F64) -> F64:
    """Current weights of equity per ticker: all cash, drifted, unrelated, or over-invested."""
    count, tickers = target.shape
    kind = rng.choice(4, size=count, p=[0.15, 0.45, 0.25, 0.15])
    drifted = target * np.exp(rng.normal(0.0, 0.3, size=target.shape))
    legacy = (target == 0) & (rng.random(target.shape) < 0.3)
    drifted = np.where(legacy, rng.uniform(0.01, 0.08, size=target.shape), drifted)
    unrelated = rng.dirichlet(np.full(tickers, 0.7), size=count)
    invested = np.select(
        [kind == 1, kind == 2, kind == 3],
        [rng.uniform(0.8, 0.99, count), rng.uniform(0.3, 1.0, count), rng.uniform(0.995, 1.0, count)],
        0.0,
    )
    shape = np.where(np.equal(kind, 2)[:, None], unrelated, drifted)
    shape = shape / np.maximum(shape.sum(axis=1, keepdims=True), 1e-300)
    return np.asarray(shape * invested[:, None], dtype=np.float64)


def _prices(rng: np.random.Generator, profile: _Profile, shape: tuple[int, int]) -> tuple[I64, I64]:
    """Prices on the tick grid and the tick at each price."""
    raw = np.floor(_log_uniform(rng, profile.price_range, shape)).astype(np.int64)
    if profile.krx_ticks:
        price = snap_to_tick(raw)
        return price, krx_tick(price)
    return raw, np.ones_like(raw)


def make_batch(count: int, tickers: int, seed: int, *, profile: str = "krx") -> AllocationBatch:
    """A deterministic batch of `count` synthetic accounts of `tickers` tickers."""
    if profile not in _PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {sorted(_PROFILES)}")
    spec = _PROFILES[profile]
    rng = np.random.default_rng(seed)
    shape = (count, tickers)
    price, tick = _prices(rng, spec, shape)
    equity = np.floor(_log_uniform(rng, spec.equity_range, (count,))).astype(np.int64)
    target_weight = _target_weights(rng, count, tickers)
    held = np.floor(_held_weights(rng, target_weight) * equity[:, None] / price).astype(np.int64)
    held_value = held * price
    cash = equity - held_value.sum(axis=1)
    investable = equity.astype(np.float64) * (1.0 - BUFFER)
    taxed = rng.random(shape) >= 1.0 / 3.0
    return AllocationBatch(
        lot_value=price, buy_price=price + tick, sell_price=price - tick, held_value=held_value,
        target_value=np.floor(target_weight * investable[:, None]).astype(np.int64),
        lower=-held, upper=equity[:, None] // price + 1, cash=cash, reserve=equity // 100,
        commission_rate=np.full(count, spec.commission_rate, dtype=np.int64),
        commission_minimum=np.zeros(count, dtype=np.int64),
        sell_tax_rate=np.where(taxed, spec.sell_tax_rate, 0).astype(np.int64),
        cost_quantum=np.ones(count, dtype=np.int64), rate_denominator=RATE_DENOMINATOR,
    )
