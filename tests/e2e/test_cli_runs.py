"""The main job as a user runs it: init, rebalance on the paper broker, history, safety switches."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from trimtab.adapters.persistence.database import make_engine

ROOT = Path(__file__).resolve().parents[2]
START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul


def _trimtab(database: str, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": START,
                   "COLUMNS": "200", **env}
    environment.pop("TRIMTAB_CRASH_AT", None)
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment,  # noqa: S603
                          timeout=300, check=False)


@pytest.mark.slow
def test_demo_account_rebalances_into_its_bands_and_history_shows_it(database_url: str) -> None:
    database = database_url
    init = _trimtab(database, "init", "--demo")
    assert init.returncode == 0, init.stderr
    assert "DEMO-KR" in init.stdout
    dry = _trimtab(database, "rebalance", "DEMO-KR")
    assert dry.returncode == 0, dry.stderr
    assert "dry_run" in dry.stdout
    done = _trimtab(database, "rebalance", "DEMO-KR", "--execute")
    assert done.returncode == 0, done.stderr
    assert "completed" in done.stdout
    engine = make_engine(database)
    with engine.connect() as connection:
        summaries = [tuple(row) for row in connection.execute(
            text("select account_id, market_type from daily_account_summaries"))]
    engine.dispose()
    assert summaries == [("DEMO-KR", "securities")]
    again = _trimtab(database, "rebalance", "DEMO-KR", "--execute",
                     TRIMTAB_PAPER_START="2026-11-23T01:30:00+00:00")
    assert again.returncode == 0, again.stderr
    assert "skipped" in again.stdout  # inside every band now: nothing to do
    history = _trimtab(database, "runs", "list")
    assert [word for word in ("skipped", "completed", "dry_run") if word in history.stdout] == [
        "skipped", "completed", "dry_run"]
    run_id = done.stdout.split()[1]
    shown = _trimtab(database, "runs", "show", run_id)
    assert shown.returncode == 0
    for word in ("SELL", "BUY", "filled", "Weights", "fills:"):
        assert word in shown.stdout


def test_kill_switch_blocks_execute_but_not_dry_run(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    assert _trimtab(database, "init", "--demo").returncode == 0
    blocked = _trimtab(database, "rebalance", "DEMO-US", "--execute", TRIMTAB_DISABLE_LIVE_TRADING="1")
    assert blocked.returncode == 2
    assert "TRIMTAB_DISABLE_LIVE_TRADING" in blocked.stderr
    assert "Traceback" not in blocked.stderr
    dry = _trimtab(database, "rebalance", "DEMO-US", TRIMTAB_DISABLE_LIVE_TRADING="1")
    assert dry.returncode == 0, dry.stderr


def test_bands_and_assign_validate_their_input(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    assert _trimtab(database, "init", "--demo").returncode == 0
    bad = _trimtab(database, "bands", "set", "DEMO-KR", "--class-band", "150")
    assert bad.returncode == 2
    assert "class_band" in bad.stderr or "class-band" in bad.stderr
    good = _trimtab(database, "bands", "set", "DEMO-KR", "--class-band", "2.5", "--ticker-band", "4")
    assert good.returncode == 0, good.stderr
    assert "2.5" in good.stdout
    unknown = _trimtab(database, "assign", "DEMO-KR", "NO-SUCH-MODEL")
    assert unknown.returncode == 2
    assert "NO-SUCH-MODEL" in unknown.stderr
    models = tmp_path / "m.yaml"
    models.write_text("models:\n  TWO:\n    holdings: {SPMO: 50, IAU: 50}\n", encoding="utf-8")
    imported = _trimtab(database, "models", "import", str(models))
    assert "TWO: version 1" in imported.stdout
    assert _trimtab(database, "assign", "DEMO-US", "TWO").returncode == 0
