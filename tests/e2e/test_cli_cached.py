"""`--cached` through the real CLI: an account never read is one line naming it (exit 2); after a live read,
holdings and the positions report come from the cache and say how old their prices are; prices older than
TRIMTAB_CACHED_PRICES_MAX_AGE_HOURS are refused with their age. Ages are relative: no date is assumed."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T15:00:00+00:00"

pytestmark = pytest.mark.slow


def _trimtab(database: str, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START, "COLUMNS": "200",
                        "TRIMTAB_TIME_ZONE": "Asia/Singapore", **settings})
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment,  # noqa: S603
                          timeout=300, check=False)


def test_cached_holdings_and_report_say_how_old_their_prices_are(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    assert _trimtab(database, "init", "--demo").returncode == 0
    never = _trimtab(database, "holdings", "DEMO-US", "--cached")
    assert never.returncode == 2
    assert "account 'DEMO-US'" in never.stderr
    assert "no prices are stored" in never.stderr

    live = _trimtab(database, "holdings", "DEMO-US")
    assert live.returncode == 0, live.stderr
    assert "Prices read " in live.stdout
    assert "+08, 0 min old (live)" in live.stdout
    cached = _trimtab(database, "holdings", "DEMO-US", "--cached")
    assert cached.returncode == 0, cached.stderr
    assert "+08, 0 min old (cached)" in cached.stdout
    report = _trimtab(database, "report", "positions", "--accounts", "DEMO-US", "--cached", "--csv",
                      str(tmp_path / "p.csv"))
    assert report.returncode == 0, report.stderr
    assert "DEMO-US: prices read " in report.stdout
    assert "(cached), market date" in report.stdout
    assert "market-data cache" in report.stdout

    time.sleep(1.5)
    old = _trimtab(database, "holdings", "DEMO-US", "--cached", TRIMTAB_CACHED_PRICES_MAX_AGE_HOURS="0.0001")
    assert old.returncode == 2
    assert "cached prices were read 0 min ago" in old.stderr
    assert "account 'DEMO-US'" in old.stderr
