"""The HTTP API's tokens (digests of their secrets) and idempotency keys, in the database."""

from __future__ import annotations

import builtins
import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import ApiTokenRow, IdempotencyKeyRow
from trimtab.application.access import Scope, TokenInfo
from trimtab.application.run_requests import KeyRecord


class SqlTokenRepository:
    """API tokens; every public method is one committed transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def add(self, info: TokenInfo, digest: str) -> None:
        with self._sessions.begin() as session:
            session.add(ApiTokenRow(id=info.token_id, name=info.name, digest=digest,
                                    scopes=sorted(scope.value for scope in info.scopes), created_at=info.created_at,
                                    revoked_at=info.revoked_at))

    def find_by_digest(self, digest: str) -> TokenInfo | None:
        with self._sessions() as session:
            row = session.scalars(select(ApiTokenRow).where(ApiTokenRow.digest == digest)).first()
            return None if row is None else _info(row)

    def list(self) -> builtins.list[TokenInfo]:
        with self._sessions() as session:
            return [_info(row) for row in session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.created_at,
                                                                                        ApiTokenRow.id))]

    def revoke(self, token_id: str, at: dt.datetime) -> TokenInfo | None:
        with self._sessions.begin() as session:
            row = session.get(ApiTokenRow, token_id)
            if row is None:
                return None
            if row.revoked_at is None:
                row.revoked_at = at
            return _info(row)


def _info(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(row.id, row.name, frozenset(Scope(name) for name in row.scopes), row.created_at, row.revoked_at)


class SqlIdempotencyRepository:
    """Idempotency keys: the primary key lets one of two concurrent requests reserve a key."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def reserve(self, record: KeyRecord) -> KeyRecord:
        try:
            with self._sessions.begin() as session:
                session.add(IdempotencyKeyRow(key=record.key, fingerprint=record.fingerprint, run_id=record.run_id,
                                              created_at=record.created_at))
        except IntegrityError:
            stored = self.find(record.key)
            if stored is None:  # released between the insert and the read: reserve it again
                return self.reserve(record)
            return stored
        return record

    def find(self, key: str) -> KeyRecord | None:
        with self._sessions() as session:
            row = session.get(IdempotencyKeyRow, key)
            return None if row is None else KeyRecord(row.key, row.fingerprint, row.run_id, row.created_at)

    def release(self, key: str, run_id: str) -> None:
        with self._sessions.begin() as session:
            session.execute(delete(IdempotencyKeyRow).where(IdempotencyKeyRow.key == key,
                                                            IdempotencyKeyRow.run_id == run_id))
