"""The `greedy` and `floor` search for one account, in plain Python: the same moves, in the same order, with
the same float64 operations as the vectorised search (`allocation_search`, `allocation_moves`), so an
account gets the same lots alone as in a batch, without NumPy's per-call cost or its import.

Floats only rank and size moves: costs are over-estimated by one minor unit per order and the budget keeps
one unit back, as in the vectorised search; `allocation_account.verified` then enforces the exact cash rule.
Sums over tickers use `pairwise_sum` (NumPy's order), so they round alike.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from trimtab.domain.allocation_account import AccountProblem, Lots, pairwise_sum, verified

INF = math.inf
NO_MOVE = -math.inf


@dataclass(frozen=True, slots=True)
class OneSearch:
    """Float copy of one account's problem (money) with its integer bounds (lots)."""

    lot_value: list[float]
    buy: list[float]
    sell: list[float]
    held: list[float]
    target: list[float]
    lower: tuple[int, ...]
    upper: tuple[int, ...]
    budget: float  # cash - reserve - one minor unit of safety
    rate: float
    minimum: float
    rate_allowance: float  # one minor unit where the commission rounds up
    tax: list[float]
    tax_allowance: list[float]
    buy_cost: list[float]  # buy x (1 + rate): cash one bought lot takes, before the allowance

    @classmethod
    def of(cls, problem: AccountProblem) -> OneSearch:
        denominator = float(problem.rate_denominator)
        quantum = float(problem.cost_quantum)
        rate = float(problem.commission_rate) / denominator
        tax = [float(t) / denominator for t in problem.sell_tax_rate]
        buy = [float(v) for v in problem.buy_price]
        return cls(
            lot_value=[float(v) for v in problem.lot_value], buy=buy,
            sell=[float(v) for v in problem.sell_price], held=[float(v) for v in problem.held_value],
            target=[float(v) for v in problem.target_value], lower=problem.lower, upper=problem.upper,
            budget=float(problem.cash) - float(problem.reserve) - quantum, rate=rate,
            minimum=float(problem.commission_minimum), rate_allowance=quantum if rate > 0 else 0.0, tax=tax,
            tax_allowance=[quantum if t > 0 else 0.0 for t in tax], buy_cost=[b * (1 + rate) for b in buy],
        )

    def flow(self, k: int, m: int) -> float:
        """Cash ticker k's trade of m lots brings in after its (over-estimated) costs."""
        if m > 0:
            bought = m * self.buy[k]
            fee = bought * self.rate + self.rate_allowance
            return -bought - (fee if fee > self.minimum else self.minimum)
        if m < 0:
            sold = -m * self.sell[k]
            fee = sold * self.rate + self.rate_allowance
            return (sold - (fee if fee > self.minimum else self.minimum)) - (sold * self.tax[k] + self.tax_allowance[k])
        return 0.0

    def flows(self, lots: Lots) -> list[float]:
        return [self.flow(k, m) for k, m in enumerate(lots)]

    def slack(self, lots: Lots) -> float:
        return self.budget + pairwise_sum(self.flows(lots))

    def deviation(self, k: int, m: int) -> float:
        return self.held[k] + self.lot_value[k] * m - self.target[k]

    def objective(self, lots: Lots) -> float:
        return pairwise_sum([abs(self.deviation(k, m)) for k, m in enumerate(lots)])

    def gain(self, k: int, m: int, step: int) -> float:
        """Objective gain of moving ticker k alone from m lots by `step` (one lot either way)."""
        unit = self.lot_value[k]
        deviation = self.held[k] + unit * m - self.target[k]
        return abs(deviation) - abs(deviation + step * unit)

    def held_at(self, k: int, m: int) -> OneSearch:
        """The same search with ticker k held at m lots (a forced move the follow-up may not undo)."""
        lower, upper = list(self.lower), list(self.upper)
        lower[k] = upper[k] = m
        return replace(self, lower=tuple(lower), upper=tuple(upper))


def floor_lots(search: OneSearch) -> Lots:
    """Lots that bring each ticker to at most its target (within the bounds)."""
    return [min(max(math.floor((search.target[k] - search.held[k]) / search.lot_value[k]), search.lower[k]),
                search.upper[k]) for k in range(len(search.lot_value))]


def allocate_one_floor(problem: AccountProblem) -> Lots:
    """`allocation.allocate_floor` for one account."""
    search = OneSearch.of(problem)
    return verified(problem, repair(search, floor_lots(search)))


def allocate_one_greedy(problem: AccountProblem) -> Lots:
    """`allocation.allocate_greedy` for one account: floor, repair, top up, ejection moves."""
    from trimtab.domain.allocation_one_moves import eject

    search = OneSearch.of(problem)
    lots = repair(search, floor_lots(search))
    return verified(problem, eject(search, top_up(search, lots)))


def shrink_buys(search: OneSearch, lots: Lots) -> Lots:
    """Scale buys down in proportion where the cash rule breaks (a cheap first cut before repair)."""
    deficit = -search.slack(lots)
    buys = [max(m, 0) for m in lots]
    spend = pairwise_sum([b * search.buy[k] * (1 + search.rate) for k, b in enumerate(buys)])
    if not (deficit > 0 and spend > 0):
        return list(lots)
    keep = max(spend - deficit, 0.0) / spend
    return [math.floor(b * keep) if m > 0 else m for b, m in zip(buys, lots, strict=True)]


def repair(search: OneSearch, lots: Lots) -> Lots:
    """Drop lots, least harm first, until the account keeps the cash rule (runs of drops at once)."""
    lots = shrink_buys(search, lots)
    slack = search.slack(lots)
    while slack < 0:
        choice, best = -1, NO_MOVE
        for k, m in enumerate(lots):
            if m > search.lower[k]:
                gain = search.gain(k, m, -1)
                if gain > best or choice < 0:
                    choice, best = k, gain
        if choice < 0:
            break
        lots[choice] -= _repeated_drops(search, lots[choice], choice, slack)
        slack = search.slack(lots)
    return lots


def _repeated_drops(search: OneSearch, m: int, k: int, slack: float) -> int:
    """How many single drops in a row `repair` would make on ticker k (see allocation_search)."""
    current = float(m)
    unit = search.lot_value[k]
    deviation = search.held[k] + unit * current - search.target[k]
    same_gain = INF if deviation <= 0 else float(math.floor(deviation / unit))
    freed = search.buy_cost[k] if current > 0 else search.sell[k]
    needed = float(math.floor(-slack / max(freed, 1e-9)))
    return _clipped_run(m, same_gain, needed, current - search.lower[k])


def _clipped_run(m: int, same: float, needed: float, room: float) -> int:
    """min(same - 1, needed - 1, before the trade's sign flips, room), at least 1 and at most room."""
    before_sign_flip = m - 1 if m > 0 else (1.0 if m == 0 else INF)
    run = min(min(same - 1, needed - 1), min(before_sign_flip, room))
    return int(min(max(run, 1), room))


def top_up(search: OneSearch, lots: Lots) -> Lots:
    """Add lots with the best gain per unit of cash while they improve and the cash rule holds.

    First one lot of each improving ticker, best gain per unit of cash first, while the cash lasts (flows are
    separate per ticker); then one move at a time, several lots at once where each closes a whole lot of
    shortfall. Each ticker's flow, gain and cost of one more lot are kept up to date as it moves.
    """
    lots = list(lots)
    count = len(lots)
    flows = search.flows(lots)
    gains = [search.gain(k, lots[k], 1) for k in range(count)]
    deltas = [search.flow(k, lots[k] + 1) - flows[k] for k in range(count)]

    def add(k: int, step: int) -> None:
        lots[k] += step
        flows[k] = search.flow(k, lots[k])
        gains[k] = search.gain(k, lots[k], 1)
        deltas[k] = search.flow(k, lots[k] + 1) - flows[k]

    for k in _best_prefix(search, lots, gains, deltas, search.budget + pairwise_sum(flows)):
        add(k, 1)
    upper, buy = search.upper, search.buy
    while True:
        slack = search.budget + pairwise_sum(flows)
        choice, best = -1, NO_MOVE
        for k in range(count):
            gain = gains[k]
            if gain > 0 and slack + deltas[k] >= 0 and lots[k] < upper[k]:
                ratio = gain / buy[k]
                if ratio > best or choice < 0:
                    choice, best = k, ratio
        if choice < 0:
            return lots
        add(choice, _bulk_step(search, lots[choice], choice, flows[choice], slack))


def _best_prefix(search: OneSearch, lots: Lots, gains: list[float], deltas: list[float], slack: float) -> list[int]:
    """The tickers that get one lot each: ranked by gain per unit of cash, as many as the cash allows."""
    ranked: list[tuple[float, int, float]] = []
    for k, m in enumerate(lots):
        gain = gains[k]
        cost = slack - (slack + deltas[k])
        if gain > 0 and m < search.upper[k] and cost > 0:
            ranked.append((-gain / max(cost, 1e-9), k, cost))
    ranked.sort()
    chosen = []
    spent = 0.0
    for _, k, cost in ranked:
        spent += cost
        if not spent <= slack:
            break
        chosen.append(k)
    return chosen


def _bulk_step(search: OneSearch, m: int, k: int, flow: float, slack: float) -> int:
    """Lots to add at once to ticker k; one when several would not fit."""
    unit = search.lot_value[k]
    shortfall = -(search.held[k] + unit * m - search.target[k])
    whole = min(max(float(math.floor(shortfall / unit)), 1.0), float(search.upper[k] - m))
    per_lot = search.buy_cost[k] + 1
    affordable = float(math.floor(max(slack, 0.0) / per_lot))
    step = int(max(min(whole, affordable), 1.0))
    return step if slack + search.flow(k, m + step) - flow >= 0 else 1
