"""Strategies, capital and the ledger through the facade, on in-memory doubles and a scripted broker."""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import pytest

from tests.unit.test_facade import START, _facade, _with_account
from trimtab.application.brokers import BrokerChoice, BrokerConnection
from trimtab.application.facade import Trimtab
from trimtab.application.market_data import PricePolicy
from trimtab.application.ports import RunStatus
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account, DailySummary
from trimtab.application.strategy_operations import NewStrategy
from trimtab.domain.errors import BrokerUnavailable, Busy, InvalidInput
from trimtab.domain.execution import Fill
from trimtab.domain.ledger import totals
from trimtab.domain.orders import Side
from trimtab.domain.reconciliation import LineStatus
from trimtab.domain.strategies import StrategyId

STATE = Path(__file__).parent.parent / "fixtures" / "rolling_k" / "trader_state_v2.json"


class DownFactory:
    """A broker that cannot be reached."""

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        raise BrokerUnavailable("connection refused")
        yield  # pragma: no cover


def _sleeves(trimtab: Trimtab) -> None:
    trimtab.add_strategy("ACC", NewStrategy("core", Decimal(60), target="M"))
    trimtab.add_strategy("ACC", NewStrategy("alpha", Decimal(40)))
    trimtab.add_strategy("ACC", NewStrategy("fut", Decimal(1), market_type="futures"))


def test_capital_from_the_live_balance_split_60_40_futures_without_balance() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    _sleeves(trimtab)
    report = asyncio.run(trimtab.capital("ACC"))
    capital = {c.strategy.strategy_id: (c.capital, c.is_stale, c.reason) for c in report.allocations}
    assert capital == {"alpha": (Decimal(400000), False, ""), "core": (Decimal(600000), False, ""),
                       "fut": (None, False, "no live balance for this market type; no cached summary")}


@pytest.mark.parametrize(("summary_day", "expected"), [(19, Decimal(30000)), (18, None)])
def test_capital_broker_down_uses_a_summary_of_the_previous_session_only(summary_day: int,
                                                                         expected: Decimal | None) -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    trimtab.brokers = {"scripted": DownFactory()}
    trimtab.add_strategy("ACC", NewStrategy("core", Decimal(3)))
    trimtab.storage.summaries.upsert(DailySummary("ACC", dt.date(2026, 11, summary_day), "securities",
                                                  Decimal(0), Decimal(30000)))
    report = asyncio.run(trimtab.capital("ACC"))  # Friday 2026-11-20 in Seoul: the previous session is the 19th
    [allocation] = report.allocations
    assert report.oldest_usable == dt.date(2026, 11, 19)
    assert allocation.capital == expected
    assert allocation.is_stale == (expected is not None)  # a summary too old is not used at all
    assert "connection refused" in allocation.reason


def test_add_strategy_refuses_unknown_models_market_types_and_duplicates() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    with pytest.raises(InvalidInput, match="unknown market type"):
        trimtab.add_strategy("ACC", NewStrategy("x", Decimal(1), market_type="bonds"))
    with pytest.raises(InvalidInput, match="NOPE"):
        trimtab.add_strategy("ACC", NewStrategy("x", Decimal(1), target="NOPE"))
    trimtab.add_strategy("ACC", NewStrategy("x", Decimal(1)))
    with pytest.raises(InvalidInput, match="exists already"):
        trimtab.add_strategy("ACC", NewStrategy("x", Decimal(2)))
    trimtab.remove_strategy("ACC", "x")
    assert trimtab.strategies("ACC") == []


def test_reconcile_after_a_run_books_its_fills_then_a_manual_trade_shows_up_as_manual() -> None:
    trimtab, factory = _facade()
    _with_account(trimtab)
    first = asyncio.run(trimtab.reconcile_ledger("ACC"))  # adopts what the account held before any run
    assert {line.symbol: line.adjustments[0].strategy_id for line in first.report.differences} == {
        "A": "REB_20261120", "Z": "MANUAL"}
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.COMPLETED, run.reason
    factory.broker.positions["Z"] = factory.broker.positions.get("Z", Decimal(0)) + 5  # bought by hand
    done = asyncio.run(trimtab.reconcile_ledger("ACC"))
    assert done.fills_booked == len(trimtab.fills(run.run_id))
    assert [(line.symbol, line.status, line.adjustments[0].strategy_id) for line in done.report.differences] == [
        ("Z", LineStatus.ASSIGNED, "MANUAL")]
    held = {symbol: quantity for symbol, quantity in factory.broker.positions.items() if quantity}
    assert totals(trimtab.ledger_positions("ACC")) == held
    again = asyncio.run(trimtab.reconcile_ledger("ACC", apply=False))
    assert (again.fills_booked, again.report.differences) == (0, ())


def test_import_state_is_booked_once_and_blocks_removing_its_strategy() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    text = STATE.read_text(encoding="utf-8").replace('"ORPHAN"', '"core"')
    imported, added = trimtab.import_state("ACC", text, STATE.name)
    assert (len(imported.entries), added) == (28, 28)
    assert trimtab.import_state("ACC", text, STATE.name)[1] == 0
    trimtab.add_strategy("ACC", NewStrategy("core", Decimal(1)))
    with pytest.raises(InvalidInput, match="holds 21 position"):
        trimtab.remove_strategy("ACC", "core")


def test_capital_summary_age_comes_from_the_price_policy_setting() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    trimtab.brokers = {"scripted": DownFactory()}
    trimtab.open_price_policy = lambda: PricePolicy(summary_max_age_days=2)
    trimtab.add_strategy("ACC", NewStrategy("core", Decimal(3)))
    trimtab.storage.summaries.upsert(DailySummary("ACC", dt.date(2026, 11, 18), "securities", Decimal(0),
                                                  Decimal(30000)))
    report = asyncio.run(trimtab.capital("ACC"))
    assert (report.oldest_usable, report.allocations[0].capital) == (dt.date(2026, 11, 18), Decimal(30000))
    with pytest.raises(InvalidInput, match="must not be negative"):
        asyncio.run(trimtab.capital("ACC", max_age_days=-1))


def test_a_fill_whose_order_id_names_a_strategy_is_booked_to_it() -> None:
    trimtab, factory = _facade()
    _with_account(trimtab)
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    tagged = Fill("f-core", f"{run.run_id}.core-B1-B-0", "B", Side.BUY, Decimal(2), Decimal(10000), Decimal(0),
                  Decimal(0), START)
    trimtab.storage.runs.fills[run.run_id].append(tagged)  # type: ignore[attr-defined]
    factory.broker.positions["B"] += 2
    done = asyncio.run(trimtab.reconcile_ledger("ACC"))
    held = trimtab.ledger_positions("ACC")
    assert held[(StrategyId("core"), "B")].quantity == 2
    assert held[(StrategyId("core"), "B")].cost == Decimal(20000)
    assert [line.symbol for line in done.report.differences] == ["A", "Z"]  # held before any run: adopted


def test_reconcile_is_refused_while_a_run_is_active_but_a_dry_run_is_not() -> None:
    trimtab, _ = _facade()
    _with_account(trimtab)
    trimtab.storage.runs.locks["ACC"] = "run-in-flight"  # type: ignore[attr-defined]
    with pytest.raises(Busy, match="active run run-in-flight"):
        asyncio.run(trimtab.reconcile_ledger("ACC"))
    assert not asyncio.run(trimtab.reconcile_ledger("ACC", apply=False)).applied
    assert trimtab.ledger_entries("ACC") == []
