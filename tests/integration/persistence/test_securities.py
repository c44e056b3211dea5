"""The security master in the database (SQLite and PostgreSQL): stored, replaced, found, listed, exact ticks."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine

from trimtab.adapters.persistence.securities import SqlSecurityRepository
from trimtab.domain.securities import Security

from .conftest import NOW, FixedClock

SMH = Security("US92189F6768", "SMH", "USD", "SMART", 14407271, Decimal("0.005"), "VanEck Semiconductor ETF")
FUND = Security("SG9999006225", "F1", "SGD")


def test_securities_are_stored_found_and_listed_by_isin(engine: Engine, clock: FixedClock) -> None:
    master = SqlSecurityRepository(engine, clock)
    assert master.find(["US92189F6768"]) == {}
    assert master.upsert([SMH, FUND]) == 2
    found = master.find(["US92189F6768", "XX0000000000"])
    assert found == {SMH.isin: dataclasses.replace(SMH, updated_at=NOW)}
    assert found[SMH.isin].min_tick == Decimal("0.005")
    assert [security.isin for security in master.list()] == ["SG9999006225", "US92189F6768"]
    assert master.find([]) == {}


def test_a_known_isin_is_replaced_with_its_source_and_time(engine: Engine, clock: FixedClock) -> None:
    master = SqlSecurityRepository(engine, clock)
    master.upsert([SMH])
    later = NOW + dt.timedelta(hours=1)
    master.upsert([Security(SMH.isin, "SMH", "USD", "SMART", 14407271, Decimal("0.01"), "", "IBKR", later)])
    [stored] = master.list()
    assert (stored.min_tick, stored.source, stored.updated_at, stored.con_id) == (Decimal("0.01"), "IBKR", later,
                                                                                  14407271)
    assert master.list() == [stored]
