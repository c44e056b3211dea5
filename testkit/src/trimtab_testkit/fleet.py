"""A synthetic fleet for the sweep: five models of 20 symbols, N accounts on them, written in bulk.

Deterministic by seed and account index (accounts are made in blocks of BLOCK from a generator seeded with
the seed and the block's start), so a test can rebuild any one account exactly (`fleet_account`) and compare
the sweep's plan with the one-account planner's. Most accounts sit near their model (quantities off by about
1 %); `drift_share` of them are pushed out of their bands (one ticker tripled and one sold out, or a deposit
of 10 % of equity left in cash), one in a thousand holds a symbol of another model, one in two thousand has
no stored positions, and one in ten has its own bands (a 25 % relative band). Prices sit on their ticks: KRX
ETFs of 2,000-50,000 won in 5 won steps,
US stocks of $5-$300 in cents; equity 50M-2B won or $50k-$2M.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal

import numpy as np
import numpy.typing as npt
from sqlalchemy import Engine

from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.models import AssetClass, ModelHolding, ModelPortfolio, flat_model, two_level_model
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote

BLOCK = 50_000
K = 20
READ_AT = dt.datetime(2026, 11, 30, 7, 0, tzinfo=dt.UTC)
AS_OF = dt.date(2026, 11, 30)
MODEL_NAMES = ("FLEET-KR-CORE", "FLEET-KR-BAL", "FLEET-KR-GROWTH", "FLEET-US-CORE", "FLEET-US-BAL")
CURRENCIES = ("KRW", "KRW", "KRW", "USD", "USD")
RELATIVE_BAND = Decimal("0.25")
IntArray = npt.NDArray[np.int64]


def symbols_of(model: int) -> list[str]:
    """The model's 20 symbols: six-digit KRX codes or US tickers."""
    if CURRENCIES[model] == "KRW":
        return [f"9{model}{k:04d}" for k in range(K)]
    return [f"U{model}X{chr(65 + k)}" for k in range(K)]


def fleet_models() -> list[ModelPortfolio]:
    """Flat, two-level and unequal-weight models: three on KRX ETFs, two on US stocks."""
    models = []
    for index, name in enumerate(MODEL_NAMES):
        symbols = symbols_of(index)
        if index in (1, 4):
            class_weights = (Decimal("0.4"), Decimal("0.3"), Decimal("0.2"), Decimal("0.1"))
            classes = tuple(AssetClass(f"C{c}", weight, tuple(ModelHolding(symbol, Decimal("0.2"))
                                                               for symbol in symbols[c * 5:(c + 1) * 5]))
                            for c, weight in enumerate(class_weights))
            models.append(two_level_model(name, classes))
        else:
            weights = [Decimal("0.08")] * 5 + [Decimal("0.04")] * 15 if index == 2 else [Decimal("0.05")] * K
            models.append(flat_model(name, tuple(ModelHolding(symbol, weight)
                                                 for symbol, weight in zip(symbols, weights, strict=True))))
    return models


def fleet_quotes(seed: int = 7) -> dict[str, Quote]:
    """Every symbol's quote, on its tick: KRX ETFs 2,000-50,000 won in 5 won steps, US $5-$300 in cents."""
    rng = np.random.default_rng([seed, 999])
    quotes: dict[str, Quote] = {}
    for model in range(len(MODEL_NAMES)):
        for symbol in symbols_of(model):
            if CURRENCIES[model] == "KRW":
                price = Decimal(int(rng.integers(400, 10_000)) * 5)
                instrument = Instrument(symbol, Market.KRX, InstrumentType.ETF, "KRW", name=f"ETF {symbol}")
            else:
                price = Decimal(int(rng.integers(500, 30_000))).scaleb(-2)
                instrument = Instrument(symbol, Market.US, InstrumentType.STOCK, "USD", name=f"Stock {symbol}")
            quotes[symbol] = Quote(instrument, price)
    return quotes


@dataclass(frozen=True, slots=True)
class FleetBlock:
    """Accounts start .. start+count-1: model, cash in minor units, quantities of the model's symbols, extras."""

    start: int
    models: IntArray
    cash: IntArray  # minor units (won, cents)
    quantities: IntArray  # (count, K)
    outside: IntArray  # a symbol index of the next model (same currency) held outside the model, or -1
    has_positions: npt.NDArray[np.bool_]
    own_bands: npt.NDArray[np.bool_]

    def account_id(self, row: int) -> str:
        return account_id(self.start + row)


def account_id(index: int) -> str:
    """F0000000, F0000001, ...: text order is index order."""
    return f"F{index:07d}"


def fleet_block(seed: int, start: int, count: int, drift_share: float, quotes: dict[str, Quote]) -> FleetBlock:
    """The block's accounts (a block starts at a multiple of BLOCK)."""
    rng = np.random.default_rng([seed, start])
    models = (np.arange(start, start + count) % len(MODEL_NAMES)).astype(np.int64)
    weights = np.array([[float(w) for w in model.target_weights().values()] for model in fleet_models()])
    prices = np.array([[float(quotes[s].price) for s in symbols_of(m)] for m in range(len(MODEL_NAMES))])
    scale = np.where(np.array(CURRENCIES)[models] == "KRW", 1.0, 100.0)  # minor units per unit
    equity = np.exp(rng.uniform(np.log(5e7), np.log(2e9), count)) / np.where(scale == 1.0, 1.0, 1000.0)
    target = equity[:, None] * weights[models] * 0.99
    noise = 1.0 + rng.normal(0.0, 0.01, (count, K))
    quantities = np.floor(target * noise / prices[models]).astype(np.int64)
    drifted = rng.random(count) < drift_share
    tilt = drifted & (rng.random(count) < 0.5)
    rows = np.flatnonzero(tilt)
    up, down = rng.integers(0, K, rows.size), rng.integers(0, K, rows.size)
    quantities[rows, up] *= 3
    quantities[rows, np.where(down == up, (up + 1) % K, down)] = 0
    invested = (quantities * prices[models]).sum(axis=1)
    cash = np.floor(np.maximum(equity - invested, 0.0) * scale).astype(np.int64)
    deposit = drifted & ~tilt
    cash[deposit] += np.floor(equity[deposit] * 0.10 * scale[deposit]).astype(np.int64)
    outside = np.where(rng.random(count) < 0.001, rng.integers(0, K, count), -1).astype(np.int64)
    return FleetBlock(start, models, cash, quantities, outside, rng.random(count) >= 0.0005, rng.random(count) < 0.1)


def blocks(seed: int, accounts: int, drift_share: float, quotes: dict[str, Quote]) -> Iterator[FleetBlock]:
    for start in range(0, accounts, BLOCK):
        yield fleet_block(seed, start, min(BLOCK, accounts - start), drift_share, quotes)


def outside_symbol(model: int, index: int) -> str:
    """The symbol of another model of the same currency that an account may hold outside its own."""
    partner = {0: 1, 1: 2, 2: 0, 3: 4, 4: 3}[model]
    return symbols_of(partner)[index]


def fleet_account(seed: int, index: int, accounts: int, drift_share: float,
                  quotes: dict[str, Quote]) -> AccountSnapshot | None:
    """One account of a generated fleet rebuilt exactly, as the sweep should see it (None: no positions)."""
    start = index - index % BLOCK
    return block_account(fleet_block(seed, start, min(BLOCK, accounts - start), drift_share, quotes), index - start,
                         quotes)


def block_account(block: FleetBlock, row: int, quotes: dict[str, Quote]) -> AccountSnapshot | None:
    """One account of a block as the sweep should see it (None: no positions stored)."""
    index = block.start + row
    if not block.has_positions[row]:
        return None
    model = int(block.models[row])
    held = [(symbol, int(quantity)) for symbol, quantity in zip(symbols_of(model), block.quantities[row].tolist(),
                                                                strict=True) if quantity > 0]
    if block.outside[row] >= 0:
        held.append((outside_symbol(model, int(block.outside[row])), 1))
    currency = CURRENCIES[model]
    cash = Decimal(int(block.cash[row])).scaleb(0 if currency == "KRW" else -2)
    symbols = list(dict.fromkeys([*symbols_of(model), *(symbol for symbol, _ in held)]))
    holdings = tuple(Holding(quotes[symbol], Decimal(quantity), Decimal(quantity)) for symbol, quantity in held)
    return AccountSnapshot(account_id(index), currency, cash, holdings, {symbol: quotes[symbol] for symbol in symbols},
                           AS_OF, costs=CostSettings())


def write_fleet(engine: Engine, accounts: int, *, seed: int = 7, drift_share: float = 0.1) -> None:
    """Write the models, quotes and `accounts` accounts (COPY on PostgreSQL, executemany on SQLite)."""
    from trimtab.adapters.persistence.portfolios import SqlModelRepository
    from trimtab_testkit.fleet_writer import FleetWriter

    repository = SqlModelRepository(engine)
    for model in fleet_models():
        repository.import_model(model)
    quotes = fleet_quotes(seed)
    with FleetWriter(engine) as writer:
        writer.quotes(quotes)
        for block in blocks(seed, accounts, drift_share, quotes):
            writer.block(block)
