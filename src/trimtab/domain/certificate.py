"""How good a plan is: its objective, a proven lower bound on every possible plan's, and the gap, in bp.

The objective is the allocation's: the sum over the plan's symbols of |value after trading - target value|,
as basis points of the account's equity. The bound is `allocation_bound.objective_bound` of the same
problem before any trade is frozen below the minimum trade value (a relaxation of the problem with that
rule, so it bounds that problem too). Both are floored to 0.0001 bp: the bound stays a bound, and a plan
proven optimal shows a gap of exactly 0. Only lots that break the cash rule (a plan that does not trade
while cash is below the buffer) can sit below the bound: their gap is negative.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

import numpy as np

from trimtab.domain.allocation import AllocationBatch, IntArray, objective, stack_batches
from trimtab.domain.allocation_bound import objective_bound

BP_PLACES = Decimal("0.0001")
PLAN_DEPTH = 6  # one account: split deeper (a few ms; stops once the plan is proven)
BASIS_POINTS = Decimal(10_000)


@dataclass(frozen=True, slots=True)
class Certificate:
    objective_bp: Decimal
    lower_bound_bp: Decimal
    gap_bp: Decimal


@dataclass(frozen=True, slots=True)
class CertificateRequest:
    """One account's problem (a 1-row batch), the lots of its plan, its money units and equity."""

    batch: AllocationBatch
    lots: IntArray
    units: int
    equity: Decimal


Certifier = Callable[[AllocationBatch, IntArray, int, Decimal], "Certificate | None"]


def certify(batch: AllocationBatch, lots: IntArray, units: int, equity: Decimal) -> Certificate | None:
    """The certificate of one account's lots (a 1-row batch); None when no plan keeps the cash rule."""
    return certify_many([CertificateRequest(batch, lots, units, equity)])[0]


def certify_many(requests: Sequence[CertificateRequest]) -> list[Certificate | None]:
    """Every account's certificate, the bounds of accounts of one shape computed in one batch (each account's
    branching is its own: the same certificates as one `certify` per account)."""
    results: list[Certificate | None] = [None] * len(requests)
    groups: dict[tuple[int, str, int], list[int]] = {}
    for index, request in enumerate(requests):
        if request.equity > 0:
            batch = request.batch
            groups.setdefault((batch.shape[1], str(batch.lower.dtype), batch.rate_denominator), []).append(index)
    for members in groups.values():
        batch = stack_batches([requests[index].batch for index in members])
        reached_units = objective(batch, np.concatenate([np.asarray(requests[index].lots) for index in members]))
        bound = objective_bound(batch, depth=PLAN_DEPTH, incumbent=reached_units)
        for row, index in enumerate(members):
            if not bool(bound.solvable[row]):
                continue
            request = requests[index]
            reached = _bp(int(reached_units[row]), request.units, request.equity)
            floor = _bp(int(bound.units[row]), request.units, request.equity)  # above `reached` only for lots
            results[index] = Certificate(objective_bp=reached, lower_bound_bp=floor, gap_bp=reached - floor)
    return results


def _bp(amount: int, units: int, equity: Decimal) -> Decimal:
    return (Decimal(amount) / units / equity * BASIS_POINTS).quantize(BP_PLACES, rounding=ROUND_FLOOR)
