"""The sweep on a synthetic fleet: 100,000 accounts on PostgreSQL (written by COPY), a small fleet on SQLite.

Counts are checked against each account rebuilt independently by the test kit and judged by the domain's own
drift; the plans of a sample of breached accounts must equal `plan_rebalance` on the same account.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from decimal import Decimal
from functools import cache
from pathlib import Path

import pytest

from tests.conftest import postgres_schema_url
from trimtab import bootstrap
from trimtab.application.batch import settings_of
from trimtab.application.facade import Trimtab
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.sweep_ports import SweepResult
from trimtab.config import Settings
from trimtab.domain.drift import measure_drift, value_account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.snapshot import AccountSnapshot
from trimtab_testkit.fleet import (
    BLOCK,
    MODEL_NAMES,
    RELATIVE_BAND,
    FleetBlock,
    block_account,
    fleet_block,
    fleet_models,
    fleet_quotes,
    write_fleet,
)

SEED = 7
DRIFT = 0.1
MODELS = {model.name: model for model in fleet_models()}
QUOTES = fleet_quotes(SEED)


@pytest.fixture
def postgres_url() -> Iterator[str]:
    yield from postgres_schema_url()


def _facade(url: str) -> Iterator[Trimtab]:
    trimtab = bootstrap.build(Settings(database_url=url))
    try:
        yield trimtab
    finally:
        bootstrap.storage_engine(trimtab).dispose()


def _fleet(url: str, accounts: int) -> Iterator[Trimtab]:
    for trimtab in _facade(url):
        trimtab.init(demo=False)
        write_fleet(bootstrap.storage_engine(trimtab), accounts, seed=SEED, drift_share=DRIFT)
        yield trimtab


@cache
def _block(start: int, accounts: int) -> FleetBlock:
    return fleet_block(SEED, start, min(BLOCK, accounts - start), DRIFT, QUOTES)


def _expected(index: int, accounts: int) -> tuple[str, AccountSnapshot | None, PlanSettings, bool]:
    """An account's model, snapshot, settings and whether the domain's drift says it breaches a band."""
    block = _block(index - index % BLOCK, accounts)
    row = index - block.start
    model = MODELS[MODEL_NAMES[int(block.models[row])]]
    snapshot = block_account(block, row, QUOTES)
    config = RebalancingConfig(relative_band=RELATIVE_BAND) if block.own_bands[row] else RebalancingConfig()
    settings = settings_of(config, force=False)
    if snapshot is None:
        return model.name, None, settings, False
    drift = measure_drift(model, value_account(snapshot), settings.bands, cash_buffer=settings.cash_buffer)
    return model.name, snapshot, settings, drift.rebalance_needed


def _check_plans(trimtab: Trimtab, run_id: str, accounts: int, sample: int) -> None:
    planned = trimtab.sweep_results(run_id, "planned")
    assert planned
    for result in random.Random(1).sample(planned, min(sample, len(planned))):
        index = int(result.account_id[1:])
        name, snapshot, settings, breached = _expected(index, accounts)
        assert snapshot is not None
        assert breached
        assert result.model_name == name
        plan = plan_rebalance(MODELS[name], snapshot, settings)
        assert result.plan is not None
        assert [[symbol, side, Decimal(quantity), Decimal(limit)] for symbol, side, quantity, limit
                in result.plan["orders"]] == [[order.symbol, order.side.value, order.quantity, order.limit_price]
                                              for order in plan.orders]
        assert result.orders == len(plan.orders)
        assert result.equity == plan.equity
        assert (None if result.plan["gap_bp"] is None else Decimal(result.plan["gap_bp"])) == plan.gap_bp


def test_sweep_of_100000_accounts_on_postgresql_counts_each_account_and_plans_as_one_account_does(
        postgres_url: str) -> None:
    accounts = 100_000
    for trimtab in _fleet(postgres_url, accounts):
        messages: list[str] = []
        summary = trimtab.sweep(progress=messages.append)
        assert summary.read == accounts
        assert summary.counts["planned"] == 0
        assert messages[-1].startswith("sweeping [########################] 100% 100,000/100,000 accounts")
        sample = random.Random(2).sample(range(accounts), 300)
        stored = {result.account_id: result for result in trimtab.sweep_results(summary.run_id)
                  if int(result.account_id[1:]) in set(sample)}
        for index in sample:
            _, snapshot, _, breached = _expected(index, accounts)
            status = "skipped" if snapshot is None else "breached" if breached else "in_band"
            assert stored[f"F{index:07d}"].status == status, index
        assert summary.skipped == {"no positions stored": summary.counts["skipped"]}
        assert 0.05 * accounts < summary.breached < 0.2 * accounts
        planned = trimtab.sweep(models=["FLEET-US-CORE"], plan=True, chunk=7_000)
        assert planned.read == accounts // 5
        assert planned.counts["planned"] + planned.counts["unsafe"] == planned.breached > 0
        _check_plans(trimtab, planned.run_id, accounts, 25)


def test_sweep_on_sqlite_in_small_chunks_equals_one_chunk_planned_by_two_workers(tmp_path: Path) -> None:
    accounts = 3_000
    for trimtab in _fleet(f"sqlite:///{tmp_path / 't.db'}", accounts):
        small = trimtab.sweep(plan=True, chunk=257)
        whole = trimtab.sweep(plan=True, workers=2)
        assert small.read == whole.read == accounts
        assert small.counts == whole.counts
        assert small.orders == whole.orders
        first, second = (trimtab.sweep_results(run) for run in (small.run_id, whole.run_id))
        assert [_row(result) for result in first] == [_row(result) for result in second]
        _check_plans(trimtab, small.run_id, accounts, 10)


def _row(result: SweepResult) -> tuple[object, ...]:
    return (result.account_id, result.status, result.reason, result.largest_drift, result.plan)


def test_sweep_of_an_unknown_model_names_it_and_the_known_ones(tmp_path: Path) -> None:
    for trimtab in _fleet(f"sqlite:///{tmp_path / 't.db'}", 10):
        with pytest.raises(InvalidInput) as raised:
            trimtab.sweep(models=["FLEET-US-CORE", "NOPE"])
        assert raised.value.field == "models"
        assert raised.value.value == "NOPE"
        assert "FLEET-KR-BAL" in str(raised.value)
        with pytest.raises(InvalidInput, match="chunk"):
            trimtab.sweep(chunk=0)


def test_sweep_reads_what_plan_all_left_in_the_market_data_cache(tmp_path: Path) -> None:
    import asyncio

    from trimtab.application.batch import Selection

    for trimtab in _facade(f"sqlite:///{tmp_path / 't.db'}"):
        trimtab.init(demo=True)
        batch = asyncio.run(trimtab.plan_batch(Selection(every=True)))
        summary = trimtab.sweep(plan=True)
        results = {result.account_id: result for result in trimtab.sweep_results(summary.run_id)}
        for line in batch.lines:
            assert line.plan is not None
            result = results[line.account_id]
            assert result.status == "planned"
            assert result.orders == len(line.plan.orders)
            assert result.equity == line.plan.equity
            assert result.largest_drift is not None
            assert result.largest_drift > Decimal(0)
