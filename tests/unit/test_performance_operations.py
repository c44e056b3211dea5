"""Performance snapshots through the facade: attribution by the ledger, idempotence, cached source, metrics."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from tests.unit.test_facade import START, FixedWall, _facade, _with_account
from tests.unit.test_strategy_operations import DownFactory
from trimtab.adapters.analytics.performance_meter import EmpyricalMeter
from trimtab.application.facade import Trimtab
from trimtab.application.ports import RunStatus
from trimtab.application.strategy_operations import NewStrategy
from trimtab.domain.errors import NotFound
from trimtab.domain.ledger import EntryKind, LedgerEntry
from trimtab.domain.performance import EquitySnapshot, SnapshotSource
from trimtab.domain.strategies import StrategyId
from trimtab_testkit.memory import memory_storage

D = Decimal
MONDAY = dt.datetime(2026, 11, 23, 1, 0, tzinfo=dt.UTC)  # 10:00 in Seoul


def _book(trimtab: Trimtab, entry_id: str, quantity: str, price: str, fees: str = "0",
          at: dt.datetime = START) -> None:
    trimtab.storage.ledger.record([LedgerEntry(entry_id, "ACC", StrategyId("core"), "A", D(quantity), D(price),
                                               EntryKind.FILL, at, D(fees))])


def _setup() -> tuple[Trimtab, dict[str, D]]:
    trimtab, factory = _facade()
    _with_account(trimtab)  # cash 100,000; A 80 x 10,000; Z 20 x 5,000: equity 1,000,000
    trimtab.add_strategy("ACC", NewStrategy("core", D(60)))
    trimtab.add_strategy("ACC", NewStrategy("alpha", D(40)))
    _book(trimtab, "buy", "10", "9000")
    trimtab.open_performance_meter = EmpyricalMeter
    return trimtab, factory.broker.prices


def _by_scope(rows: list[EquitySnapshot]) -> dict[str, tuple[D, D, D | None]]:
    return {row.scope: (row.equity, row.cash, row.funding) for row in rows}


def test_snapshot_attributes_positions_by_the_ledger_and_opens_cash_from_capital() -> None:
    trimtab, _ = _setup()
    rows = asyncio.run(trimtab.take_performance_snapshot("ACC"))
    assert {row.market_date for row in rows} == {dt.date(2026, 11, 20)}
    assert {row.source for row in rows} == {SnapshotSource.LIVE}
    # core: 10 A at 10,000 + cash 600,000 - 100,000; its funding adds back the 90,000 its entry spent
    # alpha holds nothing: its equity is its cash only, its 40 % of the capital
    assert _by_scope(rows) == {"account": (D(1000000), D(100000), None),
                               "core": (D(600000), D(500000), D(590000)),
                               "alpha": (D(400000), D(400000), D(400000))}


def test_later_snapshots_move_by_the_strategys_own_positions_not_by_capital_ratio() -> None:
    trimtab, prices = _setup()
    asyncio.run(trimtab.take_performance_snapshot("ACC"))
    trimtab.clock = FixedWall(MONDAY)
    prices["A"] = D(12000)  # the account gains 160,000; only core holds A in the ledger
    _book(trimtab, "sell", "-5", "12000", fees="10", at=MONDAY)
    rows = asyncio.run(trimtab.take_performance_snapshot("ACC"))
    assert _by_scope(rows) == {"account": (D(1160000), D(100000), None),
                               "core": (D(5 * 12000 + 590000 - 30010), D(559990), D(590000)),
                               "alpha": (D(400000), D(400000), D(400000))}  # by capital ratio it would be 464,000
    report = trimtab.performance("ACC", "alpha")
    [alpha] = report.scopes
    assert alpha.metrics is not None
    assert (alpha.metrics.periods, alpha.metrics.roi, alpha.metrics.max_drawdown) == (1, D(0), D(0))
    [core] = trimtab.performance("ACC", "core").scopes
    assert core.metrics is not None
    assert core.metrics.roi == D("0.03331666667")  # 619,990 / 600,000 - 1


def test_snapshot_again_the_same_day_rewrites_that_days_rows() -> None:
    trimtab, prices = _setup()
    first = asyncio.run(trimtab.take_performance_snapshot("ACC"))
    again = asyncio.run(trimtab.take_performance_snapshot("ACC"))
    assert again == first
    assert len(trimtab.storage.performance.list("ACC")) == 3
    prices["A"] = D(11000)
    third = asyncio.run(trimtab.take_performance_snapshot("ACC"))
    assert len(trimtab.storage.performance.list("ACC")) == 3
    # today's first snapshot is rewritten whole: core's opening cash is recomputed from today's capital
    assert _by_scope(third)["core"] == (D(648000), D(538000), D(628000))


def test_broker_down_uses_the_last_kept_snapshot_marked_cached() -> None:
    trimtab, _ = _setup()
    asyncio.run(trimtab.take_performance_snapshot("ACC"))  # reads live and keeps the account's snapshot
    trimtab.brokers = {"scripted": DownFactory()}
    trimtab.clock = FixedWall(START + dt.timedelta(minutes=30))
    rows = asyncio.run(trimtab.take_performance_snapshot("ACC"))
    assert {row.source for row in rows} == {SnapshotSource.CACHED}
    assert _by_scope(rows)["account"] == (D(1000000), D(100000), None)
    assert _by_scope(rows)["core"] == (D(600000), D(500000), D(590000))  # capital from the kept snapshot


def test_performance_of_an_unknown_strategy_is_not_found_and_no_snapshots_is_empty() -> None:
    trimtab, _ = _facade(memory_storage())
    _with_account(trimtab)
    assert trimtab.performance("ACC").scopes == ()
    with pytest.raises(NotFound, match="nope"):
        trimtab.performance("ACC", "nope")


def test_a_run_that_traded_takes_the_days_snapshot_from_its_last_reading() -> None:
    trimtab, _ = _setup()
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.COMPLETED, run.reason
    assert run.post is not None
    rows = {row.scope: row for row in trimtab.storage.performance.list("ACC")}
    assert set(rows) == {"account", "alpha", "core"}
    held = sum((h.quantity * h.quote.price for h in run.post.holdings), D(0))
    assert (rows["account"].equity, rows["account"].cash) == (run.post.cash + held, run.post.cash)
    assert rows["alpha"].equity == rows["alpha"].cash  # alpha's ledger holds nothing; the run's fills are REB_
