"""Signals received, by the sender's id (the primary key ignores a repeated id)."""

from __future__ import annotations

import builtins

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import SignalRow
from trimtab.application.signals import SignalRecord


class SqlSignalRepository:
    """Every public method is one transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def add(self, record: SignalRecord) -> bool:
        try:
            with self._sessions.begin() as session:
                session.add(SignalRow(signal_id=record.signal_id, received_at=record.received_at,
                                      payload=record.payload, status=record.status, detail=record.detail,
                                      run_ids=list(record.run_ids)))
        except IntegrityError:
            return False
        return True

    def get(self, signal_id: str) -> SignalRecord | None:
        with self._sessions() as session:
            row = session.get(SignalRow, signal_id)
            return None if row is None else _record(row)

    def update(self, record: SignalRecord) -> None:
        with self._sessions.begin() as session:
            row = session.get(SignalRow, record.signal_id)
            if row is not None:
                row.status, row.detail, row.run_ids = record.status, record.detail, list(record.run_ids)

    def list(self, limit: int = 50) -> builtins.list[SignalRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(SignalRow).order_by(SignalRow.received_at.desc(), SignalRow.signal_id)
                                   .limit(limit))
            return [_record(row) for row in rows]


def _record(row: SignalRow) -> SignalRecord:
    return SignalRecord(row.signal_id, row.received_at, dict(row.payload), row.status, row.detail,
                        tuple(row.run_ids))
