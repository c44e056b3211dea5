"""Schedules on a controllable clock: KRX business days only, one catch-up after downtime, one run per slot."""

from __future__ import annotations

import asyncio
import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from tests.unit.test_facade import _facade, _with_account
from tests.unit.test_run_notices import Recorder
from trimtab.adapters.scheduling.rules import Rules
from trimtab.application.facade import Trimtab
from trimtab.application.notifications import Announcer, NoticeKind
from trimtab.application.repositories import Storage
from trimtab.application.schedules import JobKind, Schedule, SlotOutcome, SlotRecord
from trimtab.domain.errors import InvalidInput
from trimtab_testkit.memory import memory_storage

SEOUL = ZoneInfo("Asia/Seoul")


class Wall:
    def __init__(self, at: dt.datetime) -> None:
        self.at = at

    def now(self) -> dt.datetime:
        return self.at


def kst(day: int, hour: int, minute: int, month: int = 6) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=SEOUL).astimezone(dt.UTC)


def _scheduler(storage: Storage, owner: str, recorder: Recorder | None = None,
               created: dt.datetime | None = None) -> tuple[Trimtab, Wall]:
    trimtab, _ = _facade(storage, owner=owner, announcer=Announcer([recorder] if recorder else []))
    wall = Wall(created or kst(1, 0, 0))
    trimtab.clock = wall
    trimtab.open_schedule_rules = lambda: Rules(clock=wall)
    return trimtab, wall


def _daily(trimtab: Trimtab, **changes: object) -> Schedule:
    fields: dict[str, object] = {"name": "kr-open", "job": JobKind.REBALANCE, "cron": "5 9 * * *",
                                 "time_zone": "Asia/Seoul", "calendar": "XKRX", "accounts": ("ACC",), **changes}
    return trimtab.add_schedule(Schedule(**fields))  # type: ignore[arg-type]


def _outcomes(storage: Storage) -> list[tuple[str, str]]:
    return [(f"{record.slot.astimezone(SEOUL):%m-%d %H:%M}", record.outcome.value)
            for record in reversed(storage.schedules.slots("kr-open", 100))]


def test_a_daily_0905_seoul_job_fires_on_krx_business_days_only() -> None:
    storage = memory_storage()
    trimtab, wall = _scheduler(storage, "scheduler-1")
    _with_account(trimtab)
    _daily(trimtab)
    for day in range(1, 8):  # Mon 1 June .. Sun 7 June 2026; 3 June is the local election (KRX closed)
        for hour, minute in ((9, 0), (9, 5), (9, 6), (15, 0)):
            wall.at = kst(day, hour, minute)
            asyncio.run(trimtab.tick())
    assert _outcomes(storage) == [("06-01 09:05", "done"), ("06-02 09:05", "done"), ("06-03 09:05", "closed"),
                                  ("06-04 09:05", "done"), ("06-05 09:05", "done"), ("06-06 09:05", "closed"),
                                  ("06-07 09:05", "closed")]
    runs = trimtab.runs("ACC")
    assert len(runs) == 4  # one dry run per business day
    assert {run.execute for run in runs} == {False}


def test_after_downtime_it_catches_up_once_and_announces_what_it_missed() -> None:
    storage = memory_storage()
    recorder = Recorder()
    trimtab, wall = _scheduler(storage, "scheduler-1", recorder)
    _with_account(trimtab)
    _daily(trimtab)
    wall.at = kst(1, 9, 10)
    asyncio.run(trimtab.tick())
    wall.at = kst(5, 10, 0)  # down from Monday 09:10 to Friday 10:00: Tue, Thu missed (Wed closed), Fri in grace
    recorded = asyncio.run(trimtab.tick())
    assert [(f"{r.slot.astimezone(SEOUL):%m-%d}", r.outcome.value) for r in recorded] == [
        ("06-03", "closed"), ("06-02", "missed"), ("06-04", "missed"), ("06-05", "done")]
    assert len(trimtab.runs("ACC")) == 2  # Monday's and the one catch-up
    [notice] = [n for n in recorder.notices if n.kind is NoticeKind.SCHEDULE_MISSED]
    assert notice.subject == "trimtab: schedule kr-open missed 2 slot(s)"
    assert "caught up once: the slot of 2026-06-05 09:05 KST runs now" in notice.lines
    assert asyncio.run(trimtab.tick()) == []  # nothing left to do at the same instant


def test_a_slot_older_than_the_grace_is_missed_not_run() -> None:
    storage = memory_storage()
    trimtab, wall = _scheduler(storage, "scheduler-1")
    _with_account(trimtab)
    _daily(trimtab, grace_seconds=3600)
    wall.at = kst(1, 11, 0)  # 1 h 55 min late
    asyncio.run(trimtab.tick())
    assert _outcomes(storage) == [("06-01 09:05", "missed")]
    assert trimtab.runs("ACC") == []


def test_two_schedulers_on_one_database_run_a_slot_once() -> None:
    storage = memory_storage()
    first, wall_1 = _scheduler(storage, "scheduler-1")
    second, wall_2 = _scheduler(storage, "scheduler-2")
    _with_account(first)
    _daily(first)
    wall_1.at = wall_2.at = kst(2, 9, 5)

    async def both() -> tuple[list[SlotRecord], list[SlotRecord]]:
        return await asyncio.gather(first.tick(), second.tick())

    one, two = asyncio.run(both())
    assert sorted((len(one), len(two))) == [0, 2]  # Monday's slot missed (created at midnight)... and today's
    latest = storage.schedules.slots("kr-open")[0]
    assert (latest.outcome, latest.owner) == (SlotOutcome.DONE, "scheduler-1" if one else "scheduler-2")
    assert len(first.runs("ACC")) == 1


def test_a_schedule_is_checked_before_it_is_stored() -> None:
    storage = memory_storage()
    trimtab, _ = _scheduler(storage, "scheduler-1")
    with pytest.raises(InvalidInput, match="not a cron expression"):
        _daily(trimtab, cron="5 25 * * *")
    with pytest.raises(InvalidInput, match="unknown calendar"):
        _daily(trimtab, calendar="KRX")
    with pytest.raises(InvalidInput, match="choose the accounts"):
        _daily(trimtab, accounts=(), every=False)
    with pytest.raises(InvalidInput, match="only a rebalance sends orders"):
        _daily(trimtab, job=JobKind.DRIFT_CHECK, execute=True)
    _daily(trimtab)
    with pytest.raises(InvalidInput, match="has this name already"):
        _daily(trimtab)
    trimtab.remove_schedule("kr-open")
    assert trimtab.schedules() == []


def test_an_engine_job_imports_the_engines_model_at_its_slot() -> None:
    from pathlib import Path

    from trimtab.adapters.files.engine_inputs import EngineFiles

    fixtures = Path(__file__).resolve().parents[1] / "fixtures" / "engines"
    storage = memory_storage()
    trimtab, wall = _scheduler(storage, "scheduler-1")
    trimtab.open_engine_data = EngineFiles
    with pytest.raises(InvalidInput, match="only an engine job"):
        _daily(trimtab, job=JobKind.ENGINE, accounts=(), model="KOSPI-CORE")
    with pytest.raises(InvalidInput, match="imports its model as --model"):
        _daily(trimtab, job=JobKind.ENGINE, universe=str(fixtures / "universe.csv"),
               index=str(fixtures / "kospi_risk_on.csv"))
    _daily(trimtab, job=JobKind.ENGINE, accounts=(), model="KOSPI-CORE", cron="30 8 1 * *",
           universe=str(fixtures / "universe.csv"), index=str(fixtures / "kospi_risk_on.csv"))
    wall.at = kst(1, 8, 31)
    asyncio.run(trimtab.tick())
    (slot,) = storage.schedules.slots("kr-open")
    assert (slot.outcome, slot.detail) == (SlotOutcome.DONE, "KOSPI-CORE version 1 (new), as of 2026-10-30")
    assert [info.version for info in storage.models.list("KOSPI-CORE")] == ["1"]


def test_an_enqueue_job_puts_one_run_per_account_on_the_task_queue_and_runs_nothing_itself() -> None:
    from tests.unit.test_run_queue import RecordingQueue
    from trimtab_testkit.memory_access import MemoryQueuedRuns

    storage = memory_storage()
    trimtab, wall = _scheduler(storage, "scheduler-1")
    assert isinstance(storage.queued_runs, MemoryQueuedRuns)
    queue = RecordingQueue(storage.queued_runs)
    trimtab.open_run_queue = lambda: queue
    _with_account(trimtab)
    with pytest.raises(InvalidInput, match="only a rebalance sends orders"):
        _daily(trimtab, job=JobKind.REPORT, execute=True)
    _daily(trimtab, job=JobKind.ENQUEUE, execute=True)
    wall.at = kst(1, 9, 6)
    asyncio.run(trimtab.tick())
    (slot,) = storage.schedules.slots("kr-open")
    assert (slot.outcome, slot.detail) == (SlotOutcome.DONE, "1 runs on the task queue (execute)")
    (run_id,) = queue.sent
    queued = storage.queued_runs.get(run_id)
    assert queued is not None
    assert (queued.account_id, queued.execute) == ("ACC", True)
    assert trimtab.runs("ACC") == []  # the workers drive it, not the scheduler
