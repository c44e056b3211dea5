"""The market-data cache through the facade: every broker read is kept; `--cached` rebuilds the same report and
holdings from the last one without contacting the broker, says how old its prices are, refuses prices older
than the maximum age (stating it) and names an account never read. The wall clock is injected."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime as dt
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import krx
from trimtab.adapters.reports.files import ReportFileSystem
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory
from trimtab.application.facade import RunSettings, Trimtab
from trimtab.application.market_data import PricePolicy
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.planning import Allocator
from trimtab.domain.positions_report import price_age_lines
from trimtab_testkit.memory import memory_storage

READ = dt.datetime(2026, 11, 30, 22, 31, tzinfo=dt.UTC)  # 2026-12-01 06:31 in Singapore
SINGAPORE = ZoneInfo("Asia/Singapore")


@dataclass
class Counting:
    broker: ScriptedBroker
    connects: int = 0

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        self.connects += 1
        clock = FastForwardClock(READ)
        yield BrokerConnection(self.broker, "scripted", clock, clock.sleep)


@dataclass
class Wall:
    at: dt.datetime = READ
    seen: list[dt.datetime] = field(default_factory=list)

    def now(self) -> dt.datetime:
        return self.at


def _no_exact(_seconds: float) -> Allocator:
    raise AssertionError("not used")


def _no_settings() -> RunSettings:
    raise AssertionError("not used")


def _desk(max_age: dt.timedelta = dt.timedelta(hours=24)) -> tuple[Trimtab, Counting, Wall]:
    broker = ScriptedBroker(cash=Decimal(1_000_000), positions={"A": Decimal(10), "B": Decimal(3)},
                            instruments={"A": krx("A"), "B": krx("B")},
                            prices={"A": Decimal(50_000), "B": Decimal(12_345)})
    factory, wall = Counting(broker), Wall()
    storage = memory_storage()
    brokers: dict[str, BrokerFactory] = {"scripted": factory}
    trimtab = Trimtab(open_storage=lambda: storage, open_files=lambda: None, brokers=brokers,  # type: ignore[arg-type,return-value]
                      open_run_settings=_no_settings, clock=wall, exact_allocator=_no_exact,
                      open_reports=ReportFileSystem, open_price_policy=lambda: PricePolicy(max_age, SINGAPORE))
    trimtab.add_account("DU1", name="", currency="KRW", broker="scripted")
    return trimtab, factory, wall


def test_a_cached_report_equals_the_live_one_when_nothing_changed_and_contacts_no_broker() -> None:
    trimtab, factory, wall = _desk()
    live = asyncio.run(trimtab.positions_report())
    assert factory.connects == 1
    wall.at = READ + dt.timedelta(hours=3, minutes=12)
    cached = asyncio.run(trimtab.positions_report(cached=True))
    assert factory.connects == 1  # no broker contacted
    [live_line], [cached_line] = live.accounts, cached.accounts
    assert cached_line == dataclasses.replace(live_line, cached=True)
    assert (cached.total, cached.invested, cached.cash, cached.symbols) == (live.total, live.invested, live.cash,
                                                                            live.symbols)
    assert cached_line.read_at == READ


def test_every_output_says_how_old_the_prices_are() -> None:
    trimtab, _factory, wall = _desk()
    asyncio.run(trimtab.positions_report())
    wall.at = READ + dt.timedelta(hours=3, minutes=12)
    report = asyncio.run(trimtab.positions_report(cached=True))
    assert price_age_lines(report, SINGAPORE) == [
        "DU1: prices read 2026-12-01 06:31 +08, 3 h 12 min old (cached), market date 2026-11-20"]
    reading = asyncio.run(trimtab.holdings_reading("DU1", cached=True))
    assert trimtab.describe_age(reading) == "prices read 2026-12-01 06:31 +08, 3 h 12 min old (cached)"
    live = asyncio.run(trimtab.holdings_reading("DU1"))
    assert trimtab.describe_age(live) == "prices read 2026-12-01 09:43 +08, 0 min old (live)"


def test_cached_holdings_are_the_last_snapshot_read_without_the_broker() -> None:
    trimtab, factory, wall = _desk()
    live = asyncio.run(trimtab.holdings("DU1"))
    factory.broker.prices["A"] = Decimal(99_000)  # the market moved; the cache has not
    wall.at = READ + dt.timedelta(minutes=5)
    reading = asyncio.run(trimtab.holdings_reading("DU1", cached=True))
    assert (reading.snapshot, reading.read_at, reading.cached) == (live, READ, True)
    assert factory.connects == 1


def test_prices_older_than_the_maximum_age_are_refused_with_their_age() -> None:
    trimtab, factory, wall = _desk(max_age=dt.timedelta(hours=24))
    asyncio.run(trimtab.holdings("DU1"))
    wall.at = READ + dt.timedelta(hours=24)
    asyncio.run(trimtab.positions_report(cached=True))  # exactly the maximum: accepted
    wall.at = READ + dt.timedelta(days=1, hours=2, minutes=5)
    with pytest.raises(InvalidInput, match=r"account 'DU1'.*read 1 d 2 h ago .*more than the 1 d 0 h allowed"):
        asyncio.run(trimtab.positions_report(cached=True))
    with pytest.raises(InvalidInput, match="1 d 2 h ago"):
        asyncio.run(trimtab.holdings_reading("DU1", cached=True))
    assert factory.connects == 1
    asyncio.run(trimtab.positions_report())  # live stays the default, and refreshes the cache
    assert asyncio.run(trimtab.positions_report(cached=True)).accounts[0].read_at == wall.at


def test_a_cached_read_of_an_account_never_read_names_it() -> None:
    trimtab, factory, _wall = _desk()
    with pytest.raises(InvalidInput, match=r"account 'DU1'.*no prices are stored for this account yet"):
        asyncio.run(trimtab.positions_report(cached=True))
    with pytest.raises(InvalidInput, match="account 'DU1'"):
        asyncio.run(trimtab.holdings_reading("DU1", cached=True))
    assert factory.connects == 0


def test_every_broker_read_is_kept_with_its_broker_and_time() -> None:
    trimtab, _factory, wall = _desk()
    asyncio.run(trimtab.holdings("DU1"))
    wall.at = READ + dt.timedelta(hours=1)
    asyncio.run(trimtab.positions_report())
    stored = trimtab.storage.market_data.latest("DU1")
    assert stored is not None
    assert (stored.broker, stored.read_at, stored.snapshot.quotes["B"].price) == ("scripted", wall.at,
                                                                                 Decimal(12_345))
