"""Runs started once per idempotency key, on in-memory storage: a replay, a conflict, a key freed by a request that
started no run, and a key left by a process that died before its run existed (stale after a minute)."""

from __future__ import annotations

import asyncio
import datetime as dt
from typing import Any

import pytest

from tests.contract.clocks import FixedClock
from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.application.repositories import Storage
from trimtab.application.run_requests import (
    IdempotencyConflict,
    KeyRecord,
    RunRequest,
    RunRequestOperations,
    check_key,
)
from trimtab.application.safety import TradingDisabled
from trimtab.domain.errors import InvalidInput
from trimtab_testkit.memory import memory_storage

AT = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)


class Runs(RunRequestOperations):
    """The mixin over memory storage; `rebalance` records a dry run, or refuses like the kill switch."""

    def __init__(self, *, refuse: bool = False) -> None:
        self._storage = memory_storage()
        self.clock = FixedClock(AT)
        self.refuse = refuse
        self.started: list[str] = []

    @property
    def storage(self) -> Storage:
        return self._storage

    async def rebalance(self, account_id: str, *, execute: bool, force: bool, progress: Any,
                        choice: Any = None, cash_flow: Any = None, run_id: str | None = None) -> RunRecord:
        if self.refuse:
            raise TradingDisabled("the kill switch TRIMTAB_DISABLE_LIVE_TRADING is on")
        assert run_id is not None
        record = RunRecord(run_id=run_id, account_id=account_id, model_name="M", model_version="1", broker="paper",
                           status=RunStatus.DRY_RUN, step=RunStep.DONE, execute=execute, force=force, created_at=AT,
                           updated_at=AT)
        self.storage.runs.create(record)
        self.started.append(run_id)
        return record


def test_start_run_same_key_same_request_replays_and_another_request_conflicts() -> None:
    runs = Runs()
    first = asyncio.run(runs.start_run(RunRequest("A"), key="k"))
    again = asyncio.run(runs.start_run(RunRequest("A"), key="k"))
    assert (again.record.run_id, again.replayed, first.replayed) == (first.record.run_id, True, False)
    with pytest.raises(IdempotencyConflict):
        asyncio.run(runs.start_run(RunRequest("A", execute=True), key="k"))
    assert runs.started == [first.record.run_id]


def test_start_run_refused_before_a_run_exists_frees_its_key() -> None:
    runs = Runs(refuse=True)
    with pytest.raises(TradingDisabled):
        asyncio.run(runs.start_run(RunRequest("A", execute=True), key="k"))
    assert runs.storage.idempotency.find("k") is None
    runs.refuse = False
    assert not asyncio.run(runs.start_run(RunRequest("A", execute=True), key="k")).replayed


def test_start_run_key_of_a_process_that_died_before_its_run_is_free_after_a_minute() -> None:
    runs = Runs()
    request = RunRequest("A")
    runs.storage.idempotency.reserve(KeyRecord("k", request.fingerprint(), "deadbeefdeadbeef",
                                               AT - dt.timedelta(seconds=61)))
    started = asyncio.run(runs.start_run(request, key="k"))
    assert not started.replayed
    assert started.record.run_id != "deadbeefdeadbeef"
    assert runs.storage.idempotency.find("k") == KeyRecord("k", request.fingerprint(), started.record.run_id, AT)


@pytest.mark.parametrize("key", ["", "x" * 256, "caf\u00e9", "tab\there"])
def test_check_key_refuses_empty_long_and_unprintable_keys(key: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        check_key(key)
    assert refused.value.field == "Idempotency-Key"


def test_fingerprint_tells_requests_apart() -> None:
    assert RunRequest("A").fingerprint() == RunRequest("A").fingerprint()
    assert RunRequest("A").fingerprint() != RunRequest("A", force=True).fingerprint()
