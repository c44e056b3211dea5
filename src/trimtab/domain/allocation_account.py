"""One account's lot-exact allocation problem in plain Python integers: planning one account loads no NumPy.

The problem and its rules are those of `allocation.AllocationBatch` (see that module), for one row: tickers'
figures are tuples of K integers, the account's are integers. `allocation.stack_accounts` makes a batch of
many such problems for the vectorised kernels, `allocation.account_of` takes one row back out.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

Lots = list[int]  # signed trade lots per ticker (negative sells)

INT64_SAFE = 2**62  # a batch of these problems counts in int64 when every product stays below this


class AccountProblem(NamedTuple):
    """The allocation problem of one account of K tickers, in integer units and lots (a NamedTuple: quicker to
    define than a dataclass, for the command line's start-up)."""

    lot_value: tuple[int, ...]  # current price x lot size: values the objective
    buy_price: tuple[int, ...]  # buy limit x lot size: cash paid per lot bought
    sell_price: tuple[int, ...]  # sell limit x lot size: cash received per lot sold
    held_value: tuple[int, ...]  # current price x quantity held
    target_value: tuple[int, ...]  # target weight x investable equity
    lower: tuple[int, ...]  # most lots that may be sold, as a negative bound
    upper: tuple[int, ...]  # most lots that may be bought
    sell_tax_rate: tuple[int, ...]  # numerator over rate_denominator
    cash: int  # orderable cash
    reserve: int  # cash that must remain (the buffer)
    commission_rate: int  # numerator over rate_denominator
    commission_minimum: int  # per order that trades
    cost_quantum: int  # costs round up to a multiple of this (the currency minor unit)
    rate_denominator: int

    @property
    def width(self) -> int:
        return len(self.lot_value)

    @property
    def fits_int64(self) -> bool:
        """Whether a batch of this problem may count in int64 (else Python integers)."""
        columns = (self.lot_value, self.buy_price, self.sell_price, self.held_value, self.target_value,
                   self.lower, self.upper, self.sell_tax_rate)
        money = (self.cash + sum(self.held_value), self.cash, self.reserve, self.commission_minimum,
                 self.cost_quantum)
        magnitude = max([abs(v) for column in columns for v in column] + [abs(v) for v in money] + [1])
        return magnitude * max([self.commission_rate, *self.sell_tax_rate, 1]) * 4 < INT64_SAFE


def _ceil_div(numerator: int, denominator: int) -> int:
    return -((-numerator) // denominator)


def trade_cash(problem: AccountProblem, k: int, m: int) -> int:
    """Cash ticker k's trade of m lots brings in (negative for a buy), after its commission and sell tax, each
    rounded up to the cost quantum."""
    if m == 0:
        return 0
    quantum = problem.cost_quantum
    scale = problem.rate_denominator * quantum
    traded = m * problem.buy_price[k] if m > 0 else -m * problem.sell_price[k]
    commission = max(_ceil_div(traded * problem.commission_rate, scale) * quantum, problem.commission_minimum)
    if m > 0:
        return -traded - commission
    return traded - commission - _ceil_div(traded * problem.sell_tax_rate[k], scale) * quantum


def cash_slack(problem: AccountProblem, lots: Sequence[int]) -> int:
    """Cash left above the reserve after all trades; negative breaks the cash rule."""
    return problem.cash - problem.reserve + sum(trade_cash(problem, k, m) for k, m in enumerate(lots) if m)


def deviations(problem: AccountProblem, lots: Sequence[int]) -> list[int]:
    """Signed distance of each post-trade value from its target."""
    return [h + u * m - t for h, u, m, t in zip(problem.held_value, problem.lot_value, lots, problem.target_value,
                                                strict=True)]


def objective(problem: AccountProblem, lots: Sequence[int]) -> int:
    """Sum of absolute deviations from target, in units."""
    return sum(abs(d) for d in deviations(problem, lots))


def is_feasible(problem: AccountProblem, lots: Sequence[int]) -> bool:
    """Bounds and cash rule hold."""
    within = all(low <= m <= high for low, m, high in zip(problem.lower, lots, problem.upper, strict=True))
    return within and cash_slack(problem, lots) >= 0


def repair_exact(problem: AccountProblem, lots: Sequence[int]) -> Lots:
    """Drop one lot at a time, least harm first, in exact integers, until the account keeps the rule."""
    current = list(lots)
    while cash_slack(problem, current) < 0:
        deviation = deviations(problem, current)
        harm = {k: abs(deviation[k] - problem.lot_value[k]) - abs(deviation[k])
                for k in range(problem.width) if current[k] > problem.lower[k]}
        if not harm:
            break
        current[min(harm, key=harm.__getitem__)] -= 1
    return current


def verified(problem: AccountProblem, lots: Sequence[int]) -> Lots:
    """The search's lots with the exact cash rule enforced (the search keeps a margin: a guard, not a path)."""
    return repair_exact(problem, lots) if cash_slack(problem, lots) < 0 else list(lots)


def pairwise_sum(values: Sequence[float]) -> float:
    """A float sum in NumPy's order (`ndarray.sum` along a row: pairwise, eight accumulators), so the one-account
    search and bound round exactly as the vectorised ones do."""
    n = len(values)
    if n < 8:
        total = -0.0
        for value in values:
            total += value
        return total
    if n > 128:
        half = n // 2
        half -= half % 8
        return pairwise_sum(values[:half]) + pairwise_sum(values[half:])
    r0, r1, r2, r3, r4, r5, r6, r7 = values[:8]
    end = n - n % 8
    for i in range(8, end, 8):
        r0 += values[i]
        r1 += values[i + 1]
        r2 += values[i + 2]
        r3 += values[i + 3]
        r4 += values[i + 4]
        r5 += values[i + 5]
        r6 += values[i + 6]
        r7 += values[i + 7]
    total = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(end, n):
        total += values[i]
    return total
