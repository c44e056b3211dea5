"""A broker that quotes FX rates (IBKR's, later) plugs into the report through the facade: its rates convert
the accounts it serves, a rates file wins for the pairs it gives, and the report names every rate's source."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import krx
from trimtab.adapters.reports.files import ReportFileSystem
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory
from trimtab.application.facade import RunSettings, Trimtab
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.fx import FxRate
from trimtab.domain.planning import Allocator
from trimtab_testkit.memory import memory_storage

NOW = dt.datetime(2026, 11, 30, 10, 0, tzinfo=dt.UTC)
QUOTED = FxRate("KRW", "SGD", Decimal("0.00096"), "IBKR", NOW - dt.timedelta(minutes=5))


@dataclass
class QuotingBroker(ScriptedBroker):
    asked: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)

    async def get_fx_rates(self, base: str, currencies: Sequence[str]) -> list[FxRate]:
        self.asked.append((base, tuple(currencies)))
        return [QUOTED]


@dataclass
class Factory:
    broker: ScriptedBroker

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        clock = FastForwardClock(NOW)
        yield BrokerConnection(self.broker, "quoting", clock, clock.sleep)


@dataclass
class Wall:
    def now(self) -> dt.datetime:
        return NOW


def _no_exact(_seconds: float) -> Allocator:
    raise AssertionError("not used")


def _desk(broker: QuotingBroker) -> Trimtab:
    storage = memory_storage()
    brokers: dict[str, BrokerFactory] = {"quoting": Factory(broker)}

    def no_settings() -> RunSettings:
        raise AssertionError("not used")

    trimtab = Trimtab(open_storage=lambda: storage, open_files=lambda: None, brokers=brokers,  # type: ignore[arg-type,return-value]
                      open_run_settings=no_settings, clock=Wall(), exact_allocator=_no_exact,
                      open_reports=ReportFileSystem)
    trimtab.add_account("ACC", name="", currency="KRW", broker="quoting")
    return trimtab


def _broker() -> QuotingBroker:
    return QuotingBroker(cash=Decimal(1_000_000), positions={"A": Decimal(10)}, instruments={"A": krx("A")},
                         prices={"A": Decimal(50_000)})


def test_a_broker_s_rates_convert_its_accounts_and_are_named_with_their_source() -> None:
    broker = _broker()
    report = asyncio.run(_desk(broker).positions_report(base="SGD"))
    assert broker.asked == [("SGD", ("KRW",))]
    assert report.rates == (QUOTED,)
    assert report.invested == Decimal("480.00")  # 500,000 won x 0.00096
    assert report.cash == Decimal("960.00")
    assert asyncio.run(_desk(_broker()).positions_report(base="KRW")).rates == ()  # nothing to convert


def test_a_rates_file_wins_over_the_broker_for_its_pairs(tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("pair,rate,source,as_of\nSGD/KRW,1000,desk,2026-11-30T09:00:00+08:00\n", encoding="utf-8")
    report = asyncio.run(_desk(_broker()).positions_report(base="SGD", rates=rates))
    assert [rate.source for rate in report.rates] == ["desk"]
    assert report.total == Decimal("1500.00")


def test_accounts_sharing_a_currency_ask_the_broker_for_its_rate_once() -> None:
    broker = _broker()
    desk = _desk(broker)
    desk.add_account("ACC2", name="", currency="KRW", broker="quoting")
    report = asyncio.run(desk.positions_report(base="SGD"))
    assert broker.asked == [("SGD", ("KRW",))]  # a second quote of KRW/SGD would be the same pair twice
    assert report.rates == (QUOTED,)
    assert report.total == Decimal("2880.00")
