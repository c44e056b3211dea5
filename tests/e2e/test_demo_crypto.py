"""scripts/demo_crypto.sh end to end: one model rebalanced on a spot and a futures account of the local Binance,
on a simulated clock the exchange and trimtab share."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_process import ROOT, query_database

pytestmark = pytest.mark.slow


def test_demo_rebalances_a_spot_and_a_futures_account_to_completion(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"DEMO_CRYPTO_DIR": str(tmp_path), "COLUMNS": "200"})
    done = subprocess.run(["bash", "scripts/demo_crypto.sh"], cwd=ROOT, env=environment, capture_output=True,  # noqa: S607
                          text=True, timeout=240, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert "local Binance listening on http://127.0.0.1:" in out
    runs = query_database(f"sqlite:///{tmp_path / 'trimtab.db'}",
                          "select account_id, status from rebalancing_runs order by account_id")
    assert runs == [("BN-FUT", "completed"), ("BN-SPOT", "completed")]
    sides = query_database(f"sqlite:///{tmp_path / 'trimtab.db'}",
                           "select distinct side from rebalancing_trades order by side")
    assert [side.upper() for (side,) in sides] == ["BUY", "SELL"]  # ETH sold on both, BTC and SOL bought
    assert "local-binance-demo-secret" not in out
