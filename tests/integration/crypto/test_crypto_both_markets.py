"""One crypto account on both of Binance's market types, against the local Binance over HTTP: orders routed by
their ccxt symbol to spot or USDT-margined futures (partial fills included), both markets' holdings in one
snapshot, and each strategy's capital from the live balance of its market type (stale from the day's summary
when the exchange is down).
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

import pytest
from pydantic import SecretStr

from tests.contract.crypto_harness import API_KEY, API_SECRET, contract_exchange
from tests.contract.ibkr_harness import EpochClock
from tests.integration.ibkr.gateway_kit import HandClock
from tests.unit.test_facade import _facade
from tests.unit.test_strategy_operations import DownFactory
from trimtab.adapters.brokers.crypto.accounts import CryptoAccountBroker
from trimtab.adapters.brokers.crypto.factory import CryptoBrokerFactory, CryptoSettings
from trimtab.application.brokers import BrokerChoice
from trimtab.application.market_balances import MarketBalance, read_market_snapshot
from trimtab.application.records import Account
from trimtab.application.strategy_operations import NewStrategy
from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.strategies import MarketType
from trimtab_testkit.binance.app import LocalExchange, make_local_exchange
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook
from trimtab_testkit.served import serve_in_thread

START = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


class Local:
    """The local Binance on a hand clock, and a crypto broker factory pointed at it."""

    def __init__(self, local: LocalExchange, base_url: str, clock: HandClock) -> None:
        self.local, self.clock = local, clock
        book = InMemoryBrokerOrderBook()

        async def sleep(_seconds: float) -> None:
            return None

        settings = CryptoSettings(base_url=base_url, api_key=SecretStr(API_KEY), api_secret=SecretStr(API_SECRET),
                                  market_types={"BN": ["spot", "futures"], "BN-SPOT": "spot"}, throttle=False)
        self.factory = CryptoBrokerFactory(settings, lambda: book, EpochClock(clock), sleep)


@pytest.fixture
def local() -> Iterator[Local]:
    clock = HandClock(START.timestamp())
    served = make_local_exchange(contract_exchange(clock))  # fills 0.3 of an order every 10 s
    with serve_in_thread(served.app) as base_url:
        yield Local(served, base_url, clock)


def _account(account_id: str = "BN") -> Account:
    return Account(account_id, account_id, "USDT", "crypto", START)


def _order(client_order_id: str, symbol: str, side: Side, quantity: str, price: str) -> OrderRequest:
    return OrderRequest(client_order_id, "BN", symbol, side, Decimal(quantity), OrderType.LIMIT, Decimal(price))


def test_one_account_trades_spot_and_futures_routed_by_symbol_with_partial_fills(local: Local) -> None:
    async def scenario() -> None:
        broker = local.factory.broker(_account(), BrokerChoice())
        assert isinstance(broker, CryptoAccountBroker)
        try:
            snapshot = await broker.get_snapshot("BN", ["LINK/USDT", "LINK/USDT:USDT"])
            assert {h.symbol: h.quantity for h in snapshot.holdings} == {
                "SOL/USDT": 20, "ETH/USDT": 30, "SOL/USDT:USDT": 20, "ETH/USDT:USDT": 30}
            assert snapshot.cash == Decimal(200_000)  # spot free 100,000 + futures available 193,000 - 93,000
            assert snapshot.quotes["LINK/USDT:USDT"].price == Decimal(20)
            assert await broker.equity_by_market_type("BN") == {
                MarketType.SPOT: MarketBalance(Decimal(193_000), Decimal(100_000)),
                MarketType.FUTURES: MarketBalance(Decimal(193_000), Decimal(100_000))}

            spot = await broker.submit(_order("r1.core-B1-LINK-0", "LINK/USDT", Side.BUY, "10", "20.00"))
            perp = await broker.submit(_order("r1.perp-B1-LINK-0", "LINK/USDT:USDT", Side.BUY, "10", "20.00"))
            close = await broker.submit(_order("r1.perp-S-SOL-0", "SOL/USDT:USDT", Side.SELL, "5", "150.00"))
            assert (spot.status, perp.status, close.status) == (OrderStatus.ACCEPTED,) * 3
            sent = {(o.market_type, o.symbol, o.client_order_id, o.reduce_only) for o in local.local.exchange.orders}
            assert sent == {("spot", "LINKUSDT", "r1.core-B1-LINK-0", False),
                            ("futures", "LINKUSDT", "r1.perp-B1-LINK-0", False),
                            ("futures", "SOLUSDT", "r1.perp-S-SOL-0", True)}

            local.clock.advance(10)  # one tranche: 3 of 10
            for client_order_id, symbol in (("r1.core-B1-LINK-0", "LINK/USDT"),
                                            ("r1.perp-B1-LINK-0", "LINK/USDT:USDT")):
                report = await broker.get_order("BN", client_order_id)
                assert report is not None
                assert (report.symbol, report.status, report.filled_quantity) == (
                    symbol, OrderStatus.PARTIALLY_FILLED, Decimal(3))
                [fill] = await broker.get_fills("BN", client_order_id)
                assert (fill.symbol, fill.quantity, fill.price) == (symbol, Decimal(3), Decimal(20))

            local.clock.advance(40)
            reports = {r.client_order_id: r for r in await broker.list_orders("BN")}
            assert {cid: (r.symbol, r.status) for cid, r in reports.items()} == {
                "r1.core-B1-LINK-0": ("LINK/USDT", OrderStatus.FILLED),
                "r1.perp-B1-LINK-0": ("LINK/USDT:USDT", OrderStatus.FILLED),
                "r1.perp-S-SOL-0": ("SOL/USDT:USDT", OrderStatus.FILLED)}
            spot_slice = await read_market_snapshot(broker, "BN", MarketType.SPOT)
            futures_slice = await read_market_snapshot(broker, "BN", MarketType.FUTURES)
            assert {h.symbol: h.quantity for h in spot_slice.holdings} == {
                "SOL/USDT": 20, "ETH/USDT": 30, "LINK/USDT": 10}
            assert {h.symbol: h.quantity for h in futures_slice.holdings} == {
                "SOL/USDT:USDT": 15, "ETH/USDT:USDT": 30, "LINK/USDT:USDT": 10}
            assert spot_slice.cash == Decimal("99799.8")  # 100,000 - 200 - 0.1 % commission
            assert futures_slice.cash + sum((h.value for h in futures_slice.holdings), Decimal(0)) == \
                (await broker.equity_by_market_type("BN"))[MarketType.FUTURES].equity

            resting = await broker.submit(_order("r2.perp-B1-LINK-0", "LINK/USDT:USDT", Side.BUY, "1", "18.00"))
            assert resting.status is OrderStatus.ACCEPTED
            assert (await broker.cancel("BN", "r2.perp-B1-LINK-0")).status is OrderStatus.CANCELLED
            assert await broker.get_order("BN", "never-sent") is None
            assert await broker.get_fills("BN", "never-sent") == []
            with pytest.raises(InvalidInput, match="not a spot symbol"):
                await read_market_snapshot(broker, "BN", MarketType.SPOT, ["BTC/USDT:USDT"])
        finally:
            await broker.aclose()

    asyncio.run(scenario())


def test_capital_of_spot_and_futures_strategies_from_each_live_balance_then_stale_from_the_summary(
    local: Local,
) -> None:
    trimtab, _ = _facade()
    trimtab.brokers = {"crypto": local.factory}
    trimtab.add_account("BN", name="", currency="USDT", broker="crypto")
    trimtab.add_strategy("BN", NewStrategy("core", Decimal(60), market_type="spot"))
    trimtab.add_strategy("BN", NewStrategy("alt", Decimal(40), market_type="spot"))
    trimtab.add_strategy("BN", NewStrategy("perp", Decimal(1), market_type="futures"))
    local.local.exchange.set_price("SOLUSDT", Decimal("160.00"))  # spot and futures both gain 200 USDT

    live = asyncio.run(trimtab.capital("BN"))
    assert {c.strategy.strategy_id: (c.capital, c.is_stale) for c in live.allocations} == {
        "core": (Decimal(115_920), False), "alt": (Decimal(77_280), False), "perp": (Decimal(193_200), False)}
    summaries = {m: trimtab.storage.summaries.latest("BN", m) for m in ("spot", "futures")}
    assert {m: (s.equity, s.cash) for m, s in summaries.items() if s is not None} == {
        "spot": (Decimal(193_200), Decimal(100_000)), "futures": (Decimal(193_200), Decimal(100_000))}

    trimtab.brokers = {"crypto": DownFactory()}  # the exchange does not answer: today's summaries stand in
    stale = asyncio.run(trimtab.capital("BN"))
    assert {c.strategy.strategy_id: (c.capital, c.is_stale) for c in stale.allocations} == {
        "core": (Decimal(115_920), True), "alt": (Decimal(77_280), True), "perp": (Decimal(193_200), True)}
    assert all("STALE" in c.reason and "connection refused" in c.reason for c in stale.allocations)


def test_capital_of_a_spot_only_account_has_no_live_futures_balance(local: Local) -> None:
    trimtab, _ = _facade()
    trimtab.brokers = {"crypto": local.factory}
    trimtab.add_account("BN-SPOT", name="", currency="USDT", broker="crypto")
    trimtab.add_strategy("BN-SPOT", NewStrategy("core", Decimal(1), market_type="spot"))
    trimtab.add_strategy("BN-SPOT", NewStrategy("perp", Decimal(1), market_type="futures"))
    report = asyncio.run(trimtab.capital("BN-SPOT"))
    assert {c.strategy.strategy_id: (c.capital, c.reason) for c in report.allocations} == {
        "core": (Decimal(193_000), ""), "perp": (None, "no live balance for this market type; no cached summary")}


def test_a_new_broker_after_a_crash_adopts_each_market_order_instead_of_sending_it_again(local: Local) -> None:
    requests = [_order("r3.core-B1-LINK-0", "LINK/USDT", Side.BUY, "2", "19.00"),
                _order("r3.perp-B1-LINK-0", "LINK/USDT:USDT", Side.BUY, "2", "19.00")]

    async def send(requests: list[OrderRequest]) -> list[str]:
        broker = local.factory.broker(_account(), BrokerChoice())  # a new process: new ccxt sessions, one book
        try:
            return [(await broker.submit(request)).broker_order_id for request in requests]
        finally:
            await broker.aclose()

    first = asyncio.run(send(requests))
    again = asyncio.run(send(requests))
    assert again == first
    assert sorted((o.market_type, o.client_order_id) for o in local.local.exchange.orders) == [
        ("futures", "r3.perp-B1-LINK-0"), ("spot", "r3.core-B1-LINK-0")]
