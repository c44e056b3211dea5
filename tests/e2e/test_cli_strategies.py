"""Strategies and the ledger through the real CLI on the paper broker: sleeves, capital, a run, reconciliation
(a manual trade shows up as MANUAL), the real rolling-K state file imported."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli, run_ok

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
STATE = Path(__file__).resolve().parents[1] / "fixtures" / "rolling_k" / "trader_state_v2.json"

pytestmark = pytest.mark.slow


def test_strategies_capital_reconcile_and_import_through_the_cli(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")
    run_ok(database, START, "strategies", "add", "DEMO-KR", "core", "--weight", "60", "--model", "KR-ALLWEATHER")
    run_ok(database, START, "strategies", "add", "DEMO-KR", "alpha", "--weight", "40")
    run_ok(database, START, "strategies", "add", "DEMO-KR", "perp", "--weight", "1", "--market-type", "futures")
    listed = json.loads(run_ok(database, START, "strategies", "list", "DEMO-KR", "--json"))
    assert [s["strategy"] for s in listed] == ["alpha", "core", "perp"]
    capital = json.loads(run_ok(database, START, "strategies", "capital", "DEMO-KR", "--json"))["strategies"]
    by_id = {row["strategy"]: row for row in capital}
    assert int(by_id["core"]["capital"]) + int(by_id["alpha"]["capital"]) > 0
    assert (by_id["core"]["source"], by_id["core"]["stale"]) == ("live", False)
    assert (by_id["perp"]["capital"], by_id["perp"]["trades"]) == (None, False)
    bad = run_cli(database, START, "strategies", "add", "DEMO-KR", "REB_20251224", "--weight", "1")
    assert bad.returncode == 2
    assert "reserved" in bad.stderr

    report = json.loads(run_ok(database, START, "ledger", "reconcile", "DEMO-KR", "--json"))
    assert report["applied"]
    assert all(line["adjustments"] for line in report["lines"] if line["status"] != "matched")
    again = json.loads(run_ok(database, START, "ledger", "reconcile", "DEMO-KR", "--dry-run", "--json"))
    assert {line["status"] for line in again["lines"]} == {"matched"}
    shown = json.loads(run_ok(database, START, "ledger", "show", "DEMO-KR", "--json"))
    assert sum(int(p["quantity"]) for p in shown) > 0

    manual = tmp_path / "manual.yaml"  # at the broker, by hand: everything sold, 7 shares of 229200 bought
    manual.write_text("account_id: DEMO-KR\ncurrency: KRW\ncash: 1000000\nholdings:\n"
                      "  - {symbol: \"229200\", quantity: 7, price: 12000}\n", encoding="utf-8")
    run_ok(database, START, "accounts", "fund", "DEMO-KR", "--holdings", str(manual))
    lines = json.loads(run_ok(database, START, "ledger", "reconcile", "DEMO-KR", "--json"))["lines"]
    by_symbol = {line["symbol"]: line for line in lines}
    assert by_symbol["229200"]["adjustments"][0]["strategy"] == "MANUAL"
    assert {line["status"] for s, line in by_symbol.items() if s != "229200"} == {"removed"}
    shown = json.loads(run_ok(database, START, "ledger", "show", "DEMO-KR", "--json"))
    assert [(p["strategy"], p["symbol"], p["quantity"]) for p in shown] == [("MANUAL", "229200", "7")]

    imported = json.loads(run_ok(database, START, "ledger", "import-state", str(STATE), "--account", "DEMO-US",
                                 "--json"))
    assert (imported["schema"], imported["entries"], imported["added"]) == (2, 28, 28)
    assert "MANUAL" in run_ok(database, START, "ledger", "show", "DEMO-US")
    text = run_ok(database, START, "ledger", "import-state", str(STATE), "--account", "DEMO-US")
    assert "28 entries read, 0 booked" in text
