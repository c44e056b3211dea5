"""A fleet on one machine, for tests and benchmarks: `trimtab worker` processes, and the local KIS noting when
each API request arrives (to measure the rate every worker together keeps)."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import json
import os
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from trimtab.adapters.simclock import ScaledClock
from trimtab_testkit.kis.account import FakeKisConfig, FakeKisState
from trimtab_testkit.kis.app import fake_state, make_fake_kis
from trimtab_testkit.kis.serve import DEMO_ACCOUNT_FILE, load_account_file
from trimtab_testkit.served import serve_in_thread

FRIDAY_10_KST = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul, a KRX session
SPEED = 20.0


class Arrivals:
    """ASGI wrapper noting the real time each API call (not a token request) arrives; with `latency`, each
    call is answered that many seconds later (a network's round trip, for benchmarks)."""

    def __init__(self, app: Any, latency: float = 0.0) -> None:
        self.app = app
        self.latency = latency
        self.times: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith("/uapi/"):
            self.times.append(time.time())
            if self.latency:
                await asyncio.sleep(self.latency)
        await self.app(scope, receive, send)

    def most_in_one_second(self) -> int:
        """The most calls that arrived within one clock second."""
        return max(Counter(int(moment) for moment in self.times).values(), default=0)

    def rate(self) -> float:
        """Calls a second from the first arrival to the last."""
        if len(self.times) < 2:
            return 0.0
        return (len(self.times) - 1) / (max(self.times) - min(self.times))


@dataclass
class CountedKis:
    """The local KIS served over HTTP, its state, when calls arrived, and its simulated clock."""

    url: str
    config: FakeKisConfig
    state: FakeKisState
    arrivals: Arrivals
    clock: ScaledClock

    def settings(self, token_cache: Path) -> dict[str, str]:
        """The TRIMTAB_* settings of trimtab processes using this KIS (one token cache file for all)."""
        return {
            "TRIMTAB_KIS_BASE_URL": self.url, "TRIMTAB_KIS_ENV": self.config.environment,
            "TRIMTAB_KIS_APP_KEY": self.config.app_key, "TRIMTAB_KIS_APP_SECRET": self.config.app_secret,
            "TRIMTAB_KIS_ACCOUNT": self.config.account or "", "TRIMTAB_KIS_TOKEN_CACHE": str(token_cache),
            "TRIMTAB_SIMULATED_CLOCK": json.dumps({"start": self.clock.start.isoformat(),
                                                   "anchor": self.clock.anchor, "speed": self.clock.speed}),
        }


@contextlib.contextmanager
def serve_counted_kis(requests_per_second: int | None = None, environment: str = "virtual",
                      latency: float = 0.0, app_key: str | None = None) -> Iterator[CountedKis]:
    """The demo KIS account (a Friday session at 20 × real time) on a free port of 127.0.0.1, in a thread;
    `app_key` replaces the demo's (a limit shared in Redis is per app key: a test's own key is its own limit)."""
    clock = ScaledClock(FRIDAY_10_KST, time.time(), SPEED)
    config = load_account_file(DEMO_ACCOUNT_FILE, clock.epoch)
    config.app_key = app_key or config.app_key
    config.environment = "real" if environment == "real" else "virtual"
    config.requests_per_second = requests_per_second
    config.gateway_clock = time.time  # the per-second limit counts real seconds
    app = make_fake_kis(config)
    arrivals = Arrivals(app, latency)
    with serve_in_thread(arrivals) as url:
        yield CountedKis(url, config, fake_state(app), arrivals, clock)


@dataclass
class Worker:
    """A `trimtab worker` process in its own process group (killing the group kills its pool too)."""

    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def kill(self) -> None:
        """SIGKILL the worker and its pool processes at once (a machine lost mid-run)."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        """SIGTERM (a warm shutdown), then SIGKILL if it has not stopped within 15 s."""
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.kill()


@dataclass
class Workers:
    """Starts workers with the same settings (only these TRIMTAB_* ones); stops every one when asked."""

    folder: Path
    settings: dict[str, str]
    root: Path = field(default_factory=Path.cwd)
    started: list[Worker] = field(default_factory=list)

    def start(self, count: int = 1, concurrency: int = 1, **extra: str) -> list[Worker]:
        environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
        environment.update({**self.settings, **extra})
        new = []
        for _ in range(count):
            log = self.folder / f"worker-{len(self.started)}.log"
            with log.open("wb") as sink:
                process = subprocess.Popen(  # noqa: S603
                    [sys.executable, "-m", "trimtab.entrypoints.cli", "worker", "--concurrency", str(concurrency)],
                    cwd=self.root, env=environment, stdout=sink, stderr=subprocess.STDOUT, start_new_session=True)
            self.started.append(Worker(process, log))
            new.append(self.started[-1])
        return new

    def logs(self) -> str:
        return "\n".join(worker.output() for worker in self.started)

    def wait_ready(self, timeout: float = 60.0) -> None:
        """Wait until every started worker consumes its queue (Celery's "ready." line)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if all(" ready." in worker.output() for worker in self.started):
                return
            if any(worker.process.poll() is not None for worker in self.started):
                break
            time.sleep(0.1)
        raise RuntimeError("the workers did not start:\n" + self.logs()[-3000:])

    def stop(self) -> None:
        """Stop every worker warmly (each finishes the runs it drives)."""
        for worker in self.started:
            worker.stop()

    def kill(self) -> None:
        """SIGKILL every worker still running (a test's end: nothing of theirs is needed any more)."""
        for worker in self.started:
            if worker.process.poll() is None:
                worker.kill()

