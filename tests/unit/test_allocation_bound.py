"""The certificate's lower bound never exceeds any plan that keeps the cash rule, the optimum included."""

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
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.adapters.solvers.milp import allocate_exact_with_stats
from trimtab.domain.allocation import (
    AllocationBatch,
    IntArray,
    allocate_floor,
    allocate_greedy,
    is_feasible,
    objective,
    rows_of,
)
from trimtab.domain.allocation_bound import objective_bound
from trimtab_testkit.synthetic import make_batch


def _with_costs(batch: AllocationBatch, rate: int, minimum: int, quantum: int, tax: int) -> AllocationBatch:
    """The same accounts under other costs (rates over 10^9, money in the batch's units)."""
    count = batch.shape[0]
    return dataclasses.replace(
        batch, commission_rate=np.full(count, rate, dtype=np.int64),
        commission_minimum=np.full(count, minimum, dtype=np.int64),
        cost_quantum=np.full(count, quantum, dtype=np.int64),
        sell_tax_rate=np.where(batch.sell_tax_rate > 0, tax, 0).astype(np.int64),
    )


def _check_below(batch: AllocationBatch, lots: IntArray) -> None:
    """Wherever the lots keep the cash rule, the bound is at most their objective."""
    bound = objective_bound(batch)
    feasible = is_feasible(batch, lots)
    assert bound.solvable[feasible].all()
    assert (bound.units[feasible] <= objective(batch, lots)[feasible]).all()


@pytest.mark.parametrize("profile", ["krx", "us"])
@pytest.mark.parametrize(("tickers", "seed"), [(5, 301), (20, 302)])
def test_bound_never_exceeds_the_milp_optimum(profile: str, tickers: int, seed: int) -> None:
    batch = make_batch(40, tickers, seed, profile=profile)
    lots, stats = allocate_exact_with_stats(batch, exact_costs=True)
    assert stats.optimal == 40
    _check_below(batch, lots)
    bound = objective_bound(batch)
    proven = bound.units == objective(batch, lots)
    assert proven.sum() >= 20  # the bound is not idle: it proves most optima


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(seed=st.integers(0, 10**6), tickers=st.integers(1, 8), profile=st.sampled_from(["krx", "us"]),
       rate=st.sampled_from([0, 140_527, 5_000_000]), minimum=st.sampled_from([0, 100, 1_500]),
       quantum=st.sampled_from([1, 10]), tax=st.sampled_from([0, 2_000_000, 10_000_000]))
def test_bound_below_the_optimum_and_every_heuristic_under_any_costs(
    seed: int, tickers: int, profile: str, rate: int, minimum: int, quantum: int, tax: int
) -> None:
    batch = _with_costs(make_batch(6, tickers, seed, profile=profile), rate, minimum, quantum, tax)
    for allocate in (allocate_greedy, allocate_floor):
        _check_below(batch, allocate(batch))
    lots, _ = allocate_exact_with_stats(batch, exact_costs=True)
    _check_below(batch, lots)


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
    return np.where(feasible, score, np.iinfo(np.int64).max).min(axis=1), np.asarray(feasible.any(axis=1))


@pytest.mark.parametrize("minimum", [0, 5_000])
def test_bound_matches_brute_force_where_the_cash_rule_binds(minimum: int) -> None:
    base = make_batch(40, 3, 303 + minimum)
    base = dataclasses.replace(base, lower=np.maximum(base.lower, -3), upper=np.minimum(base.upper, 3))
    count = base.shape[0]
    lot = base.buy_price.mean(axis=1).astype(np.int64)
    spare = (np.linspace(-1.5, 1.5, count) * lot).astype(np.int64)
    batch = _with_costs(dataclasses.replace(base, cash=base.reserve + spare), 5_000_000, minimum, 10, 10_000_000)
    best, solvable = _brute_force(batch)
    bound = objective_bound(batch)
    assert bound.solvable[solvable].all()
    assert (bound.units[solvable] <= best[solvable]).all()
    assert (bound.units[solvable] == best[solvable]).sum() >= solvable.sum() // 2


@pytest.mark.parametrize("depth", [0, 1, 3])
def test_deeper_splits_only_raise_the_bound_and_the_incumbent_only_stops_them(depth: int) -> None:
    batch = make_batch(60, 6, 307)
    shallow, deep = objective_bound(batch, depth=depth), objective_bound(batch, depth=depth + 2)
    assert (deep.units >= shallow.units).all()
    greedy = objective(batch, allocate_greedy(batch))
    pruned = objective_bound(batch, depth=depth + 2, incumbent=greedy)
    assert (pruned.units <= greedy).all()
    assert (np.minimum(deep.units, greedy) <= np.maximum(pruned.units, shallow.units)).all()


def test_bound_of_an_account_no_plan_can_save_is_unsolvable() -> None:
    batch = make_batch(3, 4, 304)
    hopeless = dataclasses.replace(batch, lower=np.zeros_like(batch.lower), reserve=batch.cash + 1)
    assert not objective_bound(hopeless).solvable.any()


def test_object_arrays_give_the_same_bound() -> None:
    batch = make_batch(20, 5, 305)
    as_objects = _map_arrays(batch, lambda value: value.astype(object))
    bound = objective_bound(as_objects)
    assert bound.units.dtype == object
    assert all(isinstance(value, int) for value in bound.units)
    np.testing.assert_array_equal(bound.units.astype(np.int64), objective_bound(batch).units)


def test_large_batches_are_bounded_block_by_block_with_the_same_result() -> None:
    batch = make_batch(3_000, 40, 306)
    whole = objective_bound(batch)
    halves = [objective_bound(rows_of(batch, np.arange(start, start + 1_500))) for start in (0, 1_500)]
    np.testing.assert_array_equal(whole.units, np.concatenate([half.units for half in halves]))


def test_benchmark_table_quick_run_smoke() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run(  # noqa: S603 - our own script, run with the interpreter running the tests
        [sys.executable, str(root / "benchmarks" / "plan_table.py"), "--quick", "--tickers", "5", "--sample", "5",
         "--calls", "5"],
        capture_output=True, text=True, timeout=300, cwd=root, env=env, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "| 5 | KRX |" in done.stdout
    assert "| 5 | US |" in done.stdout
