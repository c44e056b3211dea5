"""The paper broker's account state, one JSON document per paper account."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import delete as sa_delete
from sqlalchemy import select

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.statements import IDS_PER_QUERY, upsert
from trimtab.adapters.persistence.tables import PaperAccountRow
from trimtab.adapters.persistence.types import to_json_ready
from trimtab.application.ports import Clock


class SqlPaperStateStore:
    """PaperStateStore on SQLite or PostgreSQL; Decimals in the state come back as text."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def load(self, account_id: str) -> dict[str, Any] | None:
        """Return the account's stored state, or None when it has none."""
        with self._sessions() as session:
            row = session.get(PaperAccountRow, account_id)
            return None if row is None else dict(row.state)

    def load_many(self, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored states of these accounts, by account id (one query per 500 ids); ones without are left out."""
        wanted = list(dict.fromkeys(account_ids))
        found: dict[str, dict[str, Any]] = {}
        with self._sessions() as session:
            for start in range(0, len(wanted), IDS_PER_QUERY):
                rows = session.execute(select(PaperAccountRow.account_id, PaperAccountRow.state)
                                       .where(PaperAccountRow.account_id.in_(wanted[start:start + IDS_PER_QUERY])))
                found.update((account_id, dict(state)) for account_id, state in rows)
        return found

    def save(self, account_id: str, state: dict[str, Any]) -> None:
        """Replace the account's state atomically (committed when this returns)."""
        self.save_many({account_id: state})

    def save_many(self, states: Mapping[str, dict[str, Any]]) -> None:
        """Replace several accounts' states in one transaction (committed when this returns)."""
        if not states:
            return
        now = self._clock.now()
        with self._sessions.begin() as session:
            for account_id, state in states.items():
                values = {"account_id": account_id, "state": to_json_ready(state), "updated_at": now}
                upsert(session, PaperAccountRow, values, ["account_id"])

    def delete(self, account_id: str) -> None:
        """Forget the account's state (nothing happens when there is none)."""
        with self._sessions.begin() as session:
            session.execute(sa_delete(PaperAccountRow).where(PaperAccountRow.account_id == account_id))
