"""`trimtab engines run kospi-core` through the real CLI: the model printed with its reasons, stored with
--import-as as a new version that the accounts following the model move to, and bad input as one clear line."""

from __future__ import annotations

import json
from pathlib import Path

from tests.e2e.cli_process import run_cli, run_ok

START = "2026-11-23T00:30:00+00:00"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engines"
UNIVERSE = str(FIXTURES / "universe.csv")
RISK_ON = str(FIXTURES / "kospi_risk_on.csv")
RISK_OFF = str(FIXTURES / "kospi_risk_off.csv")


def test_engine_run_prints_the_model_and_its_reasons(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    text = run_ok(database, START, "engines", "run", "kospi-core", "--universe", UNIVERSE, "--index", RISK_ON)
    assert "regime as of 2026-10-30: risk-on" in text
    assert "#1 005930 Samsung Electronics" in text
    assert "999990 Halted Giant: excluded (trading halted)" in text
    assert "247540" not in text  # KOSDAQ: not in the KOSPI universe
    assert not (tmp_path / "trimtab.db").exists()  # printing the model opens no database


def test_engine_import_moves_the_accounts_following_the_model(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    run_ok(database, START, "init", "--demo")
    first = json.loads(run_ok(database, START, "engines", "run", "kospi-core", "--universe", UNIVERSE, "--index",
                              RISK_ON, "--top-n", "5", "--import-as", "KOSPI-CORE", "--json"))
    assert first["risk_on"] is True
    assert first["weights"]["CASH"] == "0.25"  # 5 names at the 15 % cap
    assert first["imported"] == {"name": "KOSPI-CORE", "version": "1", "new": True, "moved": []}
    run_ok(database, START, "assign", "DEMO-KR", "KOSPI-CORE")
    second = json.loads(run_ok(database, START, "engines", "run", "kospi-core", "--universe", UNIVERSE, "--index",
                               RISK_OFF, "--import-as", "KOSPI-CORE", "--as-of", "2026-10-29", "--json"))
    assert (second["risk_on"], second["weights"]) == (False, {"CASH": "1"})
    assert second["imported"] == {"name": "KOSPI-CORE", "version": "2", "new": True, "moved": ["DEMO-KR"]}
    assert "2026-10-29" in run_ok(database, START, "models", "list")


def test_engine_bad_input_is_one_line_naming_file_line_and_field(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    index = tmp_path / "index.csv"
    index.write_text("date,close\n2026-01-05,100\n2026-01-06,abc\n", encoding="utf-8")
    bad = run_cli(database, START, "engines", "run", "kospi-core", "--universe", UNIVERSE, "--index", str(index))
    assert bad.returncode == 2
    assert f"{index}, line 3, field 'close'" in bad.stderr
    unknown = run_cli(database, START, "engines", "run", "kosdaq-alpha", "--universe", UNIVERSE, "--index", RISK_ON)
    assert unknown.returncode == 2
    assert "unknown engine (known: kospi-core)" in unknown.stderr
