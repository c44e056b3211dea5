"""Performance snapshots in the database (SQLite and PostgreSQL): exact, one row per day, rewritten that day."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

from sqlalchemy import Engine

from trimtab.adapters.persistence.performance import SqlPerformanceRepository
from trimtab.domain.performance import EquitySnapshot, SnapshotSource

from .conftest import NOW

DAY = dt.date(2026, 3, 2)
ACCOUNT = EquitySnapshot("A", None, DAY, Decimal("37672300.5"), Decimal("1842000"), SnapshotSource.LIVE, NOW)
CORE = EquitySnapshot("A", "core", DAY, Decimal("22603380.123456789"), Decimal("-0.00000001"),
                      SnapshotSource.CACHED, NOW, Decimal("22603380"))


def test_snapshots_are_stored_exactly_account_first_then_by_strategy_and_date(engine: Engine) -> None:
    repository = SqlPerformanceRepository(engine)
    later = replace(CORE, market_date=DAY + dt.timedelta(days=1), taken_at=NOW + dt.timedelta(days=1))
    repository.save([later, CORE, ACCOUNT, replace(ACCOUNT, account_id="B")])
    assert repository.list("A") == [ACCOUNT, CORE, later]
    assert repository.list("B") == [replace(ACCOUNT, account_id="B")]
    assert repository.list("C") == []


def test_saving_the_same_day_again_rewrites_its_row(engine: Engine) -> None:
    repository = SqlPerformanceRepository(engine)
    repository.save([ACCOUNT, CORE])
    repository.save([ACCOUNT, CORE])
    assert repository.list("A") == [ACCOUNT, CORE]
    rewritten = replace(CORE, equity=Decimal("1"), cash=Decimal("2"), funding=None, source=SnapshotSource.LIVE,
                        taken_at=NOW + dt.timedelta(hours=3))
    repository.save([rewritten])
    assert repository.list("A") == [ACCOUNT, rewritten]
