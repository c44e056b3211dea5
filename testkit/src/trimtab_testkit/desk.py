"""Seeded synthetic desk accounts for tests and benchmarks: snapshots of US ETF accounts on a few models.

`desk_models()` are the seed's GTAA (SPMO/SMH/IAU) and three bucket models; `desk_snapshots(count, seed)` gives
`count` accounts (ids DU1000000, DU1000001, ...) each on one of them (round robin), with USD cash and holdings
drifted from, or unrelated to, the model. The same arguments always give the same accounts.
"""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.models import ModelHolding, ModelPortfolio, flat_model
from trimtab.domain.snapshot import AccountSnapshot, Holding, Quote

AS_OF = dt.date(2026, 11, 27)
PRICES = {"SPMO": "98.41", "SMH": "286.12", "IAU": "75.90", "VTI": "301.44", "BND": "72.65", "GLD": "379.20",
          "QQQ": "612.37", "TLT": "88.04", "VEA": "57.81", "ARKK": "71.23"}
_MODELS = {
    "GTAA": {"SPMO": "0.3334", "SMH": "0.3333", "IAU": "0.3333"},
    "B101": {"VTI": "0.40", "BND": "0.40", "GLD": "0.20"},
    "B201": {"VTI": "0.30", "QQQ": "0.20", "TLT": "0.25", "VEA": "0.25"},
    "B301": {"QQQ": "0.50", "VEA": "0.30", "GLD": "0.20"},
}


def desk_models() -> list[ModelPortfolio]:
    """The desk's models (weights as fractions)."""
    return [flat_model(name, tuple(ModelHolding(symbol, Decimal(weight)) for symbol, weight in weights.items()))
            for name, weights in _MODELS.items()]


def instrument(symbol: str) -> Instrument:
    return Instrument(symbol=symbol, market=Market.US, instrument_type=InstrumentType.ETF, currency="USD")


def desk_snapshots(count: int, seed: int = 1) -> list[tuple[str, AccountSnapshot]]:
    """`count` accounts as (model name, snapshot), models taken in turn."""
    rng = random.Random(seed)  # noqa: S311 - seeded test data, not secrets
    names = list(_MODELS)
    accounts = []
    for index in range(count):
        model = names[index % len(names)]
        accounts.append((model, _snapshot(f"DU{1_000_000 + index}", _MODELS[model], rng)))
    return accounts


def _snapshot(account_id: str, weights: dict[str, str], rng: random.Random) -> AccountSnapshot:
    equity = Decimal(rng.randrange(20_000, 2_000_000))
    situation = rng.random()
    symbols = list(weights)
    if situation < 0.15:  # all cash
        held: dict[str, Decimal] = {}
    else:
        held = {}
        for symbol in symbols:
            drifted = Decimal(weights[symbol]) * (Decimal(rng.randrange(600, 1400)) / 1000) * Decimal("0.95")
            held[symbol] = (equity * drifted / Decimal(PRICES[symbol])).to_integral_value()
        if situation > 0.85:  # a holding the model does not want
            stray = rng.choice([symbol for symbol in PRICES if symbol not in weights])
            held[stray] = Decimal(rng.randrange(1, 200))
    invested = sum((quantity * Decimal(PRICES[symbol]) for symbol, quantity in held.items()), Decimal(0))
    cash = max(Decimal(0), equity - invested).quantize(Decimal("0.01"))
    quotes = {symbol: Quote(instrument(symbol), Decimal(price)) for symbol, price in PRICES.items()}
    holdings = tuple(Holding(quotes[symbol], quantity, quantity) for symbol, quantity in held.items() if quantity)
    return AccountSnapshot(account_id=account_id, currency="USD", cash=cash, holdings=holdings, quotes=quotes,
                           as_of=AS_OF)
