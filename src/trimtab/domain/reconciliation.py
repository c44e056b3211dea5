"""Reconciling the per-strategy ledger with the broker's holdings, line by line, without pro-rata guesses.

Shares the broker holds beyond the ledger go (seed 004's order) to the strategy of the latest BUY fill of the
symbol in the trade log, else to the day's rebalance bucket REB_YYYYMMDD when the symbol is in the day's
targets, else to MANUAL; before that, a strategy or bucket that is short (it sold shares the ledger never saw
it get, or MANUAL's earlier unresolved shortfall) is made whole first, MANUAL first, then by id. Shares the
ledger has beyond the broker are taken from MANUAL first, then from the REB_ buckets (oldest first), then from
the one strategy left holding the symbol; when several strategies still hold it nobody can tell whose shares
went, so the rest is booked to MANUAL as a negative quantity and the line says so ("unresolved").
A REB_ bucket left short by an account-level run's sells takes the shares from MANUAL, then from the other
REB_ buckets (the run sold the account's ownerless shares); a strategy's shares are never moved that way.
After the adjustments the ledger's total of every symbol equals the broker's quantity.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from trimtab.domain.ledger import EntryKind, LedgerEntry, StrategyPosition
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import Side
from trimtab.domain.strategies import MANUAL, StrategyId, is_rebalance_bucket, rebalance_bucket


class LineStatus(StrEnum):
    MATCHED = "matched"
    MOVED = "moved"  # no difference with the broker, but shares moved between ownerless buckets (REB_, MANUAL)
    ASSIGNED = "assigned"  # the broker holds more: the excess went to an owner
    REMOVED = "removed"  # the broker holds less: the shortfall was taken from an owner
    UNRESOLVED = "unresolved"  # the broker holds less and several strategies hold the symbol: MANUAL goes short


@dataclass(frozen=True, slots=True)
class TradeLogFill:
    """A fill of the account's trade log, with the strategy the ledger gave it."""

    symbol: str
    side: Side
    strategy_id: StrategyId
    client_order_id: str
    price: Decimal
    filled_at: dt.datetime


@dataclass(frozen=True, slots=True)
class Adjustment:
    strategy_id: StrategyId
    quantity: Decimal  # signed
    price: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class ReconciliationLine:
    symbol: str
    broker_quantity: Decimal
    ledger_quantity: Decimal
    status: LineStatus
    adjustments: tuple[Adjustment, ...] = ()


@dataclass(frozen=True, slots=True)
class ReconciliationReport:
    account_id: str
    market_date: dt.date
    lines: tuple[ReconciliationLine, ...]

    @property
    def differences(self) -> tuple[ReconciliationLine, ...]:
        return tuple(line for line in self.lines if line.status is not LineStatus.MATCHED)

    def entries(self, at: dt.datetime, reconciliation_id: str) -> list[LedgerEntry]:
        """The ledger entries that book the report's adjustments (`reconciliation_id`: unique to this one)."""
        return [LedgerEntry(f"reconcile:{reconciliation_id}:{line.symbol}:{index}", self.account_id,
                            adjustment.strategy_id, line.symbol, adjustment.quantity, adjustment.price,
                            EntryKind.RECONCILE, at, note=adjustment.reason)
                for line in self.lines for index, adjustment in enumerate(line.adjustments)]


@dataclass(frozen=True, slots=True)
class BrokerHolding:
    quantity: Decimal
    price: Decimal  # the quote: the cost basis of shares assigned without a fill to price them


def reconcile(account_id: str, held: Mapping[tuple[StrategyId, str], StrategyPosition],
              broker: Mapping[str, BrokerHolding], trade_log: Sequence[TradeLogFill], targets: frozenset[str],
              market_date: dt.date) -> ReconciliationReport:
    """Compare the ledger with the broker, symbol by symbol, and say how each difference is booked."""
    symbols = sorted({symbol for _, symbol in held} | {s for s, h in broker.items() if h.quantity != ZERO})
    lines = []
    for symbol in symbols:
        owners = {sid: p.quantity for (sid, s), p in held.items() if s == symbol and p.quantity != ZERO}
        moves = _net_buckets(owners, held, symbol)
        for move in moves:
            owners[move.strategy_id] = owners.get(move.strategy_id, ZERO) + move.quantity
        holding = broker.get(symbol, BrokerHolding(ZERO, ZERO))
        ledger_quantity = sum(owners.values(), ZERO)
        difference = holding.quantity - ledger_quantity
        if difference > ZERO:
            line = _assign(symbol, holding, ledger_quantity, owners, trade_log, targets, market_date)
        elif difference < ZERO:
            line = _remove(symbol, holding, ledger_quantity, owners, held)
        else:
            line = ReconciliationLine(symbol, holding.quantity, ledger_quantity,
                                      LineStatus.MOVED if moves else LineStatus.MATCHED)
        lines.append(replace(line, adjustments=(*moves, *line.adjustments)) if moves else line)
    return ReconciliationReport(account_id, market_date, tuple(lines))


def _net_buckets(owners: Mapping[StrategyId, Decimal], held: Mapping[tuple[StrategyId, str], StrategyPosition],
                 symbol: str) -> list[Adjustment]:
    """An account-level run's sells land in its day's REB_ bucket; when that bucket is short, the shares it sold
    were the account's ownerless ones: moved to it from MANUAL, then from the other REB_ buckets, oldest first."""
    left = dict(owners)
    moves = []
    for short in sorted(sid for sid, quantity in owners.items() if is_rebalance_bucket(sid) and quantity < ZERO):
        sources = sorted(sid for sid in left if is_rebalance_bucket(sid) and sid != short)
        for source in [MANUAL, *sources]:
            moved = min(-left[short], left.get(source, ZERO))
            if moved > ZERO:
                price = _average(held, source, symbol)
                reason = f"{short} sold {moved} it never had; {source} held them: moved (no broker difference)"
                moves += [Adjustment(source, -moved, price, reason), Adjustment(short, moved, price, reason)]
                left[source] -= moved
                left[short] += moved
    return moves


def _assign(symbol: str, holding: BrokerHolding, ledger_quantity: Decimal, owners: Mapping[StrategyId, Decimal],
            trade_log: Sequence[TradeLogFill], targets: frozenset[str], market_date: dt.date) -> ReconciliationLine:
    left = holding.quantity - ledger_quantity
    adjustments = []
    short = sorted((sid for sid, quantity in owners.items() if quantity < ZERO), key=lambda sid: (sid != MANUAL, sid))
    for sid in short:  # a bucket that sold shares it never had: the extra shares were its own
        settled = min(left, -owners[sid])
        if settled > ZERO:
            adjustments.append(Adjustment(sid, settled, holding.price,
                                          f"the broker holds {left} more and {sid} is short {-owners[sid]}: "
                                          f"it sold shares the ledger did not know; they were its own"))
            left -= settled
    if left > ZERO:
        adjustments.append(_owner_of_excess(symbol, left, holding, trade_log, targets, market_date))
    return ReconciliationLine(symbol, holding.quantity, ledger_quantity, LineStatus.ASSIGNED, tuple(adjustments))


def _owner_of_excess(symbol: str, quantity: Decimal, holding: BrokerHolding, trade_log: Sequence[TradeLogFill],
                     targets: frozenset[str], market_date: dt.date) -> Adjustment:
    buys = [fill for fill in trade_log if fill.symbol == symbol and fill.side is Side.BUY]
    if buys:
        latest = max(buys, key=lambda fill: (fill.filled_at, fill.client_order_id))
        return Adjustment(latest.strategy_id, quantity, latest.price,
                          f"the broker holds {quantity} more; the latest BUY fill {latest.client_order_id} "
                          f"({latest.filled_at.isoformat()}) was {latest.strategy_id}'s")
    if symbol in targets:
        bucket = rebalance_bucket(market_date)
        return Adjustment(bucket, quantity, holding.price,
                          f"the broker holds {quantity} more; no BUY fill in the trade log, and {symbol} is in "
                          f"the targets of {market_date}")
    return Adjustment(MANUAL, quantity, holding.price,
                      f"the broker holds {quantity} more; no BUY fill in the trade log and not in the targets "
                      f"of {market_date}: bought outside trimtab")


def _remove(symbol: str, holding: BrokerHolding, ledger_quantity: Decimal, owners: Mapping[StrategyId, Decimal],
            held: Mapping[tuple[StrategyId, str], StrategyPosition]) -> ReconciliationLine:
    missing = ledger_quantity - holding.quantity
    adjustments = []
    buckets = sorted(sid for sid, quantity in owners.items() if is_rebalance_bucket(sid) and quantity > ZERO)
    for sid in [MANUAL, *buckets]:
        have = owners.get(sid, ZERO)
        if missing > ZERO and have > ZERO:
            taken = min(missing, have)
            adjustments.append(Adjustment(sid, -taken, _average(held, sid, symbol),
                                          f"the broker holds {missing} fewer; taken from {sid} first"))
            missing -= taken
    others = [sid for sid, quantity in owners.items()
              if quantity > ZERO and sid != MANUAL and not is_rebalance_bucket(sid)]
    status = LineStatus.REMOVED
    if missing > ZERO and len(others) == 1 and owners[others[0]] >= missing:
        adjustments.append(Adjustment(others[0], -missing, _average(held, others[0], symbol),
                                      f"the broker holds {missing} fewer; {others[0]} is the only strategy "
                                      f"holding {symbol}"))
    elif missing > ZERO:
        status = LineStatus.UNRESOLVED
        names = ", ".join(sorted(others)) or "no strategy"
        adjustments.append(Adjustment(MANUAL, -missing, ZERO,
                                      f"the broker holds {missing} fewer and {names} hold {symbol}: whose shares "
                                      f"went cannot be known; booked to MANUAL (negative) for a person to settle"))
    return ReconciliationLine(symbol, holding.quantity, ledger_quantity, status, tuple(adjustments))


def _average(held: Mapping[tuple[StrategyId, str], StrategyPosition], sid: StrategyId, symbol: str) -> Decimal:
    position = held.get((sid, symbol))
    average = None if position is None else position.average_price
    return ZERO if average is None else average
