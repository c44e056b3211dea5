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


def _trimtab(database: str, *args: str, crash_at: str | None = None) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START,
                   "TRIMTAB_POLL_INTERVAL_SECONDS": "2"}
    environment.pop("TRIMTAB_CRASH_AT", None)
    if crash_at:
        environment["TRIMTAB_CRASH_AT"] = crash_at
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment,  # noqa: S603
                          timeout=300, check=False)


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


def _outcome(database: str) -> tuple[str, dict[str, str], list[tuple[str, str, str, str]]]:
    state = _paper_state(database)
    positions = {symbol: quantity for symbol, quantity in state["positions"].items() if quantity != "0"}
    orders = sorted((o["client_order_id"].split("-", 1)[1], o["quantity"], o["filled_quantity"], str(o["limit_price"]))
                    for o in state["orders"])
    return state["cash"], positions, orders


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, dict[str, str], list[tuple[str, str, str, str]]]:
    database = f"sqlite:///{tmp_path_factory.mktemp('reference') / 'trimtab.db'}"
    assert _trimtab(database, "init").returncode == 0
    result = _trimtab(database, "rebalance", ACCOUNT, "--execute")
    assert result.returncode == 0, result.stderr
    assert [status for _, status in _runs(database)] == ["completed"]
    return _outcome(database)


CRASH_POINTS = ["step:created", "step:selling", "submit:1", "submit:2", "step:plan_buys", "step:buying", "submit:4",
                "submit:6", "step:done"]
POSTGRES_POINTS = ["submit:2", "step:buying", "submit:6"]  # a sample: each case takes seconds of child processes
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
def test_crash_then_resume_matches_an_uninterrupted_run(
    crash_database: str, crash_at: str, reference: tuple[str, dict[str, str], list[tuple[str, str, str, str]]],
) -> None:
    database = crash_database
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
