"""Durable rebalance runs: the run row, its orders as trades, its fills, the per-account lock and the run's lease.

The lease is three columns of the run row (owner, fencing token, expiry). Taking it is one conditional UPDATE
(nobody holds it, it lapsed, or its holder is known to be gone) that also increments the token; every later
write of the holder starts with an UPDATE conditioned on its owner and token, in the same transaction as the
write. SQLite serialises writers (BEGIN IMMEDIATE) and PostgreSQL row-locks the run row until commit, so a
takeover and a write of the previous holder can never interleave: once the token moved on, the previous
holder's writes raise LeaseLost and change nothing.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Sequence
from typing import Any, cast

from sqlalchemy import CursorResult, delete, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from trimtab.adapters.persistence.mapping import fill_values, order_values, row_to_fill, row_to_run, run_values
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.statements import IDS_PER_QUERY, insert_missing
from trimtab.adapters.persistence.tables import ActiveRunRow, FillRow, RunRow, TradeRow
from trimtab.application.ports import Lease, RunInProgress, RunLeaseHeld, RunRecord
from trimtab.domain.errors import DomainError, InvalidInput, LeaseLost
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
            session.add(RunRow(run_id=run.run_id, **run_values(run), **_lease_values(run.lease)))
            session.flush()
            session.add(ActiveRunRow(account_id=run.account_id, run_id=run.run_id))
            session.flush()  # the primary key of active_runs refuses a second lock here
            _store_orders(session, run)

    def acquire(self, run_id: str, lease: Lease, now: dt.datetime, replacing: str | None = None) -> RunRecord:
        """Take the run's lease with a new token; raise RunLeaseHeld while another live holder has it."""
        with self._sessions.begin() as session:
            _require_run(session, run_id)
            takeable = [RunRow.lease_owner.is_(None), RunRow.lease_expires_at < now, RunRow.lease_owner == lease.owner]
            if replacing is not None:
                takeable.append(RunRow.lease_owner == replacing)
            statement = (update(RunRow).where(RunRow.run_id == run_id, or_(*takeable))
                         .values(lease_owner=lease.owner, lease_token=RunRow.lease_token + 1,
                                 lease_expires_at=lease.expires_at)
                         .execution_options(synchronize_session=False))
            if _count(session.execute(statement)) != 1:
                row = session.get(RunRow, run_id, populate_existing=True)
                owner = "unknown" if row is None or row.lease_owner is None else row.lease_owner
                raise RunLeaseHeld(run_id, owner, None if row is None else row.lease_expires_at)
        return self.get(run_id)

    def renew(self, run: RunRecord) -> None:
        """Extend the lease to `run.lease.expires_at`; raise LeaseLost if it is no longer this run's."""
        with self._sessions.begin() as session:
            _fence(session, run)

    def release_lease(self, run: RunRecord) -> None:
        """Give the lease up if `run.lease` still holds it."""
        if run.lease is None:
            return
        with self._sessions.begin() as session:
            session.execute(update(RunRow).where(RunRow.run_id == run.run_id,
                                                 RunRow.lease_owner == run.lease.owner,
                                                 RunRow.lease_token == run.lease.token)
                            .values(lease_owner=None, lease_expires_at=None)
                            .execution_options(synchronize_session=False))

    def save(self, run: RunRecord) -> None:
        """Store the run's step, status, documents and orders in one transaction, fenced by its lease."""
        with self._sessions.begin() as session:
            _fence(session, run)
            row = session.get(RunRow, run.run_id)
            values = run_values(run)
            if row is None:
                session.add(RunRow(run_id=run.run_id, **values, **_lease_values(run.lease)))
            else:
                for name, value in values.items():
                    setattr(row, name, value)
            session.flush()
            _store_orders(session, run)

    def record_fills(self, run: RunRecord, fills: Sequence[Fill]) -> int:
        """Store the fills not seen before (by fill id), fenced by the run's lease; return how many were new."""
        with self._sessions.begin() as session:
            _require_run(session, run.run_id)
            _fence(session, run)
            rows = [fill_values(run.run_id, fill) for fill in fills]
            return insert_missing(session, FillRow, rows, ["fill_id"])

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

    def last_updates(self, account_ids: Sequence[str]) -> dict[str, dt.datetime]:
        """The last update of each account's newest run (newest as `list` orders them), for those with runs:
        one ranking query per 500 accounts."""
        newest = func.row_number().over(partition_by=RunRow.account_id,
                                        order_by=(RunRow.created_at.desc(), RunRow.run_id.desc()))
        wanted = builtins.list(dict.fromkeys(account_ids))
        found: dict[str, dt.datetime] = {}
        with self._sessions() as session:
            for start in range(0, len(wanted), IDS_PER_QUERY):
                ranked = (select(RunRow.account_id, RunRow.updated_at, newest.label("rank"))
                          .where(RunRow.account_id.in_(wanted[start:start + IDS_PER_QUERY])).subquery())
                found.update((account_id, updated_at) for account_id, updated_at in session.execute(
                    select(ranked.c.account_id, ranked.c.updated_at).where(ranked.c.rank == 1)))
        return found

    def release(self, run: RunRecord) -> None:
        """End the account's lock if this run holds it (fenced by the run's lease)."""
        with self._sessions.begin() as session:
            _fence(session, run)
            session.execute(
                delete(ActiveRunRow).where(ActiveRunRow.account_id == run.account_id,
                                           ActiveRunRow.run_id == run.run_id)
            )

    def ids_starting_with(self, prefix: str, limit: int) -> builtins.list[str]:
        """Up to `limit` run ids that start with `prefix` (matched literally), in order."""
        with self._sessions() as session:
            ids = session.scalars(select(RunRow.run_id).where(RunRow.run_id >= prefix,
                                                              RunRow.run_id < prefix + "\U0010ffff")
                                  .order_by(RunRow.run_id).limit(limit))
            return [run_id for run_id in ids if run_id.startswith(prefix)]

    def active_run(self, account_id: str) -> str | None:
        """Return the id of the run holding the account's lock, if any."""
        with self._sessions() as session:
            holder = session.get(ActiveRunRow, account_id)
            return None if holder is None else holder.run_id

    def _exists(self, run_id: str) -> bool:
        with self._sessions() as session:
            return session.get(RunRow, run_id) is not None


def _count(result: object) -> int:
    """Rows an UPDATE matched (SQLite and PostgreSQL both report it)."""
    return cast(CursorResult[Any], result).rowcount


def _lease_values(lease: Lease | None) -> dict[str, Any]:
    if lease is None:
        return {"lease_owner": None, "lease_token": 0, "lease_expires_at": None}
    return {"lease_owner": lease.owner, "lease_token": lease.token, "lease_expires_at": lease.expires_at}


def _fence(session: Session, run: RunRecord) -> None:
    """Check, inside the caller's transaction, that the run's lease is still `run.lease` (and extend it).

    Without a lease, writing is allowed only while nobody holds one (a run no process drives).
    """
    if run.lease is None:
        owner = session.scalar(select(RunRow.lease_owner).where(RunRow.run_id == run.run_id))
        if owner is not None:
            raise LeaseLost(f"run {run.run_id} is driven by {owner}; this process holds no lease on it")
        return
    statement = (update(RunRow).where(RunRow.run_id == run.run_id, RunRow.lease_owner == run.lease.owner,
                                      RunRow.lease_token == run.lease.token)
                 .values(lease_expires_at=run.lease.expires_at).execution_options(synchronize_session=False))
    if _count(session.execute(statement)) != 1:
        raise LeaseLost(f"run {run.run_id}: another process took the lease over (this one held token "
                        f"{run.lease.token}); nothing more is written or sent from here")


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
