"""The proven lower bound of `allocation_bound` for one account, in plain Python (see that module's text).

The same candidates, cutting-plane search, splits and float64 operations in the same order (sums over
tickers in NumPy's pairwise order), so one account's bound equals its row of the vectorised bound.
"""

from __future__ import annotations

import math
from typing import NamedTuple

from trimtab.domain.allocation_account import AccountProblem, pairwise_sum

ROUNDING = 1e-12  # relative allowance for float64 rounding, far above its 1.1e-16 per operation
FAR = 2.0**62  # more lots than any bound
BRANCH_DEPTH = 4  # splits on fractional tickers
ROUNDS = 30  # cutting-plane rounds at most; most accounts settle in a few


class OneBound(NamedTuple):  # NamedTuples here: quicker to define than dataclasses (start-up time, issue 9)
    """A whole number of units no plan's objective can go below, and whether any plan keeps the cash rule
    (where none does, `units` is meaningless and set to 0)."""

    units: int
    solvable: bool


class _Points(NamedTuple):
    """Per ticker, the integers where its term can reach its minimum, their deviations and relaxed costs."""

    lots: list[list[float]]
    unit: list[float]
    deviation: list[list[float]]
    cost: list[list[float]]
    scale: list[list[float]]
    cost_scale: list[list[float]]


def objective_bound_one(problem: AccountProblem, depth: int = BRANCH_DEPTH, incumbent: float = math.inf) -> OneBound:
    """`allocation_bound.objective_bound` of one account."""
    bound, solvable = _branched(problem, depth, incumbent)
    return OneBound(units=int(max(math.ceil(bound), 0)) if solvable else 0, solvable=solvable)


def _branched(problem: AccountProblem, depth: int, incumbent: float) -> tuple[float, bool]:
    bound, solvable, split = _bound(problem)
    if split is None or not math.ceil(bound) < incumbent or depth <= 0:
        return bound, solvable
    ticker, at = split
    below_upper, above_lower = list(problem.upper), list(problem.lower)
    below_upper[ticker] = min(below_upper[ticker], at)
    above_lower[ticker] = max(above_lower[ticker], at + 1)
    halves = [_branched(problem._replace(upper=tuple(below_upper)), depth - 1, incumbent),
              _branched(problem._replace(lower=tuple(above_lower)), depth - 1, incumbent)]
    least = min(half if half_solvable else math.inf for half, half_solvable in halves)
    if not math.isfinite(least):
        return bound, False
    return max(bound, least), solvable


def _bound(problem: AccountProblem) -> tuple[float, bool, tuple[int, int] | None]:
    """The dual bound (before rounding up), whether the relaxation is solvable, and where to split."""
    points = _candidates(problem)
    budget = float(problem.cash - problem.reserve)
    cheapest = pairwise_sum([min(cost) for cost in points.cost])
    allowance = pairwise_sum([max(abs(v) for v in scale) for scale in points.cost_scale]) + abs(budget)
    solvable = cheapest <= budget + ROUNDING * allowance
    zero_value, zero_slope, zero_choice = _evaluate(points, budget, 0.0)
    best = zero_value
    far_choice = [min(range(len(cost)), key=cost.__getitem__) for cost in points.cost]
    high_intercept = pairwise_sum([deviation[c] for deviation, c in zip(points.deviation, far_choice, strict=True)])
    high_slope = cheapest - budget
    left_at, left_value, left_slope = 0.0, zero_value, zero_slope
    low_choice, high_choice = zero_choice, far_choice
    binding = solvable and zero_slope > 0
    if binding:
        for _ in range(ROUNDS):
            left_intercept = left_value - left_slope * left_at
            denominator = left_slope - high_slope
            rise = high_intercept - left_intercept
            crossing = max(rise / max(denominator, 1e-300) if denominator > 0 else left_at, 0.0)
            ceiling = left_intercept + left_slope * crossing
            value, slope, choice = _evaluate(points, budget, crossing)
            best = max(best, value)
            if slope <= 0:
                high_slope, high_intercept, high_choice = slope, value - slope * crossing, choice
            else:
                left_at, left_value, left_slope, low_choice = crossing, value, slope, choice
            if value >= ceiling - 1e-9 * (abs(ceiling) + 1.0):
                break
    split = _split(points, left_slope, high_slope, low_choice, high_choice) if binding else None
    return best, solvable, split


def _split(points: _Points, low_slope: float, high_slope: float, low_choice: list[int],
           high_choice: list[int]) -> tuple[int, int] | None:
    """The dual's fractional solution between the two final lines' choices: its largest fractional ticker."""
    above = [lots[c] for lots, c in zip(points.lots, low_choice, strict=True)]
    below = [lots[c] for lots, c in zip(points.lots, high_choice, strict=True)]
    spread = low_slope - high_slope
    share = min(max(-high_slope / (spread if spread > 0 else 1.0), 0.0), 1.0)
    weight = [abs(a - b) * unit for a, b, unit in zip(above, below, points.unit, strict=True)]
    ticker = max(range(len(weight)), key=weight.__getitem__)
    a, b = above[ticker], below[ticker]
    low_end, high_end = min(a, b), max(a, b)
    if not high_end > low_end:
        return None
    return ticker, int(min(max(math.floor(b + share * (a - b)), low_end), high_end - 1))


def _evaluate(points: _Points, budget: float, multiplier: float) -> tuple[float, float, list[int]]:
    """L(lambda), lowered by the rounding allowance, its slope, and each ticker's minimiser (the cheapest
    among ties)."""
    lam = multiplier
    terms, costs, choices = [], [], []
    for deviation, cost, scale, cost_scale in zip(points.deviation, points.cost, points.scale, points.cost_scale,
                                                  strict=True):
        value = [d + lam * c for d, c in zip(deviation, cost, strict=True)]
        least = min(value)
        lowered = min(v - ROUNDING * (s + lam * cs) for v, s, cs in zip(value, scale, cost_scale, strict=True))
        choice = min((c for c in range(len(value)) if value[c] <= least), key=cost.__getitem__)
        terms.append(lowered)
        costs.append(cost[choice])
        choices.append(choice)
    spent = multiplier * budget
    total = pairwise_sum(terms) - spent
    total -= ROUNDING * (pairwise_sum([abs(term) for term in terms]) + abs(spent))
    return total, pairwise_sum(costs) - budget, choices


def _candidates(problem: AccountProblem) -> _Points:
    """Every integer where a ticker's term may be least, for any lambda, clipped to the bounds."""
    rate = float(problem.commission_rate) / problem.rate_denominator
    minimum = float(problem.commission_minimum)
    points = _Points([], [], [], [], [], [])
    for k in range(problem.width):
        low, high = problem.lower[k], problem.upper[k]
        crossing = (problem.target_value[k] - problem.held_value[k]) // problem.lot_value[k]
        columns = [low, crossing, crossing + 1, 0]
        buy, sell = float(problem.buy_price[k]), float(problem.sell_price[k])
        if minimum > 0:
            columns += [1, -1]
            for price, sign in ((buy, 1), (sell, -1)):
                per_lot = rate * price
                reach = minimum / per_lot if per_lot > 0 else FAR
                base = math.floor(min(reach, FAR))
                columns += [sign * (base + shift) for shift in (-1, 0, 1, 2)]
        lots = [float(min(max(column, low), high)) for column in columns]
        unit = float(problem.lot_value[k])
        gap = float(problem.held_value[k] - problem.target_value[k])
        tax = float(problem.sell_tax_rate[k]) / problem.rate_denominator
        deviation, cost, scale, cost_scale = [], [], [], []
        for m in lots:
            moved = unit * m
            traded = m * buy if m > 0 else -m * sell
            fee = max(rate * traded, minimum) if m != 0 else 0.0
            deviation.append(abs(gap + moved))
            cost.append(traded + fee if m > 0 else (fee + tax * traded - traded if m < 0 else 0.0))
            scale.append(abs(gap) + abs(moved))
            cost_scale.append(traded * (1.0 + rate + tax) + fee)
        points.lots.append(lots)
        points.unit.append(unit)
        points.deviation.append(deviation)
        points.cost.append(cost)
        points.scale.append(scale)
        points.cost_scale.append(cost_scale)
    return points
