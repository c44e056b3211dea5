"""Rebalancing settings, daily summaries and the paper broker's state."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import Engine

from trimtab.adapters.persistence.accounts import SqlAccountRepository
from trimtab.adapters.persistence.paper_state import SqlPaperStateStore
from trimtab.adapters.persistence.rebalancing_config import SqlConfigRepository
from trimtab.adapters.persistence.summaries import SqlSummaryRepository
from trimtab.application.ports import BandSettings, PaperStateStore
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.records import DailySummary
from trimtab.domain.errors import InvalidInput

from .conftest import FixedClock


@pytest.fixture
def config(engine: Engine, clock: FixedClock) -> SqlConfigRepository:
    SqlAccountRepository(engine, clock).add("acc-1", name="Main", currency="KRW", broker="paper")
    return SqlConfigRepository(engine, clock)


def test_config_unset_returns_defaults(config: SqlConfigRepository) -> None:
    assert config.get("acc-1") == RebalancingConfig(
        class_band=Decimal("0.03"), ticker_band=Decimal("0.05"), relative_band=None,
        cash_buffer=Decimal("0.01"), minimum_trade_value=Decimal(0), price_ticks=1)
    assert config.get_bands("unknown") == BandSettings(Decimal("0.03"), Decimal("0.05"), None)


def test_config_set_then_get_returns_it(config: SqlConfigRepository) -> None:
    settings = RebalancingConfig(class_band=Decimal("0.025"), ticker_band=Decimal("0.1"),
                                 relative_band=Decimal("0.25"), cash_buffer=Decimal("0.5"),
                                 minimum_trade_value=Decimal("100000"), price_ticks=0)
    config.set("acc-1", settings)
    assert config.get("acc-1") == settings
    config.set_bands("acc-1", BandSettings(Decimal("0.04"), Decimal("0.06"), None))
    assert config.get("acc-1") == dataclasses.replace(settings, class_band=Decimal("0.04"),
                                                      ticker_band=Decimal("0.06"), relative_band=None)


@pytest.mark.parametrize(("field", "value"), [
    ("class_band", Decimal("1.01")), ("ticker_band", Decimal("-0.01")), ("relative_band", Decimal(2)),
    ("cash_buffer", Decimal("0.51")), ("minimum_trade_value", Decimal(-1)), ("price_ticks", 51),
    ("price_ticks", -1),
])
def test_config_out_of_range_raises_invalid_input_naming_field(config: SqlConfigRepository, field: str,
                                                               value: object) -> None:
    changes: dict[str, Any] = {field: value}
    invalid = dataclasses.replace(RebalancingConfig(), **changes)
    with pytest.raises(InvalidInput, match=f"field '{field}', value '?{value}'?: must be") as raised:
        config.set("acc-1", invalid)
    assert (raised.value.field, raised.value.where) == (field, "settings of account 'acc-1'")
    assert config.get("acc-1") == RebalancingConfig()


def test_config_float_raises_invalid_input(config: SqlConfigRepository) -> None:
    with pytest.raises(InvalidInput, match="field 'class_band'"):
        config.set("acc-1", dataclasses.replace(RebalancingConfig(), class_band=0.03))  # type: ignore[arg-type]


def test_config_unknown_account_raises_invalid_input(config: SqlConfigRepository) -> None:
    with pytest.raises(InvalidInput, match="unknown account"):
        config.set("missing", RebalancingConfig())


def test_summary_upsert_replaces_same_day_and_latest_is_newest(engine: Engine, clock: FixedClock) -> None:
    summaries = SqlSummaryRepository(engine, clock)
    day = dt.date(2026, 3, 2)
    first = DailySummary("acc-1", day, "securities", Decimal("1000.5"), Decimal("123456789012.345678901"))
    summaries.upsert(first)
    summaries.upsert(DailySummary("acc-1", day - dt.timedelta(days=1), "securities", Decimal(1), Decimal(2)))
    summaries.upsert(DailySummary("acc-1", day + dt.timedelta(days=1), "futures", Decimal(3), Decimal(4)))
    replaced = dataclasses.replace(first, cash=Decimal("0.000140527"))
    summaries.upsert(replaced)
    assert summaries.get("acc-1", day, "securities") == replaced
    assert summaries.latest("acc-1", "securities") == replaced
    assert summaries.latest("acc-1", "spot") is None
    assert [(s.trade_date.day, s.market_type) for s in summaries.list("acc-1")] == [
        (3, "futures"), (2, "securities"), (1, "securities")]


def test_paper_state_save_then_load_round_trips(engine: Engine, clock: FixedClock) -> None:
    store: PaperStateStore = SqlPaperStateStore(engine, clock)
    assert store.load("paper-1") is None
    state: dict[str, Any] = {"cash": {"KRW": "1000000"}, "positions": {"005930": {"quantity": "10"}},
                             "orders": [{"id": "o1", "status": "filled"}], "sequence": 3}
    store.save("paper-1", state)
    assert store.load("paper-1") == state
    store.save("paper-1", {**state, "cash": {"KRW": Decimal("999.5")}})
    assert store.load("paper-1") == {**state, "cash": {"KRW": "999.5"}}
    assert store.load("paper-2") is None


def test_paper_state_float_refused(engine: Engine) -> None:
    with pytest.raises(TypeError, match="float"):
        SqlPaperStateStore(engine).save("paper-1", {"cash": 1.5})
