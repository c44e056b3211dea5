"""The crypto adapter against the local Binance over HTTP: each exchange error code and what trimtab makes of it,
duplicate client order ids, equity per market type, and no secret in a log line.

-2010 / -2019 / -2022 / -1013 / -4164 are rejections that keep the exchange's code and text; -1021 syncs the
time with the exchange and retries once, and a clock that stays off is named; -1003 (HTTP 429) backs off
exponentially and gives up as BrokerUnavailable; a refused key or signature is AuthenticationFailed without the
secret in the message.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal

import pytest
from pydantic import SecretStr

from tests.contract.crypto_harness import API_KEY, API_SECRET, contract_exchange
from tests.contract.ibkr_harness import EpochClock
from tests.integration.ibkr.gateway_kit import HandClock
from trimtab.adapters.brokers.crypto.broker import CryptoBroker, CryptoBrokerConfig
from trimtab.adapters.brokers.crypto.client import CryptoClient, make_exchange
from trimtab.adapters.brokers.crypto.venues import MarketType, venue_of
from trimtab.domain.errors import AuthenticationFailed, BrokerUnavailable
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import OrderType, Side
from trimtab_testkit.binance.app import LocalExchange, make_local_exchange
from trimtab_testkit.binance.gateway import Fault
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook
from trimtab_testkit.served import serve_in_thread

START = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
Scenario = Callable[[CryptoBroker], Awaitable[None]]


class Local:
    """The local exchange on a hand clock, and a way to run a scenario on a fresh broker."""

    def __init__(self, local: LocalExchange, base_url: str, clock: HandClock) -> None:
        self.local, self.base_url, self.clock = local, base_url, clock
        self.slept: list[float] = []

    def run(self, market_type: MarketType, scenario: Scenario, *, secret: str = API_SECRET) -> None:
        async def sleep(seconds: float) -> None:
            self.slept.append(seconds)

        async def main() -> None:
            venue = venue_of("binance", market_type)
            exchange = make_exchange(venue, SecretStr(API_KEY), SecretStr(secret), base_url=self.base_url,
                                     sandbox=False, clock=EpochClock(self.clock), throttle=False)
            broker = CryptoBroker(CryptoClient(exchange, venue, sleep), InMemoryBrokerOrderBook(),
                                  CryptoBrokerConfig("CX", market_type), EpochClock(self.clock))
            try:
                await scenario(broker)
            finally:
                await broker.aclose()

        asyncio.run(main())

    def paths(self) -> list[str]:
        return [path for _method, path, _params in self.local.gateway.requests]


@pytest.fixture
def local() -> Iterator[Local]:
    clock = HandClock(START.timestamp())
    served = make_local_exchange(contract_exchange(clock))
    with serve_in_thread(served.app) as base_url:
        yield Local(served, base_url, clock)


def _buy(symbol: str, quantity: str, price: str, label: str = "buy") -> OrderRequest:
    return OrderRequest(f"run-{label}", "CX", symbol, Side.BUY, Decimal(quantity), OrderType.LIMIT, Decimal(price))


def _sell(symbol: str, quantity: str, price: str) -> OrderRequest:
    return OrderRequest("run-sell", "CX", symbol, Side.SELL, Decimal(quantity), OrderType.LIMIT, Decimal(price))


@pytest.mark.parametrize(("market_type", "request_", "code", "text"), [
    ("spot", _buy("SOL/USDT", "1000", "150.00"), "-2010", "Account has insufficient balance for requested action."),
    ("spot", _sell("SOL/USDT", "21", "150.00"), "-2010", "Account has insufficient balance for requested action."),
    ("futures", _buy("SOL/USDT", "1000", "150.00"), "-2019", "Margin is insufficient."),
    ("futures", _sell("SOL/USDT", "21", "150.00"), "-2022", "ReduceOnly Order is rejected."),
])
def test_submit_refused_by_the_exchange_is_rejected_with_its_code_and_text(
    local: Local, market_type: MarketType, request_: OrderRequest, code: str, text: str,
) -> None:
    async def scenario(broker: CryptoBroker) -> None:
        report = await broker.submit(request_)
        assert (report.status, report.reject_code, report.reject_message) == (OrderStatus.REJECTED, code, text)
        assert await broker.get_order("CX", request_.client_order_id) == report

    local.run(market_type, scenario)


@pytest.mark.parametrize(("market_type", "code", "text"), [
    ("spot", "-1013", "Filter failure: NOTIONAL"),
    ("futures", "-4164", "Order's notional must be no smaller than 500 (unless you choose reduce only)."),
])
def test_submit_failing_a_filter_tightened_after_loading_is_rejected_by_the_exchange(
    local: Local, market_type: MarketType, code: str, text: str,
) -> None:
    async def scenario(broker: CryptoBroker) -> None:
        await broker.markets()
        local.local.exchange.market("LINKUSDT").min_notional = Decimal(500)  # the markets loaded said 5
        report = await broker.submit(_buy("LINK/USDT", "10", "19.00"))
        assert (report.status, report.reject_code, report.reject_message) == (OrderStatus.REJECTED, code, text)

    local.run(market_type, scenario)


@pytest.mark.parametrize(("request_", "code"), [
    (_buy("LINK/USDT", "1.5", "20.00"), "LOT_SIZE"), (_buy("LINK/USDT", "2", "20.005"), "PRICE_FILTER"),
    (_buy("LINK/USDT", "1", "2.00"), "NOTIONAL"), (_buy("DOGE/USDT", "1", "2.00"), "UNKNOWN_SYMBOL"),
])
def test_submit_off_the_markets_filters_is_rejected_before_sending(
    local: Local, request_: OrderRequest, code: str,
) -> None:
    async def scenario(broker: CryptoBroker) -> None:
        report = await broker.submit(request_)
        assert (report.status, report.reject_code) == (OrderStatus.REJECTED, code)
        assert "/api/v3/order" not in local.paths()

    local.run("spot", scenario)


def test_timestamp_outside_recv_window_syncs_time_and_retries(local: Local) -> None:
    async def scenario(broker: CryptoBroker) -> None:
        local.local.exchange.config.clock = lambda: local.clock() + 30  # the exchange runs 30 s ahead
        snapshot = await broker.get_snapshot("CX", [])
        assert snapshot.cash == Decimal(100_000)
        assert local.paths().count("/api/v3/time") == 1
        await broker.get_snapshot("CX", [])  # in step now: no second sync
        assert local.paths().count("/api/v3/time") == 1

    local.run("spot", scenario)


def test_timestamp_still_refused_after_a_sync_names_the_clock(local: Local) -> None:
    message = "Timestamp for this request is outside of the recvWindow."
    local.local.gateway.inject(Fault("/fapi/v3/account", -1021, message, times=2))

    async def scenario(broker: CryptoBroker) -> None:
        with pytest.raises(BrokerUnavailable, match=r"after a time sync \[-1021\]; check the clock"):
            await broker.get_snapshot("CX", [])

    local.run("futures", scenario)


def test_rate_limit_backs_off_exponentially_then_succeeds(local: Local) -> None:
    local.local.gateway.inject(Fault("/api/v3/account", -1003, "Too much request weight used", 429, times=3))

    async def scenario(broker: CryptoBroker) -> None:
        snapshot = await broker.get_snapshot("CX", [])
        assert snapshot.cash == Decimal(100_000)

    local.run("spot", scenario)
    assert local.slept == [0.5, 1.0, 2.0]


def test_rate_limit_that_lasts_is_broker_unavailable(local: Local) -> None:
    local.local.gateway.inject(Fault("/fapi/v1/order", -1003, "Too much request weight used", 429, times=9))

    async def scenario(broker: CryptoBroker) -> None:
        with pytest.raises(BrokerUnavailable, match=r"still limited after 5 attempts"):
            await broker.submit(_buy("LINK/USDT", "1", "20.00"))

    local.run("futures", scenario)
    assert len(local.slept) == 4


def test_real_weight_limit_answers_429_and_the_adapter_waits(local: Local) -> None:
    local.local.exchange.config.weight_limit = 30  # exchangeInfo 20 + account 20 is over

    async def scenario(broker: CryptoBroker) -> None:
        waits = local.slept

        async def next_minute(seconds: float) -> None:
            waits.append(seconds)
            local.clock.advance(60)

        broker.client.sleep = next_minute  # the wait moves the shared clock to the next minute
        snapshot = await broker.get_snapshot("CX", [])
        assert snapshot.cash == Decimal(100_000)

    local.run("spot", scenario)
    assert local.slept


def test_wrong_secret_is_authentication_failed_without_the_secret(local: Local) -> None:
    wrong = "wrong-secret-" + "w" * 40

    async def scenario(broker: CryptoBroker) -> None:
        with pytest.raises(AuthenticationFailed) as raised:
            await broker.get_snapshot("CX", [])
        assert "-1022" in str(raised.value)
        assert wrong not in str(raised.value)
        assert API_KEY not in str(raised.value)

    local.run("spot", scenario, secret=wrong)


def test_no_log_line_carries_the_key_or_the_secret(local: Local, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level("DEBUG")
    local.local.gateway.inject(Fault("/api/v3/account", -1003, "Too much request weight used", 429))

    async def scenario(broker: CryptoBroker) -> None:
        await broker.get_snapshot("CX", [])
        report = await broker.submit(_buy("LINK/USDT", "10", "20.20"))
        assert report.status.is_open or report.status is OrderStatus.FILLED
        assert (await broker.submit(_buy("SOL/USDT", "1000", "150.00", "big"))).status is OrderStatus.REJECTED

    local.run("spot", scenario)
    assert "rate-limited" in caplog.text
    assert API_SECRET not in caplog.text
    assert API_KEY not in caplog.text


@pytest.mark.parametrize("market_type", ["spot", "futures"])
def test_resubmit_without_the_order_book_adopts_the_open_order_the_exchange_refuses_to_duplicate(
    local: Local, market_type: MarketType,
) -> None:
    resting = _buy("LINK/USDT", "3", "18.00", "rest")  # under the market: it rests, open
    first: list[str] = []

    async def place(broker: CryptoBroker) -> None:
        first.append((await broker.submit(resting)).broker_order_id)

    async def place_again(broker: CryptoBroker) -> None:  # a fresh broker: its order book never saw the id
        report = await broker.submit(resting)
        assert report.status is OrderStatus.ACCEPTED
        assert report.broker_order_id == first[0]

    local.run(market_type, place)
    local.run(market_type, place_again)
    orders = [o for o in local.local.exchange.orders if o.client_order_id == resting.client_order_id]
    assert len(orders) == 1


@pytest.mark.parametrize("market_type", ["spot", "futures"])
def test_equity_of_the_market_type_counts_open_orders_and_positions_at_their_price(
    local: Local, market_type: MarketType,
) -> None:
    async def scenario(broker: CryptoBroker) -> None:
        assert await broker.get_equity("CX") == Decimal(193_000)  # 100,000 USDT + 20 SOL x 150 + 30 ETH x 3,000
        await broker.submit(_buy("LINK/USDT", "3", "18.00", "rest"))  # rests: cash locked or margin held
        assert await broker.get_equity("CX") == Decimal(193_000)
        local.local.exchange.set_price("SOLUSDT", Decimal("160.00"))
        assert await broker.get_equity("CX") == Decimal(193_200)

    local.run(market_type, scenario)
