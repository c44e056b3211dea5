"""Ejection moves for the search: force one lot in or out of a ticker, then let the whole account follow.

A forced buy of ticker j is funded by `fund` (lots dropped least harm per unit of cash first, from any
tickers: several when one does not free enough) and the cash left is spent by `top_up`; a forced drop of
ticker i frees cash that `top_up` spends on the others (many cheap lots for one dear one). The best three
tickers of each kind are tried per account and round: buys by gain, drops by least harm (up to
SMALL_ACCOUNT tickers, where every account also gets forced drops and a second round) or by least harm per
unit of cash freed (beyond it, where only accounts with coarse lots get forced drops). The forced ticker is
held by its bounds meanwhile, so the follow-up cannot simply undo the move. A move is kept where it
lowers the objective and keeps the (over-estimated) cash rule. Accounts already at the best objective
any plan could reach without the cash rule (every ticker at its nearest lattice point) are left alone.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import numpy.typing as npt

from trimtab.domain.allocation_method import COARSE, EJECTION_CANDIDATES, FUND_PASSES, SMALL_ACCOUNT, TOLERANCE
from trimtab.domain.allocation_search import NO_MOVE, Floats, Lots, Rows, Search, step_gains, top_up


def _objective(search: Search, lots: Lots) -> Floats:
    result: Floats = np.abs(search.deviations(lots)).sum(axis=1)
    return result


def unconstrained_best(search: Search) -> Floats:
    """Per account: the objective with every ticker at its nearest lattice point within its bounds."""
    need = (search.target - search.held) / search.lot_value
    low = np.clip(np.floor(need), search.lower, search.upper)
    high = np.clip(low + 1, search.lower, search.upper)
    best = np.minimum(np.abs(search.held + low * search.lot_value - search.target),
                      np.abs(search.held + high * search.lot_value - search.target))
    result: Floats = best.sum(axis=1)
    return result


def eject(search: Search, lots: Lots) -> Lots:
    """A few rounds of forced buys and forced drops on the accounts that may still improve.

    All of a round's trials (every account, every candidate ticker, both kinds) run as one stacked batch,
    so a round costs one pass of funding and topping up however many trials it holds.
    """
    lots = lots.copy()
    small = lots.shape[1] <= SMALL_ACCOUNT
    tolerance = TOLERANCE
    active = np.flatnonzero(_objective(search, lots) > unconstrained_best(search) + tolerance)
    for _ in range(2 if small else 1):
        if not active.size:
            break
        sub = search.take(active)
        current = lots[active]
        owners, trials = _trials(sub, current, np.ones(active.size, dtype=bool) if small else _coarse(sub))
        if not owners.size:
            break
        held = sub.take(owners)
        score = _objective(held, trials)
        better = (score < _objective(sub, current)[owners] - tolerance) & (held.slack(trials) >= 0)
        chosen = np.flatnonzero(better)
        chosen = chosen[np.argsort(score[chosen], kind="stable")]
        winners, first = np.unique(owners[chosen], return_index=True)  # each account's best trial
        lots[active[winners]] = trials[chosen[first]]
        active = active[winners]
    return lots


def _coarse(search: Search) -> npt.NDArray[np.bool_]:
    """Accounts whose lots are coarse next to their equity (one lot of each ticker worth a quarter or more)."""
    equity = search.budget + search.held.sum(axis=1)
    coarse: npt.NDArray[np.bool_] = search.lot_value.sum(axis=1) * COARSE >= equity
    return coarse


def _trials(search: Search, lots: Lots, drops: npt.NDArray[np.bool_]) -> tuple[Rows, Lots]:
    """Each candidate forced move, followed through; returns the account of each trial and its lots.

    Forced buys for every account, forced drops for the accounts marked in `drops`."""
    rows = np.arange(lots.shape[0])
    flows = search.flows(lots)
    add_gain, _ = step_gains(search, lots, 1, flows)
    drop_gain, drop_slack = step_gains(search, lots, -1, flows)
    freed = np.maximum(drop_slack - (search.budget + flows.sum(axis=1))[:, None], 1e-9)
    width = min(EJECTION_CANDIDATES, lots.shape[1])
    wanted = np.where((add_gain > 0) & (lots < search.upper), add_gain, NO_MOVE)
    movable = lots > search.lower
    per_cash = np.where(movable, drop_gain / freed, NO_MOVE)  # least harm per unit of cash freed
    least = np.where(movable, drop_gain, NO_MOVE)  # least harm
    owners, columns, steps = [], [], []
    # Measured: least harm picks the better drops among a few tickers, least harm per cash among many.
    drop = least if lots.shape[1] <= SMALL_ACCOUNT else per_cash
    moves = [(_top(wanted, width), wanted, 1), (_top(drop, width), drop, -1)]
    for choices, scores, step in moves:
        for column in choices.T:
            usable = np.isfinite(scores[rows, column]) & (drops if step < 0 else True)
            owners.append(rows[usable])
            columns.append(column[usable])
            steps.append(np.full(int(usable.sum()), step, dtype=np.int64))
    owner = np.concatenate(owners)
    return owner, _follow(search.take(owner), lots[owner], np.concatenate(columns), np.concatenate(steps))


def _top(scores: Floats, width: int) -> Rows:
    order: Rows = np.argsort(-scores, axis=1, kind="stable")[:, :width]
    return order


def _follow(search: Search, lots: Lots, columns: Rows, steps: Lots) -> Lots:
    """Force `steps` lots on each row's column, hold that ticker there, and fund then top up the account."""
    if not columns.size:
        return lots.copy()
    moved = lots.copy()
    index = np.arange(columns.size)
    moved[index, columns] += steps
    lower, upper = search.lower.copy(), search.upper.copy()
    lower[index, columns] = moved[index, columns]
    upper[index, columns] = moved[index, columns]
    held = replace(search, lower=lower, upper=upper)
    return top_up(held, fund(held, moved))


def fund(search: Search, lots: Lots) -> Lots:
    """Drop lots until each account keeps the cash rule, least harm per unit of cash freed first.

    Cash freed counts only up to the deficit, so one dear lot that frees what is missing for little harm
    goes before many cheap ones, and several tickers pay when one does not suffice. Runs of drops on one
    ticker go at once while nothing else could rank first (as in `repair`), and each account's flows are
    kept up to date entry by entry.
    """
    lots = lots.copy()
    flows = search.flows(lots)
    slack = search.budget + flows.sum(axis=1)
    work = np.flatnonzero(slack < 0)
    keep = 1.0 - search.rate - search.tax
    for _ in range(FUND_PASSES):
        if not work.size:
            break
        current, unit = lots[work], search.lot_value[work]
        deviation = search.held[work] + unit * current - search.target[work]
        harm = np.abs(deviation - unit) - np.abs(deviation)
        freed = np.where(current > 0, search.buy[work] * (1.0 + search.rate[work]), search.sell[work] * keep[work])
        deficit = -slack[work]
        score = harm / np.maximum(np.minimum(freed, deficit[:, None]), 1e-9)
        movable = current > search.lower[work]
        column = np.argmin(np.where(movable, score, np.inf), axis=1)
        index = np.arange(work.size)
        moved = movable[index, column]
        index, column = index[moved], column[moved]
        rows = work[moved]
        run = _run(current[index, column], deviation[index, column], unit[index, column],
                   freed[index, column], deficit[moved], search.lower[rows, column])
        lots[rows, column] -= run
        new_flow = search.flow_at(rows, column, lots[rows, column])
        slack[rows] += new_flow - flows[rows, column]
        flows[rows, column] = new_flow
        work = rows[slack[rows] < 0]
    return lots


def _run(current: Lots, deviation: Floats, unit: Floats, freed: Floats, deficit: Floats, lower: Lots) -> Lots:
    """Drops in a row that keep the same harm and leave the cash rule short (one at least)."""
    same = np.where(deviation <= 0, np.inf, np.floor(deviation / unit))
    needed = np.floor(deficit / np.maximum(freed, 1e-9))
    before_sign_flip = np.where(current > 0, current - 1, np.where(current == 0, 1.0, np.inf))
    room = current - lower
    run = np.minimum(np.minimum(same - 1, needed - 1), np.minimum(before_sign_flip, room))
    result: Lots = np.clip(np.where(np.isnan(run), 1.0, run), 1, room).astype(np.int64)
    return result
