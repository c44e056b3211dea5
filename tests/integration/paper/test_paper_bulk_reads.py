"""The paper broker reads many accounts at once (`get_snapshots`, the batch's read): exactly what one
`get_snapshot` per account gives and saves, on SQLite and PostgreSQL, with an unknown account its own error."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import Engine

from tests.contract.harness import marketable_price, run
from tests.integration.paper.conftest import ACCOUNT, make_broker, order
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.persistence.paper_state import SqlPaperStateStore
from trimtab.adapters.persistence.statements import IDS_PER_QUERY
from trimtab.application.snapshot_reads import SnapshotReader, SnapshotRequest, read_snapshots
from trimtab.domain.errors import InvalidInput
from trimtab.domain.orders import Side
from trimtab.domain.snapshot import AccountSnapshot
from trimtab_testkit.memory import InMemoryPaperStateStore

CONFIG = PaperConfig(seed=8, partial_fill_fraction=Decimal("0.25"))
EMPTY, FILLING, DOLLARS, UNKNOWN = "PAPER-EMPTY", "PAPER-FILLING", "PAPER-USD", "PAPER-NOBODY"
WRONG = "PAPER-USD-CASH"  # asks for a KRX quote the accounts before it were given: refused all the same
REQUESTS = [SnapshotRequest(FILLING, ("069500",)), SnapshotRequest(ACCOUNT, ("360750", "005930")),
            SnapshotRequest(UNKNOWN, ("005930",)), SnapshotRequest(EMPTY, ("069500", "360750")),
            SnapshotRequest(DOLLARS, ("SPMO",)), SnapshotRequest(WRONG, ("SMH", "069500"))]


def _desk() -> tuple[PaperBroker, InMemoryPaperStateStore]:
    """Four paper accounts, one with a buy that fills by parts after its last read (fills owed at the next)."""
    broker, clock, store = make_broker(CONFIG)
    broker.open_account(EMPTY, "KRW", Decimal(5_000_000))  # cash only: no positions
    broker.open_account(DOLLARS, "USD", Decimal(20_000), {"SPMO": Decimal(12), "IAU": Decimal(30)})
    broker.open_account(FILLING, "KRW", Decimal(3_000_000), {"069500": Decimal(4)})
    broker.open_account(WRONG, "USD", Decimal(1_000))
    quote = run(broker.get_snapshot(FILLING, ["360750"])).quotes["360750"]
    run(broker.submit(order("bulk-buy", "360750", Side.BUY, 8, str(marketable_price(quote, Side.BUY)),
                            account_id=FILLING)))
    clock.advance(10)
    return broker, store


def _copy(source: InMemoryPaperStateStore, target: InMemoryPaperStateStore | SqlPaperStateStore) -> None:
    target.save_many({account_id: document for account_id in source.account_ids()
                      if (document := source.load(account_id)) is not None})


def _one_at_a_time(broker: PaperBroker) -> list[AccountSnapshot | Exception]:
    results: list[AccountSnapshot | Exception] = []
    for request in REQUESTS:
        try:
            results.append(run(broker.get_snapshot(request.account_id, request.symbols)))
        except InvalidInput as error:
            results.append(error)
    return results


def _same(bulk: list[AccountSnapshot | Exception], each: list[AccountSnapshot | Exception]) -> None:
    assert len(bulk) == len(each) == len(REQUESTS)
    for request, got, expected in zip(REQUESTS, bulk, each, strict=True):
        if request.account_id in (UNKNOWN, WRONG):
            assert isinstance(got, InvalidInput)
            assert isinstance(expected, InvalidInput)
            assert str(got) == str(expected)
            assert request.account_id in str(got)
            assert ("trades in KRW" in str(got)) is (request.account_id == WRONG)
        else:
            assert got == expected, request.account_id


def test_bulk_read_equals_one_read_per_account_and_saves_the_same_states(engine: Engine) -> None:
    desk, memory = _desk()
    sql = SqlPaperStateStore(engine, desk.clock)
    broker = PaperBroker(sql, desk.clock, CONFIG)
    ids = [ACCOUNT, EMPTY, DOLLARS, FILLING, WRONG]
    _copy(memory, sql)
    each = _one_at_a_time(broker)
    saved_each = sql.load_many(ids)
    _copy(memory, sql)  # the accounts as they were before the reads

    bulk = run(broker.get_snapshots(REQUESTS))

    _same(bulk, each)
    assert sql.load_many([*ids, UNKNOWN]) == saved_each
    filling = bulk[0]
    assert isinstance(filling, AccountSnapshot)
    assert filling.holding("360750") is not None  # the fills owed since the last read: applied, and saved
    assert saved_each[FILLING] != memory.load(FILLING)
    empty = bulk[3]
    assert isinstance(empty, AccountSnapshot)
    assert empty.holdings == ()
    assert set(empty.quotes) == {"069500", "360750"}


def test_a_read_with_no_news_writes_nothing_and_every_broker_reads_alike() -> None:
    alone, memory = _desk()
    run(alone.get_snapshots(REQUESTS))  # the fills owed are applied and saved once
    saves = memory.saves

    bulk = run(alone.get_snapshots(REQUESTS))

    assert memory.saves == saves

    class OneAtATime:  # a broker without get_snapshots: read_snapshots asks it account by account
        async def get_snapshot(self, account_id: str, symbols: list[str]) -> AccountSnapshot:
            return await alone.get_snapshot(account_id, symbols)

    assert isinstance(alone, SnapshotReader)
    assert not isinstance(OneAtATime(), SnapshotReader)
    _same(run(read_snapshots(OneAtATime(), REQUESTS)), bulk)  # type: ignore[arg-type]  # only get_snapshot


@pytest.mark.parametrize("count", [IDS_PER_QUERY + 1])
def test_load_many_reads_past_one_query_of_ids(engine: Engine, count: int) -> None:
    store = SqlPaperStateStore(engine)
    documents = {f"P{index:05d}": {"account_id": f"P{index:05d}", "cash": str(index)} for index in range(count)}
    store.save_many(documents)

    assert store.load_many([*reversed(documents), "P-MISSING"]) == documents
    assert store.load_many([]) == {}
    store.save_many({"P00001": {"cash": "7"}})
    assert store.load("P00001") == {"cash": "7"}
