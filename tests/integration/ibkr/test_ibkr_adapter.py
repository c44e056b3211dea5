"""The IBKR adapter's own rules on the local IB Gateway: discovery, accounts, guards, Decimal edges, resume."""

from __future__ import annotations

import asyncio
import datetime as dt
import socket
from decimal import Decimal

import pytest

from tests.integration.ibkr.gateway_kit import HandClock, desk, running
from trimtab.adapters.brokers.ibkr import connection
from trimtab.adapters.brokers.ibkr.broker import IbkrBroker, IbkrBrokerConfig
from trimtab.adapters.brokers.ibkr.convert import to_decimal, to_wire
from trimtab.adapters.brokers.ibkr.factory import IbkrBrokerFactory, IbkrSettings
from trimtab.application.brokers import BrokerChoice
from trimtab.application.records import Account
from trimtab.application.safety import TradingDisabled, TradingSafety, ensure_may_trade
from trimtab.domain.errors import BrokerUnavailable, DomainError, InvalidInput, OrderRejected
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.orders import OrderType, Side

CREATED = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def account(account_id: str, currency: str = "USD") -> Account:
    return Account(account_id, account_id, currency, "ibkr", CREATED)


def factory(port: int | None, **options: object) -> IbkrBrokerFactory:
    clock = HandClock()
    settings = IbkrSettings(port=port, client_id=4, timeout_seconds=3, **options)  # type: ignore[arg-type]
    return IbkrBrokerFactory(settings, _Clock(clock), asyncio.sleep)


class _Clock:
    def __init__(self, epoch: HandClock) -> None:
        self.epoch = epoch

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.epoch(), dt.UTC)


def request(client_order_id: str, quantity: str, price: str | None = "251.00", symbol: str = "SMH") -> OrderRequest:
    kind = OrderType.LIMIT if price is not None else OrderType.MARKET
    return OrderRequest(client_order_id, "DU222", symbol, Side.BUY, Decimal(quantity), kind,
                        None if price is None else Decimal(price))


def test_discovery_tries_the_ports_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            closed = free_port()
            monkeypatch.setattr(connection, "DISCOVERY_PORTS", (closed, gateway.port))
            ib, port = await connection.connect(connection.IbkrConnectionSettings(client_id=8, timeout_seconds=3))
            ib.disconnect()
            assert port == gateway.port
            monkeypatch.setattr(connection, "DISCOVERY_PORTS", (closed,))
            with pytest.raises(BrokerUnavailable, match=f"tried {closed}: ConnectionRefusedError"):
                await connection.connect(connection.IbkrConnectionSettings(client_id=8, timeout_seconds=3))

    asyncio.run(scenario())


def test_factory_connects_a_managed_account_and_refuses_others() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ibkr = factory(None, accounts={"desk-a": "DU111"})
            choice = BrokerChoice("ibkr", base_url=f"127.0.0.1:{gateway.port}")
            async with ibkr.connect(account("desk-a"), choice, None) as connected:
                assert connected.name == "ibkr"
                assert isinstance(connected.broker, IbkrBroker)
                assert connected.broker.config.ib_account == "DU111"
                assert not connected.broker.is_live
                snapshot = await connected.broker.get_snapshot("desk-a", ["IAU"])
                assert snapshot.cash == Decimal(50_000)
                assert {h.symbol: h.quantity for h in snapshot.holdings} == {"SPMO": Decimal(10)}
                assert snapshot.quotes["IAU"].price == Decimal("61.45")
                assert snapshot.quotes["SPMO"].instrument.tick_size == Decimal("0.01")
            with pytest.raises(InvalidInput, match="this login manages DU111, DU222"):
                async with factory(gateway.port).connect(account("U999"), BrokerChoice(), None):
                    pass

    asyncio.run(scenario())


def test_live_accounts_need_live_trading_and_the_kill_switch_blocks_all() -> None:
    broker = IbkrBroker.__new__(IbkrBroker)
    broker.config = IbkrBrokerConfig("A", "U1234567")
    assert broker.is_live
    with pytest.raises(TradingDisabled):
        ensure_may_trade(broker, TradingSafety(live_trading_enabled=False))
    ensure_may_trade(broker, TradingSafety(live_trading_enabled=True))
    with pytest.raises(TradingDisabled):
        ensure_may_trade(broker, TradingSafety(live_trading_enabled=True, kill_switch=True))
    paper = IbkrBroker.__new__(IbkrBroker)
    paper.config = IbkrBrokerConfig("B", "DU1234567")
    assert not paper.is_live


def test_numbers_cross_the_edge_through_their_text() -> None:
    assert to_decimal(250.1) == Decimal("250.1")
    assert to_decimal(1.7976931348623157e308) is None
    assert to_decimal(float("nan")) is None
    assert to_wire(Decimal("250.12"), "price") == 250.12
    with pytest.raises(DomainError, match="cannot be sent exactly"):
        to_wire(Decimal("0.12345678901234567890"), "price")


def test_fractions_are_refused_before_sending_and_resume_never_sends_twice() -> None:
    clock = HandClock()

    async def scenario() -> None:
        async with running(desk(clock)) as gateway:
            choice = BrokerChoice("ibkr", base_url=str(gateway.port))
            async with factory(None).connect(account("DU222"), choice, None) as connected:
                broker = connected.broker
                half = await broker.submit(request("half-1", "0.5"))
                assert (half.status, half.reject_code) == (OrderStatus.REJECTED, "10243")
                first = await broker.submit(request("buy-1", "4"))
                assert first.status is OrderStatus.ACCEPTED
                rejected = await broker.submit(request("buy-2", "100000"))
                assert (rejected.status, rejected.reject_code) == (OrderStatus.REJECTED, "201")
                assert "AVAILABLE FUNDS" in rejected.reject_message
            placed = len(gateway.engine.orders)
            clock.advance(60)
            async with factory(None).connect(account("DU222"), choice, None) as again:
                resumed = await again.broker.submit(request("buy-1", "4"))
                assert resumed.broker_order_id == first.broker_order_id
                assert resumed.status is OrderStatus.FILLED
                assert len(gateway.engine.orders) == placed
                fills = await again.broker.get_fills("DU222", "buy-1")
                assert sum(fill.quantity for fill in fills) == 4
                assert all(fill.commission == 1 for fill in fills)
                refused = await again.broker.get_order("DU222", "buy-2")
                assert refused is not None
                assert refused.status is OrderStatus.REJECTED
                with pytest.raises(OrderRejected, match="never received"):
                    await again.broker.cancel("DU222", "never-sent")

    asyncio.run(scenario())
