"""Shared set-up for the local IB Gateway tests: a hand-moved clock, a two-account desk, a running gateway."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from decimal import Decimal

from trimtab_testkit.ibgw.model import FakeAccount, FakeInstrument, GatewayConfig
from trimtab_testkit.ibgw.server import LocalGateway

START = 1_795_190_400.0  # 2026-11-20 10:00 UTC


class HandClock:
    """Epoch seconds that move only when told to."""

    def __init__(self, start: float = START) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


def desk(clock: HandClock, *, fill_fraction: Decimal = Decimal("0.3")) -> GatewayConfig:
    """DU111 (SGD base, USD and SGD cash, 10 SPMO) and DU222 (USD base, USD cash), three ETFs."""
    return GatewayConfig(
        accounts=[FakeAccount("DU111", "SGD", {"USD": Decimal(50_000), "SGD": Decimal(1_000)},
                              {"SPMO": Decimal(10)}, {"SPMO": Decimal(95)}),
                  FakeAccount("DU222", "USD", {"USD": Decimal(20_000)})],
        instruments=[FakeInstrument("SPMO", 1001, Decimal("101.23"), isin="US46138E3378", stock_type="ETF"),
                     FakeInstrument("SMH", 1002, Decimal("250.10"), close=Decimal("248.00")),
                     FakeInstrument("IAU", 1003, Decimal("61.45"), primary_exchange="ARCA")],
        clock=clock, fill_fraction=fill_fraction, fx_to_usd={"USD": Decimal(1), "SGD": Decimal("0.75")},
    )


@contextlib.asynccontextmanager
async def running(config: GatewayConfig) -> AsyncIterator[LocalGateway]:
    """A gateway on a free port of 127.0.0.1 for the length of the block."""
    gateway = await LocalGateway(config).start()
    try:
        yield gateway
    finally:
        await gateway.close()
