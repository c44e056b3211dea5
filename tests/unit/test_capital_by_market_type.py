"""Capital per market type through the one path: live balances from brokers that report them per market type,
a one-balance broker's snapshot as `securities`, and the cached daily summary per market type (stale, or too
old) when the live balance is missing."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from tests.fakes.broker import ScriptedBroker
from tests.unit.test_facade import _broker, _facade, _with_account
from tests.unit.test_strategy_operations import DownFactory
from trimtab.application.market_balances import MarketBalance, read_market_balances, read_market_snapshot
from trimtab.application.records import DailySummary
from trimtab.application.strategy_operations import NewStrategy
from trimtab.domain.errors import InvalidInput
from trimtab.domain.strategies import MarketType


class FuturesOnly(ScriptedBroker):
    """A broker whose account reports one futures wallet (and no securities balance)."""

    async def equity_by_market_type(self, account_id: str) -> dict[MarketType, MarketBalance]:
        return {MarketType.FUTURES: MarketBalance(Decimal("5000.5"), Decimal(1000))}


def test_capital_takes_each_market_type_the_broker_reports_and_none_for_the_others() -> None:
    trimtab, factory = _facade()
    factory.broker = FuturesOnly(cash=Decimal(1), positions={}, instruments={}, prices={})
    _with_account(trimtab)
    trimtab.add_strategy("ACC", NewStrategy("core", Decimal(1)))
    trimtab.add_strategy("ACC", NewStrategy("perp", Decimal(1), market_type="futures"))
    report = asyncio.run(trimtab.capital("ACC"))
    assert {c.strategy.strategy_id: (c.capital, c.reason) for c in report.allocations} == {
        "core": (None, "no live balance for this market type; no cached summary"), "perp": (Decimal("5000.5"), "")}
    today = trimtab.storage.summaries.latest("ACC", "futures")
    assert today is not None
    assert (today.trade_date, today.cash, today.equity) == (dt.date(2026, 11, 20), Decimal(1000), Decimal("5000.5"))
    assert trimtab.storage.summaries.latest("ACC", "securities") is None  # nothing read, nothing kept


def test_broker_down_each_market_type_falls_back_to_its_own_summary_if_recent_enough() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    trimtab.brokers = {"scripted": DownFactory()}
    trimtab.add_strategy("ACC", NewStrategy("spot1", Decimal(1), market_type="spot"))
    trimtab.add_strategy("ACC", NewStrategy("perp", Decimal(1), market_type="futures"))
    summaries = trimtab.storage.summaries
    summaries.upsert(DailySummary("ACC", dt.date(2026, 11, 19), "spot", Decimal(0), Decimal(700)))  # previous session
    summaries.upsert(DailySummary("ACC", dt.date(2026, 11, 18), "futures", Decimal(0), Decimal(900)))  # too old
    report = asyncio.run(trimtab.capital("ACC"))
    perp, spot = report.allocations  # in the order of their ids
    assert (spot.capital, spot.is_stale, perp.capital, perp.is_stale) == (Decimal(700), True, None, False)
    assert spot.reason.startswith("STALE: cached summary of 2026-11-19")
    assert "older than 2026-11-19" in perp.reason
    assert all("connection refused" in c.reason for c in report.allocations)


def test_a_one_balance_broker_is_securities_only() -> None:
    broker = _broker()
    balances, snapshot = asyncio.run(read_market_balances(broker, "ACC"))
    assert snapshot is not None
    assert balances == {MarketType.SECURITIES: MarketBalance(Decimal(100_000 + 80 * 10_000 + 20 * 5_000),
                                                             Decimal(100_000))}
    assert asyncio.run(read_market_snapshot(broker, "ACC", MarketType.SECURITIES)).cash == Decimal(100_000)
    with pytest.raises(InvalidInput, match="no balance of this market type"):
        asyncio.run(read_market_snapshot(broker, "ACC", MarketType.FUTURES))
