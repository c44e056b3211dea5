"""Real `trimtab worker` processes on RabbitMQ drive paper runs on PostgreSQL: each run once, even when a worker
is killed mid-run (its task is delivered again and another worker resumes the run under the same id), or while
another live process drives the run (the delivery is put back, and tried again until that process stops)."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr

from tests.conftest import postgres_schema_url
from tests.e2e.cli_process import query_database, run_cli
from tests.queue.conftest import RABBITMQ_URL, sends_per_order, wait_until
from trimtab import bootstrap
from trimtab.adapters.clock import SystemClock
from trimtab.adapters.demo import DEMO_ACCOUNTS
from trimtab.adapters.processes import current_owner
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.application.run_journal import LeasePolicy, RunJournal
from trimtab.config import Settings
from trimtab_testkit.workers import Workers

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
FINAL = ("completed", "needs_attention", "failed", "skipped", "dry_run")


@pytest.fixture
def database() -> Iterator[str]:
    yield from postgres_schema_url()


def _settings(database: str, queue_name: str) -> Settings:
    return Settings(database_url=database, paper_start=dt.datetime.fromisoformat(START),
                    queue_url=SecretStr(RABBITMQ_URL), queue_name=queue_name)


def _prepare(database: str, queue_name: str, count: int) -> list[str]:
    """`count` paper accounts drifted like the demo's, following KR-ALLWEATHER."""
    trimtab = bootstrap.build(_settings(database, queue_name))
    trimtab.init(demo=True)
    demo = DEMO_ACCOUNTS[0]
    accounts = [f"P{number:02d}" for number in range(count)]
    for account in accounts:
        trimtab.add_account(account, name=account, currency="KRW", broker="paper")
        trimtab.assign(account, "KR-ALLWEATHER")
        trimtab.open_paper(account, demo.cash, demo.positions)
    bootstrap.storage_engine(trimtab).dispose()
    return accounts


def _runs(database: str) -> dict[str, tuple[str, str]]:
    """run id -> (account, status)."""
    return {run_id: (account, status) for run_id, account, status
            in query_database(database, "select run_id, account_id, status from rebalancing_runs")}


def _finished(database: str, count: int) -> bool:
    runs = _runs(database)
    return len(runs) >= count and all(status in FINAL for _, status in runs.values())


def _paper_orders(database: str) -> dict[str, list[str]]:
    """account -> the client order ids the paper broker holds."""
    orders = {}
    for account, state in query_database(database, "select account_id, state from paper_accounts"):
        document: dict[str, Any] = state if isinstance(state, dict) else json.loads(state)
        orders[account] = [order["client_order_id"] for order in document["orders"]]
    return orders


def _trades(database: str) -> dict[str, list[str]]:
    """account -> the client order ids its runs recorded."""
    trades: dict[str, list[str]] = {}
    for account, client_order_id in query_database(database, "select account_id, client_order_id "
                                                             "from rebalancing_trades"):
        trades.setdefault(account, []).append(client_order_id)
    return trades


def _assert_each_order_once_at_the_broker(database: str, accounts: list[str]) -> None:
    paper, trades = _paper_orders(database), _trades(database)
    for account in accounts:
        assert Counter(paper[account]).most_common(1)[0][1] == 1, account
        assert sorted(paper[account]) == sorted(trades[account]), account


def test_three_workers_drive_thirty_paper_runs_each_exactly_once(database: str, queue_name: str,
                                                                 workers: Workers) -> None:
    accounts = _prepare(database, queue_name, 30)
    workers.settings.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START})
    started = workers.start(3)
    workers.wait_ready()  # all three consume before the runs arrive
    trimtab = bootstrap.build(_settings(database, queue_name))
    queued = trimtab.enqueue_runs(accounts, execute=True)
    bootstrap.storage_engine(trimtab).dispose()

    wait_until(lambda: _finished(database, 30) and workers.logs().count(": driven") >= 30, 90,
               "30 runs finished and their deliveries logged", workers.logs)  # a log line follows the run's end

    runs = _runs(database)
    assert {run_id: account for run_id, (account, _) in runs.items()} == {q.run_id: q.account_id for q in queued}
    assert {status for _, status in runs.values()} == {"completed"}
    _assert_each_order_once_at_the_broker(database, accounts)
    logs = workers.logs()
    sends = sends_per_order(logs)
    assert sends, "the runs sent orders"
    assert set(sends.values()) == {1}, "every order was sent by exactly one worker, once"
    assert sorted(sends) == sorted(order for orders in _trades(database).values() for order in orders)
    assert sorted(logs.count(f"run {run_id} created") for run_id in runs) == [1] * 30
    assert all(f"queued run {run_id}: driven" in logs for run_id in runs)
    busy = [worker for worker in started if "created for account" in worker.output()]
    assert len(busy) == 3, "the runs were shared between the three workers"


def test_worker_killed_mid_run_has_its_run_resumed_by_another_without_sending_twice(
    database: str, queue_name: str, workers: Workers, tmp_path: Path,
) -> None:
    (account,) = _prepare(database, queue_name, 1)
    workers.settings.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START})
    # each of its paper broker calls takes 0.3 s: the run is still sending when this worker is killed
    (doomed,) = workers.start(1, TRIMTAB_PAPER_LATENCY_SECONDS="0.3")
    enqueued = run_cli(database, START, "runs", "enqueue", account, "--execute", "--json",
                       env={"TRIMTAB_QUEUE_URL": RABBITMQ_URL, "TRIMTAB_QUEUE_NAME": queue_name})
    assert enqueued.returncode == 0, enqueued.stderr
    run_id = json.loads(enqueued.stdout)[0]["run_id"]

    def sent_some() -> bool:
        return len(query_database(database, "select client_order_id from rebalancing_trades")) >= 2

    wait_until(sent_some, 60, "the run sending its orders", workers.logs)
    doomed.kill()
    assert _runs(database) == {run_id: (account, "running")}, "killed mid-run"

    survivors = workers.start(2)
    wait_until(lambda: _finished(database, 1) and f"queued run {run_id}: driven" in workers.logs(), 60,
               "the run finished on another worker, its delivery logged", workers.logs)

    assert _runs(database) == {run_id: (account, "completed")}
    _assert_each_order_once_at_the_broker(database, [account])
    resumed = [worker for worker in survivors if f"queued run {run_id}: driven" in worker.output()]
    assert len(resumed) == 1, workers.logs()
    assert "took the run over" in resumed[0].output()
    sends = sends_per_order(workers.logs())
    assert max(sends.values()) <= 2, "an order whose send was cut short is looked up first, sent again only once"
    assert sorted(sends) == sorted(_trades(database)[account])


def test_a_run_driven_by_a_live_process_is_delivered_again_later_and_then_resumed(
    database: str, queue_name: str, workers: Workers,
) -> None:
    (account,) = _prepare(database, queue_name, 1)
    trimtab = bootstrap.build(_settings(database, queue_name))
    (queued,) = trimtab.enqueue_runs([account], execute=True)
    # this test process starts the run under its queued id and holds its lease, as a live driver would
    at = dt.datetime.fromisoformat(START)  # the run's clock: the paper market's
    journal = RunJournal(trimtab.storage.runs, FastForwardClock(at), LeasePolicy(current_owner(), SystemClock()))
    run = RunRecord(run_id=queued.run_id, account_id=account, model_name="KR-ALLWEATHER", model_version="1",
                    broker="paper", status=RunStatus.RUNNING, step=RunStep.CREATED, execute=True, force=False,
                    created_at=at, updated_at=at)
    journal.create(run)
    # a held run is delivered again every quarter lease, at least 5 s later
    workers.settings.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START,
                             "TRIMTAB_RUN_LEASE_SECONDS": "20"})
    workers.start(1)
    wait_until(lambda: "is driven elsewhere" in workers.logs(), 30, "the delivery put back", workers.logs)
    assert _runs(database) == {queued.run_id: (account, "running")}
    journal.release(run)  # the driver stops
    bootstrap.storage_engine(trimtab).dispose()

    wait_until(lambda: _finished(database, 1) and f"queued run {queued.run_id}: driven" in workers.logs(), 30,
               "the run resumed by the worker, its delivery logged", workers.logs)

    assert _runs(database) == {queued.run_id: (account, "completed")}, workers.logs()
    assert workers.logs().count(f"queued run {queued.run_id}: driven") == 1
    _assert_each_order_once_at_the_broker(database, [account])


def test_a_sweep_puts_its_breached_accounts_on_the_queue_and_workers_run_them(database: str, queue_name: str,
                                                                              workers: Workers) -> None:
    accounts = _prepare(database, queue_name, 4)
    queue_env = {"TRIMTAB_QUEUE_URL": RABBITMQ_URL, "TRIMTAB_QUEUE_NAME": queue_name}
    planned = run_cli(database, START, "plan", "--all")  # reads every account once: the sweep's positions
    assert planned.returncode == 0, planned.stderr
    swept = run_cli(database, START, "sweep", "--models", "KR-ALLWEATHER", "--plan", "--execute", "--json",
                    env=queue_env)
    assert swept.returncode == 0, swept.stderr
    summary = json.loads(swept.stdout)
    assert (summary["execute"], summary["enqueued"]) == (True, summary["counts"]["planned"])
    queued = dict(query_database(database, "select run_id, account_id from queued_runs"))
    assert set(queued.values()) == {*accounts, "DEMO-KR"}  # drifted like the demo: every one out of band
    assert len(queued) == summary["enqueued"]

    workers.settings.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START})
    workers.start(2)
    wait_until(lambda: _finished(database, len(queued)), 90, "the swept runs finished", workers.logs)
    runs = _runs(database)
    assert {run_id: account for run_id, (account, _) in runs.items()} == queued
    assert dict(runs.values()) == dict.fromkeys(queued.values(), "completed")
    _assert_each_order_once_at_the_broker(database, accounts)

    no_queue = run_cli(database, START, "sweep", "--enqueue")  # no queue set: refused before reading anything
    assert no_queue.returncode == 2
    assert "TRIMTAB_QUEUE_URL" in no_queue.stderr
    assert len(query_database(database, "select run_id from sweep_runs")) == 1
