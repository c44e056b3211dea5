"""The allocation methods, in a module of their own: the command line names them without loading NumPy."""

from __future__ import annotations

from enum import StrEnum


class AllocationMethod(StrEnum):
    GREEDY = "greedy"  # the default: floor, cost-aware top-up, ejection moves (forced buys and drops)
    FLOOR = "floor"  # the seeds' floor(target / price), repaired to respect the cash rule
    EXACT = "exact"  # a MILP solve (an adapter provides it)
