"""scripts/demo_ibkr.sh end to end (about 25 s): the desk's morning on the local IB Gateway, read back."""

from __future__ import annotations

import csv
import json
import os
import subprocess
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_the_desk_s_morning_runs_end_to_end(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"DEMO_IBKR_DIR": str(tmp_path), "COLUMNS": "200"})
    done = subprocess.run(["bash", "scripts/demo_ibkr.sh"], cwd=ROOT, env=environment, capture_output=True,  # noqa: S607
                          text=True, timeout=180, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    out = done.stdout + done.stderr
    assert "IBKR answered at 127.0.0.1:" in out
    assert "ISINs US46138E3392, US92189F6768, US4642852044 are not in the security master" in out  # before lookup
    assert "US46138E3392  SPMO" in out
    assert "ibkr does not know SG9999006225" in out
    assert "FX USD/SGD 1.2987013 from IBKR" in out  # the gateway's ExchangeRate of USD in the SGD base
    for account, model in (("DU1000001", "GTAA"), ("DU1000002", "B301"), ("DU1000003", "B401")):
        assert f"{account} -> {model}: created" in out  # model_portfolios.yaml's account_mappings
        assert f"{account}    USD  ibkr   model {model}" in out  # `trimtab accounts`: assigned by the mapping
    assert "Plans of 3 accounts (nothing sent)" in out  # plan --all: one table, B401 resolved by ISIN
    assert "\n3 rebalance\n" in out
    assert out.count("dry run: planned and checked, nothing sent") == 3
    assert out.count("Broker preview (what-if; nothing placed)") == 3  # IBKR's margin and commission per order
    dry_run = json.loads((tmp_path / "du1000002_dry_run.json").read_text(encoding="utf-8"))
    assert dry_run["status"] == "dry_run"
    planned = {(order["ticker"], order["action"], str(order["quantity"])) for order in dry_run["plan"]["orders"]}
    previewed = {(p["symbol"], p["action"], p["quantity"]) for p in dry_run["previews"]}
    assert previewed == planned
    for preview in dry_run["previews"]:  # a cash account: each buy's margin is its value in SGD, plus commission
        assert preview["margin_currency"] == "SGD"
        assert Decimal(preview["initial_margin_change"]) > 0
        assert Decimal(preview["commission"]) >= 1
        assert preview["error"] == ""
    deposit_run = out.split("$ trimtab rebalance DU1000003 --deposit 2500", 1)[1].split("fills:", 1)[0]
    assert "│ BUY" in deposit_run  # the deposit is invested …
    assert "│ SELL" not in deposit_run  # … without selling

    b301 = json.loads((tmp_path / "b301_deposit_plan.json").read_text(encoding="utf-8"))  # the seed's case
    assert b301["cash_flow"] == {"mode": "deposit", "amount": "10000", "in_cash": False}
    assert {order["action"] for order in b301["orders"]} == {"BUY"}
    assert {order["ticker"]: order["quantity"] for order in b301["orders"]} == {"SPMO": 33, "SMH": 13, "IAU": 54}
    assert sum((Decimal(order["estimated_value"]) for order in b301["orders"]), Decimal(0)) <= Decimal(10000)

    from openpyxl import load_workbook

    workbook = load_workbook(tmp_path / "positions.xlsx", read_only=True)
    assert workbook.sheetnames[:3] == ["Summary", "Matrix", "Amt_Matrix"]
    summary = list(workbook["Summary"].iter_rows(values_only=True))[1:5]
    assert [row[0] for row in summary] == ["DU1000001", "DU1000002", "DU1000003", "Total"]
    totals = {str(row[0]): Decimal(str(row[4])) for row in summary}  # total value in SGD
    assert totals["Total"] == sum((totals[f"DU100000{n}"] for n in (1, 2, 3)), Decimal(0))
    notes = [cell for row in workbook["Notes"].iter_rows(values_only=True) for cell in row if cell]
    assert "IBKR" in notes
    workbook.close()

    with (tmp_path / "positions.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {row["account"] for row in rows} == {"DU1000001", "DU1000002", "DU1000003"}
    assert {row["fx_source"] for row in rows if row["currency"] == "USD"} == {"IBKR"}
    # cash in SGD (IBKR's CashBalance per currency) is reported, not dropped: a CASH row each, no FX needed
    sgd = {row["account"]: (row["value"], row["base_value"]) for row in rows if row["currency"] == "SGD"}
    assert sgd == {"DU1000001": ("5000", "5000.00"), "DU1000003": ("10000", "10000.00")}
    for account in ("DU1000001", "DU1000002", "DU1000003"):  # the CSV adds up to the workbook, to the cent
        assert sum((Decimal(row["base_value"]) for row in rows if row["account"] == account), Decimal(0)) == \
            totals[account]

    with (tmp_path / "day1.csv").open(encoding="utf-8", newline="") as handle:
        day1 = list(csv.DictReader(handle))
    assert {line["Account"] for line in day1} == {"DU1000001", "DU1000002", "DU1000003"}
    assert {line["Symbol"] for line in day1 if line["Account"] == "DU1000003"} == {"IAU", "SPMO", "SMH"}
    assert all(line["OrderType"] == "MOC" and line["Quantity"].isdigit() for line in day1)
    assert (tmp_path / "day2.csv").read_text(encoding="utf-8").startswith("Action,Quantity,Symbol")
