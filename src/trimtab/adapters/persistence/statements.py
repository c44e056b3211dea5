"""INSERT ... ON CONFLICT for SQLite and PostgreSQL, the two databases trimtab supports."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy import Table
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy.dialects import postgresql, sqlite

from trimtab.adapters.persistence.tables import Base

IDS_PER_QUERY = 500  # ids in one IN (...) list: far below SQLite's and PostgreSQL's parameter limits


def _insert(session: Session, entity: type[Base]) -> postgresql.Insert | sqlite.Insert:
    dialect = session.get_bind().dialect.name
    table = entity.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{entity.__name__} does not map a table")
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)
    raise NotImplementedError(f"database {dialect!r} is not supported (use SQLite or PostgreSQL)")


def insert_missing(session: Session, entity: type[Base], rows: Sequence[dict[str, Any]], keys: Sequence[str]) -> int:
    """Insert the rows whose key is not stored yet; return how many were inserted."""
    inserted = 0
    for row in rows:  # one statement per row; RETURNING tells whether it was new (rowcount is not reliable)
        statement = _insert(session, entity).values(row).on_conflict_do_nothing(index_elements=keys)
        inserted += len(session.execute(statement.returning(*(statement.table.c[key] for key in keys))).all())
    return inserted


def upsert(session: Session, entity: type[Base], values: dict[str, Any], keys: Sequence[str],
           keep: Sequence[str] = ()) -> None:
    """Insert a row or update the stored one with the same key, leaving the `keep` columns as they were."""
    statement = _insert(session, entity).values(values)
    changes = {name: statement.excluded[name] for name in values if name not in keys and name not in keep}
    session.execute(statement.on_conflict_do_update(index_elements=keys, set_=changes))
