"""Daily account summaries: cash and equity per account, market date and market type."""

from __future__ import annotations

import builtins
import datetime as dt

from sqlalchemy import select

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.statements import upsert
from trimtab.adapters.persistence.tables import DailySummaryRow
from trimtab.application.ports import Clock
from trimtab.application.records import DailySummary
from trimtab.domain.errors import InvalidInput

_KEY = ("account_id", "trade_date", "market_type")


class SqlSummaryRepository:
    """Daily summaries; every public method is one committed transaction."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def upsert(self, summary: DailySummary) -> None:
        """Store the day's summary, replacing one stored for the same account, date and market type."""
        if not summary.market_type.strip():
            raise InvalidInput("must not be empty", where="daily summary", field="market_type",
                               value=summary.market_type)
        now = self._clock.now()
        values = {"account_id": summary.account_id, "trade_date": summary.trade_date,
                  "market_type": summary.market_type, "cash": summary.cash, "equity": summary.equity,
                  "created_at": now, "updated_at": now}
        with self._sessions.begin() as session:
            upsert(session, DailySummaryRow, values, _KEY, keep=("created_at",))

    def get(self, account_id: str, trade_date: dt.date, market_type: str) -> DailySummary | None:
        """Return the summary of one date, or None."""
        query = select(DailySummaryRow).where(DailySummaryRow.account_id == account_id,
                                              DailySummaryRow.trade_date == trade_date,
                                              DailySummaryRow.market_type == market_type)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return None if row is None else _to_summary(row)

    def latest(self, account_id: str, market_type: str) -> DailySummary | None:
        """Return the most recent summary of an account and market type, or None."""
        rows = self.list(account_id, market_type, limit=1)
        return rows[0] if rows else None

    def list(self, account_id: str, market_type: str | None = None, limit: int = 100) -> builtins.list[DailySummary]:
        """Return an account's summaries, newest date first."""
        query = (select(DailySummaryRow).where(DailySummaryRow.account_id == account_id)
                 .order_by(DailySummaryRow.trade_date.desc(), DailySummaryRow.market_type).limit(limit))
        if market_type is not None:
            query = query.where(DailySummaryRow.market_type == market_type)
        with self._sessions() as session:
            return [_to_summary(row) for row in session.scalars(query)]


def _to_summary(row: DailySummaryRow) -> DailySummary:
    return DailySummary(account_id=row.account_id, trade_date=row.trade_date, market_type=row.market_type,
                        cash=row.cash, equity=row.equity)
