"""Daily equity snapshots per strategy and per account; every public method is one transaction."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import select

from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.statements import upsert
from trimtab.adapters.persistence.tables import PerformanceSnapshotRow
from trimtab.domain.performance import EquitySnapshot, SnapshotSource

_KEY = ("account_id", "strategy_id", "market_date")
_ACCOUNT = ""  # the strategy id stored for the account as a whole (no strategy id is empty)


class SqlPerformanceRepository:
    """Performance snapshots: one row per (account, strategy or account, market date)."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def save(self, snapshots: Sequence[EquitySnapshot]) -> None:
        with self._sessions.begin() as session:
            for snapshot in snapshots:
                values = {"account_id": snapshot.account_id, "strategy_id": snapshot.strategy_id or _ACCOUNT,
                          "market_date": snapshot.market_date, "equity": snapshot.equity, "cash": snapshot.cash,
                          "funding": snapshot.funding, "source": snapshot.source.value,
                          "taken_at": snapshot.taken_at}
                upsert(session, PerformanceSnapshotRow, values, _KEY)

    def list(self, account_id: str) -> builtins.list[EquitySnapshot]:
        query = (select(PerformanceSnapshotRow).where(PerformanceSnapshotRow.account_id == account_id)
                 .order_by(PerformanceSnapshotRow.strategy_id, PerformanceSnapshotRow.market_date))
        with self._sessions() as session:
            return [EquitySnapshot(row.account_id, row.strategy_id or None, row.market_date, row.equity, row.cash,
                                   SnapshotSource(row.source), row.taken_at, row.funding)
                    for row in session.scalars(query)]
