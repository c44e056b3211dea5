"""Batch planning: one kernel call per shape gives every account the plan it gets alone; bad accounts are lines."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.builders import account, flat, krx
from trimtab.domain import batch_planning
from trimtab.domain.allocation import AllocationMethod
from trimtab.domain.batch_planning import PlanRequest, plan_many
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab_testkit.desk import desk_models, desk_snapshots


def _requests(count: int, settings: PlanSettings) -> list[PlanRequest]:
    models = {model.name: model for model in desk_models()}
    return [PlanRequest(models[name], snapshot, settings) for name, snapshot in desk_snapshots(count, seed=7)]


def test_a_batch_plan_equals_each_accounts_own_plan() -> None:
    settings = [PlanSettings(), PlanSettings(minimum_trade_value=Decimal(2000)),
                PlanSettings(method=AllocationMethod.FLOOR, force=True)]
    requests = [replace(request, settings=settings[index % 3]) for index, request in enumerate(_requests(60,
                                                                                                        PlanSettings()))]
    outcomes = plan_many(requests)
    assert [outcome.account_id for outcome in outcomes] == [request.snapshot.account_id for request in requests]
    for request, outcome in zip(requests, outcomes, strict=True):
        alone = plan_rebalance(request.model, request.snapshot, request.settings)
        assert outcome.error is None
        assert outcome.plan == alone
    assert any(outcome.plan is not None and outcome.plan.orders for outcome in outcomes)


def test_accounts_of_one_shape_share_one_kernel_call(monkeypatch: object) -> None:
    calls: list[int] = []
    greedy = batch_planning.HEURISTICS[AllocationMethod.GREEDY]

    def counting(batch: object) -> object:
        calls.append(batch.shape[0])  # type: ignore[attr-defined]
        return greedy(batch)  # type: ignore[arg-type]

    monkeypatch.setitem(batch_planning.HEURISTICS, AllocationMethod.GREEDY, counting)  # type: ignore[attr-defined]
    requests = _requests(40, PlanSettings())
    plan_many(requests)
    shapes = {len(request.model.target_weights()) + len({h.symbol for h in request.snapshot.holdings}
                                                         - set(request.model.target_weights()))
              for request in requests}
    assert sum(calls) == 40  # every account allocated once (no minimum trade: no second round)
    assert len(calls) == len(shapes) == 2  # one call per number of tickers (3 or 4 with a stray holding)


def test_an_account_that_cannot_be_planned_is_its_own_line() -> None:
    good = _requests(3, PlanSettings())
    unpriced = account("1000000", {"A": (krx("A"), "1", "1000")})
    bad = PlanRequest(flat("M", {"A": "50", "B": "50"}), replace(unpriced, account_id="BAD"), PlanSettings())
    outcomes = plan_many([good[0], bad, good[1]])
    assert [outcome.account_id for outcome in outcomes] == [good[0].snapshot.account_id, "BAD",
                                                            good[1].snapshot.account_id]
    assert outcomes[1].plan is None
    assert outcomes[1].error is not None
    assert "no price for a model symbol" in str(outcomes[1].error)
    assert outcomes[0].plan is not None
    assert outcomes[2].plan is not None


@pytest.mark.slow
def test_desk_benchmark_quick_run_smoke() -> None:
    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(root / "src"), os.environ.get("PYTHONPATH", "")])}
    env = {key: value for key, value in env.items() if not key.startswith("TRIMTAB_")}
    done = subprocess.run(  # noqa: S603 - our own script, run with the interpreter running the tests
        [sys.executable, str(root / "benchmarks" / "desk_bench.py"), "--quick"],
        capture_output=True, text=True, timeout=300, cwd=root, env=env, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "batch plans equal the per-account plans: yes" in done.stdout
    assert "trimtab plan --all" in done.stdout
