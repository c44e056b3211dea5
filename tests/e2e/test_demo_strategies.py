"""scripts/demo_strategies.sh end to end (issue 13's acceptance demo): a KRW account shared by a core and an alpha
strategy and a crypto account shared by a spot and a futures strategy, each rebalancing its own slice on the paper
broker; the ledger equals the broker's holdings; a manual trade at the broker is booked to MANUAL."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_process import ROOT, query_database

pytestmark = pytest.mark.slow


def test_demo_strategies_rebalance_their_slices_and_reconcile(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"DEMO_STRATEGIES_DIR": str(tmp_path), "COLUMNS": "200"})
    done = subprocess.run(["bash", "scripts/demo_strategies.sh"], cwd=ROOT, env=environment,  # noqa: S607
                          capture_output=True, text=True, timeout=300, check=False)
    out = done.stdout + done.stderr
    assert done.returncode == 0, out[-4000:]
    assert out.count("all matched") == 3  # after each strategies' run and after the manual trade's booking
    assert "+10 to MANUAL: the broker holds 10 more" in out
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    ledger = query_database(database, "select account_id, strategy_id, symbol, sum(cast(quantity as real)) "
                                      "from ledger_entries group by account_id, strategy_id, symbol")
    owners = {(account, strategy) for account, strategy, _, quantity in ledger if quantity}
    assert {("SLEEVES-KR", "core"), ("SLEEVES-KR", "alpha"), ("SLEEVES-KR", "MANUAL"), ("DEMO-CRYPTO", "spot"),
            ("DEMO-CRYPTO", "perp")} <= owners
    orders = query_database(database, "select client_order_id from rebalancing_trades")
    ids = [order_id for (order_id,) in orders]
    assert len(ids) == len(set(ids))
    assert any(".perp-B1-BTC/USDT:USDT-" in order_id for order_id in ids)  # the futures wallet's order
    assert any(".spot-B1-BTC/USDT-" in order_id for order_id in ids)
