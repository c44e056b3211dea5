"""The `broker_harness` fixture: one BrokerHarness per broker adapter, the contract suite runs on each."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from decimal import Decimal

import pytest

from tests.contract.clocks import FixedClock
from tests.contract.crypto_harness import crypto_both_harness, crypto_harness
from tests.contract.harness import BrokerHarness, Capabilities
from tests.contract.ibkr_harness import ibkr_harness
from tests.contract.kis_harness import kis_harness
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab_testkit.memory import InMemoryPaperStateStore

# Friday 2026-11-20, 10:00 in Seoul: a KRX session, inside continuous trading.
KRX_MORNING = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
# Friday 2026-11-20, 10:30 in New York
NYSE_MORNING = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)


def paper_harness() -> Iterator[BrokerHarness]:
    """The paper broker over an in-memory store, a hand-moved clock and the calendar check on."""
    clock = FixedClock(KRX_MORNING)
    config = PaperConfig(seed=11, fill_interval_seconds=10, partial_fill_fraction=Decimal("0.25"))
    broker = PaperBroker(InMemoryPaperStateStore(), clock, config)
    holdings = {"005930": Decimal(20), "069500": Decimal(30)}
    broker.open_account("PAPER-CONTRACT", "KRW", Decimal(10_000_000), holdings)
    yield BrokerHarness(
        name="paper", broker=broker, account_id="PAPER-CONTRACT", currency="KRW", cash=Decimal(10_000_000),
        holdings=holdings, stock="005930", etf="069500", unheld="360750", advance=clock.advance,
        capabilities=Capabilities(partial_fills=True, krx_sell_tax=True, price_limits=True),
    )


HARNESS_FACTORIES: dict[str, Callable[[], Iterator[BrokerHarness]]] = {
    "paper": paper_harness,
    "kis": lambda: kis_harness(KRX_MORNING),
    "ibkr": lambda: ibkr_harness(NYSE_MORNING),
    "crypto-spot": lambda: crypto_harness(NYSE_MORNING, "spot"),
    "crypto-futures": lambda: crypto_harness(NYSE_MORNING, "futures"),
    "crypto-both-spot": lambda: crypto_both_harness(NYSE_MORNING, "spot"),
    "crypto-both-futures": lambda: crypto_both_harness(NYSE_MORNING, "futures"),
}


@pytest.fixture(params=sorted(HARNESS_FACTORIES))
def broker_harness(request: pytest.FixtureRequest) -> Iterator[BrokerHarness]:
    """Yield a ready harness for each registered broker."""
    yield from HARNESS_FACTORIES[request.param]()
