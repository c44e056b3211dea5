"""Execution-policy state: each trading day's breach signature, and each account's latest split execution."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import BreachObservationRow, SplitExecutionRow
from trimtab.application.policies import SplitState


class SqlPolicyRepository:
    """Every public method is one transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def observe(self, account_id: str, day: dt.date, signature: str, at: dt.datetime) -> None:
        with self._sessions.begin() as session:
            row = session.get(BreachObservationRow, (account_id, day))
            if row is None:
                session.add(BreachObservationRow(account_id=account_id, market_date=day, signature=signature,
                                                 observed_at=at))
            else:
                row.signature, row.observed_at = signature, at

    def observations(self, account_id: str, since: dt.date) -> dict[dt.date, str]:
        with self._sessions() as session:
            rows = session.scalars(select(BreachObservationRow).where(
                BreachObservationRow.account_id == account_id, BreachObservationRow.market_date >= since))
            return {row.market_date: row.signature for row in rows}

    def split(self, account_id: str) -> SplitState | None:
        with self._sessions() as session:
            row = session.get(SplitExecutionRow, account_id)
            if row is None:
                return None
            d = row.document
            return SplitState(account_id, d["model_name"], d["model_version"], int(d["days"]), int(d["done"]),
                              dt.date.fromisoformat(d["last_day"]) if d.get("last_day") else None,
                              d.get("last_run", ""), bool(d.get("completed")))

    def save_split(self, state: SplitState) -> None:
        document = {"model_name": state.model_name, "model_version": state.model_version, "days": state.days,
                    "done": state.done, "last_day": state.last_day.isoformat() if state.last_day else None,
                    "last_run": state.last_run, "completed": state.completed}
        with self._sessions.begin() as session:
            row = session.get(SplitExecutionRow, state.account_id)
            now = dt.datetime.now(dt.UTC)
            if row is None:
                session.add(SplitExecutionRow(account_id=state.account_id, document=document, updated_at=now))
            else:
                row.document, row.updated_at = document, now
