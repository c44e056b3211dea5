"""The market-data cache in the database: each snapshot read from a broker and each of its quotes.

A snapshot is kept whole (cash, holdings, instruments: run_documents' JSON) so that a cached read rebuilds
the account exactly as the broker gave it; its prices are also rows of `quotes` (symbol, price, currency,
read at, broker, market date) for anything that asks about prices rather than accounts. Each account keeps
its last KEEP snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, insert, select
from sqlalchemy.orm import Session

from trimtab.adapters.persistence.fleet_rows import record_positions
from trimtab.adapters.persistence.run_documents import decode_snapshot, encode
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import MarketSnapshotRow, QuoteRow
from trimtab.domain.price_age import StoredSnapshot

KEEP = 20  # snapshots kept per account; older ones (and their quotes) are deleted when a new one is stored


class SqlMarketDataCache:
    """Snapshots and quotes as brokers gave them; every public method is one transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def store(self, stored: Sequence[StoredSnapshot]) -> None:
        if not stored:
            return
        with self._sessions.begin() as session:
            ids = session.scalars(
                insert(MarketSnapshotRow).returning(MarketSnapshotRow.id, sort_by_parameter_order=True),
                [{"account_id": item.snapshot.account_id, "broker": item.broker, "read_at": item.read_at,
                  "market_date": item.snapshot.as_of, "document": encode(item.snapshot)} for item in stored]).all()
            quotes = [{"snapshot_id": snapshot_id, "symbol": symbol, "price": quote.price,
                       "currency": quote.instrument.currency, "read_at": item.read_at, "broker": item.broker,
                       "market_date": item.snapshot.as_of}
                      for snapshot_id, item in zip(ids, stored, strict=True)
                      for symbol, quote in sorted(item.snapshot.quotes.items())]
            if quotes:
                session.execute(insert(QuoteRow), quotes)
            _prune(session, {item.snapshot.account_id for item in stored})
            record_positions(session, stored)  # what a sweep reads: each account's newest positions, quotes

    def latest(self, account_id: str) -> StoredSnapshot | None:
        with self._sessions() as session:
            row = session.scalars(select(MarketSnapshotRow).where(MarketSnapshotRow.account_id == account_id)
                                  .order_by(MarketSnapshotRow.read_at.desc(), MarketSnapshotRow.id.desc())
                                  .limit(1)).first()
            if row is None:
                return None
            snapshot = decode_snapshot(dict(row.document))
            if snapshot is None:
                return None
            return StoredSnapshot(snapshot, row.broker, row.read_at)


def _prune(session: Session, accounts: set[str]) -> None:
    """Drop the accounts' snapshots (and their quotes) beyond each one's last KEEP, in one ranking query."""
    rank = func.row_number().over(partition_by=MarketSnapshotRow.account_id,
                                  order_by=(MarketSnapshotRow.read_at.desc(), MarketSnapshotRow.id.desc()))
    ranked = (select(MarketSnapshotRow.id, rank.label("rank"))
              .where(MarketSnapshotRow.account_id.in_(sorted(accounts))).subquery())
    old = session.scalars(select(ranked.c.id).where(ranked.c.rank > KEEP)).all()
    for start in range(0, len(old), 500):
        chunk = old[start:start + 500]
        session.execute(delete(QuoteRow).where(QuoteRow.snapshot_id.in_(chunk)))
        session.execute(delete(MarketSnapshotRow).where(MarketSnapshotRow.id.in_(chunk)))
