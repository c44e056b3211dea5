"""Model portfolios (versioned) and accounts with their model assignments."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from trimtab.adapters.persistence.accounts import SqlAccountRepository
from trimtab.adapters.persistence.portfolios import SqlModelRepository
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType, Market
from trimtab.domain.models import AssetClass, ModelHolding, ModelPortfolio, flat_model, two_level_model

from .conftest import NOW, FixedClock


def _two_level(equity_weight: str = "0.6") -> ModelPortfolio:
    bonds = str(Decimal("0.95") - Decimal(equity_weight))
    equity = AssetClass("Equity", Decimal(equity_weight), (
        ModelHolding("SPMO", Decimal("0.3334"), "Invesco S&P 500 Momentum", InstrumentType.ETF, Market.US, "USD"),
        ModelHolding("SMH", Decimal("0.6666")),
    ))
    return two_level_model("GTAA", (
        equity, AssetClass("Bonds", Decimal(bonds), (ModelHolding("IEF", Decimal(1)),)),
        AssetClass("CASH", Decimal("0.05"), ()),
    ), description="Global tactical", effective_on="2026-03-01")


@pytest.fixture
def models(engine: Engine, clock: FixedClock) -> SqlModelRepository:
    return SqlModelRepository(engine, clock)


@pytest.fixture
def accounts(engine: Engine, clock: FixedClock) -> SqlAccountRepository:
    return SqlAccountRepository(engine, clock)


def test_import_model_then_get_returns_same_model_version_one(models: SqlModelRepository) -> None:
    model = _two_level()
    assert models.import_model(model) == "1"
    assert models.get("GTAA") == dataclasses.replace(model, version="1")


def test_import_same_content_keeps_version(models: SqlModelRepository) -> None:
    models.import_model(_two_level())
    written_differently = _two_level("0.60")  # same weights, other trailing zeros; the file's version is not content
    assert models.import_model(dataclasses.replace(written_differently, version="2024-Q1")) == "1"
    assert [v.version for v in models.list("GTAA")] == ["1"]


def test_import_changed_content_creates_next_version(models: SqlModelRepository) -> None:
    models.import_model(_two_level())
    assert models.import_model(_two_level("0.5")) == "2"
    assert models.import_model(_two_level("0.5")) == "2"
    assert models.get("GTAA").classes[0].weight == Decimal("0.5")
    assert models.get("GTAA", "1").classes[0].weight == Decimal("0.6")
    assert models.import_model(_two_level()) == "3"  # going back is a change too
    assert [(v.name, v.version) for v in models.list()] == [("GTAA", "1"), ("GTAA", "2"), ("GTAA", "3")]


def test_models_versioned_per_name(models: SqlModelRepository) -> None:
    flat = flat_model("Income", (ModelHolding("AAA", Decimal("0.5")), ModelHolding("BBB", Decimal("0.5"))))
    models.import_model(_two_level())
    assert models.import_model(flat) == "1"
    assert models.get("Income") == dataclasses.replace(flat, version="1")
    assert [v.name for v in models.list()] == ["GTAA", "Income"]


def test_get_unknown_model_or_version_raises_invalid_input(models: SqlModelRepository) -> None:
    with pytest.raises(InvalidInput, match="field 'name', value 'nope'"):
        models.get("nope")
    models.import_model(_two_level())
    with pytest.raises(InvalidInput, match="field 'version', value '7'"):
        models.get("GTAA", "7")
    with pytest.raises(InvalidInput, match="field 'version', value 'latest'"):
        models.get("GTAA", "latest")


def test_import_invalid_model_refused(models: SqlModelRepository) -> None:
    broken = dataclasses.replace(_two_level(), classes=_two_level().classes[:1])
    with pytest.raises(InvalidInput, match="weights sum"):
        models.import_model(broken)
    assert models.list() == []


def test_add_account_then_get_and_list(accounts: SqlAccountRepository) -> None:
    added = accounts.add("acc-2", name="Paper USD", currency="usd", broker="Paper")
    accounts.add("acc-1", name="Main", currency="KRW", broker="kis")
    assert added.currency == "USD"
    assert added.broker == "paper"
    assert added.created_at == NOW
    assert accounts.get("acc-2") == added
    assert [a.account_id for a in accounts.list()] == ["acc-1", "acc-2"]
    assert accounts.find("missing") is None


def test_add_account_twice_or_bad_currency_raises_invalid_input(accounts: SqlAccountRepository) -> None:
    accounts.add("acc-1", name="Main", currency="KRW", broker="kis")
    with pytest.raises(InvalidInput, match="field 'account_id', value 'acc-1': account already exists"):
        accounts.add("acc-1", name="Again", currency="KRW", broker="kis")
    with pytest.raises(InvalidInput, match="field 'currency'"):
        accounts.add("acc-2", name="Odd", currency="XYZ", broker="kis")


def test_assign_model_latest_or_pinned(accounts: SqlAccountRepository, models: SqlModelRepository,
                                       clock: FixedClock) -> None:
    accounts.add("acc-1", name="Main", currency="KRW", broker="kis")
    models.import_model(_two_level())
    models.import_model(_two_level("0.5"))
    assert accounts.assignment("acc-1") is None
    assigned = accounts.assign_model("acc-1", "GTAA")
    assert (assigned.model_name, assigned.pinned_version) == ("GTAA", None)
    accounts.assign_model("acc-1", "GTAA", version="1")
    stored = accounts.assignment("acc-1")
    assert stored is not None
    assert (stored.model_name, stored.pinned_version, stored.assigned_at) == ("GTAA", "1", clock.now())


def test_assign_unknown_model_or_account_raises_invalid_input(accounts: SqlAccountRepository,
                                                              models: SqlModelRepository) -> None:
    models.import_model(_two_level())
    with pytest.raises(InvalidInput, match="unknown account"):
        accounts.assign_model("missing", "GTAA")
    accounts.add("acc-1", name="Main", currency="KRW", broker="kis")
    with pytest.raises(InvalidInput, match="field 'name', value 'Other'"):
        accounts.assign_model("acc-1", "Other")
    with pytest.raises(InvalidInput, match="field 'version', value '2'"):
        accounts.assign_model("acc-1", "GTAA", version="2")
    assert accounts.assignment("acc-1") is None


def test_version_labels_from_files_are_kept_found_and_never_reused(engine: Engine) -> None:
    models, accounts = SqlModelRepository(engine), SqlAccountRepository(engine)
    def gtaa(spmo: str, version: str) -> ModelPortfolio:
        holdings = (ModelHolding("SPMO", Decimal(spmo)), ModelHolding("SMH", Decimal(1) - Decimal(spmo)))
        return flat_model("GTAA", holdings, version=version)

    first = gtaa("0.5", "2026-01")
    assert models.import_model(first) == "1"
    assert models.import_model(gtaa("0.6", "7")) == "2"  # a number is trimtab's to give
    assert [(info.version, info.label) for info in models.list("GTAA")] == [("1", "2026-01"), ("2", None)]
    assert models.get("GTAA", "2026-01").target_weights()["SPMO"] == Decimal("0.5")
    accounts.add("A", name="a", currency="USD", broker="paper")
    assert accounts.assign_model("A", "GTAA", version="2026-01").pinned_version == "1"
    with pytest.raises(InvalidInput, match="already has a version 1 labelled '2026-01' with other content"):
        models.import_model(gtaa("0.7", "2026-01"))
    with pytest.raises(InvalidInput, match="no version numbered or labelled so"):
        models.get("GTAA", "2099-12")
