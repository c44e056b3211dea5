"""The fast search behind the `greedy` and `floor` methods, vectorised over accounts.

The search ranks and sizes moves with float64 copies of the integer problem. Its costs are an upper
bound of the exact ones (value x rate plus one minor unit per order for the rounding up), and its budget
keeps one more minor unit back, so a plan it finds feasible is feasible in exact integer arithmetic; the
caller still verifies every account exactly and repairs any that is not. Quantities stay integers (lots)
throughout: a float ranks a move, it never becomes a quantity or an amount.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

if TYPE_CHECKING:
    from trimtab.domain.allocation import AllocationBatch

Floats = npt.NDArray[np.float64]
Lots = npt.NDArray[np.int64]
Rows = npt.NDArray[np.intp]

NO_MOVE = -np.inf


@dataclass(frozen=True, slots=True)
class Search:
    """Float copy of an allocation batch; per-account columns are shaped (N, 1) to broadcast."""

    lot_value: Floats
    buy: Floats
    sell: Floats
    held: Floats
    target: Floats
    lower: Lots
    upper: Lots
    budget: Floats  # cash - reserve - one minor unit of safety
    rate: Floats
    minimum: Floats
    rate_allowance: Floats  # one minor unit where the commission rounds up
    tax: Floats
    tax_allowance: Floats

    @classmethod
    def of(cls, batch: AllocationBatch) -> Search:
        """Copy an integer batch into floats (money) and int64 (lots)."""
        denominator = float(batch.rate_denominator)
        quantum = _floats(batch.cost_quantum)[:, None]
        rate = _floats(batch.commission_rate)[:, None] / denominator
        tax = _floats(batch.sell_tax_rate) / denominator
        return cls(
            lot_value=_floats(batch.lot_value), buy=_floats(batch.buy_price), sell=_floats(batch.sell_price),
            held=_floats(batch.held_value), target=_floats(batch.target_value),
            lower=np.asarray(batch.lower, dtype=np.int64), upper=np.asarray(batch.upper, dtype=np.int64),
            budget=_floats(batch.cash) - _floats(batch.reserve) - quantum[:, 0],
            rate=rate, minimum=_floats(batch.commission_minimum)[:, None],
            rate_allowance=np.where(rate > 0, quantum, 0.0), tax=tax,
            tax_allowance=np.where(tax > 0, quantum, 0.0),
        )

    def take(self, rows: Rows) -> Search:
        """The same search restricted to some accounts."""
        return Search(**{f.name: getattr(self, f.name)[rows] for f in fields(self)})

    def flows(self, lots: Lots) -> Floats:
        """Cash each ticker's trade brings in after its (over-estimated) costs."""
        return _flow(lots, self.buy, self.sell, self.rate, self.rate_allowance, self.minimum, self.tax,
                     self.tax_allowance)

    def flow_at(self, rows: Rows, columns: Rows, lots: Lots) -> Floats:
        """The same as flows, for one (account, ticker) pair per entry."""
        return _flow(lots, self.buy[rows, columns], self.sell[rows, columns], self.rate[rows, 0],
                     self.rate_allowance[rows, 0], self.minimum[rows, 0], self.tax[rows, columns],
                     self.tax_allowance[rows, columns])

    def slack(self, lots: Lots) -> Floats:
        return self.budget + self.flows(lots).sum(axis=1)

    def deviations(self, lots: Lots) -> Floats:
        return self.held + self.lot_value * lots - self.target


def _flow(lots: Lots, buy: Floats, sell: Floats, rate: Floats, rate_allowance: Floats, minimum: Floats,
          tax: Floats, tax_allowance: Floats) -> Floats:
    bought = np.maximum(lots, 0) * buy
    sold = np.maximum(-lots, 0) * sell
    traded = bought + sold
    commission = np.maximum(traded * rate + rate_allowance, minimum) * (traded > 0)
    return sold - bought - commission - (sold * tax + tax_allowance) * (sold > 0)


def _floats(values: Any) -> Floats:
    return np.asarray(values, dtype=np.float64)


def floor_lots(search: Search) -> Lots:
    """Lots that bring each ticker to at most its target (within the bounds)."""
    ideal = np.floor((search.target - search.held) / search.lot_value).astype(np.int64)
    return np.minimum(np.maximum(ideal, search.lower), search.upper)


def step_gains(search: Search, lots: Lots, step: int, flows: Floats | None = None) -> tuple[Floats, Floats]:
    """Objective gain and new slack of moving each ticker alone by `step` lots."""
    deviation = search.deviations(lots)
    gain = np.abs(deviation) - np.abs(deviation + step * search.lot_value)
    if flows is None:
        flows = search.flows(lots)
    slack = search.budget + flows.sum(axis=1)
    return gain, slack[:, None] + (search.flows(lots + step) - flows)


def shrink_buys(search: Search, lots: Lots) -> Lots:
    """Scale buys down in proportion where the cash rule breaks (a cheap first cut before repair)."""
    lots = lots.copy()
    deficit = -search.slack(lots)
    buys = np.maximum(lots, 0)
    spend = (buys * search.buy * (1 + search.rate)).sum(axis=1)
    rows = np.flatnonzero((deficit > 0) & (spend > 0))
    if rows.size:
        keep = np.maximum(spend[rows] - deficit[rows], 0.0) / spend[rows]
        scaled = np.floor(buys[rows] * keep[:, None]).astype(np.int64)
        lots[rows] = np.where(lots[rows] > 0, scaled, lots[rows])
    return lots


def repair(search: Search, lots: Lots, *, shrink: bool = True) -> Lots:
    """Drop one lot at a time, least harm first, until each account keeps the cash rule.

    Runs of drops the one-at-a-time rule would make on the same ticker are taken at once (see
    `_repeated_drops`), so a deficit of millions of lots costs a few passes, not millions. `shrink` first
    scales every buy down in proportion (a fast cut for the floor's large deficits).
    """
    lots = shrink_buys(search, lots) if shrink else lots.copy()
    active = np.flatnonzero(search.slack(lots) < 0)
    while active.size:
        sub = search.take(active)
        sub_lots = lots[active]
        gain, _ = step_gains(sub, sub_lots, -1)
        movable = sub_lots > sub.lower
        choice = np.argmax(np.where(movable, gain, NO_MOVE), axis=1)
        index = np.arange(active.size)
        moved = movable[index, choice]
        steps = _repeated_drops(sub, sub_lots, index[moved], choice[moved])
        lots[active[moved], choice[moved]] -= steps
        active = active[moved]
        active = active[search.take(active).slack(lots[active]) < 0]
    return lots


def _repeated_drops(search: Search, lots: Lots, rows: Rows, columns: Rows) -> Lots:
    """How many single drops in a row `repair` would make on each chosen ticker (at least one).

    While a ticker's drop keeps the same gain (its deviation stays on one side of a whole lot), nothing
    else changes and the same ticker stays the best choice; the run ends before the cash rule could hold
    (each lot frees at most its price with commission), before the trade's sign flips (the commission
    minimum applies there) and at the ticker's bound. One drop short of each limit keeps the float
    estimates on the safe side: the remaining drops are made one at a time, as before.
    """
    current = lots[rows, columns].astype(np.float64)
    lot_value = search.lot_value[rows, columns]
    deviation = search.held[rows, columns] + lot_value * current - search.target[rows, columns]
    same_gain = np.where(deviation <= 0, np.inf, np.floor(deviation / lot_value))
    freed = np.where(current > 0, search.buy[rows, columns] * (1 + search.rate[rows, 0]), search.sell[rows, columns])
    needed = np.floor(-search.slack(lots)[rows] / np.maximum(freed, 1e-9))
    before_sign_flip = np.where(current > 0, current - 1, np.where(current == 0, 1.0, np.inf))
    room = current - search.lower[rows, columns]
    run = np.minimum(np.minimum(same_gain - 1, needed - 1), np.minimum(before_sign_flip, room))
    return np.clip(np.where(np.isnan(run), 1.0, run), 1, room).astype(np.int64)


def top_up(search: Search, lots: Lots) -> Lots:
    """Add lots with the best gain per unit of cash while they improve and the cash rule holds.

    Lots that each close a whole lot of shortfall gain the same, so they go in together, as many as the
    cash allows; a lot that would overshoot its target is weighed one at a time. Each account's flows are
    kept up to date entry by entry, and the working set is compacted once most accounts are done.
    """
    lots = _take_best_prefix(search, lots)
    work, sub, sub_lots = np.arange(lots.shape[0]), search, lots.copy()
    flows = sub.flows(sub_lots)
    live = np.ones(work.size, dtype=bool)
    while live.any():
        if live.sum() < 0.6 * live.size:
            lots[work] = sub_lots
            keep = np.flatnonzero(live)
            work, sub, sub_lots, flows = work[keep], sub.take(keep), sub_lots[keep], flows[keep]
            live = np.ones(keep.size, dtype=bool)
        gain, slack = step_gains(sub, sub_lots, 1, flows)
        allowed = (gain > 0) & (slack >= 0) & (sub_lots < sub.upper) & live[:, None]
        choice = np.argmax(np.where(allowed, gain / sub.buy, NO_MOVE), axis=1)
        index = np.arange(work.size)
        live = allowed[index, choice]
        rows, columns = index[live], choice[live]
        step = _bulk_step(sub, sub_lots, flows, rows, columns)
        sub_lots[rows, columns] += step
        flows[rows, columns] = sub.flow_at(rows, columns, sub_lots[rows, columns])
    lots[work] = sub_lots
    return lots


def _take_best_prefix(search: Search, lots: Lots) -> Lots:
    """Add one lot of each improving ticker, best gain per unit of cash first, while the cash lasts.

    Cash flows are separate per ticker, so the slack after several one-lot adds is the sum of their
    single effects: a cumulative sum over the ranked candidates finds, per account, how many fit.
    """
    flows = search.flows(lots)
    slack = search.budget + flows.sum(axis=1)
    gain, slack_after = step_gains(search, lots, 1, flows)
    cost = slack[:, None] - slack_after
    candidate = (gain > 0) & (lots < search.upper) & (cost > 0)
    order = np.argsort(np.where(candidate, -gain / np.maximum(cost, 1e-9), np.inf), axis=1, kind="stable")
    ranked_cost = np.take_along_axis(np.where(candidate, cost, np.inf), order, axis=1)
    fits = np.cumsum(ranked_cost, axis=1) <= slack[:, None]
    chosen = np.zeros_like(fits)
    np.put_along_axis(chosen, order, fits, axis=1)
    return lots + chosen.astype(np.int64)


def _bulk_step(search: Search, lots: Lots, flows: Floats, rows: Rows, columns: Rows) -> Lots:
    """Lots to add at once to each chosen (account, ticker); one when several would not fit."""
    shortfall = -(search.held[rows, columns] + search.lot_value[rows, columns] * lots[rows, columns]
                  - search.target[rows, columns])
    room = search.upper[rows, columns] - lots[rows, columns]
    whole = np.minimum(np.maximum(np.floor(shortfall / search.lot_value[rows, columns]), 1), room)
    slack = search.budget[rows] + flows[rows].sum(axis=1)
    per_lot = search.buy[rows, columns] * (1 + search.rate[rows, 0]) + 1
    affordable = np.floor(np.maximum(slack, 0) / per_lot)
    step = np.maximum(np.minimum(whole, affordable), 1).astype(np.int64)
    moved = search.flow_at(rows, columns, lots[rows, columns] + step)
    fits = slack + moved - flows[rows, columns] >= 0
    return np.where(fits, step, 1)
