"""Strategies and ledger entries in the database (SQLite and PostgreSQL): stored, listed, exact, stored once."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from trimtab.adapters.persistence.strategies import SqlLedgerRepository, SqlStrategyRepository
from trimtab.adapters.persistence.summaries import SqlSummaryRepository
from trimtab.application.records import DailySummary
from trimtab.domain.errors import InvalidInput
from trimtab.domain.ledger import EntryKind, LedgerEntry
from trimtab.domain.strategies import MarketType, Strategy, StrategyId

from .conftest import NOW, FixedClock

CORE = Strategy("A", StrategyId("core"), Decimal("0.6"), MarketType.SECURITIES, target="KR-ALLWEATHER")
FUT = Strategy("A", StrategyId("fut"), Decimal("1.25"), MarketType.FUTURES, Decimal("3.5"), active=False)


def entry(entry_id: str, quantity: str, account: str = "A") -> LedgerEntry:
    return LedgerEntry(entry_id, account, StrategyId("core"), "005930", Decimal(quantity), Decimal("591517.857"),
                       EntryKind.IMPORT, NOW, Decimal("0.0001"), "state.json: bucket ORPHAN")


def test_strategies_are_stored_listed_and_removed(engine: Engine, clock: FixedClock) -> None:
    repository = SqlStrategyRepository(engine, clock)
    repository.add(FUT)
    repository.add(CORE)
    repository.add(Strategy("B", StrategyId("core"), Decimal(1), MarketType.SPOT))
    assert repository.list("A") == [CORE, FUT]
    with pytest.raises(InvalidInput, match="exists already"):
        repository.add(CORE)
    assert repository.remove("A", "core")
    assert not repository.remove("A", "core")
    assert repository.list("A") == [FUT]


def test_ledger_entries_are_exact_and_stored_once(engine: Engine) -> None:
    ledger = SqlLedgerRepository(engine)
    later = entry("e2", "-0.00000001")
    later = LedgerEntry(later.entry_id, "A", later.strategy_id, later.symbol, later.quantity, later.price,
                        EntryKind.RECONCILE, NOW + dt.timedelta(seconds=1), note="")
    assert ledger.record([entry("e1", "523"), later, entry("e1", "523")]) == 2
    assert ledger.record([entry("e1", "999"), entry("e1", "1", account="B")]) == 1
    assert ledger.entries("A") == [entry("e1", "523"), later]
    assert ledger.entries("B") == [entry("e1", "1", account="B")]
    assert ledger.record([]) == 0


def test_latest_summary_of_a_market_type(engine: Engine, clock: FixedClock) -> None:
    summaries = SqlSummaryRepository(engine, clock)
    assert summaries.latest("A", "spot") is None
    for day, market, equity in ((1, "spot", "1"), (2, "spot", "2"), (3, "futures", "3")):
        summaries.upsert(DailySummary("A", dt.date(2026, 3, day), market, Decimal(0), Decimal(equity)))
    latest = summaries.latest("A", "spot")
    assert latest is not None
    assert (latest.trade_date, latest.equity) == (dt.date(2026, 3, 2), Decimal(2))
