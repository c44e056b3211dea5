"""KisBroker against the strict local KIS: each failure mode of the real KIS and the adapter's answer to it.

Every test runs in process (httpx ASGITransport) on one manual clock shared by trimtab and the fake; nothing
sleeps for real and no date comes from the wall clock.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import logging
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, text

from tests.contract.kis_harness import ACCOUNT_NUMBER, EpochClock, local_kis
from tests.integration.kis.conftest import kst_epoch
from trimtab.adapters.brokers.kis.broker import KisBroker, KisBrokerConfig
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.credentials import KisCredentials
from trimtab.adapters.persistence.broker_orders import SqlBrokerOrderBook
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings
from trimtab_testkit.kis.app import (
    DAILY_CCLD_PATH,
    ORDER_CASH_PATH,
    FakeKisState,
    fake_state,
    make_fake_kis,
)
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook

ACCOUNT = "KIS-STRICT"
FRIDAY_10_KST = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


class Kis:
    """A broker on a fresh local KIS, the fake's state and the shared manual clock."""

    def __init__(self, tmp_path: Path, start: float | dt.datetime = FRIDAY_10_KST, **options: Any) -> None:
        at = start if isinstance(start, dt.datetime) else dt.datetime.fromtimestamp(start, dt.UTC)
        config, self.clock = local_kis(at, {"005930": 20, "069500": 30}, Decimal(10_000_000))
        config.requests_per_second = 1000
        for name, value in options.items():
            setattr(config, name, value)
        self.app = make_fake_kis(config)
        self.fake: FakeKisState = fake_state(self.app)
        client = KisClient(
            base_url="https://local-kis.test", environment=config.environment, app_key=SecretStr(config.app_key),
            app_secret=SecretStr(config.app_secret), token_cache_path=tmp_path / f"{uuid.uuid4().hex}.json",
            transport=httpx.ASGITransport(app=self.app), clock=self.clock, sleep=self.clock.sleep,
            requests_per_second=1000,
        )
        credentials = KisCredentials(SecretStr(config.app_key), SecretStr(config.app_secret),
                                     SecretStr(ACCOUNT_NUMBER))
        self.broker = KisBroker(client, credentials, InMemoryBrokerOrderBook(),
                                KisBrokerConfig(ACCOUNT, costs=CostSettings(config.commission_rate)),
                                EpochClock(self.clock))

    def run(self, coroutine: Any) -> Any:
        return asyncio.run(coroutine)

    def at(self, epoch: float) -> None:
        self.clock.now = epoch


def order(client_order_id: str, side: Side, symbol: str, quantity: int, price: int) -> OrderRequest:
    return OrderRequest(client_order_id, ACCOUNT, symbol, side, Decimal(quantity), OrderType.LIMIT, Decimal(price))


# --- transient answers: retried within a budget; an order only when KIS refused it before acting ------------------


def test_order_cash_answered_egw00201_at_http_200_is_sent_again_and_placed_once(tmp_path: Path) -> None:
    kis = Kis(tmp_path)
    kis.fake.inject_fault("EGW00201", "초당 거래건수를 초과하였습니다.", path=ORDER_CASH_PATH, status=200)

    report = kis.run(kis.broker.submit(order("r1-B-005930-0", Side.BUY, "005930", 2, 71000)))

    assert report.status is OrderStatus.ACCEPTED
    assert [(call.msg_cd, call.odno) for call in kis.fake.order_calls] == [("EGW00201", None),
                                                                           ("APBK0013", "0000000001")]
    assert len(kis.fake.orders) == 1


def test_order_cash_answered_egw00215_is_not_resent_blindly_and_is_reconciled(tmp_path: Path) -> None:
    kis = Kis(tmp_path)
    kis.fake.inject_fault("EGW00215", path=ORDER_CASH_PATH, status=500)
    request = order("r1-B-005930-0", Side.BUY, "005930", 2, 71000)

    async def scenario() -> tuple[Any, Any]:
        with pytest.raises(BrokerUnavailable, match="outcome unknown"):
            await kis.broker.submit(request)
        assert len(kis.fake.order_calls) == 1  # not sent again on the spot
        return await kis.broker.get_order(ACCOUNT, request.client_order_id), await kis.broker.submit(request)

    unseen, placed = kis.run(scenario())
    assert unseen is None  # KIS shows no such order: the next submit may send it
    assert placed.status is OrderStatus.ACCEPTED
    assert len(kis.fake.orders) == 1


def test_daily_ccld_changing_between_pages_restarts_from_the_first_page(tmp_path: Path) -> None:
    kis = Kis(tmp_path)
    requests = [order(f"r1-S-005930-{i}", Side.SELL, "005930", 1, 80_000) for i in range(16)]  # 16 rows: 2 pages
    first_pages = []

    class FillBetweenPages:
        """After the first answered history page, the price reaches the sells: their rows change."""

        def __init__(self, app: Any) -> None:
            self.app, self.done = app, False

        async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
            headers = dict(scope.get("headers") or [])
            if scope["type"] == "http" and scope["path"] == DAILY_CCLD_PATH and headers.get(b"tr_cont") != b"N":
                first_pages.append(kis.clock())
            await self.app(scope, receive, send)
            if scope["type"] == "http" and scope["path"] == DAILY_CCLD_PATH and not self.done:
                self.done = True
                kis.fake.set_price("005930", 80_000)
                kis.clock.advance(10)

    async def scenario() -> Any:
        for request in requests:
            await kis.broker.submit(request)
        transport = kis.broker._client._http._transport
        assert isinstance(transport, httpx.ASGITransport)
        transport.app = FillBetweenPages(transport.app)
        return await kis.broker.get_order(ACCOUNT, requests[0].client_order_id)

    report = kis.run(scenario())
    assert report.status is OrderStatus.FILLED
    assert len(first_pages) == 2  # read once, then again from the first page after SYDB0050


# --- permanent refusals: rejected with KIS's code, never resent ---------------------------------------------------


@pytest.mark.parametrize(("start", "request_", "code"), [
    (FRIDAY_10_KST, order("r1-B-005930-0", Side.BUY, "005930", 140, 71_500), "APBK0952"),
    (FRIDAY_10_KST, order("r1-S-005930-0", Side.SELL, "005930", 21, 71_500), "APBK0400"),
    (kst_epoch(2026, 11, 21, 10), order("r1-B-005930-0", Side.BUY, "005930", 1, 71_500), "40100000"),
    (kst_epoch(2026, 11, 20, 16), order("r1-B-005930-0", Side.BUY, "005930", 1, 71_500), "APBK0919"),
], ids=["insufficient cash", "oversell", "not a business day (virtual)", "market closed"])
def test_refusal_with_rt_cd_7_is_rejected_with_the_real_code_and_never_resent(
    tmp_path: Path, start: Any, request_: OrderRequest, code: str,
) -> None:
    kis = Kis(tmp_path, start)

    first = kis.run(kis.broker.submit(request_))
    again = kis.run(kis.broker.submit(request_))

    assert (first.status, first.reject_code) == (OrderStatus.REJECTED, code)
    assert again == first
    assert [(call.rt_cd, call.msg_cd) for call in kis.fake.order_calls] == [("7", code)]


# --- day orders: expired after their close, never cancelled later ---------------------------------------------------


@pytest.mark.parametrize("keep_remaining", [True, False], ids=["row keeps rmn_qty", "row drops rmn_qty"])
def test_order_left_open_is_expired_on_a_later_day_and_not_cancelled(tmp_path: Path, keep_remaining: bool) -> None:
    kis = Kis(tmp_path, expired_rows_keep_remaining=keep_remaining)
    request = order("r1-B-005930-0", Side.BUY, "005930", 5, 70_000)  # rests below the market

    async def scenario() -> tuple[Any, Any, Any]:
        sent = await kis.broker.submit(request)
        kis.at(kst_epoch(2026, 11, 23, 10))  # Monday
        return sent, await kis.broker.get_order(ACCOUNT, request.client_order_id), await kis.broker.cancel(
            ACCOUNT, request.client_order_id)

    sent, seen, cancelled = kis.run(scenario())
    assert sent.status is OrderStatus.ACCEPTED
    assert (seen.status, seen.filled_quantity) == (OrderStatus.EXPIRED, Decimal(0))
    assert cancelled.status is OrderStatus.EXPIRED
    assert kis.fake.rvsecncl_calls == []  # nothing left to cancel: no request sent


def test_closing_auction_fills_at_1530_and_what_is_left_expires_after_the_grace(tmp_path: Path) -> None:
    kis = Kis(tmp_path, kst_epoch(2026, 11, 20, 15, 25))
    marketable = order("r1-B-005930-0", Side.BUY, "005930", 5, 71_500)
    resting = order("r1-B-005930-1", Side.BUY, "005930", 5, 70_000)

    async def scenario() -> list[Any]:
        await kis.broker.submit(marketable)
        await kis.broker.submit(resting)
        kis.at(kst_epoch(2026, 11, 20, 15, 29, 59))
        seen: list[Any] = [await kis.broker.get_order(ACCOUNT, marketable.client_order_id)]
        kis.at(kst_epoch(2026, 11, 20, 15, 35))
        seen += [await kis.broker.get_order(ACCOUNT, request.client_order_id) for request in (marketable, resting)]
        kis.at(kst_epoch(2026, 11, 20, 15, 41))
        seen.append(await kis.broker.get_order(ACCOUNT, resting.client_order_id))
        seen.append(await kis.broker.get_fills(ACCOUNT, marketable.client_order_id))
        return seen

    before, auctioned, waiting, expired, fills = kis.run(scenario())
    assert (before.status, before.filled_quantity) == (OrderStatus.ACCEPTED, Decimal(0))  # no continuous fills
    assert (auctioned.status, auctioned.average_price) == (OrderStatus.FILLED, Decimal(71_500))
    assert [(fill.quantity, fill.price) for fill in fills] == [(Decimal(5), Decimal(71_500))]  # one price
    assert waiting.status is OrderStatus.ACCEPTED  # 15:35: the auction's results may still come
    assert expired.status is OrderStatus.EXPIRED


def test_opening_auction_takes_orders_from_0830_and_fills_them_at_0900_at_one_price(tmp_path: Path) -> None:
    kis = Kis(tmp_path, kst_epoch(2026, 11, 20, 8, 45))
    request = order("r1-B-005930-0", Side.BUY, "005930", 8, 71_500)

    async def scenario() -> tuple[Any, Any, Any]:
        sent = await kis.broker.submit(request)
        kis.at(kst_epoch(2026, 11, 20, 9, 0, 5))
        return sent, await kis.broker.get_order(ACCOUNT, request.client_order_id), await kis.broker.get_fills(
            ACCOUNT, request.client_order_id)

    sent, filled, fills = kis.run(scenario())
    assert sent.status is OrderStatus.ACCEPTED
    assert filled.status is OrderStatus.FILLED
    assert [(fill.quantity, fill.price) for fill in fills] == [(Decimal(8), Decimal(71_500))]


# --- costs: a total that may cover other orders is never charged to one --------------------------------------------


def test_costs_of_a_lone_order_are_kis_estimate_and_of_two_orders_the_schedule_not_the_day_total(
    tmp_path: Path,
) -> None:
    lone = Kis(tmp_path, fill_interval_seconds=0)
    pair = Kis(tmp_path, fill_interval_seconds=0)
    first, second = order("r1-S-005930-0", Side.SELL, "005930", 10, 71_500), order(
        "r1-S-005930-1", Side.SELL, "005930", 5, 71_500)

    async def costs(kis: Kis, requests: list[OrderRequest]) -> list[tuple[Decimal, Decimal]]:
        for request in requests:
            await kis.broker.submit(request)
        found = []
        for request in requests:
            fills = await kis.broker.get_fills(ACCOUNT, request.client_order_id)
            found.append((sum((f.commission for f in fills), Decimal(0)), sum((f.tax for f in fills), Decimal(0))))
        return found

    # KIS: floor(715,000 × 0.00014) = 100 commission, floor(715,000 × 0.2 %) = 1,430 tax.
    assert lone.run(costs(lone, [first])) == [(Decimal(100), Decimal(1430))]
    # Two sells on one day: output2 sums both (2,295), so each order's costs come from the schedule (rounded up).
    assert pair.run(costs(pair, [first, second])) == [(Decimal(101), Decimal(1430)), (Decimal(51), Decimal(715))]


# --- cancels: both row shapes give the true remainder -----------------------------------------------------------------


@pytest.mark.parametrize("keep_remaining", [False, True], ids=["remainder dropped", "remainder kept"])
def test_cancel_of_a_partly_filled_order_is_cancelled_with_its_fills_in_both_row_shapes(
    tmp_path: Path, keep_remaining: bool,
) -> None:
    kis = Kis(tmp_path, cancel_rows_keep_remaining=keep_remaining)
    request = order("r1-B-005930-0", Side.BUY, "005930", 20, 71_500)  # 5 units every 10 s

    async def scenario() -> tuple[Any, Any, list[Any]]:
        await kis.broker.submit(request)
        kis.clock.advance(10)
        cancelled = await kis.broker.cancel(ACCOUNT, request.client_order_id)
        kis.clock.advance(60)
        return cancelled, await kis.broker.get_order(ACCOUNT, request.client_order_id), await kis.broker.list_orders(
            ACCOUNT)

    cancelled, later, listed = kis.run(scenario())
    assert (cancelled.status, cancelled.filled_quantity) == (OrderStatus.CANCELLED, Decimal(5))
    assert (later.status, later.filled_quantity) == (OrderStatus.CANCELLED, Decimal(5))
    assert [(report.broker_order_id, report.status) for report in listed] == [("0000000001", OrderStatus.CANCELLED)]


# --- order numbers: one normalised form -------------------------------------------------------------------------------


def test_zero_stripped_and_space_padded_order_numbers_are_normalised_stored_and_claimed_once(
    tmp_path: Path, engine: Engine,
) -> None:
    kis = Kis(tmp_path, order_number_quirks=True, fill_interval_seconds=0)
    kis.broker._book = SqlBrokerOrderBook(engine)
    kis.fake.inject_lost_order_response(1)
    lost, answered = order("r1-S-005930-0", Side.SELL, "005930", 3, 71_500), order(
        "r2-S-005930-0", Side.SELL, "005930", 3, 71_500)

    async def scenario() -> list[Any]:
        with pytest.raises(BrokerUnavailable):
            await kis.broker.submit(lost)
        sent = await kis.broker.submit(answered)
        return [sent, await kis.broker.get_order(ACCOUNT, answered.client_order_id),
                await kis.broker.get_order(ACCOUNT, lost.client_order_id)]

    sent, seen, adopted = kis.run(scenario())
    assert sent.broker_order_id == "0000000002"  # KIS answered "2"
    assert (seen.broker_order_id, seen.status) == ("0000000002", OrderStatus.FILLED)
    assert (adopted.broker_order_id, adopted.status) == ("0000000001", OrderStatus.FILLED)
    with engine.connect() as connection:
        stored = connection.execute(text("select broker_order_id from broker_orders order by 1")).scalars().all()
    assert stored == ["0000000001", "0000000002"]


# --- orderable cash: a halted symbol does not fail the snapshot -------------------------------------------------------


def test_psbl_order_refused_for_a_halted_symbol_tries_another_then_falls_back_to_d2_cash(
    tmp_path: Path, caplog: pytest.LogCaptureFixture,
) -> None:
    one = Kis(tmp_path, halted_symbols=frozenset({"005930"}))
    every = Kis(tmp_path, halted_symbols=frozenset({"005930", "069500"}))

    async def cash(kis: Kis) -> Decimal:
        await kis.broker.submit(order("r1-B-360750-0", Side.BUY, "360750", 10, 19_000))  # holds back 190,026
        return (await kis.broker.get_snapshot(ACCOUNT, [])).cash

    with caplog.at_level(logging.WARNING):
        assert one.run(cash(one)) == Decimal(9_809_974)  # ord_psbl_cash, asked with 069500
        assert every.run(cash(every)) == Decimal(10_000_000)  # the balance's D+2 cash
    assert "using the balance's D+2 cash" in caplog.text
