"""The command line's own surface: --version, a --help that stays light, and help that names its values
(ACCOUNT, PERCENT, N), never a type (<str>, <int range>) nor a bare parameter name ({account})."""

from __future__ import annotations

import importlib.metadata
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from trimtab.entrypoints.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
# What trimtab's commands load, that help must not (typer itself loads pydantic to build a command's help).
HEAVY = ("numpy", "scipy", "sqlalchemy", "alembic", "yaml", "httpx", "highspy", "rich", "celery", "kombu", "redis")
LOADED = """\
import contextlib, io, sys
sys.argv = ["trimtab", *sys.argv[1:]]
from trimtab.entrypoints.cli.main import run
with contextlib.redirect_stdout(io.StringIO()) as out:
    try:
        run()
    except SystemExit as done:
        code = done.code
print(code, out.getvalue().splitlines()[0] if out.getvalue() else "")
print(" ".join(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv.pop().split(","))) or "-"))
"""
# A type or a parameter's own name where a metavar belongs: typer's defaults when none is given.
NO_METAVAR = re.compile(r"<(str|int|bool|float|path|int range|float range|decimal)>|\{[A-Za-z_]+\}")


def _loaded(*args: str) -> tuple[str, str]:
    command = [sys.executable, "-c", LOADED, *args, ",".join(HEAVY)]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=True)  # noqa: S603
    first, modules = result.stdout.splitlines()
    return first, modules


def test_version_prints_the_installed_version_and_exits_0() -> None:
    result = subprocess.run([sys.executable, "-m", "trimtab.entrypoints.cli", "--version"],
                            capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert (result.returncode, result.stdout, result.stderr) == (
        0, f"trimtab {importlib.metadata.version('trimtab')}\n", "")


@pytest.mark.parametrize("args", [("--version",), ("--help",), ("bands", "set", "--help")])
def test_version_and_help_import_nothing_heavy(args: tuple[str, ...]) -> None:
    first, modules = _loaded(*args)
    assert first.startswith("0 "), first
    assert modules == "-", f"{args} imported {modules}"


def _commands(command: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], Any]]:
    """Every command of typer's click tree (typer vendors click: a group is any command with `list_commands`; the
    root builds its commands on demand)."""
    yield path, command
    if hasattr(command, "list_commands"):
        context = typer.Context(command, info_name=" ".join(("trimtab", *path)))
        for name in command.list_commands(context):
            yield from _commands(command.get_command(context, name), (*path, name))


def _help(path: tuple[str, ...], command: Any) -> str:
    context = typer.Context(command, info_name=" ".join(("trimtab", *path)))
    return str(command.get_help(context))


def test_every_help_names_values_by_metavars_not_types() -> None:
    root = typer.main.get_command(app)
    pages = {" ".join(path) or "trimtab": _help(path, command) for path, command in _commands(root)}
    assert {"plan", "bands set", "runs list", "accounts add", "models import"} <= set(pages)
    bad = {name: [m.group() for m in NO_METAVAR.finditer(page)] for name, page in pages.items()
           if NO_METAVAR.search(page)}
    assert not bad, bad
    assert "--class-band PP" in pages["bands set"]
    assert "Usage: trimtab bands set [OPTIONS] ACCOUNT" in pages["bands set"]
