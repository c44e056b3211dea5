"""Speed and quality of the allocation methods (floor, greedy, exact) on seeded synthetic accounts.

    PYTHONPATH=src python benchmarks/plan_bench.py [--quick] [--tickers K] [--profile krx|us] [--exact-sample S]

For each batch size it times one batch call per method (time.perf_counter, wall time) and reports
accounts per second, the objective (sum of absolute deviations from target) in basis points of equity
(mean and p95), the cash left above the reserve, and the accounts whose allocation breaks the cash rule
or a bound (must be 0). The exact MILP runs on a sample (the first S accounts of the smallest batch);
floor and greedy are compared with it there: the ratio of means and the p95 of the excess in bp.
Finally it times greedy on a single account (median of many calls; a 1-row batch runs the plain-Python
one-account search, issue 10: <= 0.3 ms at K=20). Exits 1 if any allocation breaks a
rule. `--quick` shrinks everything to run in seconds (the test suite smoke-runs it). The certificate's
lower bound is checked against the exact objective on the sample. `benchmarks/plan_table.py` prints the
per-K, per-market comparison table of the README.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any

import numpy as np
import numpy.typing as npt

from trimtab.adapters.solvers.milp import ExactStats, allocate_exact_with_stats
from trimtab.domain.allocation import (
    AllocationBatch,
    IntArray,
    allocate_floor,
    allocate_greedy,
    cash_slack,
    is_feasible,
    objective,
)
from trimtab.domain.allocation_bound import objective_bound
from trimtab_testkit.synthetic import make_batch

FloatArray = npt.NDArray[np.float64]
Allocator = Callable[[AllocationBatch], IntArray]

FULL_SIZES = (1_000, 100_000)
QUICK_SIZES = (200, 2_000)
HEURISTICS: dict[str, Allocator] = {"floor": allocate_floor, "greedy": allocate_greedy}


@dataclass(frozen=True, slots=True)
class Run:
    """One method on one batch."""

    method: str
    seconds: float
    bp: FloatArray  # objective per account, in basis points of equity
    idle_percent: FloatArray  # cash above the reserve, in % of equity
    violations: int

    @property
    def rate(self) -> float:
        return self.bp.size / self.seconds if self.seconds > 0 else float("inf")


def equity(batch: AllocationBatch) -> FloatArray:
    return np.asarray(batch.cash + batch.held_value.sum(axis=1), dtype=np.float64)


def measure(method: str, batch: AllocationBatch, allocate: Allocator) -> tuple[Run, IntArray]:
    """Time one batch call and score its result."""
    start = time.perf_counter()
    lots = allocate(batch)
    seconds = time.perf_counter() - start
    worth = equity(batch)
    run = Run(
        method=method, seconds=seconds,
        bp=np.asarray(objective(batch, lots), dtype=np.float64) / worth * 1e4,
        idle_percent=np.asarray(cash_slack(batch, lots), dtype=np.float64) / worth * 100,
        violations=int(np.count_nonzero(~is_feasible(batch, lots))),
    )
    return run, lots


def accounts(batch: AllocationBatch, start: int, stop: int) -> AllocationBatch:
    """Accounts start..stop-1 of a batch."""
    values: dict[str, Any] = {
        field.name: value[start:stop] if isinstance(value, np.ndarray) else value
        for field in fields(batch)
        for value in (getattr(batch, field.name),)
    }
    return AllocationBatch(**values)


def run_exact(batch: AllocationBatch, time_limit: float, exact_costs: bool) -> tuple[Run, ExactStats]:
    stats: list[ExactStats] = []

    def solve(sample: AllocationBatch) -> IntArray:
        lots, counts = allocate_exact_with_stats(sample, time_limit, exact_costs=exact_costs)
        stats.append(counts)
        return lots

    run, _ = measure("exact", batch, solve)
    return run, stats[0]


def single_account_ms(batch: AllocationBatch, calls: int) -> float:
    """Median wall time of greedy on a one-account batch, cycling through the batch's accounts."""
    singles = [accounts(batch, row, row + 1) for row in range(batch.shape[0])]
    times: list[float] = []
    for call in range(calls):
        one = singles[call % len(singles)]
        start = time.perf_counter()
        allocate_greedy(one)
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1e3


def print_runs(title: str, runs: list[Run]) -> None:
    print(f"\n{title}")
    print(f"  {'method':<14}{'accounts/s':>14}{'mean bp':>11}{'p95 bp':>11}"
          f"{'idle cash %':>13}{'violations':>12}")
    for run in runs:
        label = run.method if run.method != "exact" else f"exact ({run.bp.size})"
        print(f"  {label:<14}{run.rate:>14,.0f}{run.bp.mean():>11.2f}{np.percentile(run.bp, 95):>11.2f}"
              f"{run.idle_percent.mean():>13.3f}{run.violations:>12}")


def print_comparison(sample: dict[str, FloatArray], stats: ExactStats) -> None:
    exact = sample["exact"]
    print(f"\nAgainst the exact optimum on the same {exact.size} accounts")
    print(f"  {'method':<14}{'mean bp':>11}{'ratio':>10}{'p95 excess bp':>16}"
          f"{'max excess bp':>16}{'worse':>8}")
    for method, bp in sample.items():
        excess = bp - exact
        print(f"  {method:<14}{bp.mean():>11.3f}{bp.mean() / exact.mean():>10.4f}"
              f"{np.percentile(excess, 95):>16.3f}{excess.max():>16.3f}{np.count_nonzero(excess > 1e-9):>8}")
    print(f"  exact solver: optimal {stats.optimal}, time-limited {stats.time_limited}, "
          f"fell back {stats.fell_back}, re-solved {stats.resolved}")


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="small batches: finishes in seconds")
    parser.add_argument("--tickers", type=int, default=20, help="tickers per account (K), e.g. 5, 20, 100")
    parser.add_argument("--exact-sample", type=int, default=None, help="accounts solved exactly (200)")
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--profile", choices=["krx", "us"], default="krx", help="synthetic market")
    parser.add_argument("--time-limit", type=float, default=10.0, help="exact: seconds per account")
    parser.add_argument("--exact-costs", action="store_true", help="exact: costs in whole quanta")
    parser.add_argument("--single-calls", type=int, default=None, help="single-account calls (300)")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = QUICK_SIZES if args.quick else FULL_SIZES
    sample_size = args.exact_sample if args.exact_sample is not None else (20 if args.quick else 200)
    calls = args.single_calls if args.single_calls is not None else (30 if args.quick else 300)
    print(f"Allocation benchmark: K={args.tickers} tickers, seed {args.seed}, "
          f"synthetic {args.profile.upper()} accounts")
    violations = 0
    sample: dict[str, FloatArray] = {}
    bound_bp: FloatArray = np.zeros(0)
    stats = ExactStats()
    for index, size in enumerate(sizes):
        batch = make_batch(size, args.tickers, args.seed + index, profile=args.profile)
        runs = [measure(name, batch, allocate)[0] for name, allocate in HEURISTICS.items()]
        if index == 0:
            head = accounts(batch, 0, sample_size)
            exact_run, stats = run_exact(head, args.time_limit, args.exact_costs)
            sample = {run.method: run.bp[:sample_size] for run in runs} | {"exact": exact_run.bp}
            runs.append(exact_run)
            bound_bp = objective_bound(head).units.astype(np.float64) / equity(head) * 1e4
        print_runs(f"N={size:,} accounts", runs)
        violations += sum(run.violations for run in runs)
    print_comparison(sample, stats)
    above = int(np.count_nonzero(bound_bp > sample["exact"] + 1e-9))
    proven = int(np.count_nonzero(sample["greedy"] <= bound_bp + 1e-9))
    print(f"  certificate: greedy proven optimal on {proven} of {bound_bp.size}; "
          f"lower bound above the exact objective on {above} (must be 0)")
    violations += above
    batch = make_batch(max(calls, 1), args.tickers, args.seed + len(sizes), profile=args.profile)
    median_ms = single_account_ms(batch, calls)
    print(f"\nSingle account (N=1): greedy median {median_ms:.3f} ms over {calls} calls")
    if violations:
        print(f"FAILED: {violations} allocations break the cash rule or a bound")
    return 1 if violations else 0


if __name__ == "__main__":
    sys.exit(main())
