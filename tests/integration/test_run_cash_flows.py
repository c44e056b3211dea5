"""Runs with a cash flow: a deposit already in the account bought in, a withdrawal raised by sells only."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from tests.fakes.builders import flat
from tests.integration.test_runs import _broker, _runner, store  # noqa: F401  (the fixture)
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.application.ports import RunStatus
from trimtab.domain.cash_flows import CashFlow, FlowKind
from trimtab.domain.planning import PlanSettings

MODEL = flat("M", {"A": "50", "B": "50"})


def test_deposit_run_only_buys_and_completes(store: SqlRunRepository) -> None:  # noqa: F811
    broker = _broker()
    runner, _ = _runner(broker, store)
    flow = CashFlow(FlowKind.DEPOSIT, Decimal(100000), in_cash=True)  # the broker's cash holds it already
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(cash_flow=flow), execute=True))
    assert run.status is RunStatus.COMPLETED, run.reason
    assert {o.request.side.value for o in run.orders} == {"BUY"}
    assert broker.positions["Z"] == 20  # held outside the model, but a deposit never sells
    assert broker.cash >= 0
    stored = store.get(run.run_id).plan
    assert stored is not None
    assert stored.cash_flow == flow  # kept with the run: a resume plans the same flow


def test_withdrawal_run_only_sells_and_leaves_the_amount_in_cash(store: SqlRunRepository) -> None:  # noqa: F811
    broker = _broker()
    runner, _ = _runner(broker, store)
    flow = CashFlow(FlowKind.WITHDRAWAL, Decimal(150000))
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(cash_flow=flow), execute=True))
    assert run.status is RunStatus.COMPLETED, run.reason
    assert {o.request.side.value for o in run.orders} == {"SELL"}
    assert broker.cash >= Decimal(150000)
    assert broker.positions.get("B", 0) == 0  # never bought
    assert store.get(run.run_id).plan.cash_flow == flow  # type: ignore[union-attr]
