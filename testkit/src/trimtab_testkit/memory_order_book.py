"""An in-memory BrokerOrderBook for tests and throw-away demos (same rules as the SQL one)."""

from __future__ import annotations

import json
from collections.abc import Sequence

from trimtab.application.ports import BrokerOrderRecord
from trimtab.domain.errors import DomainError


class InMemoryBrokerOrderBook:
    """Keep records as JSON text, so callers never share mutable documents."""

    def __init__(self) -> None:
        self._rows: dict[tuple[str, str, str], tuple[str, str]] = {}

    def get(self, broker: str, account_id: str, client_order_id: str) -> BrokerOrderRecord | None:
        row = self._rows.get((broker, account_id, client_order_id))
        if row is None:
            return None
        return BrokerOrderRecord(broker, account_id, client_order_id, json.loads(row[1]), row[0])

    def put(self, record: BrokerOrderRecord) -> None:
        key = (record.broker, record.account_id, record.client_order_id)
        if record.broker_order_id:
            owner = self.find_by_broker_id(record.broker, record.account_id, record.broker_order_id)
            if owner is not None and owner.client_order_id != record.client_order_id:
                raise DomainError(f"{record.broker} order {record.broker_order_id} already belongs to "
                                  f"{owner.client_order_id}")
        self._rows[key] = (record.broker_order_id, json.dumps(record.document, allow_nan=False))

    def find_by_broker_id(self, broker: str, account_id: str, broker_order_id: str) -> BrokerOrderRecord | None:
        for (row_broker, row_account, client_order_id), (order_id, _) in self._rows.items():
            if (row_broker, row_account, order_id) == (broker, account_id, broker_order_id):
                return self.get(broker, account_id, client_order_id)
        return None

    def claimed(self, broker: str, account_id: str, broker_order_ids: Sequence[str]) -> set[str]:
        wanted = set(broker_order_ids)
        return {order_id for (row_broker, row_account, _), (order_id, _) in self._rows.items()
                if row_broker == broker and row_account == account_id and order_id in wanted}
