"""Demo market data: every price on a valid tick inside its day's limits, and independent of call order."""

from __future__ import annotations

import itertools
import json
import random
from collections.abc import Callable
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest

from trimtab.adapters.marketdata import demo
from trimtab.adapters.marketdata.demo import DEMO_BASE_PRICES, DEMO_INSTRUMENTS, DemoMarketData
from trimtab.domain.instruments import InstrumentType, Market
from trimtab.domain.ticks import daily_limits, is_valid_price

STEPS_PER_DAY = 1440


def _forget_memos() -> None:
    demo._days.clear()
    demo._bases.clear()
    demo._chunk_starts.clear()
    demo._chunk_positions.cache_clear()


def test_demo_instruments_have_valid_base_prices_and_markets() -> None:
    assert set(DEMO_INSTRUMENTS) == set(DEMO_BASE_PRICES)
    for symbol, instrument in DEMO_INSTRUMENTS.items():
        assert is_valid_price(instrument, DEMO_BASE_PRICES[symbol])
        expected = "KRW" if instrument.market.is_korean else "USDT" if instrument.market is Market.CRYPTO else "USD"
        assert instrument.currency == expected
    assert DEMO_INSTRUMENTS["005930"].instrument_type is InstrumentType.STOCK
    assert DEMO_INSTRUMENTS["069500"].instrument_type is InstrumentType.ETF
    assert DEMO_INSTRUMENTS["SPMO"].market is Market.US


def test_price_path_stays_on_ticks_inside_each_days_limits() -> None:
    prices = DemoMarketData(seed=41)
    for symbol in prices.symbols():
        instrument = prices.instrument(symbol)
        assert instrument is not None
        for step in range(0, 20 * STEPS_PER_DAY, 173):
            price = prices.price_at(symbol, step)
            assert is_valid_price(instrument, price)
            assert prices.price_limits(symbol, step).contains(price)
            limits = daily_limits(instrument, prices.base_price(symbol, step))
            assert limits is None or limits == prices.price_limits(symbol, step)


def test_each_day_opens_at_its_base_and_the_base_is_the_previous_close() -> None:
    prices = DemoMarketData(seed=42)
    assert prices.price_at("005930", 0) == DEMO_BASE_PRICES["005930"]
    for day in range(1, 5):
        first = day * STEPS_PER_DAY
        assert prices.price_at("005930", first) == prices.base_price("005930", first)
        assert prices.base_price("005930", first - 1) == prices.base_price("005930", (day - 1) * STEPS_PER_DAY)


def test_price_depends_only_on_seed_symbol_and_step_not_call_order() -> None:
    steps = [0, 1, 2, 1023, 1024, 1025, 5000, 70_000, 300_000]
    _forget_memos()
    in_order = [DemoMarketData(seed=43).price_at("000660", step) for step in steps]
    _forget_memos()
    shuffled = list(enumerate(steps))
    random.Random(1).shuffle(shuffled)
    prices = DemoMarketData(seed=43)
    out_of_order = {index: prices.price_at("000660", step) for index, step in shuffled}

    assert [out_of_order[index] for index in range(len(steps))] == in_order


def test_price_moves_a_few_ticks_per_step_and_seeds_differ() -> None:
    first, second = DemoMarketData(seed=44), DemoMarketData(seed=45)
    path = [first.price_at("069500", step) for step in range(200)]
    moves = {abs(later - earlier) / 5 for earlier, later in itertools.pairwise(path)}

    assert max(moves) <= 3
    assert len(set(path)) > 10
    assert path != [second.price_at("069500", step) for step in range(200)]


def test_walk_sums_are_kept_in_the_cache_folder_and_a_damaged_file_only_costs_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    step = 400 * STEPS_PER_DAY + 17
    _forget_memos()
    expected = DemoMarketData(seed=7).price_at("069500", step)
    folder = tmp_path / ".cache" / "trimtab" / "demo-walk"
    starts, bases = (list(folder.glob(pattern)) for pattern in ("starts-*.json", "days-*.json"))
    assert len(starts) == 1
    assert len(bases) == 1
    stored = json.loads(starts[0].read_text())
    assert stored[0] == 0
    assert len(stored) > step // demo.CHUNK_STEPS
    assert len(json.loads(bases[0].read_text())) == 401

    _forget_memos()
    monkeypatch.setattr(demo, "_draw_chunk", _no_draws_before_the_last_chunk(step // demo.CHUNK_STEPS))
    assert DemoMarketData(seed=7).price_at("069500", step) == expected  # the sums came from the file

    monkeypatch.undo()
    monkeypatch.setenv("HOME", str(tmp_path))
    for damaged in ("{not json", "[1, 2, 3]", '[0, "x"]', '["x"]'):
        for file in (*starts, *bases):
            file.write_text(damaged)
        _forget_memos()
        assert DemoMarketData(seed=7).price_at("069500", step) == expected
    _forget_memos()


def _no_draws_before_the_last_chunk(last: int) -> Callable[[int, str, int, int], npt.NDArray[np.int64]]:
    original = demo._draw_chunk

    def draw(seed: int, symbol: str, chunk: int, max_ticks: int) -> npt.NDArray[np.int64]:
        assert chunk >= last - 1, f"chunk {chunk} drawn again"
        return original(seed, symbol, chunk, max_ticks)

    return draw
