"""A newcomer's accounts, through the real CLI: an empty database, a paper account opened and funded, a model
assigned, a rebalance, what the broker holds; unknown ids are errors, not empty answers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli, run_ok

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session

pytestmark = pytest.mark.slow


def _trimtab(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(database, START, *args)


def _ok(database: str, *args: str) -> str:
    return run_ok(database, START, *args)


def test_init_is_empty_and_a_funded_paper_account_rebalances(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    assert "DEMO" not in _ok(database, "init")  # a user's database gets no demo accounts
    models = tmp_path / "models.yaml"
    models.write_text("models:\n  MINE:\n    holdings: {\"069500\": 60, \"005930\": 40}\n", encoding="utf-8")
    snapshot = tmp_path / "start.yaml"
    snapshot.write_text("account_id: MINE-KR\ncurrency: KRW\ncash: 3000000\nholdings:\n"
                        "  - {symbol: \"069500\", quantity: 20, price: 48000}\n", encoding="utf-8")
    _ok(database, "models", "import", str(models))
    assert "cash 0 KRW" in _ok(database, "accounts", "add", "MINE-KR", "--currency", "KRW")
    assert "cash 3,000,000 KRW, 1 holdings" in _ok(database, "accounts", "fund", "MINE-KR", "--holdings",
                                                   str(snapshot))
    assert "cash 3,500,000 KRW" in _ok(database, "accounts", "deposit", "MINE-KR", "500000")
    _ok(database, "assign", "MINE-KR", "MINE")

    held = json.loads(_ok(database, "holdings", "MINE-KR", "--json"))
    assert held["cash"] == "3500000"
    assert [(h["symbol"], h["quantity"]) for h in held["holdings"]] == [("069500", "20")]

    assert "completed" in _ok(database, "rebalance", "MINE-KR", "--execute")
    listed = _ok(database, "runs", "list")
    run_id = next(word for line in listed.splitlines() for word in line.replace("│", " ").split()
                  if len(word) == 16 and word.isalnum())
    shown = json.loads(_ok(database, "runs", "show", run_id[:6], "--json"))  # a prefix names the run
    assert shown["run_id"] == run_id
    assert shown["status"] == "completed"
    assert shown["plan"]["orders"]
    assert sum(int(f["quantity"]) for f in shown["fills"]) == sum(int(o["filled_quantity"])
                                                                  for o in shown["orders"])
    after = json.loads(_ok(database, "holdings", "MINE-KR", "--json"))
    assert {h["symbol"] for h in after["holdings"]} == {"069500", "005930"}
    assert "MINE-KR" in _ok(database, "holdings", "MINE-KR")


def test_unknown_ids_are_errors_and_removed_accounts_are_gone(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _ok(database, "init", "--demo")
    for args in (("bands", "show", "NOPE"), ("runs", "list", "--account", "NOPE"), ("holdings", "NOPE"),
                 ("accounts", "remove", "NOPE"), ("unassign", "NOPE")):
        result = _trimtab(database, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert "unknown account" in result.stderr
        assert "NOPE" in result.stderr
    _ok(database, "unassign", "DEMO-US")
    assert "DEMO-US      USD  paper  model -" in _ok(database, "accounts")
    _ok(database, "accounts", "remove", "DEMO-US")
    assert "DEMO-US" not in _ok(database, "accounts")
    refused = _trimtab(database, "accounts", "add", "K1", "--broker", "kis", "--cash", "5")
    assert refused.returncode == 2
    assert "paper account only" in refused.stderr


def test_model_versions_by_their_file_labels_and_accounts_told_when_they_move(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    _ok(database, "init", "--demo")
    january, february = tmp_path / "g1.yaml", tmp_path / "g2.yaml"
    january.write_text('models:\n  GTAA:\n    version: "2026-01"\n    holdings: {SPMO: 40, SMH: 30, IAU: 30}\n',
                       encoding="utf-8")
    february.write_text('models:\n  GTAA:\n    version: "2026-02"\n    holdings: {SPMO: 50, SMH: 25, IAU: 25}\n',
                        encoding="utf-8")
    first = _ok(database, "models", "import", str(january))
    assert "GTAA: version 2 (new)" in first
    assert "DEMO-US now follows GTAA v2" in first  # imported silently before: the account moved unnoticed
    assert "DEMO-US follows GTAA v2 (2026-01)" in _ok(database, "assign", "DEMO-US", "GTAA", "--version", "2026-01")
    second = _ok(database, "models", "import", str(february))
    assert "GTAA: version 3 (new)" in second
    assert "now follow" not in second  # DEMO-US is pinned: it stays
    assert "model GTAA v2" in _ok(database, "accounts")
    assert "(2026-02)" in _ok(database, "models", "list")


def test_crypto_demo_account_and_a_paper_futures_wallet_give_capital_per_market_type(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    assert "DEMO-CRYPTO" not in _ok(database, "init", "--demo")  # the classic demo stays as it was
    assert "DEMO-CRYPTO" in _ok(database, "init", "--demo", "--crypto")
    assert "futures wallet 500.00000000 USDT" in _ok(database, "accounts", "add", "MINE-BN", "--currency", "USDT",
                                                    "--cash", "1000", "--futures-cash", "500")
    for account in ("DEMO-CRYPTO", "MINE-BN"):
        _ok(database, "strategies", "add", account, "spot1", "--weight", "1", "--market-type", "spot")
        _ok(database, "strategies", "add", account, "perp", "--weight", "1", "--market-type", "futures")
    mine = {row["strategy"]: (row["capital"], row["source"])
            for row in json.loads(_ok(database, "strategies", "capital", "MINE-BN", "--json"))["strategies"]}
    assert mine == {"spot1": ("1000.00000000", "live"), "perp": ("500.00000000", "live")}
    demo = {row["strategy"]: row["capital"]
            for row in json.loads(_ok(database, "strategies", "capital", "DEMO-CRYPTO", "--json"))["strategies"]}
    assert demo["perp"] == "20000.00000000"
    refused = _trimtab(database, "accounts", "add", "MINE-KR", "--currency", "KRW", "--futures-cash", "5")
    assert refused.returncode != 0
    assert "futures_cash" in refused.stdout + refused.stderr
