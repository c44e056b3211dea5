"""Run leases on SQLite and PostgreSQL: one holder at a time, fenced writes, takeover of lapsed or dead holders."""

from __future__ import annotations

import dataclasses
import datetime as dt
import threading

import pytest
from sqlalchemy import Engine

from trimtab.adapters.persistence.database import make_engine
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.application.ports import Lease, RunLeaseHeld, RunRecord, RunStep
from trimtab.domain.errors import LeaseLost
from trimtab.domain.orders import Side

from .builders import CREATED, new_fill, new_order, new_run

NOW = CREATED
LATER = CREATED + dt.timedelta(minutes=10)


@pytest.fixture
def runs(engine: Engine) -> SqlRunRepository:
    return SqlRunRepository(engine)


def _held(runs: SqlRunRepository, owner: str = "host:1:1.0") -> RunRecord:
    run = dataclasses.replace(new_run("r1", "acc-1"), lease=Lease(owner, 1, NOW + dt.timedelta(minutes=2)))
    runs.create(run)
    return run


def test_create_holds_the_lease_and_get_shows_it(runs: SqlRunRepository) -> None:
    run = _held(runs)
    assert runs.get("r1").lease == run.lease


def test_acquire_while_a_live_holder_has_it_is_refused_with_its_details(runs: SqlRunRepository) -> None:
    _held(runs)
    with pytest.raises(RunLeaseHeld, match=r"host:1:1\.0.*lease until 2026-03-02T00:42:00") as refused:
        runs.acquire("r1", Lease("host:2:2.0", 0, NOW + dt.timedelta(minutes=2)), NOW)
    assert refused.value.owner == "host:1:1.0"
    assert runs.get("r1").lease is not None


def test_acquire_after_the_lease_lapsed_fences_the_old_holder(runs: SqlRunRepository) -> None:
    old = _held(runs)
    new = runs.acquire("r1", Lease("host:2:2.0", 0, LATER + dt.timedelta(minutes=2)), LATER)
    assert new.lease == Lease("host:2:2.0", 2, LATER + dt.timedelta(minutes=2))
    stale = dataclasses.replace(old, step=RunStep.SELLING, reason="stale writer")
    with pytest.raises(LeaseLost, match="took the lease over"):
        runs.save(stale)
    order = new_order("r1-S-AAA-0", "AAA", Side.SELL, "1")
    with pytest.raises(LeaseLost):
        runs.record_fills(stale, [new_fill("F1", order, "1", "1")])
    with pytest.raises(LeaseLost):
        runs.renew(stale)
    with pytest.raises(LeaseLost):
        runs.release(stale)
    stored = runs.get("r1")
    assert stored.step is RunStep.CREATED  # nothing of the stale writer landed
    assert stored.reason == ""
    assert runs.list_fills("r1") == []
    assert runs.active_run("acc-1") == "r1"
    runs.save(dataclasses.replace(new, step=RunStep.SELLING))  # the new holder writes
    assert runs.get("r1").step is RunStep.SELLING


def test_acquire_replacing_a_holder_known_to_be_gone_works_at_once(runs: SqlRunRepository) -> None:
    _held(runs, owner="host:1:1.0")
    with pytest.raises(RunLeaseHeld):
        runs.acquire("r1", Lease("host:2:2.0", 0, NOW), NOW, replacing="host:9:9.0")  # not the holder
    taken = runs.acquire("r1", Lease("host:2:2.0", 0, NOW + dt.timedelta(minutes=2)), NOW, replacing="host:1:1.0")
    assert taken.lease is not None
    assert taken.lease.token == 2


def test_release_lease_lets_anyone_acquire_and_unfenced_writes_wait_for_no_holder(runs: SqlRunRepository) -> None:
    run = _held(runs)
    with pytest.raises(LeaseLost, match="holds no lease"):
        runs.save(dataclasses.replace(run, lease=None, reason="no lease"))
    runs.release_lease(run)
    assert runs.get("r1").lease is None
    runs.save(dataclasses.replace(run, lease=None, reason="admin"))  # nobody drives it: allowed
    again = runs.acquire("r1", Lease("host:3:3.0", 0, NOW + dt.timedelta(minutes=2)), NOW)
    assert again.lease is not None
    assert again.lease.token == 2


def test_release_lease_by_a_former_holder_changes_nothing(runs: SqlRunRepository) -> None:
    old = _held(runs)
    runs.acquire("r1", Lease("host:2:2.0", 0, LATER + dt.timedelta(minutes=2)), LATER)
    runs.release_lease(old)
    lease = runs.get("r1").lease
    assert lease is not None
    assert lease.owner == "host:2:2.0"


def test_two_acquires_at_once_from_two_engines_let_exactly_one_through(database_url: str, engine: Engine) -> None:
    runs = SqlRunRepository(engine)
    run = _held(runs)
    runs.release_lease(run)
    other = make_engine(database_url)
    results: list[object] = []
    barrier = threading.Barrier(2)

    def take(repository: SqlRunRepository, owner: str) -> None:
        barrier.wait()
        try:
            results.append(repository.acquire("r1", Lease(owner, 0, NOW + dt.timedelta(minutes=2)), NOW))
        except RunLeaseHeld as refused:
            results.append(refused)

    try:
        threads = [threading.Thread(target=take, args=(runs, "host:a:1.0")),
                   threading.Thread(target=take, args=(SqlRunRepository(other), "host:b:1.0"))]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    finally:
        other.dispose()
    winners = [r for r in results if isinstance(r, RunRecord)]
    assert len(winners) == 1, results
    assert sum(isinstance(r, RunLeaseHeld) for r in results) == 1
    assert runs.get("r1").lease == winners[0].lease
