"""Runs named when they were put on the task queue, in the database (inserted in bulk, before any task is sent)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import insert, update

from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables_sweep import QueuedRunRow
from trimtab.application.run_queue import QueuedRun

_CHUNK = 5_000  # rows per INSERT: bounded statements whatever the number of accounts


class SqlQueuedRunRepository:
    """Queued runs; every public method is one committed transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def add_many(self, runs: Sequence[QueuedRun]) -> None:
        rows = [{"run_id": run.run_id, "account_id": run.account_id, "execute": run.execute,
                 "enqueued_at": run.enqueued_at, "outcome": None} for run in runs]
        with self._sessions.begin() as session:
            for start in range(0, len(rows), _CHUNK):
                session.execute(insert(QueuedRunRow), rows[start:start + _CHUNK])

    def get(self, run_id: str) -> QueuedRun | None:
        with self._sessions() as session:
            row = session.get(QueuedRunRow, run_id)
            return None if row is None else QueuedRun(row.run_id, row.account_id, row.execute, row.enqueued_at)

    def set_outcome(self, run_id: str, outcome: str) -> None:
        with self._sessions.begin() as session:
            session.execute(update(QueuedRunRow).where(QueuedRunRow.run_id == run_id).values(outcome=outcome))
