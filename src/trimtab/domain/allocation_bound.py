"""A proven lower bound on the allocation objective, per account: the Lagrangian dual of the cash rule.

The problem (see `allocation`): minimise sum_k |H_k + U_k m_k - T_k| over integer lots m_k with
lower_k <= m_k <= upper_k and sum_k spent_k(m_k) <= cash - reserve = B, where spent_k is the cash a trade
takes (bought + commission, or minus sold plus commission and sell tax, each cost rounded up to the cost
quantum and the commission at least its minimum).

Relaxation. Rounding up only adds cost, so spent_k(m) >= c_k(m), the same costs unrounded: buys
v + max(r*v, M), sells -v + max(r*v, M) + t*v (v the traded value at the limit, r and t the rates, M the
minimum). Every plan that keeps the exact cash rule keeps sum_k c_k(m_k) <= B. For any multiplier
lambda >= 0, weak duality then gives

    optimum >= L(lambda) = sum_k min_{lower_k <= m <= upper_k} (|H_k + U_k m - T_k| + lambda * c_k(m)) - lambda * B

Each term is a one-dimensional lattice minimum of a piecewise-linear function of m; its pieces change
only at the target's crossing a = floor((T - H) / U) (exact integer division), at 0 (where costs start:
m = -1, 0, 1) and where the commission reaches its minimum; beyond every break the function rises, so the
minimum is at one of these integers or at a bound. L is concave in lambda; a one-dimensional cutting-plane
search (two supporting lines, their crossing, repeat) maximises it. Any lambda gives a valid bound, so the
search only has to be good, not exact.

Proof in floats: every candidate's value is lowered by 1e-12 times the magnitude of its operands (more
than a thousand times float64's rounding error), the sum likewise, and the result is rounded up to a whole
unit only because every plan's objective is a whole number of units. Accounts whose cash rule no plan can
keep (selling every sellable lot does not reach the reserve) have no optimum; their bound is reported as
unsolvable.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from trimtab.domain.bound_one import BRANCH_DEPTH, FAR, ROUNDING, ROUNDS

if TYPE_CHECKING:
    from trimtab.domain.allocation import AllocationBatch

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]
IntArray = npt.NDArray[Any]

BLOCK_ENTRIES = 65_536  # accounts x tickers per pass: the candidate arrays stay in cache


@dataclass(frozen=True, slots=True)
class ObjectiveBound:
    """Per account: a whole number of units no plan's objective can go below, and whether any plan keeps
    the cash rule (where none does, `units` is meaningless and set to 0)."""

    units: IntArray  # (N,) int64, or Python ints (object) for object batches
    solvable: Bools  # (N,)


@dataclass(frozen=True, slots=True)
class _Candidates:
    """The integers where each ticker's term can reach its minimum, their deviations and relaxed costs."""

    lots: Floats  # (N, K, C) m
    unit: Floats  # (N, K, 1) U
    deviation: Floats  # (N, K, C) |H + U m - T|
    cost: Floats  # (N, K, C) c(m)
    scale: Floats  # (N, K, C) magnitude of the operands, for the rounding allowance
    cost_scale: Floats  # (N, K, C) magnitude of the cost's operands


def objective_bound(batch: AllocationBatch, depth: int = BRANCH_DEPTH,
                    incumbent: IntArray | Sequence[int] | None = None) -> ObjectiveBound:
    """A proven lower bound on every account's optimal objective (see the module's text).

    Where the dual's solution buys a fraction of some ticker's lots, the account is split in two on that
    ticker (at most the fraction's floor, or more), each half bounded alike, `depth` times over: the
    smaller half's bound holds for the whole account and is often far closer to the optimum. With an
    `incumbent` (a known plan's objective per account), a half whose bound reaches it is not split further.
    """
    count, width = batch.shape
    known = np.full(count, np.inf) if incumbent is None else np.asarray(incumbent, dtype=np.float64)
    block = max(1, BLOCK_ENTRIES // max(width, 1))
    parts = [_branched(_rows(batch, np.arange(start, min(start + block, count))), depth, known[start:start + block])
             for start in range(0, count, block)]
    bound = np.concatenate([part[0] for part in parts]) if parts else np.zeros(0)
    solvable = np.concatenate([part[1] for part in parts]) if parts else np.zeros(0, dtype=bool)
    return ObjectiveBound(units=_whole_units(batch, bound, solvable), solvable=solvable)


def _rows(batch: AllocationBatch, rows: npt.NDArray[np.intp]) -> AllocationBatch:
    from trimtab.domain.allocation import rows_of

    return batch if rows.size == batch.shape[0] else rows_of(batch, rows)


def _branched(batch: AllocationBatch, depth: int, incumbent: Floats) -> tuple[Floats, Bools]:
    """The dual bound, improved by splitting on the fractional ticker while depth lasts."""
    bound, solvable, (rows, ticker, split) = _bound(batch)
    open_rows = np.ceil(bound[rows]) < incumbent[rows]
    rows, ticker, split = rows[open_rows], ticker[open_rows], split[open_rows]
    if depth <= 0 or not rows.size:
        return bound, solvable
    sub = _rows(batch, rows)
    index = np.arange(rows.size)
    below_upper, above_lower = sub.upper.copy(), sub.lower.copy()
    below_upper[index, ticker] = np.minimum(below_upper[index, ticker], split)
    above_lower[index, ticker] = np.maximum(above_lower[index, ticker], split + 1)
    halves = [_branched(replace(sub, upper=below_upper), depth - 1, incumbent[rows]),
              _branched(replace(sub, lower=above_lower), depth - 1, incumbent[rows])]
    least = np.minimum(*(np.where(half_solvable, half, np.inf) for half, half_solvable in halves))
    solvable[rows] &= np.isfinite(least)
    bound[rows] = np.maximum(bound[rows], np.where(np.isfinite(least), least, bound[rows]))
    return bound, solvable


def _bound(batch: AllocationBatch) -> tuple[Floats, Bools, tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], IntArray]]:
    """The dual bound per account (floats, before rounding up), whether the relaxation is solvable, and
    where to split: the accounts whose dual solution is fractional, that ticker and the floor of its lots."""
    count = batch.shape[0]
    points = _candidates(batch)
    budget = np.asarray(batch.cash - batch.reserve, dtype=np.float64)
    cheapest = points.cost.min(axis=2).sum(axis=1)
    solvable = cheapest <= budget + ROUNDING * (np.abs(points.cost_scale).max(axis=2).sum(axis=1) + np.abs(budget))
    # lambda = 0: every ticker at its nearest lattice point; its slope is the cheapest such choice's cost.
    zero_value, zero_slope, zero_choice = _evaluate(points, budget, np.zeros(count))
    best = zero_value.copy()
    # The other end: every ticker at its cheapest point (largest lambda's choice).
    far_choice = np.argmin(points.cost, axis=2)
    far_deviation = np.take_along_axis(points.deviation, far_choice[:, :, None], axis=2)[:, :, 0].sum(axis=1)
    low = (np.zeros(count), zero_value, zero_slope)  # (lambda, value, slope) of the line on the left
    high_intercept, high_slope = far_deviation, cheapest - budget  # the line on the right: intercept + slope*lambda
    low_choice, high_choice = zero_choice, far_choice
    active = np.flatnonzero(solvable & (zero_slope > 0))
    binding = active.copy()
    for _ in range(ROUNDS):
        if not active.size:
            break
        left_at, left_value, left_slope = (part[active] for part in low)
        # Where the two supporting lines cross: the largest value L could still reach.
        left_intercept = left_value - left_slope * left_at
        denominator = left_slope - high_slope[active]
        rise = high_intercept[active] - left_intercept
        crossing = np.where(denominator > 0, rise / np.maximum(denominator, 1e-300), left_at)
        crossing = np.maximum(crossing, 0.0)
        ceiling = left_intercept + left_slope * crossing
        value, slope, choice = _evaluate(_take(points, active), budget[active], crossing)
        best[active] = np.maximum(best[active], value)
        settled = value >= ceiling - 1e-9 * (np.abs(ceiling) + 1.0)
        right = slope <= 0
        for part, new in zip(low, (crossing, value, slope), strict=True):
            part[active[~right]] = new[~right]
        low_choice[active[~right]] = choice[~right]
        moved = active[right]
        high_slope[moved] = slope[right]
        high_intercept[moved] = value[right] - slope[right] * crossing[right]
        high_choice[moved] = choice[right]
        active = active[~settled]
    split = _split(points, budget, binding, low[2], high_slope, low_choice, high_choice)
    return best, solvable, split


def _split(points: _Candidates, budget: Floats, rows: npt.NDArray[np.intp], low_slope: Floats, high_slope: Floats,
           low_choice: IntArray, high_choice: IntArray) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], IntArray]:
    """The dual's fractional solution between the two final lines' choices: its largest fractional ticker."""
    lots = points.lots[rows]
    above = np.take_along_axis(lots, low_choice[rows][:, :, None], axis=2)[:, :, 0]  # spends more than the budget
    below = np.take_along_axis(lots, high_choice[rows][:, :, None], axis=2)[:, :, 0]
    spread = low_slope[rows] - high_slope[rows]
    share = np.clip(-high_slope[rows] / np.where(spread > 0, spread, 1.0), 0.0, 1.0)
    mixed = below + share[:, None] * (above - below)
    weight = np.abs(above - below) * points.unit[rows, :, 0]
    ticker = np.argmax(weight, axis=1)
    index = np.arange(rows.size)
    low_end = np.minimum(above, below)[index, ticker]
    high_end = np.maximum(above, below)[index, ticker]
    split = np.clip(np.floor(mixed[index, ticker]), low_end, high_end - 1)
    keep = high_end > low_end
    return rows[keep], ticker[keep], split[keep].astype(np.int64)


def _whole_units(batch: AllocationBatch, bound: Floats, solvable: Bools) -> IntArray:
    """Round up to a whole unit (every objective is one), never below 0; 0 where unsolvable."""
    lifted = np.where(solvable, np.maximum(np.ceil(bound), 0.0), 0.0)
    if batch.lower.dtype == object:
        return np.array([math.ceil(value) for value in lifted], dtype=object)
    return lifted.astype(np.int64)


def _evaluate(points: _Candidates, budget: Floats, multiplier: Floats) -> tuple[Floats, Floats, IntArray]:
    """L(lambda), lowered by the rounding allowance, and its slope (cash spent by the minimisers - budget).

    Among tied minimisers the cheapest gives the slope (the right-hand derivative), which keeps the search
    moving towards the optimum's side.
    """
    lam = multiplier[:, None, None]
    value = points.deviation + lam * points.cost
    lowered = value - ROUNDING * (points.scale + lam * points.cost_scale)
    least = value.min(axis=2, keepdims=True)
    tied_cost = np.where(value <= least, points.cost, np.inf)
    choice = np.argmin(tied_cost, axis=2)
    cost_at = np.take_along_axis(tied_cost, choice[:, :, None], axis=2)[:, :, 0]
    terms = lowered.min(axis=2).sum(axis=1)
    spent = multiplier * budget
    total = terms - spent
    total -= ROUNDING * (np.abs(lowered.min(axis=2)).sum(axis=1) + np.abs(spent))
    return total, cost_at.sum(axis=1) - budget, choice


def _take(points: _Candidates, rows: npt.NDArray[np.intp]) -> _Candidates:
    return _Candidates(points.lots[rows], points.unit[rows], points.deviation[rows], points.cost[rows],
                       points.scale[rows], points.cost_scale[rows])


def _candidates(batch: AllocationBatch) -> _Candidates:
    """Every integer where a ticker's term may be least, for any lambda, clipped to the bounds."""
    lower, upper = batch.lower, batch.upper
    crossing = (batch.target_value - batch.held_value) // batch.lot_value  # exact: a = floor((T - H) / U)
    columns: list[IntArray] = [lower, crossing, crossing + 1, np.zeros_like(lower)]
    rate = np.asarray(batch.commission_rate, dtype=np.float64)[:, None] / batch.rate_denominator
    minimum = np.asarray(batch.commission_minimum, dtype=np.float64)[:, None]
    if (minimum > 0).any():
        one = np.ones_like(lower)
        extra = [one, -one]
        for price, sign in ((batch.buy_price, 1), (batch.sell_price, -1)):
            # Where the commission reaches its minimum; a float, so its neighbours are taken too.
            per_lot = rate * np.asarray(price, dtype=np.float64)
            with np.errstate(over="ignore", divide="ignore"):
                reach = np.where(per_lot > 0, minimum / np.where(per_lot > 0, per_lot, 1.0), FAR)
            base = np.floor(np.minimum(reach, FAR)).astype(np.int64)
            extra += [sign * (base + shift) for shift in (-1, 0, 1, 2)]
        # An account without a minimum repeats its first candidate instead: its bound is the one it gets alone.
        columns += [np.where(minimum > 0, column, lower) for column in extra]
    stacked = np.stack([np.minimum(np.maximum(column, lower), upper) for column in columns], axis=2)
    lots = np.asarray(stacked, dtype=np.float64)
    unit = np.asarray(batch.lot_value, dtype=np.float64)[:, :, None]
    gap = np.asarray(batch.held_value - batch.target_value, dtype=np.float64)[:, :, None]
    moved = unit * lots
    deviation = np.abs(gap + moved)
    buy = np.asarray(batch.buy_price, dtype=np.float64)[:, :, None]
    sell = np.asarray(batch.sell_price, dtype=np.float64)[:, :, None]
    tax = np.asarray(batch.sell_tax_rate, dtype=np.float64)[:, :, None] / batch.rate_denominator
    traded = np.where(lots > 0, lots * buy, -lots * sell)
    fee = np.where(lots != 0, np.maximum(rate[:, :, None] * traded, minimum[:, :, None]), 0.0)
    cost = np.where(lots > 0, traded + fee, np.where(lots < 0, fee + tax * traded - traded, 0.0))
    return _Candidates(lots=lots, unit=unit, deviation=deviation, cost=cost, scale=np.abs(gap) + np.abs(moved),
                       cost_scale=traded * (1.0 + rate[:, :, None] + tax) + fee)
