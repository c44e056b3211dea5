"""Shared set-up for the KIS adapter tests: a manual clock, fake accounts and clients wired to the fake."""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from pydantic import SecretStr
from starlette.applications import Starlette

from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.fake_server import (
    Environment,
    FakeHolding,
    FakeKisConfig,
    FakePrice,
    make_fake_kis,
)

START = 1_790_000_000.0  # 2026-09-21, a fixed instant for the manual clock.
BASE_URL = "https://fake-kis.test"


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
