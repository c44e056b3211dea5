"""The security master in the database: one row per ISIN, replaced when imported or looked up again."""

from __future__ import annotations

import builtins
from collections.abc import Iterable, Sequence

from sqlalchemy import select

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import SecurityRow
from trimtab.application.ports import Clock
from trimtab.domain.securities import Security


class SqlSecurityRepository:
    """ISIN → symbol, contract id, exchange, currency, minimum tick; every public method is one transaction."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def upsert(self, securities: Sequence[Security]) -> int:
        """Store each security; a known ISIN is replaced (its time is the security's, else now)."""
        now = self._clock.now()
        with self._sessions.begin() as session:
            for security in securities:
                row = session.get(SecurityRow, security.isin)
                if row is None:
                    row = SecurityRow(isin=security.isin)
                    session.add(row)
                row.symbol, row.currency, row.exchange = security.symbol, security.currency, security.exchange
                row.con_id, row.min_tick, row.name = security.con_id, security.min_tick, security.name
                row.source, row.updated_at = security.source, security.updated_at or now
        return len(securities)

    def find(self, isins: Iterable[str]) -> dict[str, Security]:
        wanted = sorted(set(isins))
        if not wanted:
            return {}
        with self._sessions() as session:
            rows = session.scalars(select(SecurityRow).where(SecurityRow.isin.in_(wanted))).all()
            return {row.isin: _security(row) for row in rows}

    def list(self) -> builtins.list[Security]:
        with self._sessions() as session:
            return [_security(row) for row in session.scalars(select(SecurityRow).order_by(SecurityRow.isin))]


def _security(row: SecurityRow) -> Security:
    return Security(isin=row.isin, symbol=row.symbol, currency=row.currency, exchange=row.exchange,
                    con_id=row.con_id, min_tick=row.min_tick, name=row.name, source=row.source,
                    updated_at=row.updated_at)
