"""Cancels that tell the truth: fills racing a cancel, cancels the broker confirms late, refuses or never hears
of, and fills reported after the cancel. The run continues with what the broker says is true."""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import flat, krx
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.ports import LegPhase, RunRecord, RunStatus
from trimtab.application.run_journal import LeasePolicy
from trimtab.application.run_rebalance import RebalanceRunner
from trimtab.application.safety import TradingSafety
from trimtab.application.supervise import ExecutionPolicy
from trimtab.domain.execution import OrderStatus, TrackedOrder
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.planning import PlanSettings

MODEL = flat("M", {"A": "50", "B": "50"})
START = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


class Crash(BaseException):
    """Stands for SIGKILL at a checkpoint (BaseException: nothing in trimtab catches it)."""


def _broker(cancels: dict[str, str]) -> ScriptedBroker:
    instruments = {s: krx(s, InstrumentType.ETF) for s in ("A", "B", "Z")}
    return ScriptedBroker(cash=Decimal(100000), positions={"A": Decimal(80), "Z": Decimal(20)},
                          instruments=instruments, prices={"A": Decimal(10000), "B": Decimal(10000),
                                                           "Z": Decimal(5000)},
                          behaviour={"Z": "never"}, cancels=cancels)


def _runner(broker: ScriptedBroker, engine: Engine, crash_at: str | None = None,
            owner: str = "process-1", gone: frozenset[str] = frozenset(), start: dt.datetime = START,
            ) -> RebalanceRunner:
    clock = FastForwardClock(start)
    lease = LeasePolicy(owner=owner, wall=clock, holder_gone=lambda holder: holder in gone)
    policy = ExecutionPolicy(fill_timeout_seconds=5, poll_interval_seconds=1, max_reprices=2,
                             cancel_timeout_seconds=5)

    def checkpoint(point: str) -> None:
        if point == crash_at:
            raise Crash(point)

    return RebalanceRunner(broker, "scripted", SqlRunRepository(engine), clock, clock.sleep, TradingSafety(),
                           policy, checkpoint=checkpoint, lease=lease)


def _orders(run: RunRecord, symbol: str) -> list[TrackedOrder]:
    return [o for o in run.orders if o.request.symbol == symbol]


def _start(broker: ScriptedBroker, engine: Engine) -> RunRecord:
    return asyncio.run(_runner(broker, engine).start("ACC", MODEL, PlanSettings(), execute=True))


def _fill_ids(engine: Engine, run: RunRecord) -> list[str]:
    return [fill.fill_id for fill in SqlRunRepository(engine).list_fills(run.run_id)]


def test_fill_between_last_poll_and_cancel_completes_without_a_reprice(engine: Engine) -> None:
    broker = _broker({"Z": "fill_first"})
    run = _start(broker, engine)
    assert run.status is RunStatus.COMPLETED, run.reason
    (z_order,) = _orders(run, "Z")  # filled while the cancel was on its way: nothing left to chase
    assert z_order.status is OrderStatus.FILLED
    assert z_order.filled_quantity == 20
    assert broker.positions["Z"] == 0
    fills = _fill_ids(engine, run)
    assert len(fills) == len(set(fills))
    assert sum(1 for f in fills if "-Z-" in f) == 1


def test_partial_fill_racing_each_cancel_reprices_only_the_true_remainder(engine: Engine) -> None:
    broker = _broker({"Z": "partial_first"})
    run = _start(broker, engine)
    assert run.status is RunStatus.COMPLETED, run.reason
    z_orders = _orders(run, "Z")
    assert [o.request.quantity for o in z_orders] == [20, 10, 5]
    for previous, chased in itertools.pairwise(z_orders):
        assert chased.request.quantity == previous.unfilled  # each re-price chases what was really left
    assert sum(o.filled_quantity for o in z_orders) == 20 - broker.positions["Z"]


def test_cancel_confirmed_later_keeps_the_order_open_until_then(engine: Engine) -> None:
    broker = _broker({"Z": "pending"})
    run = _start(broker, engine)
    assert run.status is RunStatus.COMPLETED, run.reason
    first = _orders(run, "Z")[0]
    assert first.status is OrderStatus.CANCELLED
    assert broker.pending_cancels == set()  # the run waited for the confirmation before re-pricing
    assert [o.request.quantity for o in _orders(run, "Z")] == [20, 20, 20]


@pytest.mark.parametrize("race", ["refuse_once", "unavailable_once"])
def test_cancel_refused_or_lost_is_asked_again_until_confirmed(engine: Engine, race: str) -> None:
    broker = _broker({"Z": race})
    run = _start(broker, engine)
    assert run.status is RunStatus.COMPLETED, run.reason
    first = _orders(run, "Z")[0]
    assert first.status is OrderStatus.CANCELLED
    assert Counter(broker.cancel_requests)[first.request.client_order_id] == 2


def test_fill_reported_after_the_cancel_is_applied_before_the_reprice(engine: Engine) -> None:
    broker = _broker({"Z": "late_fill"})
    run = _start(broker, engine)
    assert run.status is RunStatus.COMPLETED, run.reason
    z_orders = _orders(run, "Z")
    assert z_orders[0].status is OrderStatus.CANCELLED
    assert z_orders[0].filled_quantity == 10
    assert z_orders[1].request.quantity == 10  # not 20: the late fill was counted first
    fills = _fill_ids(engine, run)
    assert len(fills) == len(set(fills))
    assert sum(o.filled_quantity for o in z_orders) == 20 - broker.positions["Z"]


@pytest.mark.parametrize("crash_at", ["cancel_requested", "cancel_answered", "leg:repricing", "leg:cancelling"])
def test_crash_around_a_racing_cancel_then_resume_ends_like_the_uninterrupted_run(
    engine: Engine, crash_at: str,
) -> None:
    reference = _broker({"Z": "partial_first"})
    expected = _start(reference, engine)
    expected_orders = [(o.request.client_order_id.split("-", 1)[1], o.request.quantity, o.filled_quantity)
                       for o in expected.orders]

    broker = _broker({"Z": "partial_first"})
    runner = _runner(broker, engine, crash_at=crash_at)
    with pytest.raises(Crash):
        asyncio.run(runner.start("ACC2", MODEL, PlanSettings(), execute=True))
    (crashed,) = SqlRunRepository(engine).list("ACC2")
    assert crashed.status is RunStatus.RUNNING
    assert crashed.lease is not None
    assert crashed.lease.owner == "process-1"
    restarted = _runner(broker, engine, owner="process-2", gone=frozenset({"process-1"}))
    resumed = asyncio.run(restarted.resume(crashed.run_id, MODEL, PlanSettings()))

    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    assert [(o.request.client_order_id.split("-", 1)[1], o.request.quantity, o.filled_quantity)
            for o in resumed.orders] == expected_orders
    assert broker.positions == reference.positions
    assert broker.cash == reference.cash
    assert len(broker.submitted) == len(set(broker.submitted))
    fills = _fill_ids(engine, resumed)
    assert len(fills) == len(set(fills))
    assert all(progress.phase is LegPhase.DONE for progress in resumed.legs.values())


def test_resume_long_after_the_cancel_deadline_still_waits_for_the_confirmation(engine: Engine) -> None:
    broker = _broker({"Z": "pending"})
    with pytest.raises(Crash):
        asyncio.run(_runner(broker, engine, crash_at="cancel_answered").start("ACC", MODEL, PlanSettings(),
                                                                               execute=True))
    (crashed,) = SqlRunRepository(engine).list("ACC")
    assert crashed.legs["S"].phase is LegPhase.CANCELLING
    later = START + dt.timedelta(hours=3)  # far past the saved cancel deadline
    restarted = _runner(broker, engine, owner="process-2", gone=frozenset({"process-1"}), start=later)
    resumed = asyncio.run(restarted.resume(crashed.run_id, MODEL, PlanSettings()))
    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    assert _orders(resumed, "Z")[0].status is OrderStatus.CANCELLED
