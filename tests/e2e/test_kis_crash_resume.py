"""A real `trimtab rebalance --broker kis --env virtual --execute` against the local KIS over HTTP, killed with
SIGKILL at the worst moments, then `runs resume`: KIS must never receive the same order twice.

The local KIS runs in this test process (uvicorn on 127.0.0.1) on a simulated Friday session at 20 × real
time, and trimtab runs on the same simulated clock (TRIMTAB_SIMULATED_CLOCK): one timeline whatever today is.
The worst moment is when KIS has taken an order and its reply has not reached trimtab: the fake itself kills
the trimtab process right after recording the order, so the run's intent has no order number and the resumed
run must find the order among the day's orders instead of sending it again.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from tests.conftest import postgres_schema_url
from tests.e2e.cli_process import query_database
from trimtab.adapters.simclock import ScaledClock
from trimtab_testkit.kis.app import FakeKisConfig, FakeKisState, fake_state, make_fake_kis
from trimtab_testkit.kis.serve import DEMO_ACCOUNT_FILE, load_account_file

ROOT = Path(__file__).resolve().parents[2]
FRIDAY_10_KST = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul
SPEED = 20.0
ACCOUNT = "KIS-DEMO"
REBALANCE = ("rebalance", ACCOUNT, "--broker", "kis", "--env", "virtual", "--execute")

pytestmark = pytest.mark.slow


class KillOnOrder:
    """ASGI wrapper around the local KIS.

    - `at`: on the n-th order-cash call, let KIS take the order, then SIGKILL the caller unanswered;
    - `fill_before_cancel`: every cancel arrives just after the order's remainder filled (the race between the
      last poll and the cancel), so KIS refuses it: nothing is left to cancel;
    - `cancel_at`: on the n-th cancel, let KIS answer it, then SIGKILL the caller unanswered.
    """

    def __init__(self, app: Any) -> None:
        self.app = app
        self.pid: int | None = None
        self.at: int | None = None
        self.seen = 0
        self.fill_before_cancel = False
        self.cancel_at: int | None = None
        self.cancels = 0
        self.state: FakeKisState | None = None

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/order-cash") and self.pid is not None:
            self.seen += 1
            if self.seen == self.at:
                await self._answer_then_kill(scope, receive)
                return
        if scope["type"] == "http" and scope["path"].endswith("/order-rvsecncl"):
            receive = await self._before_cancel(receive)
            self.cancels += 1
            if self.cancels == self.cancel_at and self.pid is not None:
                await self._answer_then_kill(scope, receive)
                return
        await self.app(scope, receive, send)

    async def _answer_then_kill(self, scope: Any, receive: Any) -> None:
        async def swallow(_message: Any) -> None:
            return None

        await self.app(scope, receive, swallow)
        assert self.pid is not None
        os.kill(self.pid, signal.SIGKILL)
        await asyncio.sleep(0.5)

    async def _before_cancel(self, receive: Any) -> Any:
        """Read the cancel's body; fill the order's remainder first when asked to; replay the body."""
        chunks, more = [], True
        while more:
            message = await receive()
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        body = b"".join(chunks)
        if self.fill_before_cancel and self.state is not None:
            self.state.catch_up()
            order = self.state.find_order(str(json.loads(body).get("ORGN_ODNO", "")))
            if order is not None and order.remaining > 0:
                self.state.fill(order, order.remaining, self.state.config.clock())
        sent = False

        async def replay() -> dict[str, Any]:
            nonlocal sent
            if sent:
                return {"type": "http.disconnect"}
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}

        return replay


@dataclass
class LocalKis:
    url: str
    config: FakeKisConfig
    state: FakeKisState
    killer: KillOnOrder
    clock: ScaledClock


@contextlib.contextmanager
def serve_local_kis() -> Iterator[LocalKis]:
    """The demo KIS account served on a free port of 127.0.0.1, in a thread of this process."""
    clock = ScaledClock(FRIDAY_10_KST, time.time(), SPEED)
    config = load_account_file(DEMO_ACCOUNT_FILE, clock.epoch)
    config.requests_per_second = 20
    config.gateway_clock = time.time
    app = make_fake_kis(config)
    killer = KillOnOrder(app)
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    server = uvicorn.Server(uvicorn.Config(killer, lifespan="off", ws="none", log_level="critical"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 5
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    assert server.started
    try:
        killer.state = fake_state(app)
        yield LocalKis(f"http://127.0.0.1:{listener.getsockname()[1]}", config, fake_state(app), killer, clock)
    finally:
        server.should_exit = True
        thread.join(timeout=5)
        listener.close()


def _environment(kis: LocalKis, database: str, folder: Path, crash_at: str | None,
                 **extra: str) -> dict[str, str]:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({
        "TRIMTAB_DATABASE_URL": database, "TRIMTAB_KIS_BASE_URL": kis.url, "TRIMTAB_KIS_ENV": "virtual",
        "TRIMTAB_KIS_APP_KEY": kis.config.app_key, "TRIMTAB_KIS_APP_SECRET": kis.config.app_secret,
        "TRIMTAB_KIS_ACCOUNT": kis.config.account or "", "TRIMTAB_KIS_TOKEN_CACHE": str(folder / "tokens.json"),
        "TRIMTAB_KIS_REQUESTS_PER_SECOND": "20",
        # simulated seconds on the shared clock: 600 s wait for fills (30 s real), a poll every 10 s (0.5 s real)
        "TRIMTAB_FILL_TIMEOUT_SECONDS": "600", "TRIMTAB_POLL_INTERVAL_SECONDS": "10",
        "TRIMTAB_SIMULATED_CLOCK": json.dumps({"start": kis.clock.start.isoformat(), "anchor": kis.clock.anchor,
                                               "speed": kis.clock.speed}),
    })
    if crash_at:
        environment["TRIMTAB_CRASH_AT"] = crash_at
    environment.update(extra)
    return environment


def _trimtab(kis: LocalKis, database: str, folder: Path, *args: str, crash_at: str | None = None,
             kill_at_order: int | None = None, kill_at_cancel: int | None = None,
             settings: dict[str, str] | None = None) -> tuple[int, str]:
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", *args]
    environment = _environment(kis, database, folder, crash_at, **(settings or {}))
    process = subprocess.Popen(command, cwd=ROOT, env=environment,  # noqa: S603
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if kill_at_order is not None or kill_at_cancel is not None:
        kis.killer.pid, kis.killer.at, kis.killer.seen = process.pid, kill_at_order, 0
        kis.killer.cancel_at, kis.killer.cancels = kill_at_cancel, 0
    output, _ = process.communicate(timeout=300)
    kis.killer.pid = None
    return process.returncode, output


def _prepare(kis: LocalKis, database: str, folder: Path) -> None:
    for args in (("init", "--demo"), ("accounts", "add", ACCOUNT, "--broker", "kis", "--currency", "KRW"),
                 ("assign", ACCOUNT, "KR-ALLWEATHER")):
        code, output = _trimtab(kis, database, folder, *args)
        assert code == 0, output


def _holdings(kis: LocalKis) -> dict[str, int]:
    return {p.symbol: p.quantity for p in kis.state.positions if p.quantity}


def _assert_each_order_sent_once(kis: LocalKis, database: str) -> None:
    """Every order KIS holds belongs to exactly one recorded intent, and every sent intent to one KIS order."""
    numbers = [row[0] for row in query_database(database, "select broker_order_id from broker_orders "
                                                         "where broker_order_id is not null")]
    assert sorted(numbers) == sorted(order.odno for order in kis.state.orders)
    assert len(set(numbers)) == len(numbers)


@pytest.fixture(scope="module")
def expected(tmp_path_factory: pytest.TempPathFactory) -> dict[str, int]:
    """What an uninterrupted run leaves at a fresh local KIS."""
    folder = tmp_path_factory.mktemp("reference")
    database = f"sqlite:///{folder / 'trimtab.db'}"
    with serve_local_kis() as kis:
        _prepare(kis, database, folder)
        code, output = _trimtab(kis, database, folder, *REBALANCE)
        assert code == 0, output
        assert query_database(database, "select status from rebalancing_runs") == [("completed",)], output
        _assert_each_order_sent_once(kis, database)
        assert len(kis.state.orders) >= 4, "the demo account has sells and buys to make"
        return _holdings(kis)


@pytest.mark.parametrize("crash", ["kill_at_order:1", "kill_at_order:4", "submit:2"])
def test_kis_run_killed_then_resumed_sends_no_order_twice(
    tmp_path: Path, crash: str, expected: dict[str, int],
) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    point, _, number = crash.partition(":")
    with serve_local_kis() as kis:
        _prepare(kis, database, tmp_path)
        code, output = _trimtab(kis, database, tmp_path, *REBALANCE, crash_at=crash if point == "submit" else None,
                                kill_at_order=int(number) if point == "kill_at_order" else None)
        assert code == -signal.SIGKILL, output
        ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
        assert status == "running"

        code, output = _trimtab(kis, database, tmp_path, "runs", "resume", run_id)

        assert code == 0, output
        assert query_database(database, "select status from rebalancing_runs") == [("completed",)], output
        _assert_each_order_sent_once(kis, database)
        assert all(order.remaining == 0 for order in kis.state.orders)
        assert _holdings(kis) == expected


def test_kis_unreachable_run_fails_with_exit_1_and_frees_the_account(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    with serve_local_kis() as kis:
        _prepare(kis, database, tmp_path)
        kis.url = "http://127.0.0.1:1"  # nothing listens there

        first = _trimtab(kis, database, tmp_path, *REBALANCE)
        second = _trimtab(kis, database, tmp_path, *REBALANCE)

    assert first[0] == 1, first[1]
    assert "broker error before any order" in " ".join(first[1].split())
    assert second[0] == 1, second[1]  # not refused as "already has an active run"
    assert query_database(database, "select status from rebalancing_runs") == [("failed",), ("failed",)]
    assert kis.state.api_calls == 0


@pytest.fixture(params=["sqlite", "postgresql"])
def kis_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trimtab.db'}"
    else:
        yield from postgres_schema_url()


def test_kis_two_resumes_started_together_one_drives_the_other_is_refused(
    tmp_path: Path, kis_database: str, expected: dict[str, int],
) -> None:
    database = kis_database
    with serve_local_kis() as kis:
        _prepare(kis, database, tmp_path)
        code, output = _trimtab(kis, database, tmp_path, *REBALANCE, kill_at_order=2)
        assert code == -signal.SIGKILL, output
        ((run_id, _),) = query_database(database, "select run_id, status from rebalancing_runs")
        command = [sys.executable, "-m", "trimtab.entrypoints.cli", "runs", "resume", run_id]
        environment = _environment(kis, database, tmp_path, None)
        both = [subprocess.Popen(command, cwd=ROOT, env=environment, stdout=subprocess.PIPE,  # noqa: S603
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
        outputs = [process.communicate(timeout=300) for process in both]

        results = [(process.returncode, *output) for process, output in zip(both, outputs, strict=True)]
        assert sorted(code for code, _, _ in results) == [0, 3], results
        (refused,) = [stderr for code, _, stderr in results if code == 3]
        assert "being driven by another process" in refused
        assert "Traceback" not in refused
        assert query_database(database, "select status from rebalancing_runs") == [("completed",)]
        _assert_each_order_sent_once(kis, database)
        assert _holdings(kis) == expected


FILL_RACE = {"TRIMTAB_FILL_TIMEOUT_SECONDS": "15"}  # simulated: orders are still part-filled at the deadline


def _assert_fills_once_and_no_reprice(database: str) -> None:
    trades = query_database(database,
                            "select client_order_id, quantity, filled_quantity, status from rebalancing_trades")
    assert trades, "the run sent orders"
    assert all(client_id.endswith("-0") for client_id, *_ in trades), trades  # nothing was re-priced
    assert all(status == "filled" for *_, status in trades), trades
    fills = query_database(database, "select client_order_id, quantity from fills")
    for client_id, quantity, filled, _ in trades:  # every fill recorded once: they add up to each order
        assert sum(Decimal(str(q)) for c, q in fills if c == client_id) == Decimal(str(filled)) == Decimal(
            str(quantity))


def test_kis_fill_between_last_poll_and_cancel_completes_with_each_fill_once(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    with serve_local_kis() as kis:
        kis.killer.fill_before_cancel = True
        _prepare(kis, database, tmp_path)
        code, output = _trimtab(kis, database, tmp_path, *REBALANCE, settings=FILL_RACE)

        assert code == 0, output
        assert kis.killer.cancels >= 1, "the deadline passed with orders open: cancels were sent"
        assert query_database(database, "select status from rebalancing_runs") == [("completed",)]
        _assert_each_order_sent_once(kis, database)
        _assert_fills_once_and_no_reprice(database)


def test_kis_killed_as_a_cancel_races_a_fill_then_resumed_completes_with_each_fill_once(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    with serve_local_kis() as kis:
        kis.killer.fill_before_cancel = True
        _prepare(kis, database, tmp_path)
        code, output = _trimtab(kis, database, tmp_path, *REBALANCE, kill_at_cancel=1, settings=FILL_RACE)
        assert code == -signal.SIGKILL, output
        ((run_id, status),) = query_database(database, "select run_id, status from rebalancing_runs")
        assert status == "running"
        pending = query_database(database, "select status from rebalancing_trades where status = 'pending_cancel'")
        assert pending, "the cancel request was saved before it was sent"

        code, output = _trimtab(kis, database, tmp_path, "runs", "resume", run_id, settings=FILL_RACE)

        assert code == 0, output
        assert query_database(database, "select status from rebalancing_runs") == [("completed",)]
        _assert_each_order_sent_once(kis, database)
        _assert_fills_once_and_no_reprice(database)
