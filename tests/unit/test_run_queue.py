"""Runs on a task queue, at the facade on in-memory doubles: named before their tasks are sent, and each delivery
of a task starts, resumes, leaves alone or refuses the one run it names."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import pytest

from tests.unit.test_facade import START, FixedWall, _broker, _facade, _with_account
from trimtab.application.facade import Trimtab
from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.application.run_journal import LeasePolicy, RunJournal
from trimtab.application.run_queue import Delivery
from trimtab.application.safety import TradingSafety
from trimtab.domain.errors import InvalidInput
from trimtab_testkit.memory_access import MemoryQueuedRuns


@dataclass
class RecordingQueue:
    """A task queue that keeps what it was sent, and what the database held when it was."""

    queued: MemoryQueuedRuns
    sent: list[str] = field(default_factory=list)
    stored_when_sent: list[bool] = field(default_factory=list)

    def submit(self, run_ids: Sequence[str]) -> None:
        self.stored_when_sent.extend(self.queued.get(run_id) is not None for run_id in run_ids)
        self.sent.extend(run_ids)


def _queued_facade(**kwargs: object) -> tuple[Trimtab, RecordingQueue]:
    trimtab, _ = _facade(**kwargs)  # type: ignore[arg-type]
    queued = trimtab.storage.queued_runs
    assert isinstance(queued, MemoryQueuedRuns)
    queue = RecordingQueue(queued)
    with_queue = replace(trimtab, open_run_queue=lambda: queue)
    with_queue._storage = trimtab.storage
    _with_account(with_queue)
    return with_queue, queue


def _running(trimtab: Trimtab, run_id: str, owner: str) -> tuple[RunJournal, RunRecord]:
    """A run of account ACC created under `run_id` by process `owner`, which holds its lease."""
    journal = RunJournal(trimtab.storage.runs, FixedWall(), LeasePolicy(owner, FixedWall()))
    run = RunRecord(run_id=run_id, account_id="ACC", model_name="M", model_version="1", broker="scripted",
                    status=RunStatus.RUNNING, step=RunStep.CREATED, execute=True, force=False, created_at=START,
                    updated_at=START)
    journal.create(run)
    return journal, run


def test_enqueue_names_one_run_per_account_and_stores_it_before_its_task_is_sent() -> None:
    trimtab, queue = _queued_facade()
    trimtab.add_account("ACC2", name="", currency="KRW", broker="scripted")
    trimtab.assign("ACC2", "M")

    queued = trimtab.enqueue_runs(["ACC", "ACC2", "ACC"], execute=True)

    assert [run.account_id for run in queued] == ["ACC", "ACC2"]
    assert queue.sent == [run.run_id for run in queued]
    assert queue.stored_when_sent == [True, True]
    assert all(run.execute and run.enqueued_at == START for run in queued)
    assert trimtab.runs() == [], "nothing runs until a worker takes the task"


def test_a_task_delivered_twice_drives_its_run_once() -> None:
    trimtab, _ = _queued_facade()
    (queued,) = trimtab.enqueue_runs(["ACC"], execute=True)

    first = asyncio.run(trimtab.drive_queued_run(queued.run_id))
    again = asyncio.run(trimtab.drive_queued_run(queued.run_id))

    assert first.delivery is Delivery.DRIVEN
    assert first.record is not None
    assert first.record.run_id == queued.run_id
    assert first.record.status is RunStatus.COMPLETED, first.record.reason
    assert again.delivery is Delivery.FINISHED
    assert [run.run_id for run in trimtab.runs("ACC")] == [queued.run_id]


def test_a_delivery_after_a_crash_resumes_the_run_under_the_same_id() -> None:
    trimtab, _ = _queued_facade()
    (queued,) = trimtab.enqueue_runs(["ACC"], execute=True)
    journal, crashed = _running(trimtab, queued.run_id, owner="process-9")  # the first delivery's process died
    journal.release(crashed)  # (and its lease lapsed)

    resumed = asyncio.run(trimtab.drive_queued_run(queued.run_id))

    assert resumed.delivery is Delivery.DRIVEN
    assert resumed.record is not None
    assert resumed.record.status is RunStatus.COMPLETED, resumed.record.reason
    assert [run.run_id for run in trimtab.runs("ACC")] == [queued.run_id]


def test_a_run_stopped_needing_attention_is_left_to_people() -> None:
    trimtab, _ = _queued_facade(broker=_broker(behaviour={"B": "reject"}))
    (queued,) = trimtab.enqueue_runs(["ACC"], execute=True)
    stopped = asyncio.run(trimtab.drive_queued_run(queued.run_id))
    assert stopped.record is not None
    assert stopped.record.status is RunStatus.NEEDS_ATTENTION

    again = asyncio.run(trimtab.drive_queued_run(queued.run_id))

    assert again.delivery is Delivery.FINISHED
    assert trimtab.run(queued.run_id).status is RunStatus.NEEDS_ATTENTION


def test_a_run_driven_by_another_live_process_is_held_for_a_later_delivery() -> None:
    trimtab, _ = _queued_facade()
    (queued,) = trimtab.enqueue_runs(["ACC"], execute=True)
    _running(trimtab, queued.run_id, owner="process-9")  # created by a first delivery still driving it

    held = asyncio.run(trimtab.drive_queued_run(queued.run_id))

    assert held.delivery is Delivery.HELD
    assert "process-9" in held.reason
    assert trimtab.run(queued.run_id).lease is not None


def test_a_queued_run_whose_account_has_another_active_run_is_refused_and_says_why() -> None:
    trimtab, _ = _queued_facade(broker=_broker(behaviour={"B": "reject"}))
    other = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    (queued,) = trimtab.enqueue_runs(["ACC"], execute=True)

    refused = asyncio.run(trimtab.drive_queued_run(queued.run_id))

    assert refused.delivery is Delivery.REFUSED
    assert other.run_id in refused.reason
    outcomes = trimtab.storage.queued_runs
    assert isinstance(outcomes, MemoryQueuedRuns)
    assert other.run_id in outcomes.outcomes[queued.run_id]


def test_enqueue_without_a_queue_or_with_an_unknown_account_stores_and_sends_nothing() -> None:
    trimtab, queue = _queued_facade()
    with pytest.raises(InvalidInput, match="TRIMTAB_QUEUE_URL"):
        replace(trimtab, open_run_queue=None).enqueue_runs(["ACC"], execute=False)
    with pytest.raises(InvalidInput, match="unknown account"):
        trimtab.enqueue_runs(["ACC", "NOPE"], execute=False)
    with pytest.raises(InvalidInput, match="accounts"):
        trimtab.enqueue_runs([], execute=False)
    queued = trimtab.storage.queued_runs
    assert isinstance(queued, MemoryQueuedRuns)
    assert queued.runs == {}
    assert queue.sent == []


def test_a_queued_run_refused_by_the_kill_switch_is_dropped_with_the_reason() -> None:
    trimtab, _ = _queued_facade(safety=TradingSafety(kill_switch=True))
    (queued,) = trimtab.enqueue_runs(["ACC"], execute=True)

    refused = asyncio.run(trimtab.drive_queued_run(queued.run_id))

    assert refused.delivery is Delivery.REFUSED
    assert "kill switch" in refused.reason
    assert trimtab.runs("ACC") == []


def test_many_accounts_are_checked_at_once_and_an_unknown_one_is_still_named() -> None:
    trimtab, queue = _queued_facade()
    accounts = [f"A{number:02d}" for number in range(30)]
    for account in accounts:
        trimtab.add_account(account, name="", currency="KRW", broker="scripted")

    with pytest.raises(InvalidInput, match="unknown account 'A3O'"):
        trimtab.enqueue_runs([*accounts, "A3O"], execute=False)
    queued = trimtab.enqueue_runs(accounts, execute=False)

    assert [run.account_id for run in queued] == accounts
    assert queue.sent == [run.run_id for run in queued]
