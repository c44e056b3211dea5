"""How good a plan is: its objective, a proven lower bound on every possible plan's, and the gap, in bp.

The objective is the allocation's: the sum over the plan's symbols of |value after trading - target value|,
as basis points of the account's equity. The bound is `allocation_bound.objective_bound` of the same
problem before any trade is frozen below the minimum trade value (a relaxation of the problem with that
rule, so it bounds that problem too). Both are floored to 0.0001 bp: the bound stays a bound, and a plan
proven optimal shows a gap of exactly 0. Only lots that break the cash rule (a plan that does not trade
while cash is below the buffer) can sit below the bound: their gap is negative.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import numpy as np

from trimtab.domain.allocation import AllocationBatch, IntArray, objective
from trimtab.domain.allocation_bound import objective_bound

BP_PLACES = Decimal("0.0001")
PLAN_DEPTH = 6  # one account: split deeper (a few ms; stops once the plan is proven)
BASIS_POINTS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Certificate:
    objective_bp: Decimal
    lower_bound_bp: Decimal
    gap_bp: Decimal


def certify(batch: AllocationBatch, lots: IntArray, units: int, equity: Decimal) -> Certificate | None:
    """The certificate of one account's lots (a 1-row batch); None when no plan keeps the cash rule."""
    if equity <= 0:
        return None
    reached_units = objective(batch, np.asarray(lots))
    bound = objective_bound(batch, depth=PLAN_DEPTH, incumbent=reached_units)
    if not bool(bound.solvable[0]):
        return None
    reached = _bp(int(reached_units[0]), units, equity)
    floor = _bp(int(bound.units[0]), units, equity)  # above `reached` only for lots that break the cash rule
    return Certificate(objective_bp=reached, lower_bound_bp=floor, gap_bp=reached - floor)


def _bp(amount: int, units: int, equity: Decimal) -> Decimal:
    return (Decimal(amount) / units / equity * BASIS_POINTS).quantize(BP_PLACES, rounding=ROUND_FLOOR)
