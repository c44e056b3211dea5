"""Performance through the real CLI on the paper broker: snapshots per strategy and account, then metrics."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli, run_ok

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session

pytestmark = pytest.mark.slow


def test_performance_snapshot_and_show_through_the_cli(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")
    run_ok(database, START, "strategies", "add", "DEMO-KR", "core", "--weight", "60")
    run_ok(database, START, "strategies", "add", "DEMO-KR", "alpha", "--weight", "40")
    rows = json.loads(run_ok(database, START, "performance", "snapshot", "DEMO-KR", "--json"))
    by_scope = {row["scope"]: row for row in rows}
    assert set(by_scope) == {"account", "core", "alpha"}
    assert {row["source"] for row in rows} == {"live"}
    # nothing in the ledger yet: each strategy's equity is its cash, its share of the account's equity
    assert int(by_scope["core"]["equity"]) + int(by_scope["alpha"]["equity"]) == int(by_scope["account"]["equity"])
    assert by_scope["alpha"]["equity"] == by_scope["alpha"]["cash"]
    run_ok(database, START, "performance", "snapshot", "DEMO-KR")  # the same day again: rewritten
    shown = json.loads(run_ok(database, START, "performance", "show", "DEMO-KR", "--json"))
    assert [(scope["scope"], len(scope["snapshots"])) for scope in shown["scopes"]] == [
        ("account", 1), ("alpha", 1), ("core", 1)]
    assert shown["scopes"][0]["metrics"] == {"periods": 0, "roi": None, "max_drawdown": None, "volatility": None,
                                             "sharpe": None}
    text = run_ok(database, START, "performance", "show", "DEMO-KR", "--strategy", "core")
    assert text.startswith("core")
    missing = run_cli(database, START, "performance", "show", "DEMO-KR", "--strategy", "nope")
    assert missing.returncode != 0
    assert "nope" in missing.stderr
