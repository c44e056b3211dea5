"""The allocation methods and the search's tuning, in a module of their own: the command line names them, and the
one-account search uses them, without loading NumPy."""

from __future__ import annotations

from enum import StrEnum


class AllocationMethod(StrEnum):
    GREEDY = "greedy"  # the default: floor, cost-aware top-up, ejection moves (forced buys and drops)
    FLOOR = "floor"  # the seeds' floor(target / price), repaired to respect the cash rule
    EXACT = "exact"  # a MILP solve (an adapter provides it)


# The ejection moves (allocation_moves, allocation_one_moves):
SMALL_ACCOUNT = 10  # tickers: up to this many, forced drops too and a second round (measured: K=5 needs
# both to reach 1.0005x the optimum; at K=20 and more, forced buys alone get there at a third of the cost)
FUND_PASSES = 64  # drop runs per account at most; an account still short is left as it was
EJECTION_CANDIDATES = 3
COARSE = 4  # beyond SMALL_ACCOUNT tickers, forced drops only where one lot of each is worth 1/4 of equity
TOLERANCE = 0.5  # objectives are whole units: half a unit tells a real gain from float noise
