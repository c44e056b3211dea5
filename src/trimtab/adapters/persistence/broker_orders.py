"""BrokerOrderBook on SQLite or PostgreSQL: one row per (broker, account, client order id)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.statements import upsert
from trimtab.adapters.persistence.tables import BrokerOrderRow
from trimtab.adapters.persistence.types import to_json_ready
from trimtab.application.ports import BrokerOrderRecord, Clock
from trimtab.domain.errors import DomainError


def _record(row: BrokerOrderRow) -> BrokerOrderRecord:
    return BrokerOrderRecord(row.broker, row.account_id, row.client_order_id, dict(row.document),
                             row.broker_order_id or "")


class SqlBrokerOrderBook:
    """Durable map of client order ids to broker order numbers, committed on every put."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def get(self, broker: str, account_id: str, client_order_id: str) -> BrokerOrderRecord | None:
        with self._sessions() as session:
            row = session.get(BrokerOrderRow, (broker, account_id, client_order_id))
            return None if row is None else _record(row)

    def put(self, record: BrokerOrderRecord) -> None:
        values = {
            "broker": record.broker, "account_id": record.account_id, "client_order_id": record.client_order_id,
            "broker_order_id": record.broker_order_id or None, "document": to_json_ready(record.document),
            "updated_at": self._clock.now(),
        }
        try:
            with self._sessions.begin() as session:
                upsert(session, BrokerOrderRow, values, ["broker", "account_id", "client_order_id"])
        except IntegrityError:
            raise DomainError(f"{record.broker} order {record.broker_order_id} already belongs to another "
                              f"client order id than {record.client_order_id}") from None

    def find_by_broker_id(self, broker: str, account_id: str, broker_order_id: str) -> BrokerOrderRecord | None:
        query = select(BrokerOrderRow).where(BrokerOrderRow.broker == broker, BrokerOrderRow.account_id == account_id,
                                             BrokerOrderRow.broker_order_id == broker_order_id)
        with self._sessions() as session:
            row = session.scalars(query).first()
            return None if row is None else _record(row)

    def claimed(self, broker: str, account_id: str, broker_order_ids: Sequence[str]) -> set[str]:
        if not broker_order_ids:
            return set()
        query = select(BrokerOrderRow.broker_order_id).where(
            BrokerOrderRow.broker == broker, BrokerOrderRow.account_id == account_id,
            BrokerOrderRow.broker_order_id.in_(list(broker_order_ids)))
        with self._sessions() as session:
            return {value for value in session.scalars(query) if value}
