"""Hostile input through the real command line on a database: `models import` on SQLite and PostgreSQL,
settings from the environment, the kill switch with `--execute`, a run driven by another process."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text

from tests.hostile import documents
from tests.hostile.cli import Command, assert_one_line, run_many, trimtab
from trimtab.adapters.persistence.database import make_engine
from trimtab.bootstrap import build, storage_engine
from trimtab.config import Settings

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
SECRETS = {"TRIMTAB_KIS_APP_KEY": "PSsecretKEY0123456789", "TRIMTAB_KIS_APP_SECRET": "SeCrEt/abcdef+ghijkl=="}


def _count(engine: Engine, table: str) -> int:
    with engine.connect() as connection:
        return int(connection.execute(text(f"select count(*) from {table}")).scalar_one())  # noqa: S608


def test_models_import_refuses_nul_and_writes_nothing(database_url: str, engine: Engine, tmp_path: Path) -> None:
    # NUL crashed PostgreSQL's driver; SQLite stored it. One file format per database keeps the suite fast:
    # the in-process layer covers every format.
    if database_url.startswith("postgresql"):  # a valid model first: nothing of the file may be written
        name, content = "MP_Master.csv", (documents.render_csv(documents.mp_master_rows())
                                          + "GTAA2,Glo\x00bal,,SPMO,100,02/01/26\n")
    else:
        name, content = "m.json", json.dumps({"models": {"GOOD": {"holdings": {"A": "100"}}, "BAD": {"holdings": {
            "B": {"weight": "100", "name": "x\x00y"}}}}})
    (tmp_path / name).write_text(content, encoding="utf-8")
    result = trimtab(Command(("models", "import", str(tmp_path / name)), {"TRIMTAB_DATABASE_URL": database_url}))
    assert_one_line(result, 2, "error: ", "U+0000")
    assert _count(engine, "model_portfolios") == 0


@pytest.fixture(scope="module")
def demo_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite database after `trimtab init` (set up in process: the commands under test run as children)."""
    database = f"sqlite:///{tmp_path_factory.mktemp('demo') / 'trimtab.db'}"
    trimtab = build(Settings(database_url=database))
    try:
        trimtab.init(demo=True)
    finally:
        storage_engine(trimtab).dispose()
    return database


def _state(database: str) -> tuple[int, int, list[Any]]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            papers = [tuple(row) for row in connection.execute(
                text("select account_id, state from paper_accounts order by account_id"))]
        return _count(engine, "rebalancing_runs"), _count(engine, "rebalancing_trades"), papers
    finally:
        engine.dispose()


def test_kill_switch_not_understood_is_on_says_so_sends_nothing_and_bad_settings_exit_2(demo_database: str) -> None:
    before = _state(demo_database)
    values = ("yes please", " 1")  # and "01", "enabled", ... in process (tests/hostile/test_settings.py)
    commands = {value: Command(("rebalance", "DEMO-US", "--execute"), {
        "TRIMTAB_DATABASE_URL": demo_database, "TRIMTAB_PAPER_START": START, "TRIMTAB_DISABLE_LIVE_TRADING": value,
        "TRIMTAB_LIVE_TRADING_ENABLED": "sure" if value == " 1" else "0"}) for value in values}
    bad_setting = Command(("rebalance", "DEMO-US", "--execute"), {"TRIMTAB_DATABASE_URL": demo_database, **SECRETS,
                                                                  "TRIMTAB_FILL_TIMEOUT_SECONDS": "abc"})
    results = run_many({**commands, "bad setting": bad_setting})
    setting = results.pop("bad setting")
    assert_one_line(setting, 2, "setting TRIMTAB_FILL_TIMEOUT_SECONDS", "'abc'")
    assert not any(secret in setting.stdout + setting.stderr for secret in SECRETS.values())
    kill_notice = ("warning: TRIMTAB_DISABLE_LIVE_TRADING={!r} is not understood (use 1/true/yes/on or "
                   "0/false/no/off); the kill switch is ON: no order will be sent")
    live_notice = ("warning: TRIMTAB_LIVE_TRADING_ENABLED='sure' is not understood (use 1/true/yes/on or "
                   "0/false/no/off); live trading stays OFF")
    # " 1" is a clear true once trimmed: on, without a notice (the run also gets an unclear live-trading value)
    expected = {"yes please": [kill_notice.format("yes please")], " 1": [live_notice]}
    for value, result in results.items():
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stdout + result.stderr
        *notices, error = result.stderr.splitlines()
        assert notices == expected[value]
        assert error.startswith("error: the kill switch TRIMTAB_DISABLE_LIVE_TRADING is on")
    assert _state(demo_database) == before
    assert before[:2] == (0, 0)


def test_account_driven_by_another_process_exits_3(demo_database: str) -> None:
    environment = {"TRIMTAB_DATABASE_URL": demo_database, "TRIMTAB_PAPER_START": START}
    killed = trimtab(Command(("rebalance", "DEMO-KR"), {**environment, "TRIMTAB_CRASH_AT": "step:created"}))
    assert killed.returncode < 0  # SIGKILLed right after its run was created: the account stays locked
    busy = trimtab(Command(("rebalance", "DEMO-KR"), environment))
    assert_one_line(busy, 3, "error: ", "DEMO-KR")
