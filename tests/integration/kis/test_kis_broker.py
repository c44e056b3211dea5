"""KisBroker against the local KIS: snapshots across pages, corrected prices, lost replies, supervised runs."""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, MetaData, select

from tests.contract.kis_harness import ACCOUNT_NUMBER, EpochClock, kis_broker_for, local_kis
from tests.fakes.builders import flat
from trimtab.adapters.brokers.kis.broker import KisBroker
from trimtab.adapters.persistence.broker_orders import SqlBrokerOrderBook
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.application.ports import RunStatus
from trimtab.application.run_rebalance import RebalanceRunner
from trimtab.application.safety import TradingSafety
from trimtab.application.supervise import ExecutionPolicy
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.planning import PlanSettings
from trimtab_testkit.kis.app import FakeHolding, FakeKisState, FakePrice, fake_state

FRIDAY_10_KST = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
ACCOUNT = "KIS-TEST"


def _state(broker: KisBroker) -> FakeKisState:
    transport = broker._client._http._transport  # the ASGI app behind the in-process transport
    assert isinstance(transport, httpx.ASGITransport)
    return fake_state(transport.app)  # type: ignore[arg-type]


def _broker(tmp_path: Path, holdings: dict[str, int] | None = None, cash: int = 10_000_000,
            prices: dict[str, FakePrice] | None = None, rows: list[FakeHolding] | None = None) -> KisBroker:
    """A broker on a fresh local KIS; `prices` and `rows` are applied before the fake opens."""
    config, clock = local_kis(FRIDAY_10_KST, holdings if holdings is not None else {"005930": 20, "069500": 30},
                              Decimal(cash))
    config.prices.update(prices or {})
    if rows is not None:
        config.holdings = rows
    return kis_broker_for(config, clock, tmp_path / "tokens.json", ACCOUNT)


def _sell(client_order_id: str, symbol: str, quantity: int, price: str) -> OrderRequest:
    return OrderRequest(client_order_id, ACCOUNT, symbol, Side.SELL, Decimal(quantity), OrderType.LIMIT,
                        Decimal(price))


def test_snapshot_23_holdings_across_virtual_pages_sold_out_rows_dropped(tmp_path: Path) -> None:
    symbols = [f"{100000 + i}" for i in range(23)]
    rows = [FakeHolding(s, s, 10 + i, Decimal(10_000)) for i, s in enumerate(symbols)]
    rows += [FakeHolding("900001", "sold", 0, Decimal(10_000)), FakeHolding("900002", "sold", 0, Decimal(10_000))]
    prices = {symbol: FakePrice(Decimal(10_000), Decimal(10_000), Decimal(13_000), Decimal(7_000))
              for symbol in [*symbols, "900001", "900002"]}
    broker = _broker(tmp_path, holdings={}, prices=prices, rows=rows)

    snapshot = asyncio.run(broker.get_snapshot(ACCOUNT, []))

    assert [h.symbol for h in snapshot.holdings] == symbols
    assert [h.quantity for h in snapshot.holdings] == [Decimal(10 + i) for i in range(23)]
    assert snapshot.cash == Decimal(10_000_000)
    assert set(snapshot.quotes) == set(symbols)


def test_sell_off_kis_grid_is_corrected_before_sending_with_a_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    coarse = ((Decimal(0), Decimal(10)), (Decimal(50_000), Decimal(500)))  # KIS's grid: 500 won above 50,000
    price = FakePrice(Decimal(71_500), Decimal(71_000), Decimal(92_000), Decimal(50_000), tick_table=coarse)
    broker = _broker(tmp_path, prices={"005930": price})
    fake = _state(broker)

    with caplog.at_level(logging.WARNING):
        report = asyncio.run(broker.submit(_sell("r1-S-005930-0", "005930", 5, "71600")))

    assert report.status is OrderStatus.ACCEPTED
    assert report.limit_price == Decimal(72_000)  # up to KIS's grid: never sold cheaper than asked
    assert [call.body["ORD_UNPR"] for call in fake.order_calls if isinstance(call.body, dict)] == ["72000"]
    assert "disagree" in caplog.text
    assert "71600" in caplog.text


def test_lost_order_reply_is_adopted_on_the_next_look_never_sent_twice(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    fake = _state(broker)
    fake.inject_lost_order_response(1)
    request = _sell("r1-S-005930-0", "005930", 5, "71500")

    async def scenario() -> None:
        with pytest.raises(BrokerUnavailable):
            await broker.submit(request)
        report = await broker.get_order(ACCOUNT, request.client_order_id)
        again = await broker.submit(request)
        assert report is not None
        assert report.broker_order_id == fake.orders[0].odno
        assert again.broker_order_id == report.broker_order_id

    asyncio.run(scenario())
    assert len(fake.orders) == 1
    assert len(fake.order_calls) == 1


def test_two_identical_intents_with_lost_replies_adopt_two_different_orders(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    fake = _state(broker)
    fake.inject_lost_order_response(2)
    first, second = _sell("r1-S-005930-0", "005930", 3, "80000"), _sell("r2-S-005930-0", "005930", 3, "80000")

    async def scenario() -> tuple[str, str]:
        for request in (first, second):
            with pytest.raises(BrokerUnavailable):
                await broker.submit(request)
        one = await broker.get_order(ACCOUNT, first.client_order_id)
        two = await broker.get_order(ACCOUNT, second.client_order_id)
        assert one is not None
        assert two is not None
        return one.broker_order_id, two.broker_order_id

    numbers = asyncio.run(scenario())
    assert sorted(numbers) == sorted(order.odno for order in fake.orders)
    assert numbers[0] != numbers[1]


class _RefuseFirstOrder(httpx.AsyncBaseTransport):
    """Drop the first order-cash request before it reaches KIS (a connection that never opened)."""

    def __init__(self, inner: httpx.AsyncBaseTransport) -> None:
        self.inner = inner
        self.refused = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/order-cash") and self.refused == 0:
            self.refused += 1
            raise httpx.ConnectError("connection refused", request=request)
        return await self.inner.handle_async_request(request)


def test_order_that_never_reached_kis_is_sent_after_the_intent_was_recorded(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    fake = _state(broker)
    http = broker._client._http
    http._transport = _RefuseFirstOrder(http._transport)
    request = _sell("r1-S-005930-0", "005930", 5, "71500")

    async def scenario() -> None:
        with pytest.raises(BrokerUnavailable):
            await broker.submit(request)
        assert await broker.get_order(ACCOUNT, request.client_order_id) is None
        report = await broker.submit(request)
        assert report.status is OrderStatus.ACCEPTED

    asyncio.run(scenario())
    assert len(fake.orders) == 1


def _rebalance(broker: KisBroker, engine: Engine, policy: ExecutionPolicy) -> Any:
    store = SqlRunRepository(engine)
    clock = EpochClock(_state(broker).config.clock)  # type: ignore[arg-type]
    sleep = _state(broker).config.clock.sleep  # type: ignore[attr-defined]
    runner = RebalanceRunner(broker, "kis", store, clock, sleep, TradingSafety(), policy)
    model = flat("KR", {"005930": "40", "069500": "60"})
    return asyncio.run(runner.start(ACCOUNT, model, PlanSettings(), execute=True)), store


def test_run_partial_fills_are_supervised_and_remainders_cancelled(
    tmp_path: Path, engine: Engine, caplog: pytest.LogCaptureFixture,
) -> None:
    broker = _broker(tmp_path, holdings={"005930": 100, "069500": 10}, cash=500_000)
    broker._book = SqlBrokerOrderBook(engine)
    fake = _state(broker)
    policy = ExecutionPolicy(fill_timeout_seconds=15, poll_interval_seconds=2, reprice_ticks=1, max_reprices=1)

    with caplog.at_level(logging.DEBUG):
        run, store = _rebalance(broker, engine, policy)

    sells = [o for o in run.orders if o.request.side is Side.SELL]
    assert run.status in (RunStatus.COMPLETED, RunStatus.NEEDS_ATTENTION), run.reason
    assert any(o.status is OrderStatus.CANCELLED and o.filled_quantity > 0 for o in sells)
    assert fake.cancels, "the partly filled remainder was cancelled at KIS"
    assert all(order.remaining == 0 for order in fake.orders), "nothing left working at KIS"
    assert sum(f.quantity for f in store.list_fills(run.run_id)) == sum(
        sum(fill.quantity for fill in order.fills) for order in fake.orders)
    _assert_no_secret(broker, caplog.text, engine)


def _assert_no_secret(broker: KisBroker, logs: str, engine: Engine) -> None:
    fake = _state(broker)
    token = fake.token.value if fake.token else "no-token"
    secrets = [fake.config.app_key, fake.config.app_secret, ACCOUNT_NUMBER, ACCOUNT_NUMBER[:8], token]
    metadata = MetaData()
    metadata.reflect(engine)
    with engine.connect() as connection:
        stored = " ".join(str(row) for table in metadata.sorted_tables
                          for row in connection.execute(select(table)).all())
    assert stored
    assert logs
    for secret in secrets:
        assert secret not in logs
        assert secret not in stored


class _GridChangesOnFirstOrder:
    """ASGI wrapper: just before KIS sees the first order, 005930's grid turns to 500 won (as if the price had
    crossed into a coarser band between the quote and the order)."""

    def __init__(self, app: Any, fake: FakeKisState) -> None:
        self.app, self.fake, self.done = app, fake, False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].endswith("/order-cash") and not self.done:
            self.done = True
            old = self.fake.config.prices["005930"]
            self.fake.config.prices["005930"] = FakePrice(
                old.price, old.base_price, old.upper_limit, old.lower_limit,
                tick_table=((Decimal(0), Decimal(10)), (Decimal(50_000), Decimal(500))))
        await self.app(scope, receive, send)


def test_sell_refused_as_off_grid_is_corrected_once_from_a_fresh_quote(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    fake = _state(broker)
    transport = broker._client._http._transport
    assert isinstance(transport, httpx.ASGITransport)
    transport.app = _GridChangesOnFirstOrder(transport.app, fake)

    report = asyncio.run(broker.submit(_sell("r1-S-005930-0", "005930", 5, "71600")))

    assert [(call.body["ORD_UNPR"], call.rt_cd) for call in fake.order_calls if isinstance(call.body, dict)] == [
        ("71600", "7"), ("72000", "0")]
    assert report.status is OrderStatus.ACCEPTED
    assert report.limit_price == Decimal(72_000)
    assert len(fake.orders) == 1


def test_refusal_for_another_reason_is_rejected_with_kis_code_and_not_retried(tmp_path: Path) -> None:
    broker = _broker(tmp_path)
    fake = _state(broker)

    report = asyncio.run(broker.submit(_sell("r1-S-005930-0", "005930", 21, "71500")))  # 20 held

    assert report.status is OrderStatus.REJECTED
    assert report.reject_code == "APBK0400"  # oversell, KIS's own code
    assert len(fake.order_calls) == 1
    assert fake.orders == []
    again = asyncio.run(broker.submit(_sell("r1-S-005930-0", "005930", 21, "71500")))
    assert again == report
    assert len(fake.order_calls) == 1
