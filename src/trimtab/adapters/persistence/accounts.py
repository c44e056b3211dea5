"""Accounts and which model portfolio each one follows."""

from __future__ import annotations

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.portfolios import require_model, version_number
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import AccountAssignmentRow, AccountRow, RebalancingConfigRow
from trimtab.adapters.persistence.tables_sweep import AccountBalanceRow, AccountHoldingRow
from trimtab.application.ports import Clock
from trimtab.application.records import Account, ModelAssignment
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import parse_currency
from trimtab.domain.text import check_identifier, check_name


class SqlAccountRepository:
    """Accounts and their model assignments; every public method is one committed transaction."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def add(self, account_id: str, *, name: str, currency: str, broker: str) -> Account:
        """Register an account; refuse an id already used."""
        where = "account"
        for field, value in (("account_id", account_id), ("broker", broker)):
            if not value.strip():
                raise InvalidInput("must not be empty", where=where, field=field, value=value)
        check_identifier(account_id, where=where, field="account_id")
        check_name(name, where=where, field="name")
        row = AccountRow(id=account_id, name=name, currency=parse_currency(currency, where=where),
                         broker=broker.strip().lower(), created_at=self._clock.now())
        with self._sessions.begin() as session:
            if session.get(AccountRow, account_id) is not None:
                raise InvalidInput("account already exists", where=where, field="account_id", value=account_id)
            session.add(row)
            return _to_account(row)

    def get(self, account_id: str) -> Account:
        """Return an account; raise InvalidInput when it is unknown."""
        with self._sessions() as session:
            return _to_account(_require_account(session, account_id))

    def find(self, account_id: str) -> Account | None:
        """Return an account, or None when it is unknown."""
        with self._sessions() as session:
            row = session.get(AccountRow, account_id)
            return None if row is None else _to_account(row)

    def list(self) -> list[Account]:
        """Return every account by id."""
        with self._sessions() as session:
            return [_to_account(row) for row in session.scalars(select(AccountRow).order_by(AccountRow.id))]

    def remove(self, account_id: str) -> None:
        """Forget an account with its assignment, settings and stored positions; InvalidInput when it is unknown."""
        with self._sessions.begin() as session:
            _require_account(session, account_id)
            session.execute(delete(AccountAssignmentRow).where(AccountAssignmentRow.account_id == account_id))
            session.execute(delete(RebalancingConfigRow).where(RebalancingConfigRow.account_id == account_id))
            for positions in (AccountHoldingRow, AccountBalanceRow):  # what a sweep would read of it
                session.execute(delete(positions).where(positions.account_id == account_id))
            session.execute(delete(AccountRow).where(AccountRow.id == account_id))

    def unassign(self, account_id: str) -> None:
        """Let the account follow no model (nothing happens when it follows none)."""
        with self._sessions.begin() as session:
            _require_account(session, account_id)
            session.execute(delete(AccountAssignmentRow).where(AccountAssignmentRow.account_id == account_id))

    def assign_model(self, account_id: str, model_name: str, *, version: str | None = None) -> ModelAssignment:
        """Make the account follow a stored model, its latest version or a pinned one."""
        with self._sessions.begin() as session:
            _require_account(session, account_id)
            pinned = None if version is None else version_number(session, model_name, version)
            require_model(session, model_name, pinned)
            row = session.get(AccountAssignmentRow, account_id)
            if row is None:
                row = AccountAssignmentRow(account_id=account_id)
                session.add(row)
            row.model_name, row.pinned_version, row.assigned_at = model_name, pinned, self._clock.now()
            return _to_assignment(row)

    def all_assignments(self) -> dict[str, ModelAssignment]:
        """Every account's assignment by account id (accounts without a model are absent), in one query."""
        with self._sessions() as session:
            return {row.account_id: _to_assignment(row) for row in session.scalars(select(AccountAssignmentRow))}

    def assignment(self, account_id: str) -> ModelAssignment | None:
        """Return the account's model assignment, or None when it has none."""
        with self._sessions() as session:
            row = session.get(AccountAssignmentRow, account_id)
            return None if row is None else _to_assignment(row)


def _to_account(row: AccountRow) -> Account:
    return Account(account_id=row.id, name=row.name, currency=row.currency, broker=row.broker,
                   created_at=row.created_at)


def _to_assignment(row: AccountAssignmentRow) -> ModelAssignment:
    pinned = None if row.pinned_version is None else str(row.pinned_version)
    return ModelAssignment(account_id=row.account_id, model_name=row.model_name, pinned_version=pinned,
                           assigned_at=row.assigned_at)


def _require_account(session: Session, account_id: str) -> AccountRow:
    row = session.get(AccountRow, account_id)
    if row is None:
        raise InvalidInput("unknown account", where="accounts", field="account_id", value=account_id)
    return row
