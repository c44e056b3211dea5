"""Storage faults in the middle of a real `trimtab rebalance --execute` against the local KIS.

The database disappears, turns read-only or loses its connection while the run is selling. The run must stop
loudly (exit 3, one line, no traceback) and send nothing after its last durable write — no buy reaches KIS —
or, for a cut connection, carry on over a new one; `runs resume` then finishes the run with no order twice.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import psycopg
import pytest

from tests.conftest import POSTGRES_CONNINFO, postgres_schema_url
from tests.e2e.cli_process import query_database
from tests.e2e.test_kis_crash_resume import (
    REBALANCE,
    ROOT,
    LocalKis,
    _assert_each_order_sent_once,
    _environment,
    _prepare,
    _trimtab,
    serve_local_kis,
)

pytestmark = pytest.mark.slow


def _run_with_fault(kis: LocalKis, database: str, folder: Path, fault: Callable[[], None]) -> tuple[int, str, str]:
    """Start a rebalance; when its first sell reaches KIS, cause the fault; return code, stdout, stderr."""
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *REBALANCE]
    process = subprocess.Popen(command, cwd=ROOT, env=_environment(kis, database, folder, None),  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not kis.state.orders and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.005)
    assert kis.state.orders, "the run sent its first sell"
    fault()
    stdout, stderr = process.communicate(timeout=300)
    return process.returncode, stdout, stderr


def _assert_stopped_loudly(code: int, stderr: str, kis: LocalKis) -> None:
    assert code == 3, stderr
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert all(order.side == "sell" for order in kis.state.orders), "nothing was bought after the fault"


def test_database_deleted_mid_run_stops_with_exit_3_and_sends_nothing_more(tmp_path: Path) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = f"sqlite:///{folder / 'trimtab.db'}"
    with serve_local_kis() as kis:
        _prepare(kis, database, tmp_path)

        code, _, stderr = _run_with_fault(kis, database, tmp_path, lambda: shutil.rmtree(folder))

        _assert_stopped_loudly(code, stderr, kis)
        assert "deleted or replaced" in stderr


def _chattr(flag: str, paths: list[Path]) -> None:
    subprocess.run(["chattr", flag, *map(str, paths)], check=True, capture_output=True)  # noqa: S603, S607


@pytest.fixture
def immutable_files(tmp_path: Path) -> Iterator[Callable[[list[Path]], None]]:
    """Make files immutable (even for root) and restore them afterwards; skip where chattr cannot."""
    probe = tmp_path / "probe"
    probe.write_text("x")
    try:
        _chattr("+i", [probe])
        _chattr("-i", [probe])
    except (OSError, subprocess.CalledProcessError) as error:
        pytest.skip(f"chattr +i is not available here ({error}): cannot make a database read-only for root")
    frozen: list[Path] = []

    def freeze(paths: list[Path]) -> None:
        _chattr("+i", paths)
        frozen.extend(paths)

    yield freeze
    if frozen:
        _chattr("-i", frozen)


def test_database_read_only_mid_run_stops_with_exit_3_then_resume_finishes(
    tmp_path: Path, immutable_files: Callable[[list[Path]], None],
) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    database = f"sqlite:///{folder / 'trimtab.db'}"
    with serve_local_kis() as kis:
        _prepare(kis, database, tmp_path)

        code, _, stderr = _run_with_fault(kis, database, tmp_path,
                                          lambda: immutable_files(sorted(folder.iterdir())))

        _assert_stopped_loudly(code, stderr, kis)
        assert "SQLite database" in stderr
        subprocess.run(["chattr", "-i", *map(str, folder.iterdir())], check=True)  # noqa: S603, S607
        ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
        assert status == "running"
        code, output = _trimtab(kis, database, tmp_path, "runs", "resume", run_id)
        assert code == 0, output
        assert query_database(database, "select status from rebalancing_runs") == [("completed",)]
        _assert_each_order_sent_once(kis, database)


def test_postgres_connection_cut_mid_run_recovers_or_stops_loudly_then_resume_finishes(tmp_path: Path) -> None:
    tag = f"trimtab-e2e-{secrets.token_hex(4)}"
    schema_urls = postgres_schema_url()
    database = f"{next(schema_urls)}&application_name={tag}"
    try:
        with serve_local_kis() as kis:
            _prepare(kis, database, tmp_path)

            def cut() -> None:
                with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
                    killed = connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                                "WHERE application_name = %s", (tag,)).fetchall()
                assert killed, "trimtab's connection was found and cut"

            code, _, stderr = _run_with_fault(kis, database, tmp_path, cut)

            assert code in (0, 3), stderr
            assert "Traceback" not in stderr
            ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
            if code == 3:
                assert status == "running"
                code, output = _trimtab(kis, database, tmp_path, "runs", "resume", run_id)
                assert code == 0, output
            assert query_database(database, "select status from rebalancing_runs") == [("completed",)]
            _assert_each_order_sent_once(kis, database)
    finally:
        for _ in schema_urls:  # drop the schema
            pass
