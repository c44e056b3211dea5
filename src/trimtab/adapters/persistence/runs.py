"""Durable rebalance runs: the run row, its orders as trades, its fills, and the per-account lock."""

from __future__ import annotations

import builtins
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.adapters.persistence.mapping import fill_values, order_values, row_to_fill, row_to_run, run_values
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.statements import insert_missing
from trimtab.adapters.persistence.tables import ActiveRunRow, FillRow, RunRow, TradeRow
from trimtab.application.ports import RunInProgress, RunRecord
from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.execution import Fill, TrackedOrder

# A lock refused by the database, then found free again (its run ended meanwhile), is tried again.
_LOCK_ATTEMPTS = 3


class SqlRunRepository:
    """RunRepository on SQLite or PostgreSQL; every public method is one committed transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def create(self, run: RunRecord) -> None:
        """Take the account's lock and store the new run; raise RunInProgress when the lock is held."""
        for _ in range(_LOCK_ATTEMPTS):
            try:
                self._create_once(run)
                return
            except IntegrityError:
                holder = self.active_run(run.account_id)
                if holder is not None:
                    raise RunInProgress(run.account_id, holder) from None
                if self._exists(run.run_id):
                    raise DomainError(f"run {run.run_id} already exists") from None
        raise DomainError(f"could not take the lock of account {run.account_id}; try again")

    def _create_once(self, run: RunRecord) -> None:
        with self._sessions.begin() as session:
            holder = session.get(ActiveRunRow, run.account_id)
            if holder is not None:
                raise RunInProgress(run.account_id, holder.run_id)
            if session.get(RunRow, run.run_id) is not None:
                raise DomainError(f"run {run.run_id} already exists")
            session.add(RunRow(run_id=run.run_id, **run_values(run)))
            session.flush()
            session.add(ActiveRunRow(account_id=run.account_id, run_id=run.run_id))
            session.flush()  # the primary key of active_runs refuses a second lock here
            _store_orders(session, run)

    def save(self, run: RunRecord) -> None:
        """Store the run's step, status, documents and orders in one transaction."""
        with self._sessions.begin() as session:
            row = session.get(RunRow, run.run_id)
            values = run_values(run)
            if row is None:
                session.add(RunRow(run_id=run.run_id, **values))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
            session.flush()
            _store_orders(session, run)

    def record_fills(self, run_id: str, fills: Sequence[Fill]) -> int:
        """Store the fills not seen before (by fill id); return how many were new."""
        with self._sessions.begin() as session:
            _require_run(session, run_id)
            return insert_missing(session, FillRow, [fill_values(run_id, fill) for fill in fills], ["fill_id"])

    def list_fills(self, run_id: str) -> builtins.list[Fill]:
        """Return the run's stored fills in the order they happened."""
        with self._sessions() as session:
            rows = session.scalars(
                select(FillRow).where(FillRow.run_id == run_id).order_by(FillRow.filled_at, FillRow.fill_id)
            )
            return [row_to_fill(row) for row in rows]

    def get(self, run_id: str) -> RunRecord:
        """Return the stored run with its orders in creation order."""
        with self._sessions() as session:
            row = _require_run(session, run_id)
            return row_to_run(row, _trades_of(session, [run_id]).get(run_id, []))

    def list(self, account_id: str | None = None, limit: int = 50) -> builtins.list[RunRecord]:
        """Return the newest runs first, of one account or of all."""
        with self._sessions() as session:
            query = select(RunRow).order_by(RunRow.created_at.desc(), RunRow.run_id.desc()).limit(limit)
            if account_id is not None:
                query = query.where(RunRow.account_id == account_id)
            rows = builtins.list(session.scalars(query))
            trades = _trades_of(session, [row.run_id for row in rows])
            return [row_to_run(row, trades.get(row.run_id, [])) for row in rows]

    def release(self, run: RunRecord) -> None:
        """End the account's lock if this run holds it."""
        with self._sessions.begin() as session:
            session.execute(
                delete(ActiveRunRow).where(ActiveRunRow.account_id == run.account_id,
                                           ActiveRunRow.run_id == run.run_id)
            )

    def active_run(self, account_id: str) -> str | None:
        """Return the id of the run holding the account's lock, if any."""
        with self._sessions() as session:
            holder = session.get(ActiveRunRow, account_id)
            return None if holder is None else holder.run_id

    def _exists(self, run_id: str) -> bool:
        with self._sessions() as session:
            return session.get(RunRow, run_id) is not None


def _require_run(session: Session, run_id: str) -> RunRow:
    row = session.get(RunRow, run_id)
    if row is None:
        raise InvalidInput("unknown run", where="runs", field="run_id", value=run_id)
    return row


def _trades_of(session: Session, run_ids: Sequence[str]) -> dict[str, builtins.list[TradeRow]]:
    if not run_ids:
        return {}
    grouped: dict[str, builtins.list[TradeRow]] = {}
    for trade in session.scalars(select(TradeRow).where(TradeRow.run_id.in_(run_ids)).order_by(TradeRow.id)):
        grouped.setdefault(trade.run_id, []).append(trade)
    return grouped


def _store_orders(session: Session, run: RunRecord) -> None:
    """Insert new orders in the run's order and update the changed ones; timestamps come from the run."""
    ids = [order.request.client_order_id for order in run.orders]
    if len(set(ids)) != len(ids):
        raise DomainError(f"run {run.run_id} lists a client order id twice")
    if not ids:
        return
    stored = {t.client_order_id: t for t in session.scalars(select(TradeRow).where(TradeRow.client_order_id.in_(ids)))}
    for order in run.orders:
        trade = stored.get(order.request.client_order_id)
        if trade is None:
            session.add(_new_trade(run, order))
            session.flush()  # one insert at a time keeps the ids in the run's order
        elif trade.run_id != run.run_id:
            raise DomainError(f"order {trade.client_order_id} belongs to run {trade.run_id}, not {run.run_id}")
        else:
            _update_trade(trade, order, run)


def _new_trade(run: RunRecord, order: TrackedOrder) -> TradeRow:
    return TradeRow(run_id=run.run_id, client_order_id=order.request.client_order_id,
                    created_at=run.updated_at, updated_at=run.updated_at, **order_values(order))


def _update_trade(trade: TradeRow, order: TrackedOrder, run: RunRecord) -> None:
    values = order_values(order)
    if all(getattr(trade, name) == value for name, value in values.items()):
        return
    for name, value in values.items():
        setattr(trade, name, value)
    trade.updated_at = run.updated_at
