"""The desk's commands through the real CLI: a positions report in SGD (Excel and CSV) and both baskets of the
demo accounts; a missing FX rate is one line naming the pair, exit 2."""

from __future__ import annotations

import csv
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T15:00:00+00:00"
HEADER = ("Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,LmtPrice,BasketTag,Account,"
          "UsePriceMgmtAlgo,OrderRef")

pytestmark = pytest.mark.slow


def _trimtab(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(database, START, *args)


def test_a_report_in_sgd_and_both_baskets_of_the_demo(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    assert _trimtab(database, "init", "--demo").returncode == 0
    rates = tmp_path / "rates.yaml"
    rates.write_text("source: MAS\nas_of: 2026-11-30T17:00:00+08:00\nrates: {USD/SGD: 1.3452}\n", encoding="utf-8")
    missing = _trimtab(database, "report", "positions", "--base", "SGD", "--rates", str(rates), "--xlsx",
                       str(tmp_path / "p.xlsx"))
    assert missing.returncode == 2
    assert missing.stderr.count("\n") == 1
    assert "no FX rate for KRW/SGD" in missing.stderr

    rates.write_text("source: MAS\nas_of: 2026-11-30T17:00:00+08:00\nrates: {USD/SGD: 1.3452, SGD/KRW: 1045}\n",
                     encoding="utf-8")
    done = _trimtab(database, "report", "positions", "--accounts", "DEMO-US,DEMO-KR", "--base", "SGD", "--rates",
                    str(rates), "--xlsx", str(tmp_path / "p.xlsx"), "--csv", str(tmp_path / "p.csv"))
    assert done.returncode == 0, done.stderr
    assert "Positions in SGD" in done.stdout
    assert "FX USD/SGD 1.3452 from MAS" in done.stdout
    assert (tmp_path / "p.xlsx").stat().st_size > 0
    with (tmp_path / "p.csv").open(encoding="utf-8") as stream:
        assert {row["account"] for row in csv.DictReader(stream)} == {"DEMO-US", "DEMO-KR"}

    for day in ("1", "2"):
        basket = tmp_path / f"day{day}.csv"
        made = _trimtab(database, "basket", "--day", day, str(basket))
        assert made.returncode == 0, made.stderr
        assert f"written: {basket}" in made.stdout
        lines = basket.read_text(encoding="utf-8").splitlines()
        assert lines[0] == HEADER
        assert all((",MOC,," if day == "1" else ",LMT,") in line for line in lines[1:])
