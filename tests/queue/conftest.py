"""Real RabbitMQ, Redis and worker processes for the task-queue tests.

RabbitMQ (127.0.0.1:5672, guest/guest) and Redis (127.0.0.1:6379) must answer, and the queue extra (Celery,
redis) must be installed; without them these tests skip with the reason, unless TRIMTAB_REQUIRE_POSTGRES=1 (CI)
turns the skip into a failure, as for PostgreSQL. Every test has its own queue name and Redis key prefix, so
test runs (and other installations on the same RabbitMQ) never see one another's tasks.
"""

from __future__ import annotations

import importlib.util
import os
import re
import secrets
import socket
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from tests.conftest import REQUIRE_POSTGRES
from trimtab_testkit.workers import Workers

ROOT = Path(__file__).resolve().parents[2]
RABBITMQ = ("127.0.0.1", 5672)
REDIS = ("127.0.0.1", 6379)
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
REDIS_URL = "redis://127.0.0.1:6379/0"


def _answers(address: tuple[str, int]) -> bool:
    try:
        with socket.create_connection(address, timeout=2):
            return True
    except OSError:
        return False


def require_queue_services() -> None:
    """Skip (or, in CI, fail) unless Celery is installed and RabbitMQ and Redis answer."""
    missing = [name for name in ("celery", "redis") if importlib.util.find_spec(name) is None]
    reason = ""
    if missing:
        reason = f"the queue extra is not installed ({', '.join(missing)} missing: uv sync --all-extras)"
    elif not _answers(RABBITMQ):
        reason = f"no RabbitMQ answers at {RABBITMQ[0]}:{RABBITMQ[1]}"
    elif not _answers(REDIS):
        reason = f"no Redis answers at {REDIS[0]}:{REDIS[1]}"
    _skip_or_fail(reason)


def require_redis() -> None:
    """Skip (or, in CI, fail) unless the redis package is installed and Redis answers."""
    if importlib.util.find_spec("redis") is None:
        _skip_or_fail("the queue extra is not installed (redis missing: uv sync --all-extras)")
    elif not _answers(REDIS):
        _skip_or_fail(f"no Redis answers at {REDIS[0]}:{REDIS[1]}")


def _skip_or_fail(reason: str) -> None:
    if not reason:
        return
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(f"{reason} and {REQUIRE_POSTGRES}=1")
    pytest.skip(f"{reason} (set {REQUIRE_POSTGRES}=1 to fail instead of skipping)")


@pytest.fixture
def queue_name() -> Iterator[str]:
    """A queue of this test only, deleted afterwards."""
    require_queue_services()
    name = f"trimtab-test-{secrets.token_hex(6)}"
    yield name
    from kombu import Connection

    with Connection(RABBITMQ_URL, connect_timeout=5) as connection:
        connection.default_channel.queue_delete(name)


@pytest.fixture
def workers(queue_name: str, tmp_path: Path) -> Iterator[Workers]:
    """Worker processes on this test's queue (settings added by the test), stopped afterwards."""
    started = Workers(tmp_path, {"TRIMTAB_QUEUE_URL": RABBITMQ_URL, "TRIMTAB_QUEUE_NAME": queue_name}, root=ROOT)
    try:
        yield started
    finally:
        started.kill()


def wait_until(condition: Callable[[], bool], timeout: float, what: str, logs: Callable[[], str]) -> None:
    """Poll `condition` until it holds; fail with the workers' logs after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.1)
    pytest.fail(f"{what} not within {timeout:.0f} s; workers said:\n{logs()[-6000:]}")


SENDING = re.compile(r"sending (\S+) ")


def sends_per_order(logs: str) -> Mapping[str, int]:
    """How many times the workers logged sending each client order id."""
    counts: dict[str, int] = {}
    for client_order_id in SENDING.findall(logs):
        counts[client_order_id] = counts.get(client_order_id, 0) + 1
    return counts
