"""The market-data cache in the database: each snapshot read from a broker and each of its quotes.

A snapshot is kept whole (cash, holdings, instruments: run_documents' JSON) so that a cached read rebuilds
the account exactly as the broker gave it; its prices are also rows of `quotes` (symbol, price, currency,
read at, broker, market date) for anything that asks about prices rather than accounts. Each account keeps
its last KEEP snapshots.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

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
        with self._sessions.begin() as session:
            for item in stored:
                _store(session, item)

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


def _store(session: Session, stored: StoredSnapshot) -> None:
    """Add one snapshot and its quotes; drop the account's snapshots beyond the last KEEP."""
    snapshot = stored.snapshot
    row = MarketSnapshotRow(account_id=snapshot.account_id, broker=stored.broker, read_at=stored.read_at,
                            market_date=snapshot.as_of, document=encode(snapshot))
    session.add(row)
    session.flush()
    session.add_all(QuoteRow(snapshot_id=row.id, symbol=symbol, price=quote.price,
                             currency=quote.instrument.currency, read_at=stored.read_at,
                             broker=stored.broker, market_date=snapshot.as_of)
                    for symbol, quote in sorted(snapshot.quotes.items()))
    old = session.scalars(select(MarketSnapshotRow.id)
                          .where(MarketSnapshotRow.account_id == snapshot.account_id)
                          .order_by(MarketSnapshotRow.read_at.desc(), MarketSnapshotRow.id.desc())
                          .offset(KEEP)).all()
    if old:
        session.execute(delete(QuoteRow).where(QuoteRow.snapshot_id.in_(old)))
        session.execute(delete(MarketSnapshotRow).where(MarketSnapshotRow.id.in_(old)))
