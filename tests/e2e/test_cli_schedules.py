"""Schedules from the command line, on SQLite and PostgreSQL: two schedulers started together run a slot once."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from pytest_httpserver import HTTPServer
from sqlalchemy import text

from tests.e2e.cli_process import ROOT, run_cli
from trimtab.adapters.persistence.database import make_engine

PAPER_START = "2026-06-02T00:30:00+00:00"


def _clock(at: str) -> str:
    """A simulated clock at `at` now (speed 1): the scheduler's time, whatever today's date is."""
    return json.dumps({"start": at, "anchor": time.time(), "speed": 1})


def _tick_process(database: str, env: dict[str, str]) -> subprocess.Popen[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": PAPER_START, **env})
    return subprocess.Popen([sys.executable, "-m", "trimtab.entrypoints.cli", "schedules", "tick", "--json"],
                            cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_two_schedulers_started_together_run_the_0905_slot_once(database_url: str, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("ok")
    init = run_cli(database_url, PAPER_START, "init", "--demo")
    assert init.returncode == 0, init.stderr
    added = run_cli(database_url, PAPER_START, "schedules", "add", "kr-open", "--job", "drift-check", "--cron",
                    "5 9 * * *", "--zone", "Asia/Seoul", "--calendar", "XKRX", "--all",
                    env={"TRIMTAB_SIMULATED_CLOCK": _clock("2026-06-02T00:00:00+00:00")})  # 09:00 in Seoul
    assert added.returncode == 0, added.stderr
    env = {"TRIMTAB_SIMULATED_CLOCK": _clock("2026-06-02T00:06:00+00:00"),  # 09:06: the 09:05 slot is due
           "TRIMTAB_SLACK_WEBHOOK_URL": httpserver.url_for("/hook")}
    processes = [_tick_process(database_url, env) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in processes]
    assert [process.returncode for process in processes] == [0, 0], outputs
    recorded = [json.loads(stdout) for stdout, _stderr in outputs]
    assert sorted(len(slots) for slots in recorded) == [0, 1]  # one scheduler ran it, the other found it claimed
    [slot] = [slot for slots in recorded for slot in slots]
    assert (slot["slot"], slot["outcome"]) == ("2026-06-02T00:05:00+00:00", "done")
    engine = make_engine(database_url)
    with engine.connect() as connection:
        rows = connection.execute(text("select schedule, outcome from schedule_slots")).all()
    engine.dispose()
    assert [tuple(row) for row in rows] == [("kr-open", "done")]
    notices = [json.loads(request.get_data())["text"] for request, _response in httpserver.log]
    assert len(notices) == 1  # the drift notice, sent once
    assert "out of band (kr-open)" in notices[0].splitlines()[0]
    shown = run_cli(database_url, PAPER_START, "schedules", "show", "kr-open")
    assert "2026-06-02T00:05:00+00:00 done:" in shown.stdout


def test_serve_hosts_the_api_and_the_scheduler_in_one_process(tmp_path: object) -> None:
    import httpx

    database = f"sqlite:///{tmp_path}/serve.db"
    assert run_cli(database, PAPER_START, "init", "--demo").returncode == 0
    added = run_cli(database, PAPER_START, "schedules", "add", "kr-open", "--job", "rebalance", "--cron", "5 9 * * *",
                    "--zone", "Asia/Seoul", "--calendar", "XKRX", "--accounts", "DEMO-KR",
                    env={"TRIMTAB_SIMULATED_CLOCK": _clock("2026-06-02T00:00:00+00:00")})
    assert added.returncode == 0, added.stderr
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": PAPER_START,
                        "TRIMTAB_SIMULATED_CLOCK": _clock("2026-06-02T00:06:00+00:00")})
    server = subprocess.Popen([sys.executable, "-m", "trimtab.entrypoints.cli", "serve", "--port", "0",
                               "--interval", "1"], cwd=ROOT, env=environment, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        first = server.stdout.readline()
        assert first.startswith("trimtab API on http://127.0.0.1:"), first
        assert server.stdout.readline().startswith(f"dashboard on {first.split()[3]}/ui/")
        assert server.stdout.readline().startswith("scheduler: schedules looked at every 1 s")
        url = first.split()[3]
        assert httpx.get(f"{url}/health", timeout=10).json()["status"] == "ok"
        deadline = time.monotonic() + 120
        shown = ""
        while time.monotonic() < deadline and " done:" not in shown:
            time.sleep(1)
            shown = run_cli(database, PAPER_START, "schedules", "show", "kr-open").stdout
        assert "2026-06-02T00:05:00+00:00 done: 1 runs" in shown, shown
    finally:
        server.terminate()
        server.communicate(timeout=30)
