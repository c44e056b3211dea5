"""Crash tests: a real `trimtab rebalance --execute` child process killed with SIGKILL, then `runs resume`.

Each crash point is a step boundary (just after the step was saved), the middle of order submission (the
broker took the order, the run had not yet saved its answer), the middle of the wait for fills, the moment
after a cancel was requested or answered and before the re-price was recorded, or the moment after a re-priced
order was accepted and before it filled. The run waits 20 simulated seconds for fills, so its buys are
cancelled part-filled and re-priced once. After the resume, the paper account must equal what an
uninterrupted run with the same seed and clock leaves — the same orders at the same prices and instants, the
same fills at the same instants, the same holdings and cash — and the broker must have received each client
order id once. Two resumes of one run started together: one drives it, the other is refused.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import postgres_schema_url
from trimtab.adapters.persistence.database import make_engine

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
ACCOUNT = "DEMO-KR"


def _environment(database: str, crash_at: str | None, latency: str = "0") -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START,
                        "TRIMTAB_POLL_INTERVAL_SECONDS": "2", "TRIMTAB_FILL_TIMEOUT_SECONDS": "20",
                        "TRIMTAB_PAPER_LATENCY_SECONDS": latency})
    if crash_at:
        environment["TRIMTAB_CRASH_AT"] = crash_at
    return environment


def _trimtab(database: str, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT,  # noqa: S603
                          env=_environment(database, crash_at), timeout=300, check=False)


def _query(database: str, statement: str, **parameters: str) -> list[Any]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement), parameters)]
    finally:
        engine.dispose()


def _paper_state(database: str) -> dict[str, Any]:
    ((state,),) = _query(database, "select state from paper_accounts where account_id = :a", a=ACCOUNT)
    return state if isinstance(state, dict) else dict(json.loads(state))


def _runs(database: str) -> list[tuple[str, str]]:
    return _query(database, "select run_id, status from rebalancing_runs")


def _client_ids(database: str) -> list[str]:
    return [row[0] for row in _query(database, "select client_order_id from rebalancing_trades")]


Outcome = dict[str, Any]


def _outcome(database: str) -> Outcome:
    """What the paper broker holds after the run: orders with prices and instants, fills, holdings and cash."""
    state = _paper_state(database)
    orders = [(o["client_order_id"].split("-", 1)[1], o["quantity"], str(o["limit_price"]), o["status"],
               o["filled_quantity"], o["submitted_at"], o["closed_at"]) for o in state["orders"]]
    fills = [(f["client_order_id"].split("-", 1)[1], f["quantity"], f["price"], f["filled_at"])
             for f in state["fills"]]
    positions = {symbol: quantity for symbol, quantity in state["positions"].items() if quantity != "0"}
    return {"orders": orders, "fills": fills, "positions": positions, "cash": state["cash"]}


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Outcome:
    database = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'trimtab.db'}"
    assert _trimtab(database, "init", "--demo").returncode == 0
    result = _trimtab(database, "rebalance", ACCOUNT, "--execute")
    assert result.returncode == 0, result.stderr
    assert [status for _, status in _runs(database)] == ["completed"]
    outcome = _outcome(database)
    statuses = [order[3] for order in outcome["orders"]]
    assert "cancelled" in statuses, "the reference run must cancel and re-price (the windows below need it)"
    assert [order[0] for order in outcome["orders"]][-1].endswith("-1"), "re-priced orders come last"
    return outcome


# Sells: submits 1-3; buys: submits 4-7, cancelled part-filled, re-priced as submits 8-11 (accepted 8-11).
CRASH_POINTS = ["step:created", "step:selling", "submit:1", "submit:2", "poll:3", "step:plan_buys", "step:buying",
                "submit:4", "submit:6", "cancel_requested:1", "cancel_answered:2", "leg:repricing:2", "submit:9",
                "accepted:9", "step:done"]
POSTGRES_POINTS = ["submit:2", "poll:3", "cancel_answered:2", "accepted:9"]  # a sample: seconds of processes each
CASES = [pytest.param("sqlite", point, id=f"sqlite-{point}") for point in CRASH_POINTS] + [
    pytest.param("postgresql", point, id=f"postgresql-{point}") for point in POSTGRES_POINTS]


@pytest.fixture
def crash_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trimtab.db'}"
    else:
        yield from postgres_schema_url()


@pytest.mark.slow
@pytest.mark.parametrize(("crash_database", "crash_at"), CASES, indirect=["crash_database"])
def test_crash_then_resume_matches_an_uninterrupted_run(crash_database: str, crash_at: str,
                                                        reference: Outcome) -> None:
    database = crash_database
    assert _trimtab(database, "init", "--demo").returncode == 0
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


@pytest.mark.slow
@pytest.mark.parametrize("crash_database", ["sqlite", "postgresql"], indirect=True)
def test_two_resumes_started_together_one_drives_the_other_is_refused(crash_database: str,
                                                                      reference: Outcome) -> None:
    database = crash_database
    assert _trimtab(database, "init", "--demo").returncode == 0
    crashed = _trimtab(database, "rebalance", ACCOUNT, "--execute", crash_at="poll:3")
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    ((run_id, _),) = _runs(database)
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", "runs", "resume", run_id]
    # each paper call takes 50 ms of real time, so the driver is still at work when the other one asks
    environment = _environment(database, None, latency="0.05")
    both = [subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,  # noqa: S603
                             stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [process.communicate(timeout=300) for process in both]
    results = [(process.returncode, stdout, stderr) for process, (stdout, stderr) in zip(both, outputs, strict=True)]

    codes = sorted(code for code, _, _ in results)
    assert codes == [0, 3], results
    (refused,) = [stderr for code, _, stderr in results if code == 3]
    assert "being driven by another process" in refused
    assert "Traceback" not in refused
    assert len(refused.strip().splitlines()) == 1
    assert [status for _, status in _runs(database)] == ["completed"]
    assert _outcome(database) == reference
    state = _paper_state(database)
    assert state["repeated_submissions"] == []
