"""The KIS adapter reports its waits through the progress port: the token issuance slot, another process's
token, busy answers retried, quotes read a call at a time."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from pathlib import Path

from tests.contract.kis_harness import kis_broker_for, local_kis
from tests.integration.kis.conftest import ManualClock, fake_for, make_client
from tests.integration.kis.test_kis_client import fetch_balance, fetch_quote
from trimtab.adapters.brokers.kis.token_cache import TokenCache
from trimtab_testkit.kis.app import BALANCE_PATH, fake_state


def test_waiting_for_the_token_issuance_slot_is_reported(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    told: list[str] = []

    async def scenario() -> None:
        async with make_client(app, config, clock, tmp_path / "a.json") as first:
            await fetch_quote(first)
        async with make_client(app, config, clock, tmp_path / "b.json", progress=told.append) as second:
            await fetch_quote(second)  # KIS refuses a second token within the minute: the client waits it out

    asyncio.run(scenario())
    assert told == ["waiting 60 s for a KIS token (KIS issues one a minute)"]


def test_waiting_for_another_processs_token_is_reported(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    told: list[str] = []
    client = make_client(app, config, clock, tmp_path / "tokens.json", progress=told.append)

    async def scenario() -> None:
        async with TokenCache(tmp_path / "tokens.json").locked():  # another process is getting the token
            reading = asyncio.create_task(fetch_quote(client))
            await asyncio.sleep(0.3)
            assert told == ["waiting for the KIS token another trimtab process is getting"]
        await reading
        await client.aclose()

    asyncio.run(scenario())


def test_a_busy_answer_retried_is_reported_with_its_pause(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    config.requests_per_second = 1000
    fake_state(app).inject_fault("EGW00201", path=BALANCE_PATH, count=2)
    told: list[str] = []
    client = make_client(app, config, clock, tmp_path / "tokens.json", requests_per_second=1000,
                         progress=told.append)

    async def scenario() -> None:
        async with client:
            await fetch_balance(client)

    asyncio.run(scenario())
    assert told == ["KIS is busy; trying again in 0.1 s", "KIS is busy; trying again in 0.2 s"]


def test_reading_quotes_one_call_at_a_time_is_reported(tmp_path: Path) -> None:
    config, clock = local_kis(dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC), {"005930": 20, "069500": 30},
                              Decimal(10_000_000))
    broker = kis_broker_for(config, clock, tmp_path / "tokens.json", "KIS-TEST")
    told: list[str] = []
    broker._client.progress = told.append

    asyncio.run(broker.get_snapshot("KIS-TEST", ["360750"]))

    assert told == [f"reading KIS quotes: {number} of 3" for number in (1, 2, 3)]
