"""The per-strategy ledger: every fill, import and reconciliation of an account, each owned by one strategy.

Entries are signed quantities (+ bought or assigned, - sold or taken away) at a price. A strategy's position in
a symbol is the sum of its entries; its cost basis is the average cost (buys add quantity x price + fees,
sells take away the average cost of what they sell). An entry id is unique per account, so replaying an entry
changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.numbers import ZERO
from trimtab.domain.order_ids import parse_order_id
from trimtab.domain.strategies import MANUAL, StrategyId, rebalance_bucket


class EntryKind(StrEnum):
    FILL = "fill"  # a fill of a trimtab order (the client order id names the strategy)
    IMPORT = "import"  # a position read from another tool's state file
    RECONCILE = "reconcile"  # a difference with the broker's holdings, booked by reconciliation
    TRANSFER = "transfer"  # shares crossed between two strategies of one run (netting), at the run's quote


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One change of one strategy's position in one symbol."""

    entry_id: str
    account_id: str
    strategy_id: StrategyId
    symbol: str
    quantity: Decimal  # signed
    price: Decimal
    kind: EntryKind
    occurred_at: dt.datetime
    fees: Decimal = ZERO
    note: str = ""


@dataclass(frozen=True, slots=True)
class StrategyPosition:
    """What one strategy holds of one symbol, and what it cost (average cost)."""

    strategy_id: StrategyId
    symbol: str
    quantity: Decimal
    cost: Decimal

    @property
    def average_price(self) -> Decimal | None:
        return self.cost / self.quantity if self.quantity > ZERO else None


def owner_of_fill(client_order_id: str, filled_at: dt.date) -> StrategyId:
    """The strategy a fill belongs to: the one its client order id names; an account-level run's fill (no
    strategy in the id) belongs to that day's rebalance bucket REB_YYYYMMDD; an id trimtab did not make, MANUAL."""
    parsed = parse_order_id(client_order_id)
    if parsed is None:
        return MANUAL
    return parsed.strategy_id if parsed.strategy_id is not None else rebalance_bucket(filled_at)


def positions(entries: Iterable[LedgerEntry]) -> dict[tuple[StrategyId, str], StrategyPosition]:
    """Each strategy's position per symbol, from its entries in time order (a repeated entry id counts once)."""
    unique = {entry.entry_id: entry for entry in entries}
    result: dict[tuple[StrategyId, str], StrategyPosition] = {}
    for entry in sorted(unique.values(), key=lambda e: (e.occurred_at, e.entry_id)):
        key = (entry.strategy_id, entry.symbol)
        before = result.get(key, StrategyPosition(entry.strategy_id, entry.symbol, ZERO, ZERO))
        result[key] = _apply(before, entry)
    return {key: position for key, position in result.items() if position.quantity != ZERO}


def _apply(position: StrategyPosition, entry: LedgerEntry) -> StrategyPosition:
    quantity = position.quantity + entry.quantity
    if entry.quantity > ZERO:
        cost = position.cost + entry.quantity * entry.price + entry.fees
    elif position.quantity > ZERO:
        removed = min(-entry.quantity, position.quantity)
        cost = position.cost - position.cost * removed / position.quantity
    else:
        cost = position.cost
    return StrategyPosition(position.strategy_id, position.symbol, quantity, cost if quantity > ZERO else ZERO)


def totals(held: Mapping[tuple[StrategyId, str], StrategyPosition]) -> dict[str, Decimal]:
    """The ledger's quantity of each symbol, over every strategy."""
    result: dict[str, Decimal] = {}
    for (_, symbol), position in held.items():
        result[symbol] = result.get(symbol, ZERO) + position.quantity
    return {symbol: quantity for symbol, quantity in result.items() if quantity != ZERO}
