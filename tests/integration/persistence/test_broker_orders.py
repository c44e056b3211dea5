"""The broker order book: SQL (SQLite and PostgreSQL) and in-memory follow the same rules."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Engine

from tests.integration.persistence.conftest import FixedClock
from trimtab.adapters.persistence.broker_orders import SqlBrokerOrderBook
from trimtab.application.ports import BrokerOrderBook, BrokerOrderRecord
from trimtab.domain.errors import DomainError
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook


@pytest.fixture(params=["sql", "memory"])
def book(request: pytest.FixtureRequest, engine: Engine) -> BrokerOrderBook:
    return SqlBrokerOrderBook(engine, FixedClock()) if request.param == "sql" else InMemoryBrokerOrderBook()


def _record(client_order_id: str, broker_order_id: str = "", price: str = "71500") -> BrokerOrderRecord:
    document = {"state": "sending", "price": price, "fills": [{"fill_id": "x:1", "quantity": "1"}]}
    return BrokerOrderRecord("kis", "ACC", client_order_id, document, broker_order_id)


def test_put_then_get_returns_the_record_and_a_replace_keeps_one_row(book: BrokerOrderBook) -> None:
    book.put(_record("run1-S-005930-0"))
    book.put(_record("run1-S-005930-0", "0000000007", price="71600"))

    stored = book.get("kis", "ACC", "run1-S-005930-0")
    assert stored == _record("run1-S-005930-0", "0000000007", price="71600")
    assert book.get("kis", "ACC", "run1-S-005930-1") is None
    assert book.get("kis", "OTHER", "run1-S-005930-0") is None


def test_find_by_broker_id_and_claimed_see_only_numbered_records(book: BrokerOrderBook) -> None:
    book.put(_record("a", "0000000001"))
    book.put(_record("b"))
    book.put(_record("c", "0000000003"))

    found = book.find_by_broker_id("kis", "ACC", "0000000003")
    assert found is not None
    assert found.client_order_id == "c"
    assert book.find_by_broker_id("kis", "ACC", "0000000002") is None
    assert book.claimed("kis", "ACC", ["0000000001", "0000000002", "0000000003"]) == {"0000000001", "0000000003"}
    assert book.claimed("kis", "OTHER", ["0000000001"]) == set()
    assert book.claimed("kis", "ACC", []) == set()


def test_one_broker_order_number_cannot_belong_to_two_client_ids(book: BrokerOrderBook) -> None:
    book.put(_record("a", "0000000001"))

    with pytest.raises(DomainError, match="0000000001"):
        book.put(_record("b", "0000000001"))

    stored = book.get("kis", "ACC", "b")
    assert stored is None
    assert book.claimed("kis", "ACC", ["0000000001"]) == {"0000000001"}
