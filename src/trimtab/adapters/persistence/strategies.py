"""Strategies of accounts and their ledger entries; every public method is one transaction."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import LedgerEntryRow, StrategyRow
from trimtab.application.ports import Clock
from trimtab.domain.errors import InvalidInput
from trimtab.domain.ledger import EntryKind, LedgerEntry
from trimtab.domain.strategies import MarketType, Strategy, StrategyId

_ID_BATCH = 500  # entry ids looked up per query (PostgreSQL and SQLite bind-parameter limits)


class SqlStrategyRepository:
    """The strategies of each account."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def add(self, strategy: Strategy) -> None:
        try:
            with self._sessions.begin() as session:
                session.add(StrategyRow(account_id=strategy.account_id, strategy_id=strategy.strategy_id,
                                        weight=strategy.weight, market_type=strategy.market_type.value,
                                        leverage=strategy.leverage, active=strategy.active, target=strategy.target,
                                        created_at=self._clock.now()))
        except IntegrityError:
            raise InvalidInput("exists already", where=f"account '{strategy.account_id}'", field="strategy",
                               value=strategy.strategy_id) from None

    def list(self, account_id: str) -> builtins.list[Strategy]:
        query = select(StrategyRow).where(StrategyRow.account_id == account_id).order_by(StrategyRow.strategy_id)
        with self._sessions() as session:
            return [Strategy(row.account_id, StrategyId(row.strategy_id), row.weight, MarketType(row.market_type),
                             row.leverage, row.active, row.target) for row in session.scalars(query)]

    def remove(self, account_id: str, strategy_id: str) -> bool:
        with self._sessions.begin() as session:
            result = session.execute(delete(StrategyRow).where(StrategyRow.account_id == account_id,
                                                               StrategyRow.strategy_id == strategy_id))
            return bool(getattr(result, "rowcount", 0))


class SqlLedgerRepository:
    """Each account's ledger entries."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def record(self, entries: Sequence[LedgerEntry]) -> int:
        try:
            return self._record(entries)
        except IntegrityError:  # another process stored some of them meanwhile: store the rest
            return self._record(entries)

    def _record(self, entries: Sequence[LedgerEntry]) -> int:
        unique = {(entry.account_id, entry.entry_id): entry for entry in entries}
        with self._sessions.begin() as session:
            stored: set[tuple[str, str]] = set()
            keys = list(unique)
            for start in range(0, len(keys), _ID_BATCH):
                for account_id in {account for account, _ in keys[start:start + _ID_BATCH]}:
                    ids = [entry_id for account, entry_id in keys[start:start + _ID_BATCH] if account == account_id]
                    query = select(LedgerEntryRow.entry_id).where(LedgerEntryRow.account_id == account_id,
                                                                  LedgerEntryRow.entry_id.in_(ids))
                    stored |= {(account_id, entry_id) for entry_id in session.scalars(query)}
            new = [entry for key, entry in unique.items() if key not in stored]
            session.add_all(_row(entry) for entry in new)
        return len(new)

    def entries(self, account_id: str) -> builtins.list[LedgerEntry]:
        query = (select(LedgerEntryRow).where(LedgerEntryRow.account_id == account_id)
                 .order_by(LedgerEntryRow.occurred_at, LedgerEntryRow.entry_id))
        with self._sessions() as session:
            return [LedgerEntry(row.entry_id, row.account_id, StrategyId(row.strategy_id), row.symbol, row.quantity,
                                row.price, EntryKind(row.kind), row.occurred_at, row.fees, row.note)
                    for row in session.scalars(query)]


def _row(entry: LedgerEntry) -> LedgerEntryRow:
    return LedgerEntryRow(account_id=entry.account_id, entry_id=entry.entry_id, strategy_id=entry.strategy_id,
                          symbol=entry.symbol, quantity=entry.quantity, price=entry.price, fees=entry.fees,
                          kind=entry.kind.value, occurred_at=entry.occurred_at, note=entry.note)
