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

A batch of one account is solved by the plain-Python search (`allocation_one`: the same lots, without NumPy's
per-call cost); planning one account uses it directly on an `AccountProblem` and never loads this module.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from trimtab.domain.allocation_account import AccountProblem, repair_exact
from trimtab.domain.allocation_method import AllocationMethod as AllocationMethod  # re-exported
from trimtab.domain.allocation_moves import eject
from trimtab.domain.allocation_one import allocate_one_floor, allocate_one_greedy
from trimtab.domain.allocation_search import Search, floor_lots, top_up
from trimtab.domain.allocation_search import repair as search_repair

IntArray = npt.NDArray[Any]  # int64 or object (Python ints)

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


CHUNK = 8192  # accounts per pass at most
# Accounts x tickers per pass: measured (N=50k, one core), blocks of ~100k entries beat 8,192 accounts by
# ~25 % at K=20 (4,096) and K=100 (1,024-2,048): the working arrays stay in cache.
CHUNK_ENTRIES = 100_000


def chunk_rows(tickers: int) -> int:
    """Accounts per pass for K tickers: a power of two near CHUNK_ENTRIES / K, within 256..CHUNK."""
    return int(min(CHUNK, max(256, 2 ** round(math.log2(CHUNK_ENTRIES / max(tickers, 1))))))


def allocate_floor(batch: AllocationBatch) -> IntArray:
    """floor(target / price) per ticker, then trimmed until the cash rule holds."""
    if batch.shape[0] == 1:  # one account: the plain-Python search, the same lots without NumPy's overhead
        return _one_row(batch, allocate_one_floor(account_of(batch, 0)))

    def solve(search: Search) -> IntArray:
        return search_repair(search, floor_lots(search))

    return _verified(batch, _in_chunks(batch, solve))


def allocate_greedy(batch: AllocationBatch) -> IntArray:
    """Floor, top up while the cash rule holds (best gain per unit of cash), then ejection moves."""
    if batch.shape[0] == 1:
        return _one_row(batch, allocate_one_greedy(account_of(batch, 0)))
    return allocate_greedy_vectorised(batch)


def allocate_greedy_vectorised(batch: AllocationBatch) -> IntArray:
    """`allocate_greedy` with the vectorised search, however few the accounts (tests compare the two)."""

    def solve(search: Search) -> IntArray:
        lots = search_repair(search, floor_lots(search))
        return eject(search, top_up(search, lots))

    return _verified(batch, _in_chunks(batch, solve))


def _in_chunks(batch: AllocationBatch, solve: Callable[[Search], IntArray]) -> IntArray:
    count, tickers = batch.shape
    block = chunk_rows(tickers)
    if count <= block:
        return solve(Search.of(batch))
    parts = [solve(Search.of(rows_of(batch, np.arange(start, min(start + block, count)))))
             for start in range(0, count, block)]
    return np.concatenate(parts, axis=0)


def _verified(batch: AllocationBatch, lots: IntArray) -> IntArray:
    """Bring the search's lots back to the batch's integers and enforce the exact cash rule."""
    exact = np.asarray(lots).astype(batch.lower.dtype)
    broken = np.flatnonzero(cash_slack(batch, exact) < 0)
    for row in broken:  # the search keeps a safety margin: this is a guard, not a path taken in practice
        exact[row] = repair_exact(account_of(batch, int(row)), exact[row].tolist())
    return exact


def rows_of(batch: AllocationBatch, rows: npt.NDArray[np.intp]) -> AllocationBatch:
    """The same problem restricted to some accounts."""
    return AllocationBatch(
        lot_value=batch.lot_value[rows], buy_price=batch.buy_price[rows], sell_price=batch.sell_price[rows],
        held_value=batch.held_value[rows], target_value=batch.target_value[rows],
        lower=batch.lower[rows], upper=batch.upper[rows], cash=batch.cash[rows], reserve=batch.reserve[rows],
        commission_rate=batch.commission_rate[rows], commission_minimum=batch.commission_minimum[rows],
        sell_tax_rate=batch.sell_tax_rate[rows], cost_quantum=batch.cost_quantum[rows],
        rate_denominator=batch.rate_denominator,
    )


_COLUMNS = ("lot_value", "buy_price", "sell_price", "held_value", "target_value", "lower", "upper", "sell_tax_rate")
_SCALARS = ("cash", "reserve", "commission_rate", "commission_minimum", "cost_quantum")


def account_of(batch: AllocationBatch, row: int) -> AccountProblem:
    """One account of a batch, in plain Python integers."""

    def column(values: IntArray) -> tuple[int, ...]:
        return tuple(values[row].tolist())

    return AccountProblem(
        lot_value=column(batch.lot_value), buy_price=column(batch.buy_price), sell_price=column(batch.sell_price),
        held_value=column(batch.held_value), target_value=column(batch.target_value), lower=column(batch.lower),
        upper=column(batch.upper), sell_tax_rate=column(batch.sell_tax_rate), cash=int(batch.cash[row]),
        reserve=int(batch.reserve[row]), commission_rate=int(batch.commission_rate[row]),
        commission_minimum=int(batch.commission_minimum[row]), cost_quantum=int(batch.cost_quantum[row]),
        rate_denominator=batch.rate_denominator,
    )


def stack_accounts(problems: list[AccountProblem]) -> AllocationBatch:
    """One batch of the accounts (of one width and rate denominator): int64 where every product fits, else
    Python integers."""
    dtype: type = np.int64 if all(problem.fits_int64 for problem in problems) else object
    arrays: dict[str, IntArray] = {name: np.array([getattr(problem, name) for problem in problems], dtype=dtype)
                                   for name in _COLUMNS + _SCALARS}
    return AllocationBatch(**arrays, rate_denominator=problems[0].rate_denominator)


def _one_row(batch: AllocationBatch, lots: list[int]) -> IntArray:
    return np.array([lots], dtype=batch.lower.dtype)
