"""SqlRunRepository: runs with their orders and fills, and the per-account lock."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from tests.fakes.builders import account as snapshot_of
from tests.fakes.builders import flat, krx
from trimtab.adapters.persistence.database import make_engine
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.application.ports import RunInProgress, RunRecord, RunRepository, RunStatus, RunStep
from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.execution import OrderEvent
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.orders import Side
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab_testkit.memory import MemoryRuns

from .builders import CREATED, new_fill, new_order, new_run


@pytest.fixture
def runs(engine: Engine) -> SqlRunRepository:
    return SqlRunRepository(engine)


SNAPSHOT = snapshot_of("1000000", {"AAA": (krx("AAA"), "10", "70000"), "BBB": (krx("BBB"), "1", "5000")},
                   {"CCC": (krx("CCC", InstrumentType.ETF), "12345")})
PLAN = plan_rebalance(flat("M", {"AAA": "40", "CCC": "60"}), SNAPSHOT, PlanSettings())


def _selling(run: RunRecord) -> RunRecord:
    sell = new_order("r1-s-AAA", "AAA", Side.SELL, "10", "70000").apply(OrderEvent.ACCEPT, broker_order_id="B1")
    market_sell = new_order("r1-s-BBB", "BBB", Side.SELL, "0.000140527")
    return dataclasses.replace(
        run, step=RunStep.SELLING, orders=[sell, market_sell], attempts={"sell": 1},
        updated_at=CREATED + dt.timedelta(minutes=1), snapshot=SNAPSHOT, plan=PLAN,
    )


def test_run_repository_implements_port(runs: SqlRunRepository) -> None:
    port: RunRepository = runs
    assert port is runs


def test_create_then_get_returns_same_run(runs: SqlRunRepository) -> None:
    run = new_run("r1", "acc-1")
    runs.create(run)
    assert runs.get("r1") == run
    assert runs.active_run("acc-1") == "r1"


def test_save_orders_then_get_returns_orders_in_creation_order(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    selling = _selling(new_run("r1", "acc-1"))
    runs.save(selling)
    stored = runs.get("r1")
    assert stored == selling  # typed values come back equal: plan, snapshot, orders
    assert [o.request.client_order_id for o in stored.orders] == ["r1-s-AAA", "r1-s-BBB"]
    assert stored.orders[1].request.quantity == Decimal("0.000140527")
    assert stored.orders[0].broker_order_id == "B1"


def test_save_updates_orders_and_appends_new_ones(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    selling = _selling(new_run("r1", "acc-1"))
    runs.save(selling)
    sell, market_sell = selling.orders
    fill = new_fill("F1", sell, "4", "70000")
    buy = new_order("r1-b-CCC", "CCC", Side.BUY, "3", "12345.5")
    buying = dataclasses.replace(selling, step=RunStep.BUYING, orders=[sell.apply_fill(fill), market_sell, buy],
                                 updated_at=CREATED + dt.timedelta(minutes=5))
    runs.save(buying)
    stored = runs.get("r1")
    assert stored.step is RunStep.BUYING
    assert [o.request.client_order_id for o in stored.orders] == ["r1-s-AAA", "r1-s-BBB", "r1-b-CCC"]
    assert stored.orders[0] == sell.apply_fill(fill)
    assert stored.orders[0].fill_ids == frozenset({"F1"})
    assert stored.orders[0].filled_value == Decimal("280000")
    assert stored.orders[0].costs == Decimal("0.0168")


def test_record_fills_twice_stores_each_fill_once(runs: SqlRunRepository) -> None:
    run = new_run("r1", "acc-1")
    runs.create(run)
    order = new_order("r1-s-AAA", "AAA", Side.SELL, "10", "70000")
    fills = [new_fill("F2", order, "6", "70100", minute=2), new_fill("F1", order, "4", "70000", minute=1)]
    assert runs.record_fills(run, fills) == 2
    assert runs.record_fills(run, [*fills, new_fill("F3", order, "0", "1", minute=3)]) == 1
    assert runs.record_fills(run, fills) == 0
    assert [f.fill_id for f in runs.list_fills("r1")] == ["F1", "F2", "F3"]
    assert runs.list_fills("r1")[0] == fills[1]


def test_record_fills_unknown_run_raises_invalid_input(runs: SqlRunRepository) -> None:
    order = new_order("x", "AAA", Side.BUY, "1")
    with pytest.raises(InvalidInput, match="unknown run"):
        runs.record_fills(new_run("missing", "acc-1"), [new_fill("F1", order, "1", "1")])


def test_get_unknown_run_raises_invalid_input(runs: SqlRunRepository) -> None:
    with pytest.raises(InvalidInput, match="field 'run_id', value 'missing': unknown run"):
        runs.get("missing")


def test_list_returns_newest_first_filtered_and_limited(runs: SqlRunRepository) -> None:
    for index, account in enumerate(["acc-1", "acc-2", "acc-3"]):
        run = new_run(f"r{index}", account, created_at=CREATED + dt.timedelta(hours=index))
        runs.create(run)
        runs.save(dataclasses.replace(run, orders=[new_order(f"r{index}-o", "AAA", Side.BUY, "1")]))
    assert [r.run_id for r in runs.list()] == ["r2", "r1", "r0"]
    assert [r.run_id for r in runs.list(limit=2)] == ["r2", "r1"]
    listed = runs.list("acc-2")
    assert [r.run_id for r in listed] == ["r1"]
    assert [o.request.client_order_id for o in listed[0].orders] == ["r1-o"]


def _history(runs: RunRepository) -> None:
    """acc-1: r1 (created first, updated last) then r2; acc-2: r3; acc-3: none."""
    first = new_run("r1", "acc-1")
    runs.create(first)
    runs.save(dataclasses.replace(first, status=RunStatus.COMPLETED, step=RunStep.DONE))
    runs.release(first)
    second = new_run("r2", "acc-1", created_at=CREATED + dt.timedelta(hours=1))
    runs.create(second)
    runs.save(dataclasses.replace(second, updated_at=CREATED + dt.timedelta(hours=2)))
    runs.save(dataclasses.replace(first, status=RunStatus.COMPLETED, step=RunStep.DONE,
                                  updated_at=CREATED + dt.timedelta(hours=3)))
    runs.create(new_run("r3", "acc-2", created_at=CREATED + dt.timedelta(hours=2)))


def test_last_updates_are_the_newest_runs_as_listed(runs: SqlRunRepository) -> None:
    memory = MemoryRuns()
    for repository in (runs, memory):
        _history(repository)
    accounts = ["acc-3", "acc-1", "acc-2", "acc-1"]

    updates = runs.last_updates(accounts)

    assert updates == {"acc-1": CREATED + dt.timedelta(hours=2), "acc-2": CREATED + dt.timedelta(hours=2)}
    assert updates == {account: listed[0].updated_at for account in accounts if (listed := runs.list(account, 1))}
    assert memory.last_updates(accounts) == updates
    assert runs.last_updates([]) == {}


def test_create_second_run_for_account_raises_run_in_progress(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    with pytest.raises(RunInProgress) as raised:
        runs.create(new_run("r2", "acc-1"))
    assert (raised.value.account_id, raised.value.run_id) == ("acc-1", "r1")
    with pytest.raises(InvalidInput):
        runs.get("r2")  # the refused run was not stored
    runs.create(new_run("r3", "acc-2"))  # other accounts are free


def test_release_then_create_takes_lock(runs: SqlRunRepository) -> None:
    first = new_run("r1", "acc-1")
    runs.create(first)
    runs.save(dataclasses.replace(first, status=RunStatus.COMPLETED, step=RunStep.DONE))
    runs.release(first)
    assert runs.active_run("acc-1") is None
    runs.create(new_run("r2", "acc-1"))
    assert runs.active_run("acc-1") == "r2"


def test_release_by_other_run_keeps_lock(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    runs.release(new_run("r0", "acc-1"))
    assert runs.active_run("acc-1") == "r1"


def test_create_existing_run_id_raises_domain_error(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    runs.release(new_run("r1", "acc-1"))
    with pytest.raises(DomainError, match="run r1 already exists"):
        runs.create(new_run("r1", "acc-1"))


def test_save_order_of_other_run_raises_domain_error(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    runs.create(new_run("r2", "acc-2"))
    order = new_order("shared", "AAA", Side.BUY, "1")
    runs.save(dataclasses.replace(new_run("r1", "acc-1"), orders=[order]))
    with pytest.raises(DomainError, match="belongs to run r1"):
        runs.save(dataclasses.replace(new_run("r2", "acc-2"), orders=[order]))


def test_save_float_in_document_refused_and_nothing_stored(runs: SqlRunRepository) -> None:
    runs.create(new_run("r1", "acc-1"))
    with pytest.raises(TypeError, match="float"):
        runs.save(dataclasses.replace(new_run("r1", "acc-1"), step=RunStep.SELLING,
                                      snapshot=dataclasses.replace(SNAPSHOT, cash=1.5)))  # type: ignore[arg-type]
    assert runs.get("r1").step is RunStep.CREATED


def _race(repositories: list[SqlRunRepository], account_id: str) -> tuple[list[str], list[RunInProgress]]:
    barrier = threading.Barrier(len(repositories))
    won: list[str] = []
    refused: list[RunInProgress] = []
    failures: list[BaseException] = []

    def attempt(index: int) -> None:
        run = new_run(f"{account_id}-run-{index}", account_id)
        barrier.wait()
        try:
            repositories[index].create(run)
            won.append(run.run_id)
        except RunInProgress as error:
            refused.append(error)
        except BaseException as error:  # reported below: a thread must not swallow it
            failures.append(error)

    threads = [threading.Thread(target=attempt, args=(index,)) for index in range(len(repositories))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not failures, failures
    return won, refused


def test_create_from_two_engines_at_once_one_wins(database_url: str, engine: Engine) -> None:
    engines = [make_engine(database_url) for _ in range(2)]
    try:
        for round_number in range(5):
            account = f"acc-{round_number}"
            won, refused = _race([SqlRunRepository(e) for e in engines], account)
            assert len(won) == 1
            assert [(e.account_id, e.run_id) for e in refused] == [(account, won[0])]
            assert SqlRunRepository(engine).active_run(account) == won[0]
    finally:
        for other in engines:
            other.dispose()


def test_create_from_many_threads_on_one_engine_one_wins(engine: Engine) -> None:
    repository = SqlRunRepository(engine)
    won, refused = _race([repository] * 6, "acc-1")
    assert len(won) == 1
    assert len(refused) == 5
    assert {e.run_id for e in refused} == set(won)
