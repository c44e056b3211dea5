"""The exact MILP allocation as an oracle: feasible, optimal, and the yardstick for the heuristics."""

from __future__ import annotations

import dataclasses
import itertools
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from trimtab.adapters.solvers.milp import allocate_exact, allocate_exact_with_stats
from trimtab.domain.allocation import (
    AllocationBatch,
    IntArray,
    allocate_floor,
    allocate_greedy,
    cash_flows,
    cash_slack,
    is_feasible,
    objective,
)
from trimtab_testkit.synthetic import make_batch

ROOT = Path(__file__).resolve().parents[2]


def _equity(batch: AllocationBatch) -> IntArray:
    return np.asarray(batch.cash + batch.held_value.sum(axis=1))


def _map_arrays(batch: AllocationBatch, change: Callable[[IntArray], IntArray]) -> AllocationBatch:
    """The batch with every array field passed through `change`."""
    values: dict[str, Any] = {
        field.name: change(value) if isinstance(value, np.ndarray) else value
        for field in dataclasses.fields(batch)
        for value in (getattr(batch, field.name),)
    }
    return AllocationBatch(**values)


def _brute_force(batch: AllocationBatch) -> tuple[IntArray, IntArray]:
    """Best objective per account over every lot vector within the bounds, and whether one is feasible."""
    count, width = batch.shape
    spans = [range(int(batch.lower.min()), int(batch.upper.max()) + 1)] * width
    grid = np.array(list(itertools.product(*spans)), dtype=np.int64)
    repeated = _map_arrays(batch, lambda value: np.repeat(value, len(grid), axis=0))
    lots = np.tile(grid, (count, 1))
    feasible = is_feasible(repeated, lots).reshape(count, len(grid))
    score = objective(repeated, lots).reshape(count, len(grid))
    best = np.where(feasible, score, np.iinfo(np.int64).max).min(axis=1)
    return np.asarray(best), np.asarray(feasible.any(axis=1))


def _small_windows(batch: AllocationBatch) -> AllocationBatch:
    """The same accounts with at most 3 lots bought or sold per ticker (a brute-forceable problem)."""
    return dataclasses.replace(batch, lower=np.maximum(batch.lower, -3), upper=np.minimum(batch.upper, 3))


@pytest.mark.parametrize(("tickers", "seed"), [(5, 101), (20, 102)])
def test_exact_is_feasible_and_never_worse_than_the_heuristics(tickers: int, seed: int) -> None:
    batch = make_batch(50, tickers, seed)
    lots, stats = allocate_exact_with_stats(batch, exact_costs=True)
    assert stats.optimal == 50
    assert stats.fell_back == 0
    assert stats.resolved == 0  # the model's costs are the exact ones: nothing to repair after rounding
    assert is_feasible(batch, lots).all()
    exact = objective(batch, lots)
    assert (exact <= objective(batch, allocate_greedy(batch))).all()
    assert (exact <= objective(batch, allocate_floor(batch))).all()


def test_allowance_model_is_feasible_and_beats_greedy_wherever_greedy_leaves_room() -> None:
    batch = make_batch(50, 5, 103)
    lots, stats = allocate_exact_with_stats(batch)
    greedy = allocate_greedy(batch)
    assert stats.fell_back == 0
    assert stats.resolved == 0  # the allowance over-charges: the exact costs always fit
    assert is_feasible(batch, lots).all()
    # The allowance charges at most two cost quanta per ticker above the exact costs.
    roomy = cash_slack(batch, greedy) >= 2 * 5 * batch.cost_quantum
    assert roomy.sum() > 40
    assert (objective(batch, lots)[roomy] <= objective(batch, greedy)[roomy]).all()


@pytest.mark.slow
def test_greedy_is_within_one_percent_of_the_optimum() -> None:
    for tickers, count, seed in [(5, 200, 104), (20, 100, 105)]:
        batch = make_batch(count, tickers, seed)
        equity = _equity(batch).astype(np.float64)
        exact = objective(batch, allocate_exact(batch)) / equity
        greedy = objective(batch, allocate_greedy(batch)) / equity
        assert greedy.mean() <= 1.01 * exact.mean(), (tickers, greedy.mean() / exact.mean())


@pytest.mark.parametrize("minimum", [0, 5_000])
def test_exact_costs_match_brute_force(minimum: int) -> None:
    base = _small_windows(make_batch(30, 3, 106 + minimum))
    count = base.shape[0]
    # Cash from 1.5 lots short of the reserve to 1.5 lots above it: the cash rule binds, sells pay for buys.
    lot = base.buy_price.mean(axis=1).astype(np.int64)
    spare = (np.linspace(-1.5, 1.5, count) * lot).astype(np.int64)
    batch = dataclasses.replace(
        base, cash=base.reserve + spare,
        commission_rate=np.full(count, 5_000_000, dtype=np.int64),  # 0.5 %, and a 1 % tax: costs matter
        sell_tax_rate=np.where(base.sell_tax_rate > 0, 10_000_000, 0).astype(np.int64),
        commission_minimum=np.full(count, minimum, dtype=np.int64),
        cost_quantum=np.full(count, 10, dtype=np.int64),
    )
    best, solvable = _brute_force(batch)
    lots, stats = allocate_exact_with_stats(batch, exact_costs=True)
    assert solvable.sum() >= 20  # the rest cannot reach the reserve selling 3 lots a ticker
    assert stats.fell_back == count - solvable.sum()
    assert stats.resolved == 0
    assert is_feasible(batch, lots)[solvable].all()
    assert (objective(batch, lots)[solvable] == best[solvable]).all()
    allowance, stats = allocate_exact_with_stats(batch)
    assert stats.resolved == 0
    assert is_feasible(batch, allowance)[solvable].all()
    assert (objective(batch, allowance)[solvable] >= best[solvable]).all()


def _one_ticker_account(cash: int, held: int = 0) -> AllocationBatch:
    """One account, one ticker at 10,007 won (tick 10), a target of 10 lots: more than the cash buys."""
    def one(value: int) -> IntArray:
        return np.array([[value]], dtype=np.int64)

    return AllocationBatch(
        lot_value=one(10_007), buy_price=one(10_017), sell_price=one(9_997), held_value=one(10_007 * held),
        target_value=one(100_070), lower=one(-held), upper=one(1_000), cash=np.array([cash]),
        reserve=np.array([1_000]), commission_rate=np.array([140_527]), commission_minimum=np.array([0]),
        sell_tax_rate=one(2_000_000), cost_quantum=np.array([1]), rate_denominator=10**9,
    )


@pytest.mark.parametrize("lots", [1, 3, 7])
def test_exact_spends_cash_to_the_last_unit_but_not_beyond(lots: int) -> None:
    spend = -int(cash_flows(_one_ticker_account(0), np.array([[lots]]))[0, 0])
    exact_fit = _one_ticker_account(1_000 + spend)
    assert allocate_exact(exact_fit, exact_costs=True)[0, 0] == lots
    assert cash_slack(exact_fit, allocate_exact(exact_fit, exact_costs=True))[0] == 0
    short = _one_ticker_account(1_000 + spend - 1)
    assert allocate_exact(short, exact_costs=True)[0, 0] == lots - 1
    for allowance in (allocate_exact(exact_fit), allocate_exact(short)):
        assert is_feasible(exact_fit, allowance).all()
        assert allowance[0, 0] >= lots - 1


def test_exact_never_oversells_and_sells_only_what_the_reserve_needs() -> None:
    batch = dataclasses.replace(_one_ticker_account(0, held=5), target_value=np.array([[10_007 * 5]]))
    lots = allocate_exact(batch, exact_costs=True)
    assert lots[0, 0] == -1  # 9,997 won less costs covers the 1,000 won reserve
    assert is_feasible(batch, lots).all()
    hopeless = dataclasses.replace(batch, reserve=np.array([10**8]))
    lots, stats = allocate_exact_with_stats(hopeless)
    assert stats.fell_back == 1
    assert lots[0, 0] >= -5


def test_object_arrays_give_the_same_lots() -> None:
    batch = make_batch(10, 5, 107)
    as_objects = _map_arrays(batch, lambda value: value.astype(object))
    lots = allocate_exact(as_objects, exact_costs=True)
    assert lots.dtype == object
    assert isinstance(lots[0, 0], int)
    np.testing.assert_array_equal(lots.astype(np.int64), allocate_exact(batch, exact_costs=True))


def test_benchmark_quick_run_smoke() -> None:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(  # noqa: S603 - our own script, run with the interpreter running the tests
        [sys.executable, str(ROOT / "benchmarks" / "plan_bench.py"), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=ROOT, env=env, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    for method in ("floor", "greedy", "exact"):
        assert method in done.stdout
    assert "Single account" in done.stdout
