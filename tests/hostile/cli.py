"""Run the real command line as child processes, several at a time, and check what a user would see."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MAX_STDERR = 700  # one line: "error: " + where (200) + field and value excerpts (2 x 60) + message (300)
WORKERS = 2


@dataclass(frozen=True)
class Command:
    """``python -m trimtab.entrypoints.cli ARGS``, or ``python -c CODE`` (a CLI with one part patched)."""

    args: tuple[str, ...]
    env: Mapping[str, str] = field(default_factory=dict)
    code: str | None = None


def environment(extra: Mapping[str, str]) -> dict[str, str]:
    """The test's environment without any TRIMTAB_ setting of its own, plus ``extra``."""
    clean = {name: value for name, value in os.environ.items()
             if not name.upper().startswith("TRIMTAB_") or name == "TRIMTAB_REQUIRE_POSTGRES"}
    return {**clean, "COLUMNS": "200", **extra}


def trimtab(command: Command) -> subprocess.CompletedProcess[str]:
    start = ["-c", command.code] if command.code else ["-m", "trimtab.entrypoints.cli"]
    argv = [sys.executable, *start, *command.args]
    return subprocess.run(argv, capture_output=True, text=True, cwd=ROOT, env=environment(command.env),  # noqa: S603
                          timeout=300, check=False)


def run_many(commands: Mapping[str, Command]) -> dict[str, subprocess.CompletedProcess[str]]:
    """Run independent commands two at a time (the suite's machine has two cores)."""
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {name: pool.submit(trimtab, command) for name, command in commands.items()}
        return {name: future.result() for name, future in futures.items()}


def assert_one_line(result: subprocess.CompletedProcess[str], code: int, *parts: str) -> str:
    """Exit ``code``, exactly one short line on stderr containing ``parts``, no traceback anywhere."""
    assert result.returncode == code, (result.returncode, result.stderr[-2000:])
    assert "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr[-2000:]
    assert len(lines[0]) <= MAX_STDERR, lines[0][:300]
    for part in parts:
        assert part in lines[0], lines[0]
    return lines[0]
