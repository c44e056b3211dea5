"""The trimtab command line as a child process on a given database and paper-market start (the e2e tests' runner)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


def run_cli(database: str, start: str, *args: str, columns: int = 200,
            env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """`trimtab ARGS` in a fresh process: no TRIMTAB_* setting of the caller leaks in; `env` adds settings."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_PAPER_START": start, "COLUMNS": str(columns),
                        **(env or {})})
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, env=environment,  # noqa: S603
                          timeout=300, check=False)


def run_ok(database: str, start: str, *args: str, columns: int = 200) -> str:
    """Its standard output, after checking that it exited 0."""
    result = run_cli(database, start, *args, columns=columns)
    assert result.returncode == 0, (args, result.stdout, result.stderr)
    return result.stdout


def spawn_cli(settings: Mapping[str, str], *args: str) -> subprocess.Popen[str]:
    """`trimtab ARGS` started in a fresh process (output and errors on one pipe) with these TRIMTAB_* settings only."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update(settings)
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    return subprocess.Popen(command, cwd=ROOT, env=environment,  # noqa: S603
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def query_database(database: str, statement: str) -> list[tuple[Any, ...]]:
    """The rows of one SQL statement on a trimtab database."""
    from sqlalchemy import text

    from trimtab.adapters.persistence.database import make_engine

    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            return [tuple(row) for row in connection.execute(text(statement))]
    finally:
        engine.dispose()
