"""The CLI's one error map (entrypoints/cli/guard.py) and solver output kept off stdout, in process."""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path
from typing import Any

import pytest
import typer

from trimtab.application.ports import RunInProgress
from trimtab.domain.errors import (
    AuthenticationFailed,
    BrokerUnavailable,
    DomainError,
    InsufficientCash,
    InvalidInput,
    LeaseLost,
    OrderRejected,
    StorageUnavailable,
)
from trimtab.entrypoints.cli import guard, main

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"


@pytest.mark.parametrize(("error", "code"), [
    (InvalidInput("bad"), 2), (DomainError("broken"), 2), (InsufficientCash("short"), 2),
    (StorageUnavailable("database gone"), 3), (BrokerUnavailable("down"), 3), (AuthenticationFailed("no"), 3),
    (OrderRejected("refused", code="APBK0952"), 3), (RunInProgress("A", "r1"), 3), (LeaseLost("lost"), 3),
    (OSError(98, "Address already in use"), 3), (ConnectionRefusedError(111, "refused"), 3),
    (ZeroDivisionError("x"), 70), (KeyError("k"), 70), (RecursionError(), 70), (MemoryError(), 70),
    (KeyboardInterrupt(), 130),
])
def test_every_error_has_its_documented_exit_code(error: BaseException, code: int) -> None:
    assert guard.exit_code_for(error) == code


def test_guarded_turns_an_error_into_one_line_and_its_code(capsys: pytest.CaptureFixture[str]) -> None:
    def fail() -> None:
        raise StorageUnavailable("SQLite database /x/y.db: unable to open database file\nsecond line [/red]")

    with pytest.raises(typer.Exit) as info:
        guard.guarded(fail)
    assert info.value.exit_code == 3
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("error: SQLite database /x/y.db")
    assert "[/red]" in err  # shown as written, not read as markup


def test_guarded_lets_typer_exits_through() -> None:
    def leave() -> None:
        raise typer.Exit(1)

    with pytest.raises(typer.Exit) as info:
        guard.guarded(leave)
    assert info.value.exit_code == 1


def test_a_bug_is_one_line_and_its_traceback_a_private_file(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))

    def buggy() -> None:
        raise ZeroDivisionError("division by zero")

    with pytest.raises(typer.Exit) as info:
        guard.guarded(buggy)
    assert info.value.exit_code == guard.EXIT_INTERNAL == 70
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert err.startswith("internal error: ZeroDivisionError (a bug in trimtab; traceback written to ")
    (crash,) = (tmp_path / "trimtab" / "crashes").iterdir()
    assert str(crash) in err.replace("\n", "")
    assert "ZeroDivisionError: division by zero" in crash.read_text(encoding="utf-8")
    assert "in buggy" in crash.read_text(encoding="utf-8")
    assert stat.S_IMODE(crash.stat().st_mode) == 0o600


def _noisy_milp(real: Any) -> Any:
    def milp(*args: Any, **kwargs: Any) -> Any:
        # What HiGHS does from C++ (ERGO-Code/HiGHS#2734): a line on descriptor 1, past Python's sys.stdout.
        os.write(1, b"degeneracy? not possible to find non-active constraint to leave basis (HiGHS)\n")
        return real(*args, **kwargs)

    return milp


def test_plan_exact_json_prints_json_only_even_when_the_solver_writes_to_stdout(
        monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    from trimtab.adapters.solvers import milp as solver

    monkeypatch.setattr(solver, "milp", _noisy_milp(getattr(solver, "milp")))  # noqa: B009
    monkeypatch.setattr(sys, "argv", ["trimtab", "plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name",
                                      "KR-ALLWEATHER", "--snapshot", str(EXAMPLES / "snapshot-kr.yaml"),
                                      "--method", "exact", "--json"])
    with pytest.raises(SystemExit) as info:
        main.run()
    out, err = capfd.readouterr()
    assert info.value.code == 0, err
    assert json.loads(out)["method"] == "exact"
    assert "HiGHS" not in out + err
