"""The command line as a user runs it: a real child process on the example files."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


def _trimtab(*args: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)  # noqa: S603


def test_cli_plan_korean_example_prints_drift_orders_and_checks() -> None:
    result = _trimtab("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "KR-ALLWEATHER",
                      "--snapshot", str(EXAMPLES / "snapshot-kr.yaml"))
    assert result.returncode == 0, result.stderr
    for text in ("rebalance needed", "Asset classes", "Drift", "Orders", "Trades not made", "cash rule",
                 "229200", "excluded"):
        assert text in result.stdout


def test_cli_plan_json_has_the_documented_keys() -> None:
    result = _trimtab("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA",
                      "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"), "--json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert {"rebalance_needed", "drift", "orders", "skipped", "post_trade", "checks"} <= set(document)
    assert {"weights", "cash"} <= set(document["post_trade"])
    orders = document["orders"]
    assert orders, "the GTAA example is drifted and must trade"
    assert {"ticker", "name", "action", "quantity", "limit_price", "price_logic"} <= set(orders[0])
    actions = [order["action"] for order in orders]
    assert actions == sorted(actions, key=lambda action: action == "BUY")  # sells first
    assert all(check["passed"] for check in document["checks"] if check["severity"] == "error")
    assert Decimal(document["post_trade"]["cash"]) >= 0
    bound, reached, gap = (Decimal(document[key]) for key in ("lower_bound_bp", "objective_bp", "gap_bp"))
    assert 0 <= bound <= reached
    assert gap == reached - bound
    assert gap == 0  # the example's plan is proven optimal


def test_cli_plan_exact_and_floor_methods_run() -> None:
    for method in ("exact", "floor"):
        result = _trimtab("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA",
                          "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"), "--json", "--method", method)
        assert result.returncode == 0, result.stderr
        assert json.loads(result.stdout)["method"] == method


def test_cli_plan_inside_bands_needs_force(tmp_path: Path) -> None:
    models = tmp_path / "m.yaml"
    models.write_text("models:\n  M:\n    holdings: {A: 50, B: 50}\n", encoding="utf-8")
    snapshot = tmp_path / "s.yaml"
    snapshot.write_text(
        "account_id: X\ncurrency: KRW\ncash: 10000\nholdings:\n"
        "  - {symbol: A, quantity: 52, price: 10000, instrument_type: etf}\n"
        "  - {symbol: B, quantity: 47, price: 10000, instrument_type: etf}\n", encoding="utf-8")
    calm = json.loads(_trimtab("plan", "--model", str(models), "--snapshot", str(snapshot), "--json").stdout)
    assert calm["rebalance_needed"] is False
    assert calm["orders"] == []
    assert {s["reason"] for s in calm["skipped"]} <= {"inside band", "at target"}
    forced = json.loads(_trimtab("plan", "--model", str(models), "--snapshot", str(snapshot), "--json",
                                 "--force").stdout)
    assert [o["action"] for o in forced["orders"]] == ["SELL", "BUY"]


@pytest.mark.parametrize(("content", "expected"), [
    ("models:\n  M:\n    holdings: {A: 60, B: 30}\n", "90.0000%"),
    ("models:\n  M:\n    holdings: {A: 110, B: -10}\n", "negative"),
    ("models:\n  M:\n    holdings: {A: 50, A: 50}\n", "'A'"),
    ("models:\n  M:\n    holdngs: {A: 100}\n", "holdngs"),
])
def test_cli_plan_bad_model_exits_2_with_one_line(tmp_path: Path, content: str, expected: str) -> None:
    models = tmp_path / "bad.yaml"
    models.write_text(content, encoding="utf-8")
    result = _trimtab("plan", "--model", str(models), "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert expected in lines[0]


def test_cli_plan_missing_file_exits_2(tmp_path: Path) -> None:
    result = _trimtab("plan", "--model", str(tmp_path / "nope.yaml"), "--snapshot", str(tmp_path / "s.json"))
    assert result.returncode == 2
    assert "nope.yaml" in result.stderr
    assert "Traceback" not in result.stderr


def test_cli_plan_bad_option_value_names_the_option() -> None:
    result = _trimtab("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA",
                      "--snapshot", str(EXAMPLES / "snapshot-gtaa.json"), "--cash-buffer", "lots")
    assert result.returncode == 2
    assert "cash-buffer" in result.stderr
    assert "lots" in result.stderr


def test_cli_plan_account_on_its_buffered_target_is_inside_every_band(tmp_path: Path) -> None:
    # Friction: a balanced account planned with --cash-buffer 5 reported "breach: class CASH +5.26 pp".
    models = tmp_path / "m.yaml"
    models.write_text("models:\n  M:\n    holdings: {A: 50, B: 50}\n", encoding="utf-8")
    snapshot = tmp_path / "s.yaml"
    snapshot.write_text(
        "account_id: X\ncurrency: KRW\ncash: 50000\nholdings:\n"
        "  - {symbol: A, quantity: 95, price: 5000, instrument_type: etf}\n"
        "  - {symbol: B, quantity: 95, price: 5000, instrument_type: etf}\n", encoding="utf-8")
    arguments = ("plan", "--model", str(models), "--snapshot", str(snapshot), "--cash-buffer", "5")
    table = _trimtab(*arguments)
    assert table.returncode == 0, table.stderr
    assert "inside every band" in table.stdout
    assert "breach:" not in table.stdout
    document = json.loads(_trimtab(*arguments, "--json").stdout)
    assert (document["rebalance_needed"], document["breaches"], document["orders"]) == (False, [], [])
    assert {r["symbol"]: (r["target_weight"], r["model_weight"]) for r in document["rows"]} == {
        "A": ("0.475000", "0.500000"), "B": ("0.475000", "0.500000")}


def test_cli_plan_breaches_and_reasons_name_their_level() -> None:
    # Friction: breach lines showed drift inside the class, unlabelled, next to reasons in overall drift.
    arguments = ("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "KR-ALLWEATHER",
                 "--snapshot", str(EXAMPLES / "snapshot-kr.yaml"))
    table = _trimtab(*arguments)
    assert table.returncode == 0, table.stderr
    assert "breach: 069500 overweight +10.18 pp in class EQUITY (45.18% vs target 35.00%, absolute band" \
        in table.stdout
    assert "breach: class EQUITY overweight +6.98 pp (46.98% vs target 40.00%, absolute band ±3.00 pp)" in table.stdout
    document = json.loads(_trimtab(*arguments, "--json").stdout)
    details = document["breach_details"]
    assert [d["text"] for d in details] == document["breaches"]
    assert {d["level"] for d in details} == {"class", "in_class", "overall"}
    for detail in details:
        assert {"level", "key", "current", "target", "difference", "band", "breach"} <= set(detail)
    in_class = next(d for d in details if d["key"] == "069500")
    assert (in_class["level"], in_class["asset_class"], in_class["band"]) == ("in_class", "EQUITY", "0.050000")
    order = next(o for o in document["orders"] if o["ticker"] == "069500")
    assert order["reason"] == "overweight +7.23 pp overall, overweight +10.18 pp in class EQUITY"
    assert [(d["level"], d["difference"]) for d in order["drift"]] == [("overall", "0.072287"),
                                                                        ("in_class", "0.101843")]
