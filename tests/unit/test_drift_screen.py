"""The sweep's float screen never rules out an account the domain's exact drift finds breached."""

from __future__ import annotations

from decimal import Decimal

import numpy as np

from trimtab.domain.drift import Bands, measure_drift, value_account
from trimtab.domain.drift_screen import screen, screen_spec
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.models import ModelHolding, ModelPortfolio, flat_model
from trimtab.domain.snapshot import AccountSnapshot, Holding, Quote
from trimtab_testkit.fleet import AS_OF, MODEL_NAMES, block_account, fleet_block, fleet_models, fleet_quotes

CASH_BUFFER = Decimal("0.01")


def _matrix(snapshots: list[AccountSnapshot], column_of: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    values = np.zeros((len(snapshots), len(column_of)))
    for row, snapshot in enumerate(snapshots):
        for holding in snapshot.holdings:
            values[row, column_of[holding.symbol]] = float(holding.value)
    return values, np.array([float(snapshot.cash) for snapshot in snapshots])


def _exact(model: ModelPortfolio, snapshot: AccountSnapshot, bands: Bands) -> tuple[bool, Decimal]:
    drift = measure_drift(model, value_account(snapshot), bands, cash_buffer=CASH_BUFFER)
    return drift.rebalance_needed, max(abs(row.drift) for row in drift.tickers)


def test_screen_keeps_every_breached_fleet_account_and_measures_the_largest_drift() -> None:
    quotes = fleet_quotes(3)
    column_of = {symbol: index for index, symbol in enumerate(quotes)}
    block = fleet_block(3, 0, 4_000, 0.2, quotes)
    models = {model.name: model for model in fleet_models()}
    checked = breached = 0
    for bands in (Bands(), Bands(relative_band=Decimal("0.25")), Bands(Decimal("0.01"), Decimal("0.02"))):
        for number, name in enumerate(MODEL_NAMES):
            rows = [row for row in range(len(block.models)) if block.models[row] == number and block.has_positions[row]]
            snapshots = [snapshot for row in rows if (snapshot := block_account(block, row, quotes)) is not None]
            spec = screen_spec(models[name], bands, CASH_BUFFER, column_of)
            found = screen(spec, *_matrix(snapshots, column_of))
            for row, snapshot in enumerate(snapshots):
                is_breached, largest = _exact(models[name], snapshot, bands)
                assert not is_breached or found.candidate[row], snapshot.account_id
                assert abs(float(largest) - found.largest_drift[row]) < 1e-12
                checked += 1
                breached += is_breached
    assert checked > 10_000
    assert 0 < breached < checked
    assert found.candidate.sum() < len(snapshots)  # the screen rules most accounts out


def test_screen_sends_an_account_exactly_on_its_band_for_an_exact_look() -> None:
    model = flat_model("EDGE", (ModelHolding("AAA", Decimal("0.5")), ModelHolding("BBB", Decimal("0.5"))))
    quotes = {symbol: Quote(Instrument(symbol, Market.US, InstrumentType.STOCK, "USD"), Decimal(1))
              for symbol in ("AAA", "BBB")}
    bands = Bands(ticker_band=Decimal("0.05"))
    on_band = AccountSnapshot("EDGE", "USD", Decimal(0), (
        Holding(quotes["AAA"], Decimal(55), Decimal(55)), Holding(quotes["BBB"], Decimal(45), Decimal(45))),
        quotes, AS_OF)
    inside = AccountSnapshot("IN", "USD", Decimal(0), (
        Holding(quotes["AAA"], Decimal(54), Decimal(54)), Holding(quotes["BBB"], Decimal(46), Decimal(46))),
        quotes, AS_OF)
    spec = screen_spec(model, bands, Decimal(0), {"AAA": 0, "BBB": 1})
    found = screen(spec, *_matrix([on_band, inside], {"AAA": 0, "BBB": 1}))
    assert found.candidate.tolist() == [True, False]
    breached = measure_drift(model, value_account(on_band), bands, cash_buffer=Decimal(0)).rebalance_needed
    assert not breached  # a drift equal to its band breaks nothing: the exact look says in band


def test_screen_flags_no_equity_and_holdings_outside_the_model() -> None:
    model = flat_model("TWO", (ModelHolding("AAA", Decimal("0.5")), ModelHolding("BBB", Decimal("0.5"))))
    spec = screen_spec(model, Bands(), Decimal(0), {"AAA": 0, "BBB": 1, "CCC": 2})
    values = np.array([[50.0, 50.0, 0.0], [50.0, 49.0, 1.0], [0.0, 0.0, 0.0]])
    found = screen(spec, values, np.array([0.0, 0.0, 0.0]))
    assert found.candidate.tolist() == [False, True, True]
