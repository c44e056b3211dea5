"""The planner against the exact optimum, per K and per market, in one table (issue 10's acceptance figures).

    PYTHONPATH=src python benchmarks/plan_table.py [--quick] [--tickers 5 20 100] [--markets krx us]

For each K and market (synthetic accounts of `trimtab_testkit.synthetic`: KRX with its ticks, commission and
sell tax; US in cents, no costs) it reports, for the default method (greedy):
  - mean objective ÷ the exact MILP's (HiGHS, costs in whole quanta) and the p95 of the excess in bp, on a
    sample of S accounts;
  - the share of accounts proven optimal by the certificate (objective = lower bound) on N=1,000, and the
    accounts whose bound exceeds the exact optimum on the sample (must be 0);
  - accounts/s at N=1 (median of single-account calls), N=1,000 and N=100,000 (one batch call each);
  - allocations that break the cash rule or a bound (must be 0).
Exits 1 on any violation. Timings are CPU time of this process (time.process_time), so other work on a
shared machine inflates them less than wall time would; compare rows of one run.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from trimtab.adapters.solvers.milp import allocate_exact
from trimtab.domain.allocation import AllocationBatch, IntArray, allocate_greedy, is_feasible, objective, rows_of
from trimtab.domain.allocation_bound import objective_bound
from trimtab.domain.certificate import PLAN_DEPTH
from trimtab_testkit.synthetic import make_batch

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class Row:
    tickers: int
    market: str
    ratio: float
    p95_excess_bp: float
    proven_share: float
    bound_above_exact: int
    rates: tuple[float, float, float]  # accounts/s at N=1, 1,000, 100,000
    violations: int


def _bp(batch: AllocationBatch, units: IntArray) -> FloatArray:
    equity = np.asarray(batch.cash + batch.held_value.sum(axis=1), dtype=np.float64)
    result: FloatArray = np.asarray(units, dtype=np.float64) / equity * 1e4
    return result


def _rate(batch: AllocationBatch) -> tuple[float, int]:
    start = time.process_time()
    lots = allocate_greedy(batch)
    seconds = time.process_time() - start
    return batch.shape[0] / seconds, int(np.count_nonzero(~is_feasible(batch, lots)))


def _single_rate(batch: AllocationBatch, calls: int) -> float:
    singles = [rows_of(batch, np.array([row])) for row in range(batch.shape[0])]
    times = []
    for call in range(calls):
        one = singles[call % len(singles)]
        start = time.process_time()
        allocate_greedy(one)
        times.append(time.process_time() - start)
    return 1.0 / statistics.median(times)


def measure(tickers: int, market: str, sizes: tuple[int, int], sample: int, calls: int, seed: int) -> Row:
    small = make_batch(sizes[0], tickers, seed, profile=market)
    rate_small, violations = _rate(small)
    rate_large, broken = _rate(make_batch(sizes[1], tickers, seed + 1, profile=market))
    violations += broken
    rate_one = _single_rate(make_batch(max(calls, 1), tickers, seed + 2, profile=market), calls)
    greedy = objective(small, allocate_greedy(small))
    bound = objective_bound(small, depth=PLAN_DEPTH, incumbent=greedy)  # as deep as a plan's certificate
    proven = float(np.mean(bound.units >= greedy))
    head = rows_of(small, np.arange(min(sample, sizes[0])))
    exact_lots = allocate_exact(head, exact_costs=True)
    violations += int(np.count_nonzero(~is_feasible(head, exact_lots)))
    exact = _bp(head, objective(head, exact_lots))
    ours = _bp(head, greedy[: head.shape[0]])
    above = int(np.count_nonzero(objective_bound(head).units > objective(head, exact_lots)))
    return Row(tickers, market, float(ours.mean() / exact.mean()), float(np.percentile(ours - exact, 95)),
               proven, above, (rate_one, rate_small, rate_large), violations)


def print_table(rows: list[Row], sizes: tuple[int, int], sample: int) -> None:
    print(f"\n| K | market | mean ÷ exact ({sample}) | p95 excess bp | proven optimal (N={sizes[0]:,}) "
          f"| bound > exact | accounts/s N=1 | N={sizes[0]:,} | N={sizes[1]:,} | violations |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    for row in rows:
        one, small, large = row.rates
        print(f"| {row.tickers} | {row.market.upper()} | {row.ratio:.4f} | {row.p95_excess_bp:.2f} "
              f"| {row.proven_share:.1%} | {row.bound_above_exact} | {one:,.0f} | {small:,.0f} | {large:,.0f} "
              f"| {row.violations} |")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small batches: finishes in seconds")
    parser.add_argument("--tickers", type=int, nargs="+", default=[5, 20, 100])
    parser.add_argument("--markets", nargs="+", default=["krx", "us"], choices=["krx", "us"])
    parser.add_argument("--sample", type=int, default=None, help="accounts solved exactly (200)")
    parser.add_argument("--calls", type=int, default=None, help="single-account calls (300)")
    parser.add_argument("--seed", type=int, default=2024)
    args = parser.parse_args(argv)
    sizes = (200, 2_000) if args.quick else (1_000, 100_000)
    sample = args.sample if args.sample is not None else (20 if args.quick else 200)
    calls = args.calls if args.calls is not None else (30 if args.quick else 300)
    rows = []
    for tickers in args.tickers:
        for market in args.markets:
            rows.append(measure(tickers, market, sizes, sample, calls, args.seed))
            print(f"  done K={tickers} {market}", file=sys.stderr, flush=True)
    print_table(rows, sizes, sample)
    failed = sum(row.violations + row.bound_above_exact for row in rows)
    if failed:
        print(f"FAILED: {failed} violations or bounds above the optimum")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
