"""`trimtab ibkr test-connection` against the local IB Gateway served as a process, and with nothing listening."""

from __future__ import annotations

import json
import os
import select
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def gateway_port() -> Iterator[int]:
    command = [sys.executable, "-m", "trimtab_testkit.ibgw.serve", "--port", "0"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:  # noqa: S603
        try:
            assert process.stdout is not None
            ready, _, _ = select.select([process.stdout], [], [], 30)
            assert ready, "the local IB Gateway printed nothing within 30 s"
            yield int(process.stdout.readline().strip().rsplit(":", 1)[1])
        finally:
            process.terminate()


def _trimtab(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment["TRIMTAB_DATABASE_URL"] = f"sqlite:///{tmp_path / 't.db'}"
    return subprocess.run([sys.executable, "-m", "trimtab.entrypoints.cli", *args], cwd=ROOT, env=environment,  # noqa: S603
                          capture_output=True, text=True, timeout=120, check=False)


def test_test_connection_names_the_address_version_and_paper_accounts(tmp_path: Path, gateway_port: int) -> None:
    done = _trimtab(tmp_path, "ibkr", "test-connection", "--base-url", str(gateway_port))
    assert done.returncode == 0, done.stderr
    assert f"IBKR answered at 127.0.0.1:{gateway_port} (API server version 178)" in done.stdout
    assert "DU1000001  paper" in done.stdout

    done = _trimtab(tmp_path, "ibkr", "test-connection", "--base-url", f"127.0.0.1:{gateway_port}", "--json")
    document = json.loads(done.stdout)
    assert document["address"] == f"127.0.0.1:{gateway_port}"
    assert [a["code"] for a in document["accounts"]] == ["DU1000001", "DU1000002", "DU1000003"]
    assert all(a["paper"] for a in document["accounts"])


def test_test_connection_with_nothing_listening_is_one_line_and_exit_3(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    done = _trimtab(tmp_path, "ibkr", "test-connection", "--base-url", str(port))
    assert done.returncode == 3
    assert done.stderr.count("\n") == 1
    assert "no TWS or IB Gateway answered at 127.0.0.1" in done.stderr
    assert "Traceback" not in done.stderr
