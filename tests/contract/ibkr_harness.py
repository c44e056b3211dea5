"""The contract suite's IBKR harness: IbkrBroker over ib_async to the local IB Gateway, on a hand-moved clock.

The gateway, the IB connection and the broker live on one event loop in a thread of their own, because the
suite runs each scenario in a fresh `asyncio.run`; the harness's broker forwards each call to that loop.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import threading
from collections.abc import Coroutine, Iterator, Sequence
from decimal import Decimal
from typing import Any, TypeVar

from tests.contract.harness import BrokerHarness, Capabilities
from tests.integration.ibkr.gateway_kit import HandClock
from trimtab.adapters.brokers.ibkr.broker import IbkrBroker, IbkrBrokerConfig
from trimtab.adapters.brokers.ibkr.connection import IbkrConnectionSettings, connect
from trimtab.application.ports import BrokerPort
from trimtab.domain.execution import Fill, OrderReport, OrderRequest
from trimtab.domain.snapshot import AccountSnapshot
from trimtab_testkit.ibgw.model import FakeAccount, FakeInstrument, GatewayConfig
from trimtab_testkit.ibgw.server import LocalGateway

T = TypeVar("T")
IB_ACCOUNT = "DU5000001"


class LoopThread:
    """An event loop running in a daemon thread."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="ibkr-harness", daemon=True)
        self.thread.start()

    def run(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout=60)

    async def call(self, coroutine: Coroutine[Any, Any, T]) -> T:
        return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coroutine, self.loop))

    def stop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


class ThreadedBroker:
    """The BrokerPort of a broker that lives on another loop (IBKR's, or ccxt's aiohttp session)."""

    def __init__(self, broker: BrokerPort, thread: LoopThread) -> None:
        self.inner = broker
        self.thread = thread

    @property
    def is_live(self) -> bool:
        return self.inner.is_live

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        return await self.thread.call(self.inner.get_snapshot(account_id, symbols))

    async def submit(self, request: OrderRequest) -> OrderReport:
        return await self.thread.call(self.inner.submit(request))

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        return await self.thread.call(self.inner.cancel(account_id, client_order_id))

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        return await self.thread.call(self.inner.get_order(account_id, client_order_id))

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        return await self.thread.call(self.inner.list_orders(account_id))

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        return await self.thread.call(self.inner.get_fills(account_id, client_order_id))


class EpochClock:
    """trimtab's Clock over the gateway's hand clock."""

    def __init__(self, epoch: HandClock) -> None:
        self.epoch = epoch

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.epoch(), dt.UTC)


def contract_gateway(clock: HandClock, cash: Decimal, holdings: dict[str, Decimal]) -> GatewayConfig:
    """One USD paper account; AAPL (a stock), SPY and QQQ (ETFs)."""
    return GatewayConfig(
        accounts=[FakeAccount(IB_ACCOUNT, "USD", {"USD": cash}, dict(holdings))],
        instruments=[FakeInstrument("AAPL", 265598, Decimal("271.40")),
                     FakeInstrument("SPY", 756733, Decimal("662.15"), primary_exchange="ARCA", stock_type="ETF"),
                     FakeInstrument("QQQ", 320227571, Decimal("598.62"), stock_type="ETF")],
        clock=clock, fill_fraction=Decimal("0.3"),
    )


def ibkr_harness(start: dt.datetime) -> Iterator[BrokerHarness]:
    """The contract's account on the local IB Gateway: 100,000 USD, 20 AAPL and 30 SPY."""
    holdings = {"AAPL": Decimal(20), "SPY": Decimal(30)}
    clock = HandClock(start.timestamp())
    thread = LoopThread()
    gateway = LocalGateway(contract_gateway(clock, Decimal(100_000), holdings))
    thread.run(gateway.start())

    async def connected() -> IbkrBroker:
        ib, _ = await connect(IbkrConnectionSettings(port=gateway.port, client_id=3, timeout_seconds=5))
        return IbkrBroker(ib, IbkrBrokerConfig("IBKR-CONTRACT", IB_ACCOUNT), EpochClock(clock))

    broker = thread.run(connected())
    try:
        yield BrokerHarness(
            name="ibkr", broker=ThreadedBroker(broker, thread), account_id="IBKR-CONTRACT", currency="USD",
            cash=Decimal(100_000), holdings=holdings, stock="AAPL", etf="SPY", unheld="QQQ", advance=clock.advance,
            capabilities=Capabilities(partial_fills=True, krx_sell_tax=False, price_limits=False),
        )
    finally:
        thread.run(_close(broker, gateway))
        thread.stop()


async def _close(broker: IbkrBroker, gateway: LocalGateway) -> None:
    broker.ib.disconnect()
    await gateway.close()
