"""The fleet store: accounts, positions and last quotes read in chunks; sweep runs and results written in bulk.

Chunks are read by key (account id order, `id > last id of the previous chunk`), so each is one bounded
query on both databases; the chunk's holdings come back as plain tuples through the driver (quantities cast
to float for the screen only). The exact positions of the accounts a sweep looks at closely are read again
as Decimals. Results go in with COPY on PostgreSQL and one executemany on SQLite.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import Connection, Engine, Float, cast, func, select
from sqlalchemy import delete as sa_delete
from sqlalchemy import update as sa_update

from trimtab.adapters.persistence.fleet_rows import chunk_of, decimal_text, quote_of, stored_account
from trimtab.adapters.persistence.statements import IDS_PER_QUERY
from trimtab.adapters.persistence.tables import AccountAssignmentRow, AccountRow, RebalancingConfigRow
from trimtab.adapters.persistence.tables_sweep import (
    AccountBalanceRow,
    LastQuoteRow,
    SweepResultRow,
    SweepRunRow,
)
from trimtab.adapters.persistence.types import to_json_ready
from trimtab.application.sweep_ports import FleetChunk, StoredAccount, SweepResult, SweepRunRecord
from trimtab.domain.snapshot import Quote

RESULT_COLUMNS = ("run_id", "account_id", "model_name", "status", "reason", "breaches", "largest_drift", "equity",
                  "orders", "turnover", "plan")


class SqlFleetStore:
    """FleetStore on SQLite or PostgreSQL."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._postgres = engine.dialect.name == "postgresql"

    def count(self, models: Sequence[str] | None) -> int:
        statement = select(func.count()).select_from(AccountRow).join(
            AccountAssignmentRow, AccountAssignmentRow.account_id == AccountRow.id)
        if models is not None:
            statement = statement.where(AccountAssignmentRow.model_name.in_(models))
        with self._engine.connect() as connection:
            return int(connection.execute(statement).scalar_one())

    def last_quotes(self) -> dict[str, tuple[Quote, Any]]:
        with self._engine.connect() as connection:
            rows = connection.execute(select(LastQuoteRow)).all()
        return {row.symbol: (quote_of(row), row.read_at) for row in rows}

    def chunks(self, models: Sequence[str] | None, size: int) -> Iterator[FleetChunk]:
        statement = (select(AccountRow.id, AccountRow.currency, AccountAssignmentRow.model_name,
                            AccountAssignmentRow.pinned_version, cast(AccountBalanceRow.cash, Float),
                            RebalancingConfigRow.class_band, RebalancingConfigRow.ticker_band,
                            RebalancingConfigRow.relative_band, RebalancingConfigRow.cash_buffer,
                            RebalancingConfigRow.min_trade_value, RebalancingConfigRow.price_ticks)
                     .join(AccountAssignmentRow, AccountAssignmentRow.account_id == AccountRow.id)
                     .outerjoin(AccountBalanceRow, AccountBalanceRow.account_id == AccountRow.id)
                     .outerjoin(RebalancingConfigRow, RebalancingConfigRow.account_id == AccountRow.id)
                     .order_by(AccountRow.id).limit(size))
        if models is not None:
            statement = statement.where(AccountAssignmentRow.model_name.in_(models))
        after: str | None = None
        while True:
            with self._engine.connect() as connection:
                page = statement if after is None else statement.where(AccountRow.id > after)
                accounts = connection.execute(page).all()
                if not accounts:
                    return
                holdings = self._holdings(connection, accounts[0][0], accounts[-1][0], models)
            after = accounts[-1][0]
            yield chunk_of(accounts, holdings)

    def _holdings(self, connection: Connection, first: str, last: str,
                  models: Sequence[str] | None) -> list[tuple[Any, ...]]:
        """Holdings of the accounts from `first` to `last` (ids in order), of the models' accounts only."""
        mark = "%s" if self._postgres else "?"
        quantity = "h.quantity::float8" if self._postgres else "CAST(h.quantity AS REAL)"
        query = f"SELECT h.account_id, h.symbol, {quantity} FROM account_holdings h "  # noqa: S608
        parameters: tuple[Any, ...] = (first, last)
        if models is not None:
            query += (f"JOIN account_assignments s ON s.account_id = h.account_id "
                      f"AND s.model_name IN ({', '.join([mark] * len(models))}) ")
            parameters = (*models, first, last)
        query += f"WHERE h.account_id >= {mark} AND h.account_id <= {mark}"
        return self._fetch(connection, query, parameters)

    def accounts(self, account_ids: Sequence[str]) -> dict[str, StoredAccount]:
        wanted = list(dict.fromkeys(account_ids))
        found: dict[str, StoredAccount] = {}
        with self._engine.connect() as connection:
            for start in range(0, len(wanted), IDS_PER_QUERY):
                ids = wanted[start:start + IDS_PER_QUERY]
                balances = connection.execute(select(AccountBalanceRow).where(AccountBalanceRow.account_id.in_(ids)))
                holdings: dict[str, list[Any]] = {}
                for row in self._exact_holdings(connection, ids):
                    holdings.setdefault(row[0], []).append(row)
                for balance in balances:
                    found[balance.account_id] = stored_account(balance, holdings.get(balance.account_id, []))
        return found

    def _exact_holdings(self, connection: Connection, ids: Sequence[str]) -> list[tuple[Any, ...]]:
        """Holdings of these accounts with exact quantities as text, in account and symbol order."""
        if self._postgres:
            query = ("SELECT account_id, symbol, trim_scale(quantity)::text, trim_scale(orderable_quantity)::text "
                     "FROM account_holdings WHERE account_id = ANY(%s) ORDER BY account_id, symbol")
            parameters: tuple[Any, ...] = (list(ids),)
        else:
            query = ("SELECT account_id, symbol, quantity, orderable_quantity FROM account_holdings "  # noqa: S608
                     f"WHERE account_id IN ({', '.join('?' * len(ids))}) ORDER BY account_id, symbol")
            parameters = tuple(ids)
        return self._fetch(connection, query, parameters)

    def _fetch(self, connection: Connection, query: str, parameters: tuple[Any, ...]) -> list[tuple[Any, ...]]:
        """Rows of a query through the driver's own cursor: plain tuples, no per-value processing."""
        cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(query, parameters)
            return list(cursor.fetchall())
        finally:
            cursor.close()

    def start(self, run: SweepRunRecord) -> None:
        with self._engine.begin() as connection:
            connection.execute(SweepRunRow.__table__.insert().values(  # type: ignore[attr-defined]
                run_id=run.run_id, started_at=run.started_at, finished_at=None, status=run.status,
                models=list(run.models), plan=run.plan, summary=run.summary))

    def finish(self, run: SweepRunRecord) -> None:
        with self._engine.begin() as connection:
            connection.execute(sa_update(SweepRunRow).where(SweepRunRow.run_id == run.run_id).values(
                status=run.status, finished_at=run.finished_at, summary=run.summary))

    def write(self, run_id: str, results: Sequence[SweepResult]) -> None:
        if not results:
            return
        rows = [(run_id, result.account_id, result.model_name, result.status, result.reason, result.breaches,
                 decimal_text(result.largest_drift), decimal_text(result.equity), result.orders,
                 decimal_text(result.turnover),
                 None if result.plan is None else json.dumps(to_json_ready(result.plan), separators=(",", ":")))
                for result in results]
        with self._engine.begin() as connection:
            driver: Any = connection.connection.driver_connection
            if self._postgres:
                with driver.cursor() as cursor, cursor.copy(
                        f"COPY sweep_results ({', '.join(RESULT_COLUMNS)}) FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            else:
                marks = ", ".join("?" * len(RESULT_COLUMNS))
                driver.executemany(f"INSERT INTO sweep_results ({', '.join(RESULT_COLUMNS)}) "  # noqa: S608
                                   f"VALUES ({marks})", rows)

    def results(self, run_id: str, status: str | None = None, limit: int | None = None) -> list[SweepResult]:
        statement = select(SweepResultRow).where(SweepResultRow.run_id == run_id).order_by(SweepResultRow.account_id)
        if status is not None:
            statement = statement.where(SweepResultRow.status == status)
        if limit is not None:
            statement = statement.limit(limit)
        with self._engine.connect() as connection:
            return [SweepResult(row.account_id, row.model_name, row.status, row.reason, row.breaches,
                                row.largest_drift, row.equity, row.orders, row.turnover, row.plan)
                    for row in connection.execute(statement)]

    def forget(self, run_id: str) -> None:
        """Delete a sweep and its results."""
        with self._engine.begin() as connection:
            connection.execute(sa_delete(SweepResultRow).where(SweepResultRow.run_id == run_id))
            connection.execute(sa_delete(SweepRunRow).where(SweepRunRow.run_id == run_id))
