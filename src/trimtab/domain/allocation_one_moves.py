"""Ejection moves for one account, in plain Python: `allocation_moves` (see its text) move for move.

The trials of a round are followed one after the other instead of stacked; each is the same computation
as its row of the stacked batch, and the best is chosen alike (lowest objective, the first trial on ties:
forced buys by rank, then forced drops by rank).
"""

from __future__ import annotations

import math

from trimtab.domain.allocation_account import Lots, pairwise_sum
from trimtab.domain.allocation_method import COARSE, EJECTION_CANDIDATES, FUND_PASSES, SMALL_ACCOUNT, TOLERANCE
from trimtab.domain.allocation_one import INF, NO_MOVE, OneSearch, _clipped_run, top_up


def unconstrained_best(search: OneSearch) -> float:
    """The objective with every ticker at its nearest lattice point within its bounds."""
    best = []
    for k, unit in enumerate(search.lot_value):
        held, target = search.held[k], search.target[k]
        low = _clip(float(math.floor((target - held) / unit)), search.lower[k], search.upper[k])
        high = _clip(low + 1, search.lower[k], search.upper[k])
        below, above = abs(held + low * unit - target), abs(held + high * unit - target)
        best.append(below if below <= above else above)
    return pairwise_sum(best)


def _clip(value: float, lower: int, upper: int) -> float:
    """np.clip of one value: min(max(value, lower), upper)."""
    value = lower if value < lower else value
    return upper if value > upper else value


def eject(search: OneSearch, lots: Lots) -> Lots:
    """A few rounds of forced buys and forced drops while they improve the account."""
    small = len(lots) <= SMALL_ACCOUNT
    if not search.objective(lots) > unconstrained_best(search) + TOLERANCE:
        return lots
    drops = small or _coarse(search)
    for _ in range(2 if small else 1):
        trials = _trials(search, lots, drops)
        if not trials:
            break
        current = search.objective(lots) - TOLERANCE
        best: tuple[float, Lots] | None = None
        for trial in trials:
            score = search.objective(trial)
            if score < current and search.slack(trial) >= 0 and (best is None or score < best[0]):
                best = (score, trial)
        if best is None:
            break
        lots = best[1]
    return lots


def _coarse(search: OneSearch) -> bool:
    """Whether one lot of each ticker is worth a quarter of the equity or more."""
    equity = search.budget + pairwise_sum(search.held)
    return pairwise_sum(search.lot_value) * COARSE >= equity


def _trials(search: OneSearch, lots: Lots, drops: bool) -> list[Lots]:
    """Each candidate forced move followed through: the best forced buys, then (with `drops`) forced drops."""
    count = len(lots)
    flows = search.flows(lots)
    slack = search.budget + pairwise_sum(flows)
    wanted, drop = [], []
    for k, m in enumerate(lots):
        gain = search.gain(k, m, 1)
        wanted.append(gain if gain > 0 and m < search.upper[k] else NO_MOVE)
        if m > search.lower[k]:
            gain = search.gain(k, m, -1)  # the harm of a drop, negated
            freed = max((slack + (search.flow(k, m - 1) - flows[k])) - slack, 1e-9)
            drop.append(gain if count <= SMALL_ACCOUNT else gain / freed)
        else:
            drop.append(NO_MOVE)
    width = min(EJECTION_CANDIDATES, count)
    trials = []
    for scores, step in ((wanted, 1), (drop, -1)):
        if step < 0 and not drops:
            continue
        for k in sorted(range(count), key=lambda k: -scores[k])[:width]:
            if math.isfinite(scores[k]):
                trials.append(_follow(search, lots, k, step))
    return trials


def _follow(search: OneSearch, lots: Lots, k: int, step: int) -> Lots:
    """Force `step` lots on ticker k, hold it there, and fund then top up the account."""
    moved = list(lots)
    moved[k] += step
    held = search.held_at(k, moved[k])
    return top_up(held, fund(held, moved))


def fund(search: OneSearch, lots: Lots) -> Lots:
    """Drop lots until the account keeps the cash rule, least harm per unit of cash freed first."""
    lots = list(lots)
    flows = search.flows(lots)
    slack = search.budget + pairwise_sum(flows)
    if not slack < 0:
        return lots
    keep = [1.0 - search.rate - tax for tax in search.tax]
    count = len(lots)
    harm, freed = [0.0] * count, [0.0] * count

    def refresh(k: int) -> float:
        """Ticker k's harm of one drop and the cash that drop frees; returns its deviation."""
        m, unit = lots[k], search.lot_value[k]
        deviation = search.held[k] + unit * m - search.target[k]
        harm[k] = abs(deviation - unit) - abs(deviation)
        freed[k] = search.buy_cost[k] if m > 0 else search.sell[k] * keep[k]
        return deviation

    for k in range(count):
        refresh(k)
    lower = search.lower
    for _ in range(FUND_PASSES):
        if not slack < 0:
            break
        deficit = -slack
        column, least = -1, INF
        for k in range(count):
            if lots[k] > lower[k]:
                score = harm[k] / max(min(freed[k], deficit), 1e-9)
                if score < least or column < 0:
                    column, least = k, score
        if column < 0:
            break
        m = lots[column]
        deviation = refresh(column)
        same = INF if deviation <= 0 else float(math.floor(deviation / search.lot_value[column]))
        needed = float(math.floor(deficit / max(freed[column], 1e-9)))
        lots[column] -= _clipped_run(m, same, needed, m - search.lower[column])
        refresh(column)
        new_flow = search.flow(column, lots[column])
        slack += new_flow - flows[column]
        flows[column] = new_flow
    return lots
