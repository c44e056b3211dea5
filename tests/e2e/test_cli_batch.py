"""Many accounts through the real CLI: `models import` assigns by account_mappings (unknown accounts reported),
`plan --all` / `--model` / `--accounts` print one summary table (or JSON) and write one basket, and
`rebalance --accounts` runs each account, going on after one fails and exiting 1."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli, run_ok

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T15:00:00+00:00"
MODELS = """\
model_portfolios:
  GTAA:
    holdings:
      - {symbol: "SPMO", target_weight: 0.3334, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "SMH", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "IAU", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
account_mappings:
  "DU111": "GTAA"
  "DU222": "GTAA"
  "DU999": "GTAA"
"""

pytestmark = pytest.mark.slow


def _trimtab(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(database, START, *args, columns=250)


def _ok(database: str, *args: str) -> str:
    return run_ok(database, START, *args, columns=250)


def test_mappings_assign_then_plan_and_rebalance_many(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    _ok(database, "init", "--demo")
    for account, cash in (("DU111", "50000"), ("DU222", "20000"), ("DU444", "1000")):
        _ok(database, "accounts", "add", account, "--currency", "USD", "--cash", cash)
    models = tmp_path / "model_portfolios.yaml"
    models.write_text(MODELS, encoding="utf-8")
    imported = _ok(database, "models", "import", str(models))
    assert "DU111 -> GTAA: assigned" in imported
    assert "DU999 -> GTAA: unknown account" in imported
    assert "not in the database, not added: DU999" in imported

    table = _ok(database, "plan", "--all")
    assert "Plans of 4 accounts (nothing sent)" in table  # DEMO-KR, DEMO-US, DU111, DU222; DU444 has no model
    for account in ("DEMO-KR", "DEMO-US", "DU111", "DU222"):
        assert account in table
    assert "DU444" not in table

    document = json.loads(_ok(database, "plan", "--model", "GTAA", "--json"))
    rows = {row["account_id"]: row for row in document["accounts"]}
    assert set(rows) == {"DEMO-US", "DU111", "DU222"}
    assert rows["DU111"]["status"] == "rebalance"
    assert rows["DU111"]["plan"]["orders"]

    basket = tmp_path / "day1.csv"
    _ok(database, "plan", "--accounts", "DU111,DU222", "--basket", str(basket), "--day", "1")
    with basket.open(encoding="utf-8", newline="") as stream:
        assert {row["Account"] for row in csv.DictReader(stream)} == {"DU111", "DU222"}

    failing = _trimtab(database, "plan", "--accounts", "DU111,DU444")
    assert failing.returncode == 1
    assert "no model is assigned" in failing.stdout

    runs = _trimtab(database, "rebalance", "--accounts", "DU111,DU444,DU222", "--execute")
    assert runs.returncode == 1, runs.stderr
    assert "Runs of 3 accounts" in runs.stdout
    assert "1 of 3 accounts need attention: DU444" in runs.stdout
    listed = _ok(database, "runs", "list")
    assert "DU111" in listed
    assert "DU222" in listed
