"""Baskets through the facade on the paper broker: each account's plan (the facade's plan_account), Day 1 and
Day 2 files read back equal the plans' orders, every LMT line is priced on its tick, the header is the seed's."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest

from trimtab import bootstrap
from trimtab.application.facade import Trimtab
from trimtab.config import Settings
from trimtab.domain.errors import InvalidInput
from trimtab.domain.ticks import is_valid_price

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
SEED_HEADER = ["Action", "Quantity", "Symbol", "SecType", "Exchange", "Currency", "TimeInForce", "OrderType",
               "LmtPrice", "BasketTag", "Account", "UsePriceMgmtAlgo", "OrderRef"]


@pytest.fixture
def desk(tmp_path: Path) -> Trimtab:
    trimtab = bootstrap.build(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", paper_start=START))
    trimtab.init(demo=True)
    return trimtab


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as stream:
        reader = csv.DictReader(stream)
        assert reader.fieldnames == SEED_HEADER
        return list(reader)


def test_day_1_and_day_2_read_back_are_the_plans_orders(desk: Trimtab, tmp_path: Path) -> None:
    day1, day2 = tmp_path / "day1.csv", tmp_path / "day2.csv"
    first = asyncio.run(desk.basket([], day=1, path=day1))
    asyncio.run(desk.basket(["DEMO-KR", "DEMO-US"], day=2, path=day2))
    plans = {planned.plan.account_id: planned for planned in first.plans}
    assert set(plans) == {"DEMO-KR", "DEMO-US"}
    expected: Counter[tuple[str, str, str]] = Counter()
    for account_id in plans:
        again = asyncio.run(desk.plan_account(account_id))  # the same plan, read again from the broker
        assert again.plan.orders == plans[account_id].plan.orders
        for order in again.plan.orders:
            expected[account_id, order.symbol, order.side.value] += order.quantity  # type: ignore[assignment]
    assert expected

    written: Counter[tuple[str, str, str]] = Counter()
    tags = set()
    for day, path in ((1, day1), (2, day2)):
        for row in _read(path):
            written[row["Account"], row["Symbol"], row["Action"]] += Decimal(row["Quantity"])  # type: ignore[assignment]
            tags.add(row["BasketTag"])
            instrument = plans[row["Account"]].snapshot.quotes[row["Symbol"]].instrument
            assert Decimal(row["Quantity"]) == int(Decimal(row["Quantity"]))  # the paper lots are whole shares
            if day == 1:
                assert (row["OrderType"], row["LmtPrice"]) == ("MOC", "")
            else:
                assert row["OrderType"] == "LMT"
                assert is_valid_price(instrument, Decimal(row["LmtPrice"]))
    assert written == expected
    assert tags == {"EX_20261124_1", "EX_20261124_2"}  # one tag per file: the latest market date


def test_a_basket_for_an_account_without_a_model_or_a_bad_day_is_refused(desk: Trimtab, tmp_path: Path) -> None:
    desk.unassign("DEMO-US")
    with pytest.raises(InvalidInput, match="no model is assigned"):
        asyncio.run(desk.basket(["DEMO-US"], day=1, path=tmp_path / "b.csv"))
    result = asyncio.run(desk.basket([], day=1, path=tmp_path / "b.csv"))  # all: the accounts with a model
    assert [planned.plan.account_id for planned in result.plans] == ["DEMO-KR"]
    with pytest.raises(InvalidInput, match="choose 1 or 2"):
        asyncio.run(desk.basket([], day=3, path=tmp_path / "b.csv"))
