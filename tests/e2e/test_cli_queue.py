"""`trimtab runs enqueue` and `trimtab worker` without a usable task queue: one line and an exit code, nothing
half-done (these need no RabbitMQ: tests/queue drives the real one)."""

from __future__ import annotations

from pathlib import Path

from tests.e2e.cli_process import query_database, run_cli, run_ok

START = "2026-11-23T00:30:00+00:00"
UNREACHABLE = {"TRIMTAB_QUEUE_URL": "amqp://guest:guest@127.0.0.1:1//"}  # nothing listens on port 1


def test_enqueue_and_worker_without_a_queue_say_which_setting_is_missing(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")

    enqueue = run_cli(database, START, "runs", "enqueue", "DEMO-KR")
    worker = run_cli(database, START, "worker")

    for result in (enqueue, worker):
        assert result.returncode == 2, result.stderr
        assert "TRIMTAB_QUEUE_URL: no task queue is configured" in result.stderr
    assert query_database(database, "select count(*) from queued_runs") == [(0,)]


def test_enqueue_checks_every_account_before_anything_is_stored_or_sent(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")

    result = run_cli(database, START, "runs", "enqueue", "DEMO-KR", "NOPE", env=UNREACHABLE)

    assert result.returncode == 2, result.stderr
    assert "unknown account 'NOPE'" in result.stderr
    assert query_database(database, "select count(*) from queued_runs") == [(0,)]


def test_enqueue_to_an_unreachable_queue_fails_in_one_line_with_exit_3(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")

    result = run_cli(database, START, "runs", "enqueue", "DEMO-KR", env=UNREACHABLE)

    assert result.returncode == 3, result.stderr
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error: the task queue cannot be reached (OperationalError: "), line
    assert "guest" not in result.stderr
