"""Three `trimtab worker` processes reading one KIS app key at once keep KIS's virtual limit (2 requests a
second) together, through the limit they share in Redis: measured where the requests arrive, at the local KIS."""

from __future__ import annotations

import secrets
from pathlib import Path

from pydantic import SecretStr

from tests.e2e.cli_process import query_database
from tests.queue.conftest import RABBITMQ_URL, REDIS_URL, wait_until
from trimtab import bootstrap
from trimtab.adapters.shared_limit import limit_key
from trimtab.application.facade import Trimtab
from trimtab.config import Settings
from trimtab_testkit.workers import Workers, serve_counted_kis

FINAL = ("completed", "needs_attention", "failed", "skipped", "dry_run")


def _facade(database: str, queue_name: str, accounts: list[str]) -> Trimtab:
    """A facade on a database with these KIS accounts on the demo model."""
    trimtab = bootstrap.build(Settings(database_url=database, queue_url=SecretStr(RABBITMQ_URL), queue_name=queue_name))
    trimtab.init(demo=True)
    for account in accounts:
        trimtab.add_account(account, name=account, currency="KRW", broker="kis")
        trimtab.assign(account, "KR-ALLWEATHER")
    return trimtab


def _own_app_key() -> str:
    """An app key of this test only: its limit in Redis is nobody else's (36 characters, like a real one)."""
    return f"PSTEST{secrets.token_hex(15)}"


def _forget_limit(app_key: str) -> None:
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(limit_key("kis", "virtual", app_key))


def test_three_workers_on_one_kis_app_key_keep_two_requests_a_second_together(
    tmp_path: Path, queue_name: str, workers: Workers,
) -> None:
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    trimtab = _facade(database, queue_name, ["KIS-A", "KIS-B", "KIS-C"])
    with serve_counted_kis(app_key=_own_app_key()) as kis:  # virtual: 2 a second, EGW00201 over it
        _forget_limit(kis.config.app_key)
        workers.settings.update({"TRIMTAB_DATABASE_URL": database, "TRIMTAB_REDIS_URL": REDIS_URL,
                                 **kis.settings(tmp_path / "tokens.json")})
        workers.start(3)
        workers.wait_ready()  # all three consume before the runs arrive
        run_ids = [queued.run_id for queued in trimtab.enqueue_runs(["KIS-A", "KIS-B", "KIS-C"], execute=False)]
        bootstrap.storage_engine(trimtab).dispose()

        def finished() -> bool:
            rows = query_database(database, "select status from rebalancing_runs")
            return len(rows) == 3 and all(status in FINAL for (status,) in rows)

        try:
            wait_until(finished, 80, "three KIS dry runs", workers.logs)
        finally:
            _forget_limit(kis.config.app_key)

    rows = query_database(database, "select run_id, status, created_at, updated_at from rebalancing_runs")
    assert sorted((run_id, status) for run_id, status, _, _ in rows) == sorted((r, "dry_run") for r in run_ids)
    assert max(created for _, _, created, _ in rows) < min(updated for _, _, _, updated in rows), (
        "the three runs were driven at the same time")
    assert len(kis.arrivals.times) >= 15, "enough requests to measure a rate"
    assert kis.arrivals.rate() <= 2.0  # the aggregate rate, where the requests arrive
    # The limit is kept where requests leave. On a starved machine a request held up on its way can still land
    # in the same second as a later one: KIS refuses it (EGW00201), the client backs off and sends it again (the
    # runs above all ended); such refusals stay rare (none on a quiet machine, at most 2 with both cores busy).
    assert kis.state.rate_limited <= 2, "KIS had to refuse more than a stray request"
    assert kis.arrivals.most_in_one_second() <= 2 + kis.state.rate_limited
    assert all("created for account" in worker.output() for worker in workers.started)


def test_a_worker_killed_mid_kis_run_has_it_finished_by_another_and_kis_gets_each_order_once(
    tmp_path: Path, queue_name: str, workers: Workers,
) -> None:
    """KIS keeps no client order id: an order sent twice would be two orders there."""
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    trimtab = _facade(database, queue_name, ["KIS-DEMO"])
    with serve_counted_kis(requests_per_second=20, app_key=_own_app_key()) as kis:
        _forget_limit(kis.config.app_key)
        workers.settings.update({
            "TRIMTAB_DATABASE_URL": database, "TRIMTAB_REDIS_URL": REDIS_URL, "TRIMTAB_KIS_REQUESTS_PER_SECOND": "20",
            # simulated seconds (20 × real): a poll every 10 s, fills awaited up to 600 s
            "TRIMTAB_POLL_INTERVAL_SECONDS": "10", "TRIMTAB_FILL_TIMEOUT_SECONDS": "600",
            **kis.settings(tmp_path / "tokens.json")})
        (doomed,) = workers.start(1)
        (queued,) = trimtab.enqueue_runs(["KIS-DEMO"], execute=True)
        bootstrap.storage_engine(trimtab).dispose()

        def kis_has_orders() -> bool:
            return len(kis.state.orders) >= 2

        try:
            wait_until(kis_has_orders, 60, "the run sending orders to KIS", workers.logs)
            doomed.kill()
            assert query_database(database, "select status from rebalancing_runs") == [("running",)]
            survivors = workers.start(2)
            wait_until(lambda: query_database(database, "select status from rebalancing_runs")[0][0] in FINAL,
                       60, "the run finished on another worker", workers.logs)
        finally:
            _forget_limit(kis.config.app_key)

    assert query_database(database, "select run_id, status from rebalancing_runs") == [(queued.run_id, "completed")]
    numbers = [row[0] for row in query_database(database, "select broker_order_id from broker_orders "
                                                         "where broker_order_id is not null")]
    assert sorted(numbers) == sorted(order.odno for order in kis.state.orders)
    assert len(set(numbers)) == len(numbers)
    assert all(order.remaining == 0 for order in kis.state.orders)
    assert sum("took the run over" in worker.output() for worker in survivors) == 1
