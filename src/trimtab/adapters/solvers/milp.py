"""The exact allocation: one mixed-integer programme per account, solved by HiGHS (`scipy.optimize.milp`).

Per account of K tickers, with trade lots m = f + x (f the floor solution, x an integer offset):

    minimise    sum u
    subject to  u >= |H + U*m - T|                     (two rows per ticker)
                u >= g0 + (g1 - g0) * x                 (the convex hull of |U*x - d| over the integers,
                                                         g0 = |d|, g1 = |U - d|, d = T - H - U*f)
                m = b - s,  0 <= b <= upper-ish,  0 <= s <= -lower,  b <= Bb*zb,  s <= Bs*zs
                cash - sum buy*b + sum sell*s - commissions - taxes >= reserve

b and s are continuous: for a given integer m the cash row is loosest at b = max(m, 0), s = max(-m, 0), so
an integer m is all the model needs (half the integer columns of integral b and s, and about twice as fast
on the benchmark accounts). Money rows are scaled to basis points of equity.

Costs come in two flavours. The default ("allowance") bounds each rounded cost from above by its exact
rate plus one cost quantum per order that trades (zb, zs), a commission minimum by `minimum * z`; it is
cheap but conservative by up to a quantum or two per traded ticker. `exact_costs=True` counts commission
and tax in whole quanta (integer columns >= rate * traded / quantum), so the feasible set is exactly the
one `is_feasible` accepts and the optimum is the true one; it is somewhat slower (~10 % on the benchmark).

Every result is checked with the exact integer `is_feasible`; a rounding shortfall is re-solved with the
reserve raised by it, and an account the solver cannot answer falls back to `allocate_greedy`. Greedy's
objective G, when its allocation fits the model, also bounds each ticker's deviation: no solution better
than G can leave one ticker further than G minus the other tickers' least possible deviations from its
target. That removes most of the search where greedy is already optimal (median solve ~11 -> ~4 ms).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, fields
from enum import Enum
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_array

from trimtab.adapters.solvers.quiet import native_stdout_captured
from trimtab.domain.allocation import (
    AllocationBatch,
    IntArray,
    allocate_greedy,
    cash_slack,
    is_feasible,
    objective,
)

FloatArray = npt.NDArray[np.float64]
Coefficient = npt.NDArray[np.floating[Any]] | float

BASIS_POINTS = 1e4
MAX_RESOLVES = 3
# HiGHS options scipy does not list are passed through verbatim (with a RuntimeWarning, silenced here).
# Feasibility jump costs ~10 ms per solve on these small models (measured) and rarely helps them.
_HIGHS_EXTRA: dict[str, Any] = {"mip_heuristic_run_feasibility_jump": False}
# Column blocks, K columns each: integer offset, buy lots, sell lots, deviation, buy/sell indicators,
# commission and tax (in cost quanta).
_X, _B, _S, _U, _ZB, _ZS, _C, _TX = range(8)
_BLOCKS = 8


class Outcome(Enum):
    OPTIMAL = "optimal"
    TIME_LIMITED = "time_limited"
    FELL_BACK = "fell_back"


@dataclass(frozen=True, slots=True)
class ExactStats:
    """How the accounts of one `allocate_exact` call were answered."""

    optimal: int = 0  # proven optimal by the solver
    time_limited: int = 0  # stopped at the time limit with a solution (better of it and greedy kept)
    fell_back: int = 0  # no usable solution: the greedy allocation was returned
    resolved: int = 0  # solves repeated with a raised reserve after rounding broke the cash rule

    def add(self, outcome: Outcome, resolves: int) -> ExactStats:
        return ExactStats(
            optimal=self.optimal + (outcome is Outcome.OPTIMAL),
            time_limited=self.time_limited + (outcome is Outcome.TIME_LIMITED),
            fell_back=self.fell_back + (outcome is Outcome.FELL_BACK),
            resolved=self.resolved + resolves,
        )


@dataclass(frozen=True, slots=True)
class _Account:
    """One account's data as floats for the model, with the exact integer floor kept aside."""

    floor: IntArray  # (K,) floor lots in the batch's integer dtype
    lot: FloatArray
    buy: FloatArray
    sell: FloatArray
    gap: FloatArray  # d = T - H - U*floor
    x_low: FloatArray
    x_high: FloatArray
    buy_cap: FloatArray  # Bb: most lots worth buying
    sell_cap: FloatArray  # Bs: lots held
    commission_rate: float
    tax_rate: FloatArray
    quantum: float
    minimum: float
    scale: float  # basis points of equity per unit
    cash_room: float  # cash - reserve (reserve raised by any shortfall)


def allocate_exact(batch: AllocationBatch, time_limit_seconds: float = 10.0, *,
                   exact_costs: bool = False) -> IntArray:
    """Optimal lots per account (time limit per account); see `allocate_exact_with_stats`."""
    lots, _ = allocate_exact_with_stats(batch, time_limit_seconds, exact_costs=exact_costs)
    return lots


def allocate_exact_with_stats(batch: AllocationBatch, time_limit_seconds: float = 10.0, *,
                              exact_costs: bool = False) -> tuple[IntArray, ExactStats]:
    """Solve every account's MILP, verify it exactly, and count how each account was answered."""
    count, _ = batch.shape
    greedy = allocate_greedy(batch)
    result = greedy.copy()
    stats = ExactStats()
    for row in range(count):
        one = _account(batch, row)
        lots, outcome, resolves = _solve_account(one, greedy[row], time_limit_seconds, exact_costs)
        result[row] = lots
        stats = stats.add(outcome, resolves)
    return result, stats


def _account(batch: AllocationBatch, row: int) -> AllocationBatch:
    """The batch restricted to one account (a 1-row batch)."""
    values: dict[str, Any] = {
        field.name: value[row:row + 1] if isinstance(value, np.ndarray) else value
        for field in fields(batch)
        for value in (getattr(batch, field.name),)
    }
    return AllocationBatch(**values)


def _solve_account(one: AllocationBatch, greedy: IntArray, time_limit: float,
                   exact_costs: bool) -> tuple[IntArray, Outcome, int]:
    """Solve, verify, re-solve with a raised reserve on a rounding shortfall, else keep greedy."""
    extra_reserve = 0
    for attempt in range(MAX_RESOLVES + 1):
        account = _prepare(one, extra_reserve, greedy, exact_costs)
        offsets, optimal = _solve(account, exact_costs, time_limit)
        if offsets is None:
            return greedy, Outcome.FELL_BACK, attempt
        lots = (account.floor + offsets.astype(np.int64).astype(one.lower.dtype))[None, :]
        slack = int(cash_slack(one, lots)[0])
        if bool(is_feasible(one, lots)[0]):
            return _choose(one, lots[0], greedy, optimal), _outcome(optimal), attempt
        extra_reserve += max(-slack, 1)
    return greedy, Outcome.FELL_BACK, MAX_RESOLVES


def _choose(one: AllocationBatch, lots: IntArray, greedy: IntArray, optimal: bool) -> IntArray:
    """A proven optimum stands; an unproven (time-limited) solution only where it beats greedy."""
    if optimal:
        return lots
    ours, theirs = objective(one, lots[None, :]), objective(one, greedy[None, :])
    return lots if int(ours[0]) <= int(theirs[0]) else greedy


def _outcome(optimal: bool) -> Outcome:
    return Outcome.OPTIMAL if optimal else Outcome.TIME_LIMITED


def _prepare(one: AllocationBatch, extra_reserve: int, greedy: IntArray, exact_costs: bool) -> _Account:
    """Floor, offsets' bounds and the float data of one account's model."""
    lot, held, lower, upper = one.lot_value[0], one.held_value[0], one.lower[0], one.upper[0]
    need = one.target_value[0] - held
    floor = np.minimum(np.maximum(need // lot, lower), upper)
    gap = need - lot * floor
    room = int(one.cash[0]) - int(one.reserve[0]) - extra_reserve
    sell_cap = np.maximum(-lower, 0)
    liquid = max(room + int((one.sell_price[0] * sell_cap).sum()), 0)
    # Buying past the target's ceiling only adds deviation and spends cash: some optimum stays below it.
    buy_cap = np.maximum(np.minimum(np.minimum(upper, -((-need) // lot)), liquid // one.buy_price[0]), 0)
    x_low, x_high = lower - floor, np.minimum(upper, buy_cap) - floor
    bound = _greedy_bound(one, greedy, extra_reserve, exact_costs)
    if bound is not None:
        x_low, x_high = _tighten(lot, gap, bound, x_low, x_high)
    equity = int(one.cash[0]) + int(held.sum())
    return _Account(
        floor=floor, lot=_floats(lot), buy=_floats(one.buy_price[0]), sell=_floats(one.sell_price[0]),
        gap=_floats(gap), x_low=_floats(x_low), x_high=_floats(x_high), buy_cap=_floats(buy_cap),
        sell_cap=_floats(sell_cap), commission_rate=int(one.commission_rate[0]) / one.rate_denominator,
        tax_rate=_floats(one.sell_tax_rate[0]) / one.rate_denominator, quantum=float(one.cost_quantum[0]),
        minimum=float(one.commission_minimum[0]), scale=BASIS_POINTS / max(equity, 1), cash_room=float(room),
    )


def _floats(values: IntArray) -> FloatArray:
    return np.asarray(values, dtype=np.float64)


def _greedy_bound(one: AllocationBatch, greedy: IntArray, extra_reserve: int,
                  exact_costs: bool) -> int | None:
    """Greedy's objective, if its allocation is feasible in the model (so the optimum is no worse)."""
    lots = greedy[None, :]
    if not bool(is_feasible(one, lots)[0]):
        return None
    allowance = 0 if exact_costs else _allowance(one, greedy)
    if int(cash_slack(one, lots)[0]) - extra_reserve < allowance:
        return None
    return int(objective(one, lots)[0])


def _allowance(one: AllocationBatch, lots: IntArray) -> int:
    """Cash the allowance model charges above the exact costs at most, for these lots."""
    traded = int(np.count_nonzero(lots)) if int(one.commission_rate[0]) > 0 else 0
    taxed = int(np.count_nonzero((lots < 0) & (one.sell_tax_rate[0] > 0)))
    return int(one.cost_quantum[0]) * (traded + taxed)


def _tighten(lot: IntArray, gap: IntArray, bound: int, x_low: IntArray,
             x_high: IntArray) -> tuple[IntArray, IntArray]:
    """Offsets whose deviation alone, with every other ticker at its best, already exceeds the bound."""
    best = np.minimum(np.abs(gap), np.abs(lot - gap))  # no feasible offset does better than this
    reach = bound - (best.sum() - best)  # the most deviation one ticker may keep
    if (reach < 0).any():
        return x_low, x_high
    low = -((reach - gap) // lot)  # ceil((gap - reach) / lot)
    high = (gap + reach) // lot
    return np.maximum(x_low, low), np.minimum(x_high, high)


class _Rows:
    """Constraint rows as sparse triplets over the column blocks."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.count = 0
        self.rows: list[npt.NDArray[np.intp]] = []
        self.cols: list[npt.NDArray[np.intp]] = []
        self.values: list[FloatArray] = []
        self.low: list[FloatArray] = []
        self.high: list[FloatArray] = []

    def add(self, terms: list[tuple[int, Coefficient]], low: FloatArray | float,
            high: FloatArray | float, *, summed: bool = False) -> None:
        """One row per ticker (or one row over all tickers): sum of coefficient x column."""
        ticker = np.arange(self.width)
        added = 1 if summed else self.width
        for block, coefficient in terms:
            self.rows.append(self.count + (np.zeros_like(ticker) if summed else ticker))
            self.cols.append(block * self.width + ticker)
            self.values.append(np.broadcast_to(np.asarray(coefficient, dtype=np.float64), (self.width,)))
        self.low.append(np.broadcast_to(np.asarray(low, dtype=np.float64), (added,)))
        self.high.append(np.broadcast_to(np.asarray(high, dtype=np.float64), (added,)))
        self.count += added

    def constraint(self) -> LinearConstraint:
        matrix = csr_array(
            (np.concatenate(self.values), (np.concatenate(self.rows), np.concatenate(self.cols))),
            shape=(self.count, _BLOCKS * self.width),
        )
        return LinearConstraint(matrix, np.concatenate(self.low), np.concatenate(self.high))


def _build(account: _Account, exact_costs: bool) -> _Rows:
    """All rows of one account's model."""
    rows = _Rows(account.lot.size)
    scale, lot, gap = account.scale, account.lot, account.gap
    hull = np.abs(lot - gap) - np.abs(gap)  # slope of the chord through offsets 0 and 1
    rows.add([(_U, 1.0), (_X, -scale * lot)], -scale * gap, np.inf)
    rows.add([(_U, 1.0), (_X, scale * lot)], scale * gap, np.inf)
    rows.add([(_U, 1.0), (_X, -scale * hull)], scale * np.abs(gap), np.inf)
    floor = _floats(account.floor)
    rows.add([(_B, 1.0), (_S, -1.0), (_X, -1.0)], floor, floor)
    rows.add([(_B, 1.0), (_ZB, -account.buy_cap)], -np.inf, 0.0)
    rows.add([(_S, 1.0), (_ZS, -account.sell_cap)], -np.inf, 0.0)
    _cost_rows(rows, account, exact_costs)
    quantum = scale * account.quantum
    cash_terms: list[tuple[int, Coefficient]] = [
        (_B, -scale * account.buy), (_S, scale * account.sell), (_C, -quantum), (_TX, -quantum),
    ]
    rows.add(cash_terms, -scale * account.cash_room, np.inf, summed=True)
    return rows


def _cost_rows(rows: _Rows, account: _Account, exact_costs: bool) -> None:
    """Commission and tax per ticker, in cost quanta, at least their rate plus any allowance."""
    per_quantum = account.commission_rate / account.quantum
    allow = 0.0 if exact_costs else 1.0
    commission_allowance = allow * float(account.commission_rate > 0)
    rows.add([(_C, 1.0), (_B, -per_quantum * account.buy), (_S, -per_quantum * account.sell),
              (_ZB, -commission_allowance), (_ZS, -commission_allowance)], 0.0, np.inf)
    if account.minimum > 0:
        least = account.minimum / account.quantum
        rows.add([(_C, 1.0), (_ZB, -least), (_ZS, -least)], 0.0, np.inf)
    tax_allowance = allow * (account.tax_rate > 0)
    rows.add([(_TX, 1.0), (_S, -account.tax_rate / account.quantum * account.sell), (_ZS, -tax_allowance)],
             0.0, np.inf)


def _columns(account: _Account, exact_costs: bool) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Lower and upper bounds and integrality of every column, block after block."""
    width = account.lot.size
    zeros, ones, unbounded = np.zeros(width), np.ones(width), np.full(width, np.inf)
    allowance = not exact_costs
    minimum = account.minimum > 0
    commission = account.commission_rate > 0
    # The indicators matter for a commission minimum or for the allowance; else they are fixed at 1.
    buy_flag_low = zeros if minimum or (allowance and commission) else ones
    sell_flag_low = np.where(minimum | (allowance & (commission | (account.tax_rate > 0))), 0.0, 1.0)
    tax_high = np.where(account.tax_rate > 0, np.inf, 0.0)
    low = np.concatenate([account.x_low, zeros, zeros, zeros, buy_flag_low, sell_flag_low, zeros, zeros])
    high = np.concatenate([account.x_high, account.buy_cap, account.sell_cap, unbounded, ones, ones,
                           unbounded, tax_high])
    cost_integer = ones if exact_costs else zeros
    integral = np.concatenate([ones, zeros, zeros, zeros, ones, ones, cost_integer, cost_integer])
    return low, high, integral


def _solve(account: _Account, exact_costs: bool, time_limit: float) -> tuple[IntArray | None, bool]:
    """Integer offsets from the floor and whether HiGHS proved them optimal (None: no solution)."""
    low, high, integral = _columns(account, exact_costs)
    cost = np.zeros(low.size)
    width = account.lot.size
    cost[_U * width:(_U + 1) * width] = 1.0
    options = {
        "time_limit": time_limit, "mip_rel_gap": 0.0,
        # Every integer solution's objective is a whole number of units: half a unit of gap proves it.
        "mip_abs_gap": 0.5 * account.scale, **_HIGHS_EXTRA,
    }
    with warnings.catch_warnings(), native_stdout_captured():
        warnings.filterwarnings("ignore", message="Unrecognized options", category=RuntimeWarning)
        result = milp(cost, integrality=integral, bounds=Bounds(low, high),
                      constraints=_build(account, exact_costs).constraint(), options=options)
    if result.x is None:
        return None, False
    return np.rint(result.x[:width]).astype(np.int64), bool(result.status == 0)
