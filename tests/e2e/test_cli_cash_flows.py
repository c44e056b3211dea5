"""`plan --deposit` and `plan --withdraw` as a user runs them: a child process on files."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from decimal import ROUND_FLOOR, Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
SEED = Path("/work/shared/reference/simple-order-mgmt")
# The seed's model_portfolios.yaml (GTAA, the model of account B301) in its own format.
SEED_MODEL = """model_portfolios:
  GTAA:
    name: "GTAA"
    holdings:
      - {symbol: "SPMO", target_weight: 0.3334, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "SMH", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
      - {symbol: "IAU", target_weight: 0.3333, security_type: "STK", exchange: "SMART", currency: "USD"}
"""
PRICES = {"SPMO": Decimal("110.47"), "SMH": Decimal("289.12"), "IAU": Decimal("62.35")}


def _trimtab(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)  # noqa: S603


def _seed_amounts() -> dict[str, Decimal]:
    files = sorted(SEED.glob("orders_deposit_*B301*.csv")) if SEED.is_dir() else []
    if not files:  # the seed's file: 10,000 into B301 by weight
        return {"SPMO": Decimal(3334), "SMH": Decimal(3333), "IAU": Decimal(3333)}
    with files[0].open(newline="") as handle:
        return {row["Symbol"]: Decimal(row["Amount"]) for row in csv.DictReader(handle)}


def test_cli_deposit_into_b301_matches_the_seed_by_weight_then_whole_shares(tmp_path: Path) -> None:
    model = tmp_path / "model_portfolios.yaml"
    model.write_text(SEED_MODEL)
    snapshot = tmp_path / "b301.json"
    snapshot.write_text(json.dumps({
        "account_id": "B301", "currency": "USD", "as_of": "2026-11-20", "cash": 0,
        "costs": {"commission_rate": 0, "commission_minimum": 0}, "holdings": [],
        "prices": {symbol: {"price": str(price), "instrument_type": "etf"} for symbol, price in PRICES.items()},
    }))
    result = _trimtab("plan", "--model", str(model), "--snapshot", str(snapshot), "--deposit", "10000",
                      "--cash-buffer", "0", "--ticks", "0", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["mode"] == "deposit"
    assert document["cash_flow"] == {"mode": "deposit", "amount": "10000", "in_cash": False}
    amounts = _seed_amounts()
    bought = {order["ticker"]: order for order in document["orders"]}
    assert set(bought) == set(amounts)
    for symbol, amount in amounts.items():
        assert bought[symbol]["action"] == "BUY"
        assert Decimal(bought[symbol]["quantity"]) == (amount / PRICES[symbol]).to_integral_value(ROUND_FLOOR)
        assert bought[symbol]["reason"].startswith("deposit: underweight")
    assert sum(Decimal(o["estimated_value"]) for o in document["orders"]) <= 10000


def test_cli_withdraw_sells_only_and_json_names_the_mode() -> None:
    result = _trimtab("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA",
                      "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"), "--withdraw", "20000", "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["mode"] == "withdrawal"
    assert document["cash_flow"]["amount"] == "20000"
    assert document["orders"]
    assert all(order["action"] == "SELL" for order in document["orders"])
    assert all(order["reason"].startswith("withdrawal: overweight") for order in document["orders"])
    assert all(skip["detail"].startswith("withdrawal: ") for skip in document["skipped"])
    assert all(check["passed"] for check in document["checks"] if check["severity"] == "error")
    plain = _trimtab("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA",
                     "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"), "--json")
    assert json.loads(plain.stdout)["mode"] == "rebalance"


def test_cli_withdraw_beyond_reach_and_bad_amounts_exit_2() -> None:
    base = ("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA",
            "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"))
    result = _trimtab(*base, "--withdraw", "1000000")
    assert result.returncode == 2
    assert "cannot raise 1,000,000.00 USD: the most this account can raise is" in result.stderr
    assert "Traceback" not in result.stderr
    for extra in (("--deposit", "0"), ("--withdraw", "-5"), ("--deposit", "abc"),
                  ("--deposit", "1", "--withdraw", "1")):
        result = _trimtab(*base, *extra)
        assert result.returncode == 2, extra
        assert "Traceback" not in result.stderr
