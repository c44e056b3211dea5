"""The command line loads only what a command needs (issue 9: `--help` imported numpy and the planner; `accounts`
paid for alembic, httpx, pydantic-settings and the ORM; a plan from files paid for SQLAlchemy)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from trimtab.entrypoints.cli.main import COMMANDS, load_command

ROOT = Path(__file__).resolve().parents[2]
PLAN_FROM_FILES = ["plan", "--model", str(ROOT / "examples" / "models.yaml"), "--model-name", "KR-ALLWEATHER",
                   "--snapshot", str(ROOT / "examples" / "snapshot-kr.yaml")]
# The facade's operations a read-only command does not need: importing them costs more than listing accounts.
FACADE_OPERATIONS = {"trimtab.application.facade", "trimtab.application.batch", "trimtab.application.desk",
                     "trimtab.application.model_import", "trimtab.application.run_rebalance"}
HEAVY = ("numpy", "pandas", "sqlalchemy", "alembic", "httpx", "pydantic", "pydantic_settings", "exchange_calendars",
         "yaml", "cattrs", "rich", "openpyxl", "ib_async", "ccxt", "aiohttp", "trimtab.application", "trimtab.adapters",
         "trimtab.domain.planning", "fastapi", "starlette", "uvicorn", "trimtab.entrypoints.api", "jinja2",
         "celery", "kombu", "redis")  # the last three: the queue extra, loaded by `worker` and `runs enqueue` only


def modules_after(arguments: list[str], database: Path) -> set[str]:
    """The modules a fresh `trimtab ARGUMENTS` process has imported when it ends."""
    script = textwrap.dedent(f"""
        import atexit, json, sys
        atexit.register(lambda: sys.__stderr__.write("MODULES" + json.dumps(sorted(sys.modules)) + "\\n"))
        sys.argv = ["trimtab", *{arguments!r}]
        from trimtab.entrypoints.cli.main import run
        run()
    """)
    environment = {"TRIMTAB_DATABASE_URL": f"sqlite:///{database}", "PATH": "/usr/bin:/bin"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=environment,  # noqa: S603
                          check=False, timeout=120)
    line = next(line for line in done.stderr.splitlines() if line.startswith("MODULES"))
    return set(json.loads(line.removeprefix("MODULES")))


def heavy_in(modules: set[str]) -> set[str]:
    return {name for name in HEAVY if name in modules or any(module.startswith(name + ".") for module in modules)}


def test_help_loads_typer_and_nothing_of_weight(tmp_path: Path) -> None:
    assert heavy_in(modules_after(["--help"], tmp_path / "t.db")) == set()


def test_listing_accounts_pays_for_the_database_only(tmp_path: Path) -> None:
    database = tmp_path / "t.db"
    modules_after(["init"], database)
    loaded = modules_after(["accounts"], database)
    assert "sqlalchemy" in loaded
    assert heavy_in(loaded) & {"numpy", "pandas", "alembic", "httpx", "pydantic", "pydantic_settings",
                               "exchange_calendars", "trimtab.domain.planning", "yaml", "cattrs", "openpyxl",
                               "ib_async", "ccxt", "aiohttp", "fastapi", "starlette", "uvicorn",
                               "trimtab.entrypoints.api", "jinja2"} == set()
    assert "sqlalchemy.orm" not in loaded  # SQLAlchemy Core reads the listing: the ORM alone costs ~30x `pass`
    assert FACADE_OPERATIONS & loaded == set()  # the listing is composed alone (bootstrap.build_account_queries)


def test_planning_from_files_pays_for_neither_database_nor_numpy(tmp_path: Path) -> None:
    loaded = modules_after(PLAN_FROM_FILES, tmp_path / "t.db")
    assert {"trimtab.domain.planning", "yaml"} <= loaded
    assert heavy_in(loaded) & {"numpy", "sqlalchemy", "alembic", "httpx", "pydantic", "pydantic_settings", "cattrs",
                               "pandas", "exchange_calendars", "openpyxl", "ib_async", "fastapi", "starlette",
                               "uvicorn", "trimtab.entrypoints.api", "trimtab.adapters.persistence"} == set()
    assert not (tmp_path / "t.db").exists()
    assert FACADE_OPERATIONS & loaded == set()  # plans from files are composed alone (bootstrap.build_file_plans)


def test_planning_from_files_into_a_pipe_loads_no_rich_and_nothing_it_does_not_use(tmp_path: Path) -> None:
    """`plan` from files is held to 12x `python -c pass` (issue 9): its tables are laid out without rich when the
    output is not a terminal (plain_text), and it imports no module it does not need for one plan."""
    loaded = modules_after(PLAN_FROM_FILES, tmp_path / "t.db")  # stdout is a pipe here
    assert "trimtab.entrypoints.cli.plain_text" in loaded
    assert {name for name in loaded if name == "rich" or name.startswith("rich.")} == set()
    unused = {"logging", "fractions", "zoneinfo", "trimtab.application.records", "trimtab.domain.securities",
              "trimtab.domain.market_time", "trimtab.adapters.files.mp_master", "trimtab.adapters.simclock"}
    assert unused & loaded == set()


def test_running_an_engine_pays_for_neither_database_nor_numpy(tmp_path: Path) -> None:
    fixtures = ROOT / "tests" / "fixtures" / "engines"
    loaded = modules_after(["engines", "run", "kospi-core", "--universe", str(fixtures / "universe.csv"), "--index",
                            str(fixtures / "kospi_risk_on.csv")], tmp_path / "t.db")
    assert "trimtab.domain.engines.kospi_core" in loaded
    assert heavy_in(loaded) & {"numpy", "pandas", "sqlalchemy", "alembic", "pydantic_settings", "exchange_calendars",
                               "trimtab.domain.planning"} == set()
    assert not (tmp_path / "t.db").exists()


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_command_table_matches_each_command(name: str) -> None:
    command = load_command(name)
    assert command.name == name
    assert command.get_short_help_str(limit=1000) == COMMANDS[name].summary
