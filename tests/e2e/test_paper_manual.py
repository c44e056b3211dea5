"""The test kit's manual trade at the paper broker (a trade behind trimtab's back) and what reconciliation makes
of it: a real order with a client id trimtab never makes, filled on the paper market, booked to MANUAL."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.e2e.cli_process import ROOT, run_ok

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session

pytestmark = pytest.mark.slow


def manual(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START})
    return subprocess.run([sys.executable, "-m", "trimtab_testkit.paper_manual", *args],  # noqa: S603
                          capture_output=True, text=True, cwd=ROOT, env=environment, timeout=120, check=False)


def test_a_manual_buy_at_the_paper_broker_is_booked_to_manual(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")
    run_ok(database, START, "ledger", "reconcile", "DEMO-KR")  # the ledger now sums to the broker's holdings
    before = json.loads(run_ok(database, START, "holdings", "DEMO-KR", "--json"))

    bought = manual(database, "DEMO-KR", "buy", "069500", "3")
    assert bought.returncode == 0, bought.stderr
    assert "manual BUY 069500 x 3 of 3" in bought.stdout
    assert "(filled, id APP-" in bought.stdout

    after = json.loads(run_ok(database, START, "holdings", "DEMO-KR", "--json"))
    held = {h["symbol"]: int(h["quantity"]) for h in after["holdings"]}
    assert held["069500"] == {h["symbol"]: int(h["quantity"]) for h in before["holdings"]}["069500"] + 3
    lines = json.loads(run_ok(database, START, "ledger", "reconcile", "DEMO-KR", "--dry-run", "--json"))["lines"]
    changed = [line for line in lines if line["status"] != "matched"]
    assert [line["symbol"] for line in changed] == ["069500"]
    (adjustment,) = changed[0]["adjustments"]
    assert (int(adjustment["quantity"]), adjustment["strategy"]) == (3, "REB_20261123")  # in the day's targets

    unknown = manual(database, "DEMO-KR", "buy", "035720", "1")
    assert unknown.returncode == 1
    assert "no paper prices for 035720" in unknown.stdout
    bad = manual(database, "DEMO-KR", "buy", "069500", "-2")
    assert bad.returncode == 2
    assert "quantity: must be above 0: '-2'" in bad.stderr
