"""Throughput of N `trimtab worker` processes against the local KIS, under the request limit they share in Redis.

    python benchmarks/worker_bench.py [--env real|virtual] [--workers 1,2,3,4] [--runs 16] [--latency 0.05]

For each N: a fresh SQLite database with `--runs` KIS accounts on the demo model, a fresh local KIS (its calls
answered `--latency` seconds late, like a network's round trip), N workers (one process each) on a queue of
their own, then one dry run per account enqueued; timed from the enqueue to the last run's end. The requests
a second over that time (counted where they arrive, at the local KIS) rise with N until the broker's limit
(20 a second real, 2 virtual) caps them, and KIS never has to refuse one. Needs RabbitMQ (127.0.0.1:5672) and Redis
(127.0.0.1:6379), and the queue extra.
"""

from __future__ import annotations

import argparse
import contextlib
import secrets
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import text

from trimtab import bootstrap
from trimtab.adapters.persistence.database import make_engine
from trimtab.adapters.shared_limit import limit_key
from trimtab.config import Settings
from trimtab_testkit.workers import Workers, serve_counted_kis

ROOT = Path(__file__).resolve().parents[1]
RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672//"
REDIS_URL = "redis://127.0.0.1:6379/0"
FINAL = ("completed", "needs_attention", "failed", "skipped", "dry_run")


@dataclass(frozen=True)
class Result:
    workers: int
    runs: int
    seconds: float
    requests: int
    requests_per_second: float
    most_in_one_second: int
    refused: int


def _finished(database: str) -> tuple[int, int]:
    engine = make_engine(database)
    try:
        with engine.connect() as connection:
            statuses = [row[0] for row in connection.execute(text("select status from rebalancing_runs"))]
    finally:
        engine.dispose()
    return len(statuses), sum(status in FINAL for status in statuses)


@contextlib.contextmanager
def _queue() -> Iterator[str]:
    from kombu import Connection

    name = f"trimtab-bench-{secrets.token_hex(4)}"
    try:
        yield name
    finally:
        with Connection(RABBITMQ_URL, connect_timeout=5) as connection:
            connection.default_channel.queue_delete(name)


def _forget_limit(app_key: str, environment: str) -> None:
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(limit_key("kis", environment, app_key))


def measure(count: int, runs: int, environment: str, latency: float, folder: Path) -> Result:
    """Time `runs` dry runs on `count` workers; count the requests at the local KIS."""
    database = f"sqlite:///{folder / 'trimtab.db'}"
    accounts = [f"KIS-{number:03d}" for number in range(runs)]
    with _queue() as queue_name, serve_counted_kis(environment=environment, latency=latency,
                                                       app_key=f"PSBENCH{secrets.token_hex(15)}"[:36]) as kis:
        settings = Settings(database_url=database, queue_url=SecretStr(RABBITMQ_URL), queue_name=queue_name)
        trimtab = bootstrap.build(settings)
        trimtab.init(demo=True)
        for account in accounts:
            trimtab.add_account(account, name=account, currency="KRW", broker="kis")
            trimtab.assign(account, "KR-ALLWEATHER")
        _forget_limit(kis.config.app_key, environment)
        workers = Workers(folder, {"TRIMTAB_QUEUE_URL": RABBITMQ_URL, "TRIMTAB_QUEUE_NAME": queue_name,
                                   "TRIMTAB_DATABASE_URL": database, "TRIMTAB_REDIS_URL": REDIS_URL,
                                   **kis.settings(folder / "tokens.json")}, root=ROOT)
        try:
            workers.start(count)
            workers.wait_ready()
            began = time.monotonic()
            trimtab.enqueue_runs(accounts, execute=False)
            while _finished(database) != (runs, runs):
                time.sleep(0.2)
            seconds = time.monotonic() - began
        finally:
            workers.stop()
            bootstrap.storage_engine(trimtab).dispose()
            _forget_limit(kis.config.app_key, environment)
        requests = len(kis.arrivals.times)
        return Result(count, runs, seconds, requests, requests / seconds, kis.arrivals.most_in_one_second(),
                      kis.state.rate_limited)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--env", choices=("real", "virtual"), default="real")
    parser.add_argument("--workers", default="1,2,3,4", help="comma list of worker counts")
    parser.add_argument("--runs", type=int, default=16, help="dry runs (accounts) per worker count")
    parser.add_argument("--latency", type=float, default=0.05, help="seconds each KIS call takes to answer")
    options = parser.parse_args()
    limit = 20 if options.env == "real" else 2
    print(f"{options.runs} KIS dry runs per row, {options.env} ({limit} requests/s per app key), "
          f"{options.latency * 1000:.0f} ms per call")
    print(f"{'workers':>7} {'seconds':>8} {'runs/s':>7} {'requests':>8} {'req/s':>6} {'max/1s':>6} {'refused':>7}")
    for count in (int(part) for part in options.workers.split(",")):
        with tempfile.TemporaryDirectory(prefix="trimtab-worker-bench-") as folder:
            result = measure(count, options.runs, options.env, options.latency, Path(folder))
        print(f"{result.workers:>7} {result.seconds:>8.1f} {result.runs / result.seconds:>7.2f} "
              f"{result.requests:>8} {result.requests_per_second:>6.1f} {result.most_in_one_second:>6} "
              f"{result.refused:>7}")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
