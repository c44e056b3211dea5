"""Injected faults: lost responses (the order still exists), random rejects under a seed, latency."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest

from tests.contract.harness import passive_price, run
from tests.integration.paper.conftest import ACCOUNT, make_broker, order
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.execution import OrderStatus
from trimtab.domain.orders import Side


def test_dropped_submit_response_then_retry_finds_the_order() -> None:
    broker, _, store = make_broker(PaperConfig(seed=2, drop_response_rate=Decimal(1)))
    request = order("lost-reply", "005930", Side.SELL, 2, None)

    with pytest.raises(BrokerUnavailable, match="lost"):
        run(broker.submit(request))
    found = run(broker.get_order(ACCOUNT, "lost-reply"))
    retried = run(broker.submit(request))

    assert found is not None
    assert found.status is OrderStatus.ACCEPTED
    assert retried == found
    assert len(run(broker.list_orders(ACCOUNT))) == 1
    stored = store.load(ACCOUNT)
    assert stored is not None
    assert stored["repeated_submissions"] == ["lost-reply"]  # the retry is on record for audits


def test_dropped_cancel_response_still_cancels() -> None:
    broker, clock, store = make_broker(PaperConfig(seed=2))
    snapshot = run(broker.get_snapshot(ACCOUNT, []))
    price = passive_price(snapshot.quotes["005930"], Side.SELL)
    run(broker.submit(order("to-cancel", "005930", Side.SELL, 2, str(price))))
    dropping = PaperBroker(store, clock, PaperConfig(seed=2, drop_response_rate=Decimal(1)))

    with pytest.raises(BrokerUnavailable):
        run(dropping.cancel(ACCOUNT, "to-cancel"))
    retried = run(dropping.cancel(ACCOUNT, "to-cancel"))

    assert retried.status is OrderStatus.CANCELLED


def _simulated_rejects(seed: int, rate: str) -> list[str]:
    broker, _, _ = make_broker(PaperConfig(seed=seed, reject_rate=Decimal(rate)))
    reports = [run(broker.submit(order(f"r-{number}", "069500", Side.SELL, 1, None))) for number in range(20)]
    return [report.client_order_id for report in reports if report.reject_code == "SIMULATED_REJECT"]


def test_reject_rate_with_fixed_seed_rejects_the_same_orders() -> None:
    rejected = _simulated_rejects(seed=3, rate="0.5")

    assert 0 < len(rejected) < 20
    assert _simulated_rejects(seed=3, rate="0.5") == rejected
    assert _simulated_rejects(seed=4, rate="0.5") != rejected
    assert _simulated_rejects(seed=3, rate="0") == []


def test_latency_delays_every_call() -> None:
    broker, _, _ = make_broker(PaperConfig(seed=1, latency_seconds=0.05))

    started = time.monotonic()
    run(broker.get_order(ACCOUNT, "nothing"))

    assert time.monotonic() - started >= 0.05
