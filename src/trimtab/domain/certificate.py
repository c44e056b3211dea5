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

from trimtab.domain.allocation_account import AccountProblem, Lots, objective
from trimtab.domain.bound_one import OneBound, objective_bound_one

BP_PLACES = Decimal("0.0001")
PLAN_DEPTH = 6  # one account: split deeper (a few ms; stops once the plan is proven)
BASIS_POINTS = Decimal(10_000)
# Accounts of one shape bounded in one vectorised batch from this many (fewer: one by one in plain Python,
# the same bounds, and no NumPy loaded to plan a single account).
BATCH_BOUND_FROM = 8


@dataclass(frozen=True, slots=True)
class Certificate:
    objective_bp: Decimal
    lower_bound_bp: Decimal
    gap_bp: Decimal


@dataclass(frozen=True, slots=True)
class CertificateRequest:
    """One account's problem, the lots of its plan, its money units and equity."""

    problem: AccountProblem
    lots: Lots
    units: int
    equity: Decimal


Certifier = Callable[[AccountProblem, Lots, int, Decimal], "Certificate | None"]


def certify(problem: AccountProblem, lots: Lots, units: int, equity: Decimal) -> Certificate | None:
    """The certificate of one account's lots; None when no plan keeps the cash rule."""
    return certify_many([CertificateRequest(problem, lots, units, equity)])[0]


def certify_many(requests: Sequence[CertificateRequest]) -> list[Certificate | None]:
    """Every account's certificate, the bounds of accounts of one shape computed in one batch (each account's
    branching is its own: the same certificates as one `certify` per account)."""
    results: list[Certificate | None] = [None] * len(requests)
    groups: dict[tuple[int, int], list[int]] = {}
    for index, request in enumerate(requests):
        if request.equity > 0:
            groups.setdefault((request.problem.width, request.problem.rate_denominator), []).append(index)
    for members in groups.values():
        reached_units = [objective(requests[index].problem, requests[index].lots) for index in members]
        bounds = _bounds([requests[index].problem for index in members], reached_units)
        for index, reached_at, bound in zip(members, reached_units, bounds, strict=True):
            if not bound.solvable:
                continue
            request = requests[index]
            reached = _bp(reached_at, request.units, request.equity)
            floor = _bp(bound.units, request.units, request.equity)  # above `reached` only for lots
            results[index] = Certificate(objective_bp=reached, lower_bound_bp=floor, gap_bp=reached - floor)
    return results


def _bounds(problems: list[AccountProblem], incumbents: list[int]) -> list[OneBound]:
    """Each account's bound: one by one for a few accounts, in one vectorised batch for many."""
    if len(problems) < BATCH_BOUND_FROM:
        return [objective_bound_one(problem, PLAN_DEPTH, float(incumbent))
                for problem, incumbent in zip(problems, incumbents, strict=True)]
    from trimtab.domain.allocation import stack_accounts
    from trimtab.domain.allocation_bound import objective_bound

    bound = objective_bound(stack_accounts(problems), depth=PLAN_DEPTH, incumbent=incumbents)
    return [OneBound(int(units), bool(solvable)) for units, solvable in zip(bound.units, bound.solvable, strict=True)]


def _bp(amount: int, units: int, equity: Decimal) -> Decimal:
    return (Decimal(amount) / units / equity * BASIS_POINTS).quantize(BP_PLACES, rounding=ROUND_FLOOR)
