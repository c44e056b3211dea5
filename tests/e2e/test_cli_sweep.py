"""`trimtab sweep` through the real CLI: a summary after `plan --all` fed the positions; a bad --models named."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli_process import query_database, run_cli, run_ok

START = "2026-11-23T15:00:00+00:00"


def test_sweep_after_plan_all_prints_counts_and_stores_each_account(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    run_ok(database, START, "init", "--demo")
    run_ok(database, START, "plan", "--all")
    shown = run_ok(database, START, "sweep", "--plan")
    assert "2 accounts read" in shown
    assert "breached 2 (planned 2, unsafe 0; " in shown
    summary = json.loads(run_ok(database, START, "sweep", "--json", "--models", "GTAA"))
    assert summary["read"] == 1
    assert summary["counts"]["breached"] == 1
    rows = query_database(database, "SELECT account_id, status FROM sweep_results WHERE run_id = "  # noqa: S608
                                    f"'{summary['run_id']}'")
    assert rows == [("DEMO-US", "breached")]


def test_sweep_of_an_unknown_model_exits_2_naming_it_and_the_known_ones(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    run_ok(database, START, "init", "--demo")
    result = run_cli(database, START, "sweep", "--models", "GTAA,NOPE")
    assert result.returncode == 2
    assert "--models NOPE: no such model (known: GTAA, KR-ALLWEATHER)" in result.stderr + result.stdout
    assert query_database(database, "SELECT count(*) FROM sweep_runs") == [(0,)]
