"""The contract suite's KIS harness: KisBroker over httpx to the local KIS (in process), on a manual clock."""

from __future__ import annotations

import datetime as dt
import tempfile
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import httpx
from pydantic import SecretStr

from tests.contract.harness import BrokerHarness, Capabilities
from tests.integration.kis.conftest import ManualClock
from trimtab.adapters.brokers.kis.broker import KisBroker, KisBrokerConfig
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.credentials import KisCredentials
from trimtab.domain.snapshot import CostSettings
from trimtab_testkit.kis.app import FakeHolding, FakeKisConfig, FakePrice, make_fake_kis
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook

ACCOUNT_NUMBER = "5000000001"


class EpochClock:
    """trimtab's Clock over a manual epoch clock shared with the fake."""

    def __init__(self, epoch: ManualClock) -> None:
        self.epoch = epoch

    def now(self) -> dt.datetime:
        return dt.datetime.fromtimestamp(self.epoch(), dt.UTC)


def _price(price: int, base: int, kind: str) -> FakePrice:
    upper, lower = Decimal(base) * Decimal("1.3"), Decimal(base) * Decimal("0.7")
    return FakePrice(Decimal(price), Decimal(base), upper.to_integral_value(), lower.to_integral_value(),
                     kind="etf" if kind == "etf" else "stock")


def local_kis(start: dt.datetime, holdings: dict[str, int], cash: Decimal,
              ) -> tuple[FakeKisConfig, ManualClock]:
    """A virtual KIS account in a KRX session: 005930 (stock), 069500 and 360750 (ETFs)."""
    clock = ManualClock(start.timestamp())
    config = FakeKisConfig(
        app_key="PS" + uuid.uuid4().hex + "x" * 4, app_secret="S" + uuid.uuid4().hex * 5, environment="virtual",
        holdings=[FakeHolding(symbol, symbol, quantity, Decimal(0)) for symbol, quantity in holdings.items()],
        deposit=cash, clock=clock, account=ACCOUNT_NUMBER,
        prices={"005930": _price(71_500, 71_000, "stock"), "069500": _price(35_000, 35_000, "etf"),
                "360750": _price(20_000, 20_000, "etf")},
    )
    for index, holding in enumerate(config.holdings):
        config.holdings[index] = FakeHolding(holding.symbol, holding.name, holding.quantity,
                                             config.prices[holding.symbol].price)
    return config, clock


def kis_broker_for(config: FakeKisConfig, clock: ManualClock, cache: Path, account_id: str) -> KisBroker:
    """A KisBroker talking to the fake in process through httpx's ASGI transport."""
    client = KisClient(
        base_url="https://local-kis.test", environment=config.environment, app_key=SecretStr(config.app_key),
        app_secret=SecretStr(config.app_secret), token_cache_path=cache,
        transport=httpx.ASGITransport(app=make_fake_kis(config)), clock=clock, sleep=clock.sleep,
    )
    credentials = KisCredentials(SecretStr(config.app_key), SecretStr(config.app_secret), SecretStr(ACCOUNT_NUMBER))
    return KisBroker(client, credentials, InMemoryBrokerOrderBook(),
                     KisBrokerConfig(account_id, costs=CostSettings(config.commission_rate)), EpochClock(clock))


def kis_harness(start: dt.datetime) -> Iterator[BrokerHarness]:
    """The contract's account on the local KIS: cash 10,000,000 KRW, 20 × 005930 and 30 × 069500."""
    holdings = {"005930": 20, "069500": 30}
    config, clock = local_kis(start, holdings, Decimal(10_000_000))
    with tempfile.TemporaryDirectory() as folder:
        broker = kis_broker_for(config, clock, Path(folder) / "tokens.json", "KIS-CONTRACT")
        yield BrokerHarness(
            name="kis", broker=broker, account_id="KIS-CONTRACT", currency="KRW", cash=Decimal(10_000_000),
            holdings={symbol: Decimal(quantity) for symbol, quantity in holdings.items()}, stock="005930",
            etf="069500", unheld="360750", advance=clock.advance,
            capabilities=Capabilities(partial_fills=True, krx_sell_tax=True, price_limits=True,
                                       corrects_prices=True),
        )
