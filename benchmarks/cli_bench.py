"""How long trimtab's commands take to start and run, in CPU time, as multiples of `python -c pass`.

    .venv/bin/python benchmarks/cli_bench.py [--runs 7]

Each command runs `--runs` times as a child process (user + system CPU of the child, median); the database is a
fresh SQLite file with the demo (`trimtab init --demo`), the paper market pinned to a session. CPU time, not
wall time, so a busy machine changes the figures little. Output goes to /dev/null (as into a file or a pipe),
except for the one row that prints the plan on a pseudo-terminal, where rich draws it in colour. Targets
(issue 9): --help <= 8x, plan <= 12x, accounts <= 35x, a paper rebalance <= 1.5 s of CPU.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TRIMTAB = [sys.executable, "-m", "trimtab.entrypoints.cli"]
PLAN = ["plan", "--model", "examples/models.yaml", "--model-name", "KR-ALLWEATHER", "--snapshot",
        "examples/snapshot-kr.yaml"]


def cpu_seconds(command: list[str], environment: dict[str, str], terminal: bool = False) -> float:
    """The CPU time (user + system) of one child process, its output to /dev/null or to a pseudo-terminal."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    if terminal:
        reader, writer = os.openpty()
        child = subprocess.Popen(command, cwd=ROOT, env=environment, stdout=writer,  # noqa: S603
                                 stderr=subprocess.DEVNULL)
        os.close(writer)
        with contextlib.suppress(OSError):  # EIO once the child has closed the terminal
            while os.read(reader, 65536):
                pass
        os.close(reader)
        if child.wait() != 0:
            raise subprocess.CalledProcessError(child.returncode, command)
    else:
        subprocess.run(command, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,  # noqa: S603
                       stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def median_cpu(command: list[str], environment: dict[str, str], runs: int,
               prepare: list[str] | None = None, terminal: bool = False) -> float:
    """The median CPU time of `runs` runs (each after `prepare`, whose time is not counted)."""
    samples = []
    for _ in range(runs):
        if prepare is not None:
            subprocess.run(prepare, cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,  # noqa: S603
                           stderr=subprocess.DEVNULL, check=True)
        samples.append(cpu_seconds(command, environment, terminal))
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    runs = parser.parse_args().runs
    with tempfile.TemporaryDirectory() as folder:
        database = Path(folder) / "trimtab.db"
        environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
        environment.update({"TRIMTAB_DATABASE_URL": f"sqlite:///{database}", "OPENBLAS_NUM_THREADS": "1",
                            "TRIMTAB_PAPER_START": "2026-11-23T00:30:00+00:00"})
        subprocess.run([*TRIMTAB, "init", "--demo"], cwd=ROOT, env=environment, stdout=subprocess.DEVNULL,  # noqa: S603
                       check=True)
        base = median_cpu([sys.executable, "-c", "pass"], environment, runs)
        print(f"python -c pass: {base * 1000:.1f} ms CPU (median of {runs})")
        print("what the libraries alone cost here (the floor under each command):")
        for modules in ("typer", "numpy", "sqlalchemy.orm", "sqlalchemy", "typer, yaml",
                        "typer, rich.console, rich.table, yaml", "typer, rich.console, sqlalchemy"):
            cpu = median_cpu([sys.executable, "-c", f"import {modules}"], environment, runs)
            print(f"  {'import ' + modules:<38} {cpu * 1000:8.1f} {cpu / base:7.1f}")
        print(f"{'command':<40} {'CPU ms':>8} {'x pass':>7} {'target':>8}")
        for label, args, target in (("trimtab --help", ["--help"], "8x"), ("trimtab plan (files)", PLAN, "12x"),
                                    ("trimtab accounts", ["accounts"], "35x"),
                                    ("trimtab runs list", ["runs", "list"], "-")):
            cpu = median_cpu([*TRIMTAB, *args], environment, runs)
            print(f"{label:<40} {cpu * 1000:8.1f} {cpu / base:7.1f} {target:>8}")
        cpu = median_cpu([*TRIMTAB, *PLAN], {**environment, "COLUMNS": "160"}, runs, terminal=True)
        print(f"{'trimtab plan (files), on a terminal':<40} {cpu * 1000:8.1f} {cpu / base:7.1f} {'-':>8}")
        reset = [sys.executable, "-c", "import os, pathlib; p = pathlib.Path(os.environ['TRIMTAB_DB_FILE']); "
                 "p.unlink(missing_ok=True)"]
        environment["TRIMTAB_DB_FILE"] = str(database)
        fresh = ["bash", "-c", f"{' '.join(reset[:2])} \"{reset[2]}\" && {' '.join(TRIMTAB)} init --demo"]
        cpu = median_cpu([*TRIMTAB, "rebalance", "DEMO-KR", "--execute"], environment, max(3, runs // 2), fresh)
        print(f"{'trimtab rebalance DEMO-KR --execute':<40} {cpu * 1000:8.1f} {'':>7} {'1500 ms':>8}")


if __name__ == "__main__":
    main()
