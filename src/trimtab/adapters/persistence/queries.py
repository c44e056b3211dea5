"""The read-only listings (AccountQueries) in one SQL query each, on SQLAlchemy Core alone.

`trimtab accounts` runs in a fresh process: the ORM (tables.py, sessions) would cost more than the rest of the
command, so the listings name the few columns they read here, as lightweight Core tables, and convert the
values with the same column types the ORM rows use.
"""

from __future__ import annotations

from sqlalchemy import Engine, Integer, column, select, table

from trimtab.adapters.persistence.types import UtcDateTime
from trimtab.application.records import Account, AccountOverview, ModelAssignment

_ACCOUNTS = table("accounts", column("id"), column("name"), column("currency"), column("broker"),
                  column("created_at", UtcDateTime()))
_ASSIGNMENTS = table("account_assignments", column("account_id"), column("model_name"),
                     column("pinned_version", Integer()), column("assigned_at", UtcDateTime()))
_ACTIVE_RUNS = table("active_runs", column("account_id"), column("run_id"))


class SqlAccountQueries:
    """The listings of one database."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def account_overviews(self) -> list[AccountOverview]:
        accounts, assignments, active = _ACCOUNTS.c, _ASSIGNMENTS.c, _ACTIVE_RUNS.c
        query = (select(accounts.id, accounts.name, accounts.currency, accounts.broker, accounts.created_at,
                        assignments.model_name, assignments.pinned_version, assignments.assigned_at, active.run_id)
                 .select_from(_ACCOUNTS.outerjoin(_ASSIGNMENTS, assignments.account_id == accounts.id)
                              .outerjoin(_ACTIVE_RUNS, active.account_id == accounts.id))
                 .order_by(accounts.id))
        with self._engine.connect() as connection:
            rows = connection.execute(query).all()
        return [AccountOverview(
            Account(account_id=row.id, name=row.name, currency=row.currency, broker=row.broker,
                    created_at=row.created_at),
            None if row.model_name is None else ModelAssignment(
                account_id=row.id, model_name=row.model_name,
                pinned_version=None if row.pinned_version is None else str(row.pinned_version),
                assigned_at=row.assigned_at),
            row.run_id) for row in rows]
