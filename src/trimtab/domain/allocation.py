"""Lot-exact allocation: choose how many lots of each ticker to trade, for many accounts at once.

Every figure here is an integer: money in "units" (a fixed fraction of the account currency, chosen by
the caller so that every price x lot is whole), quantities in lots. Arrays are shaped (N accounts, K
tickers). The arrays may be int64 or Python-int object arrays (exact for any size); floats only rank
candidates, they never become a quantity or an amount.

Per account, with trade lots m (negative = sell), held value H, lot value U, target value T:

    objective   = sum |H + U*m - T|                                  (sum of absolute deviations)
    cash rule   = cash - bought + sold - commissions - sell taxes >= reserve
    bounds      = lower <= m <= upper    (lower = -orderable lots: never oversell)

Buys pay the buy limit per lot, sells receive the sell limit per lot, so the cash rule holds whatever
price inside the limits the orders fill at.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[Any]  # int64 or object (Python ints)

EXCHANGE_ROUNDS = 4
SWAP_CANDIDATES = 3


class AllocationMethod(StrEnum):
    GREEDY = "greedy"  # the default: floor, cost-aware top-up, exchange moves
    FLOOR = "floor"  # the seeds' floor(target / price), repaired to respect the cash rule
    EXACT = "exact"  # a MILP solve (an adapter provides it)


@dataclass(frozen=True, slots=True)
class AllocationBatch:
    """The allocation problem for N accounts of K tickers, in integer units and lots."""

    lot_value: IntArray  # (N,K) current price x lot size: values the objective
    buy_price: IntArray  # (N,K) buy limit x lot size: cash paid per lot bought
    sell_price: IntArray  # (N,K) sell limit x lot size: cash received per lot sold
    held_value: IntArray  # (N,K) current price x quantity held
    target_value: IntArray  # (N,K) target weight x investable equity
    lower: IntArray  # (N,K) most lots that may be sold, as a negative bound
    upper: IntArray  # (N,K) most lots that may be bought
    cash: IntArray  # (N,) orderable cash
    reserve: IntArray  # (N,) cash that must remain (the buffer)
    commission_rate: IntArray  # (N,) numerator over rate_denominator
    commission_minimum: IntArray  # (N,) per order that trades
    sell_tax_rate: IntArray  # (N,K) numerator over rate_denominator
    cost_quantum: IntArray  # (N,) costs round up to a multiple of this (the currency minor unit)
    rate_denominator: int

    @property
    def shape(self) -> tuple[int, int]:
        rows, cols = self.lot_value.shape
        return int(rows), int(cols)


def _ceil_div(numerator: IntArray, denominator: IntArray | int) -> IntArray:
    return -((-numerator) // denominator)


def trade_costs(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Commission and sell tax of each ticker's trade, rounded up to the cost quantum."""
    bought = np.maximum(lots, 0) * batch.buy_price
    sold = np.maximum(-lots, 0) * batch.sell_price
    traded = bought + sold
    quantum = batch.cost_quantum[:, None]
    scale = batch.rate_denominator * quantum
    commission = _ceil_div(traded * batch.commission_rate[:, None], scale) * quantum
    commission = np.where(traded > 0, np.maximum(commission, batch.commission_minimum[:, None]), 0)
    tax = _ceil_div(sold * batch.sell_tax_rate, scale) * quantum
    return commission + tax


def cash_flows(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Cash each ticker's trade brings in (negative for buys), after its costs."""
    flow = np.maximum(-lots, 0) * batch.sell_price - np.maximum(lots, 0) * batch.buy_price
    return flow - trade_costs(batch, lots)


def cash_slack(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Cash left above the reserve after all trades; negative breaks the cash rule."""
    return batch.cash + cash_flows(batch, lots).sum(axis=1) - batch.reserve


def deviations(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Signed distance of each post-trade value from its target."""
    return batch.held_value + batch.lot_value * lots - batch.target_value


def objective(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Sum of absolute deviations from target, per account, in units."""
    return np.abs(deviations(batch, lots)).sum(axis=1)


def is_feasible(batch: AllocationBatch, lots: IntArray) -> npt.NDArray[np.bool_]:
    """Per account: bounds and cash rule hold."""
    within = ((lots >= batch.lower) & (lots <= batch.upper)).all(axis=1)
    return np.asarray(within & (cash_slack(batch, lots) >= 0), dtype=bool)


def _floor_lots(batch: AllocationBatch) -> IntArray:
    ideal = (batch.target_value - batch.held_value) // batch.lot_value
    return np.minimum(np.maximum(ideal, batch.lower), batch.upper)


def allocate_floor(batch: AllocationBatch) -> IntArray:
    """floor(target / price) per ticker, then trimmed until the cash rule holds."""
    return _repair_cash(batch, _floor_lots(batch))


def allocate_greedy(batch: AllocationBatch) -> IntArray:
    """Floor, top up lot by lot while the cash rule holds, then improve by exchange moves."""
    lots = _repair_cash(batch, _floor_lots(batch))
    lots = _top_up(batch, lots)
    for _ in range(EXCHANGE_ROUNDS):
        lots, changed = _exchange_round(batch, lots)
        if not changed:
            break
    return lots


def _rows(batch: AllocationBatch, rows: npt.NDArray[np.intp]) -> AllocationBatch:
    """The same problem restricted to some accounts."""
    return AllocationBatch(
        lot_value=batch.lot_value[rows], buy_price=batch.buy_price[rows], sell_price=batch.sell_price[rows],
        held_value=batch.held_value[rows], target_value=batch.target_value[rows],
        lower=batch.lower[rows], upper=batch.upper[rows], cash=batch.cash[rows], reserve=batch.reserve[rows],
        commission_rate=batch.commission_rate[rows], commission_minimum=batch.commission_minimum[rows],
        sell_tax_rate=batch.sell_tax_rate[rows], cost_quantum=batch.cost_quantum[rows],
        rate_denominator=batch.rate_denominator,
    )


def _step_gains(batch: AllocationBatch, lots: IntArray, step: int) -> tuple[IntArray, IntArray]:
    """Objective gain and new slack of moving every ticker by `step` lots, one at a time."""
    deviation = deviations(batch, lots)
    gain = np.abs(deviation) - np.abs(deviation + step * batch.lot_value)
    flows = cash_flows(batch, lots)
    moved_flows = cash_flows(batch, lots + step)
    slack = cash_slack(batch, lots)[:, None] + (moved_flows - flows)
    return gain, slack


def _repair_cash(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Remove one lot at a time, least harm first, from accounts that break the cash rule."""
    lots = _shrink_buys(batch, lots)
    active = np.flatnonzero(cash_slack(batch, lots) < 0)
    while active.size:
        sub = _rows(batch, active)
        sub_lots = lots[active]
        gain, _ = _step_gains(sub, sub_lots, -1)
        movable = sub_lots > sub.lower
        score = np.where(movable, gain, _very_negative(gain))
        choice = np.argmax(score, axis=1)
        can_move = movable[np.arange(active.size), choice]
        lots[active[can_move], choice[can_move]] -= 1
        still = cash_slack(_rows(batch, active[can_move]), lots[active[can_move]]) < 0
        active = active[can_move][still]
    return lots


def _shrink_buys(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Scale every buy down in proportion where the cash rule breaks by more than a few lots.

    Floor targets assume every holding can be sold down to target; when one cannot (orderable limits)
    or costs eat the margin, the deficit may be many lots, which one-lot repair steps would take long
    to remove. Rounding down after scaling keeps this a cheap, conservative first cut.
    """
    lots = lots.copy()
    deficit = -cash_slack(batch, lots)
    buys = np.maximum(lots, 0)
    spend = (buys * batch.buy_price).sum(axis=1)
    rows = np.flatnonzero((deficit > 0) & (spend > 0))
    if rows.size == 0:
        return lots
    keep = np.maximum(spend[rows] - deficit[rows], 0)
    scaled = (buys[rows] * keep[:, None]) // spend[rows][:, None]
    lots[rows] = np.where(lots[rows] > 0, np.maximum(scaled, np.maximum(batch.lower[rows], 0)), lots[rows])
    return lots


def _very_negative(like: IntArray) -> IntArray:
    return np.full_like(like, -(2**62))


def _top_up(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Add lots with the best gain per unit of cash, while they improve and the cash rule holds.

    Lots that close a whole lot of shortfall all gain the same, so they are added together (as many as
    the cash allows); a lot that would overshoot the target is weighed one at a time.
    """
    lots = lots.copy()
    active = np.arange(batch.shape[0])
    while active.size:
        sub = _rows(batch, active)
        sub_lots = lots[active]
        gain, slack = _step_gains(sub, sub_lots, 1)
        allowed = (gain > 0) & (slack >= 0) & (sub_lots < sub.upper)
        ratio = np.where(allowed, gain.astype(np.float64) / sub.buy_price.astype(np.float64), -1.0)
        choice = np.argmax(ratio, axis=1)
        index = np.arange(active.size)
        picked = allowed[index, choice]
        step = _bulk_step(sub, sub_lots, choice, slack[index, choice])
        lots[active[picked], choice[picked]] += step[picked]
        active = active[picked]
    return lots


def _bulk_step(batch: AllocationBatch, lots: IntArray, choice: IntArray, slack_after_one: IntArray) -> IntArray:
    """How many lots of the chosen ticker to add at once: whole-lot shortfall that the cash covers."""
    index = np.arange(choice.size)
    lot_value = batch.lot_value[index, choice]
    price = batch.buy_price[index, choice]
    shortfall = -deviations(batch, lots)[index, choice]
    room = batch.upper[index, choice] - lots[index, choice]
    whole = np.minimum(np.maximum(shortfall // lot_value, 1), room)
    affordable = 1 + slack_after_one // (price + price * batch.commission_rate // batch.rate_denominator + 1)
    step = np.maximum(np.minimum(whole, affordable), 1)
    trial = lots.copy()
    trial[index, choice] += step
    return np.where(cash_slack(batch, trial) >= 0, step, 1)


def _exchange_round(batch: AllocationBatch, lots: IntArray) -> tuple[IntArray, bool]:
    """Apply, per account, the best improving move: add a lot, drop a lot, or a paid-for swap."""
    count, width = batch.shape
    add_gain, add_slack = _step_gains(batch, lots, 1)
    drop_gain, drop_slack = _step_gains(batch, lots, -1)
    no_move = _very_negative(add_gain)
    add_ok = (add_slack >= 0) & (lots < batch.upper)
    drop_ok = (drop_slack >= 0) & (lots > batch.lower)
    best_add = np.where(add_ok, add_gain, no_move)
    best_drop = np.where(drop_ok, drop_gain, no_move)
    swap_gain, swap_add, swap_drop, swap_lots = _best_swaps(batch, lots, add_gain, add_slack)

    rows = np.arange(count)
    add_choice = np.argmax(best_add, axis=1)
    drop_choice = np.argmax(best_drop, axis=1)
    candidates = np.stack([best_add[rows, add_choice], best_drop[rows, drop_choice], swap_gain], axis=1)
    kind = np.argmax(candidates, axis=1)
    gain = candidates[rows, kind]
    improve = gain > 0
    if not improve.any():
        return lots, False
    lots = lots.copy()
    do_add = improve & (kind == 0)
    do_drop = improve & (kind == 1)
    do_swap = improve & (kind == 2)
    lots[rows[do_add], add_choice[do_add]] += 1
    lots[rows[do_drop], drop_choice[do_drop]] -= 1
    lots[rows[do_swap], swap_add[do_swap]] += 1
    lots[rows[do_swap], swap_drop[do_swap]] -= swap_lots[do_swap]
    del width
    return lots, True


def _best_swaps(
    batch: AllocationBatch, lots: IntArray, add_gain: IntArray, add_slack: IntArray
) -> tuple[IntArray, IntArray, IntArray, IntArray]:
    """Best "buy one lot of j, paid for by selling or not buying L lots of i" per account."""
    count, width = batch.shape
    rows = np.arange(count)
    depth = min(SWAP_CANDIDATES, width)
    wanted = np.where((add_gain > 0) & (add_slack < 0) & (lots < batch.upper), add_gain, _very_negative(add_gain))
    order = np.argsort(-wanted.astype(np.float64), axis=1, kind="stable")[:, :depth]
    best_gain = _very_negative(np.zeros(count, dtype=lots.dtype))
    best_add = np.zeros(count, dtype=np.intp)
    best_drop = np.zeros(count, dtype=np.intp)
    best_lots = np.zeros(count, dtype=lots.dtype)
    deviation = deviations(batch, lots)
    for slot in range(depth):
        j = order[:, slot]
        j_gain = wanted[rows, j]
        usable = j_gain > 0
        if not usable.any():
            continue
        bumped = lots.copy()
        bumped[rows, j] += 1
        need = -(add_slack[rows, j])  # cash short after buying the lot of j
        freed_per_lot = np.where(bumped > 0, batch.buy_price, batch.sell_price)
        drop = np.maximum(_ceil_div(need[:, None], freed_per_lot), 1)
        room = bumped - batch.lower
        for extra in (0, 1):
            trial = drop + extra
            ok = (trial <= room) & usable[:, None]
            ok[rows, j] = False
            if not ok.any():
                continue
            gain = j_gain[:, None] + np.abs(deviation) - np.abs(deviation - trial * batch.lot_value)
            slack = _swap_slack(batch, bumped, trial)
            ok &= slack >= 0
            score = np.where(ok, gain, _very_negative(gain))
            i = np.argmax(score, axis=1)
            chosen = score[rows, i]
            better = chosen > best_gain
            best_gain = np.where(better, chosen, best_gain)
            best_add = np.where(better, j, best_add)
            best_drop = np.where(better, i, best_drop)
            best_lots = np.where(better, trial[rows, i], best_lots)
    return best_gain, best_add, best_drop, best_lots


def _swap_slack(batch: AllocationBatch, bumped: IntArray, drop: IntArray) -> IntArray:
    """Slack after the bump and dropping `drop` lots of each ticker i (one ticker at a time)."""
    base_flows = cash_flows(batch, bumped)
    base_slack = batch.cash + base_flows.sum(axis=1) - batch.reserve
    moved_flows = cash_flows(batch, bumped - drop)
    return base_slack[:, None] + (moved_flows - base_flows)
