"""Crash tests: a real `trimtab rebalance --execute` child process killed with SIGKILL, then `runs resume`.

Each crash point is a step boundary (just after the step was saved) or the middle of order submission
(the broker took the order, the run had not yet saved its answer). After the resume, the paper account
must hold exactly what an uninterrupted run with the same seed and clock leaves, and the broker must have
received each client order id once.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
ACCOUNT = "DEMO-KR"


def _trimtab(database: Path, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRIMTAB_DATABASE_URL": f"sqlite:///{database}", "TRIMTAB_PAPER_START": START,
                   "TRIMTAB_POLL_INTERVAL_SECONDS": "2"}
    environment.pop("TRIMTAB_CRASH_AT", None)
    if crash_at:
        environment["TRIMTAB_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment,  # noqa: S603
                          timeout=300, check=False)


def _paper_state(database: Path) -> dict[str, Any]:
    with sqlite3.connect(database) as connection:
        row = connection.execute("select state from paper_accounts where account_id = ?", (ACCOUNT,)).fetchone()
    state: dict[str, Any] = json.loads(row[0])
    return state


def _runs(database: Path) -> list[tuple[str, str]]:
    with sqlite3.connect(database) as connection:
        return list(connection.execute("select run_id, status from rebalancing_runs"))


def _client_ids(database: Path) -> list[str]:
    with sqlite3.connect(database) as connection:
        return [row[0] for row in connection.execute("select client_order_id from rebalancing_trades")]


def _outcome(database: Path) -> tuple[str, dict[str, str], list[tuple[str, str, str, str]]]:
    state = _paper_state(database)
    positions = {symbol: quantity for symbol, quantity in state["positions"].items() if quantity != "0"}
    orders = sorted((o["client_order_id"].split("-", 1)[1], o["quantity"], o["filled_quantity"], str(o["limit_price"]))
                    for o in state["orders"])
    return state["cash"], positions, orders


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str], list[tuple[str, str, str, str]]]:
    database = tmp_path_factory.mktemp("reference") / "trimtab.db"
    assert _trimtab(database, "init").returncode == 0
    result = _trimtab(database, "rebalance", ACCOUNT, "--execute")
    assert result.returncode == 0, result.stderr
    assert [status for _, status in _runs(database)] == ["completed"]
    return _outcome(database)


CRASH_POINTS = ["step:selling", "submit:1", "submit:2", "step:plan_buys", "step:buying", "submit:4", "submit:6",
                "step:done"]


@pytest.mark.slow
@pytest.mark.parametrize("crash_at", CRASH_POINTS)
def test_crash_then_resume_matches_an_uninterrupted_run(
    tmp_path: Path, crash_at: str, reference: tuple[str, dict[str, str], list[tuple[str, str, str, str]]],
) -> None:
    database = tmp_path / "trimtab.db"
    assert _trimtab(database, "init").returncode == 0
    crashed = _trimtab(database, "rebalance", ACCOUNT, "--execute", crash_at=crash_at)
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    ((run_id, status),) = _runs(database)
    assert status == "running"
    resumed = _trimtab(database, "runs", "resume", run_id)
    assert resumed.returncode == 0, resumed.stderr
    assert [status for _, status in _runs(database)] == ["completed"]
    assert _outcome(database) == reference
    state = _paper_state(database)
    broker_ids = [order["client_order_id"] for order in state["orders"]]
    assert state["repeated_submissions"] == []  # the broker never saw a client order id twice
    assert len(broker_ids) == len(set(broker_ids))
    assert sorted(broker_ids) == sorted(_client_ids(database))
