"""The sweep end to end on a synthetic fleet in PostgreSQL: accounts/s, peak memory, time per stage.

    python benchmarks/fleet_bench.py [--accounts 1000000] [--chunk 50000] [--workers 2] [--keep]

Creates a database of its own (`fleet_bench` on the server of --server, dropped at the end unless --keep),
writes the fleet of the test kit (five models of 20 symbols; `--drift-share` of the accounts pushed out of their
bands) with COPY, then runs `trimtab sweep --plan --json` as a fresh process and reports its wall time,
accounts per second, peak resident memory (getrusage of the child) and the share of each stage (read, drift,
plan, write) as the sweep measured them. The load average is printed before and after: the machine is shared.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import subprocess
import sys
import time

import psycopg
from psycopg import sql

from trimtab.adapters.persistence.database import make_engine, migrate
from trimtab_testkit.fleet import write_fleet

DATABASE = "fleet_bench"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--accounts", type=int, default=1_000_000)
    parser.add_argument("--chunk", type=int, default=50_000)
    parser.add_argument("--drift-share", type=float, default=0.1)
    parser.add_argument("--workers", type=int, default=2, help="processes planning at once (sweep --workers)")
    parser.add_argument("--server", default="host=127.0.0.1 port=5432 user=postgres", help="libpq conninfo")
    parser.add_argument("--no-plan", action="store_true", help="screen only: breached accounts are not planned")
    parser.add_argument("--keep", action="store_true", help="keep the database (sweep it again with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="sweep the database kept by an earlier --keep")
    arguments = parser.parse_args()
    info = dict(part.split("=", 1) for part in arguments.server.split())
    url = f"postgresql+psycopg://{info.get('user', 'postgres')}@{info.get('host', '127.0.0.1')}:" \
          f"{info.get('port', '5432')}/{DATABASE}"
    print(f"load average before: {_load()}")
    if not arguments.reuse:
        _generate(arguments, url)
    try:
        _sweep(arguments, url)
    finally:
        if not arguments.keep:
            _admin(arguments.server, sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
    print(f"load average after: {_load()}")


def _generate(arguments: argparse.Namespace, url: str) -> None:
    _admin(arguments.server, sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(DATABASE)))
    _admin(arguments.server, sql.SQL("CREATE DATABASE {}").format(sql.Identifier(DATABASE)))
    migrate(url)
    engine = make_engine(url)
    started = time.perf_counter()
    write_fleet(engine, arguments.accounts, drift_share=arguments.drift_share)
    written = time.perf_counter() - started
    engine.dispose()
    started = time.perf_counter()
    with psycopg.connect(f"{arguments.server} dbname={DATABASE}", autocommit=True) as connection:
        connection.execute("VACUUM ANALYZE")
        size = connection.execute("SELECT pg_size_pretty(pg_database_size(current_database()))").fetchone()
    print(f"fleet written: {arguments.accounts:,} accounts in {written:.1f} s (COPY), "
          f"VACUUM ANALYZE {time.perf_counter() - started:.1f} s, database {size[0] if size else '?'}")


def _sweep(arguments: argparse.Namespace, url: str) -> None:
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", "sweep", "--json", "--chunk", str(arguments.chunk),
               "--workers", str(arguments.workers)]
    if not arguments.no_plan:
        command.append("--plan")
    environment = {**os.environ, "TRIMTAB_DATABASE_URL": url}
    started = time.perf_counter()
    child = subprocess.Popen(command, env=environment, stdout=subprocess.PIPE, stderr=subprocess.PIPE,  # noqa: S603
                             text=True)
    peak = _watch(child)
    stdout, stderr = child.communicate()
    wall = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)  # the sweep and its planners
    if child.returncode != 0:
        raise SystemExit(f"the sweep failed ({child.returncode}): {stderr.strip()}")
    summary = json.loads(stdout)
    seconds = {stage: float(value) for stage, value in summary["seconds"].items()}
    total = sum(seconds.values()) or 1.0
    counts = summary["counts"]
    print(f"sweep: {summary['read']:,} accounts in {wall:.1f} s wall (process start to exit), "
          f"{summary['read'] / wall:,.0f} accounts/s; CPU {usage.ru_utime + usage.ru_stime:.1f} s; "
          f"peak memory {peak / 2**20:,.0f} MiB (the sweep and its planners together; the largest process alone "
          f"{usage.ru_maxrss / 1024:,.0f} MiB)")
    print(f"  breached {summary['breached']:,} (planned {counts['planned']:,}, unsafe {counts['unsafe']:,}, "
          f"{summary['orders']:,} orders), in band {counts['in_band']:,}, skipped {counts['skipped']:,} "
          f"{summary['skipped']}")
    print("  stages: " + ", ".join(f"{stage} {value:.1f} s ({value / total:.0%})"
                                   for stage, value in seconds.items()))


def _watch(child: subprocess.Popen[str]) -> int:
    """The largest resident memory of the process and its children together, sampled every 0.2 s until it ends."""
    import psutil

    process, peak = psutil.Process(child.pid), 0
    while child.poll() is None:
        with contextlib.suppress(psutil.Error):  # a planner ended between the listing and the reading
            peak = max(peak, sum(member.memory_info().rss for member in [process, *process.children(recursive=True)]))
        time.sleep(0.2)
    return peak


def _admin(server: str, statement: sql.Composed) -> None:
    with psycopg.connect(f"{server} dbname=postgres", autocommit=True) as connection:
        connection.execute(statement)


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg())


if __name__ == "__main__":
    main()
