"""Shared set-up for the KIS adapter tests: a manual clock, fake accounts and clients wired to the fake."""

from __future__ import annotations

import asyncio
import datetime as dt
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from trimtab.adapters.brokers.kis.client import KisClient
from trimtab_testkit.kis.app import (
    Environment,
    FakeHolding,
    FakeKisConfig,
    FakePrice,
    make_fake_kis,
)

START = 1_790_000_000.0  # 2026-09-21, a fixed instant for the manual clock.
BASE_URL = "https://fake-kis.test"
KST = dt.timezone(dt.timedelta(hours=9))
TRADING_ACCOUNT = {"CANO": "50000000", "ACNT_PRDT_CD": "01"}


def kst_epoch(year: int, month: int, day: int, hour: int, minute: int = 0, second: int = 0) -> float:
    """Return the epoch of a KST wall time."""
    return dt.datetime(year, month, day, hour, minute, second, tzinfo=KST).timestamp()


FRIDAY_SESSION = kst_epoch(2026, 11, 20, 10)  # Friday 2026-11-20 10:00:00 KST, in the regular session.


class ManualClock:
    """A clock that moves only when told to or when someone sleeps on it."""

    def __init__(self, start: float = START) -> None:
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)


def make_holdings(count: int, *, sold_out: int = 0) -> list[FakeHolding]:
    """Build `count` live holdings followed by `sold_out` rows with quantity 0."""
    live = [FakeHolding(f"{100000 + i}", f"종목{i}", 10 + i, Decimal(1000 + i * 5)) for i in range(count)]
    gone = [FakeHolding(f"{900000 + i}", f"매도{i}", 0, Decimal(500)) for i in range(sold_out)]
    return live + gone


def make_config(
    clock: ManualClock, *, environment: Environment = "virtual", holdings: list[FakeHolding] | None = None,
) -> FakeKisConfig:
    """Build a fake account with fresh credentials (unique per test, so rate limiters never mix)."""
    return FakeKisConfig(
        app_key="PS" + uuid.uuid4().hex, app_secret="SECRET" + uuid.uuid4().hex * 4, environment=environment,
        holdings=holdings if holdings is not None else make_holdings(3), deposit=Decimal(5_000_000),
        settled_cash=Decimal(4_500_000), clock=clock,
        prices={"005930": FakePrice(Decimal(71500), Decimal(71000), Decimal(92300), Decimal(49700), Decimal(100))},
    )


def make_client(
    app: Starlette, config: FakeKisConfig, clock: ManualClock, cache: Path, **options: Any,
) -> KisClient:
    """Build a client talking to the fake in-process, on the manual clock."""
    return KisClient(
        base_url=BASE_URL, environment=config.environment, app_key=SecretStr(config.app_key),
        app_secret=SecretStr(config.app_secret), token_cache_path=cache,
        transport=httpx.ASGITransport(app=app), clock=clock, sleep=clock.sleep, **options,
    )


def fake_for(
    clock: ManualClock, *, environment: Environment = "virtual", holdings: list[FakeHolding] | None = None,
) -> tuple[Starlette, FakeKisConfig]:
    """Build a fake app and its config."""
    config = make_config(clock, environment=environment, holdings=holdings)
    return make_fake_kis(config), config


def trading_prices() -> dict[str, FakePrice]:
    """Instruments for order tests: two stocks and two ETFs, limits ±30 % of base on the tick grid."""
    return {
        "005930": FakePrice(Decimal(71700), Decimal(71500), Decimal(92900), Decimal(50100), name="삼성전자"),
        "000660": FakePrice(Decimal(190000), Decimal(190000), Decimal(247000), Decimal(133000), name="SK하이닉스"),
        "069500": FakePrice(Decimal(35000), Decimal(35000), Decimal(45500), Decimal(24500), kind="etf",
                            name="KODEX 200"),
        "360750": FakePrice(Decimal(22000), Decimal(22000), Decimal(28600), Decimal(15400), kind="etf",
                            name="TIGER 미국S&P500"),
    }


def make_trading_config(clock: ManualClock, **options: Any) -> FakeKisConfig:
    """Build an order-capable fake account: 10,000,000 KRW, 100 × 005930 and 50 × 069500, a roomy rate limit.

    The manual clock should sit in a session (e.g. FRIDAY_SESSION); `options` override any config field.
    """
    settings: dict[str, Any] = {
        "app_key": "PS" + uuid.uuid4().hex, "app_secret": "SECRET" + uuid.uuid4().hex * 4,
        "environment": "virtual", "deposit": Decimal(10_000_000), "clock": clock, "requests_per_second": 1000,
        "holdings": [FakeHolding("005930", "삼성전자", 100, Decimal(70000)),
                     FakeHolding("069500", "KODEX 200", 50, Decimal(34000))],
        "prices": trading_prices(),
    }
    settings.update(options)
    return FakeKisConfig(**settings)
