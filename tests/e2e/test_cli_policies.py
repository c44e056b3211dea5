"""Execution policies through real runs on the paper broker: signal confirmation and split execution."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli, run_ok

DAYS = ("2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26")  # Monday to Thursday, KRX sessions


def _at(day: str) -> str:
    return f"{day}T00:30:00+00:00"  # 09:30 in Seoul


def _rebalance(database: str, day: str, *options: str) -> dict[str, object]:
    document: dict[str, object] = json.loads(run_ok(database, _at(day), "rebalance", "DEMO-KR", "--json", *options))
    return document


def _traded(run: dict[str, object]) -> int:
    orders = run["orders"]
    assert isinstance(orders, list)
    return len(orders)


@pytest.mark.slow
def test_a_breach_is_acted_on_only_after_three_consecutive_trading_days(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'confirm.db'}"
    run_ok(database, _at(DAYS[0]), "init", "--demo")
    run_ok(database, _at(DAYS[0]), "bands", "set", "DEMO-KR", "--confirm-days", "3")
    first, second = (_rebalance(database, day, "--execute") for day in DAYS[:2])
    assert [(run["status"], run["reason"]) for run in (first, second)] == [
        ("skipped", "breach not confirmed: held 1 of 3 consecutive trading days"),
        ("skipped", "breach not confirmed: held 2 of 3 consecutive trading days")]
    assert _traded(first) == _traded(second) == 0
    forced = _rebalance(database, DAYS[1], "--force")  # forcing skips the confirmation (a dry run here)
    assert forced["status"] == "dry_run"
    third = _rebalance(database, DAYS[2], "--execute")
    assert third["status"] == "completed"
    assert _traded(third) > 0


@pytest.mark.slow
def test_a_rebalance_split_over_three_days_trades_a_share_a_day_and_ends_in_band(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'split.db'}"
    run_ok(database, _at(DAYS[0]), "init", "--demo")
    full = _rebalance(database, DAYS[0])  # a dry run: what one day would trade without a split
    run_ok(database, _at(DAYS[0]), "bands", "set", "DEMO-KR", "--split-days", "3")
    shares = []
    for day in DAYS[:3]:
        run = _rebalance(database, day, "--execute")
        assert run["status"] == "completed", run["reason"]
        shares.append(run)
        if day == DAYS[1]:
            again = _rebalance(database, day, "--execute")
            assert (again["status"], again["reason"]) == (
                "skipped", "today's share of the split already ran (day 2 of 3)")
    first_day_value = _value(shares[0])
    assert 0 < first_day_value < _value(full) * 2 / 3  # about a third of the whole rebalance
    after = _rebalance(database, DAYS[3], "--execute")  # the split is over: the account is in its bands
    assert (after["status"], after["reason"]) == ("skipped", "no band is breached")
    shown = run_cli(database, _at(DAYS[3]), "bands", "show", "DEMO-KR")
    assert "split over 3 trading days" in shown.stdout


def _value(run: dict[str, object]) -> Decimal:
    plan = run["plan"]
    assert isinstance(plan, dict)
    return sum((abs(Decimal(order["estimated_value"])) for order in plan["orders"]), Decimal(0))
