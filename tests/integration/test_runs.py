"""The durable run state machine against a scripted broker, storing runs in SQLite and in PostgreSQL."""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import Counter
from collections.abc import Sequence
from decimal import Decimal

import pytest
from sqlalchemy import Engine

from tests.fakes.broker import ScriptedBroker
from tests.fakes.builders import flat, krx
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.ports import RunInProgress, RunStatus
from trimtab.application.run_rebalance import RebalanceRunner
from trimtab.application.safety import TradingDisabled, TradingSafety
from trimtab.application.supervise import ExecutionPolicy
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.execution import OrderStatus
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.planning import PlanSettings
from trimtab.domain.snapshot import AccountSnapshot

ETF = InstrumentType.ETF
MODEL = flat("M", {"A": "50", "B": "50"})


def _broker(**kwargs: object) -> ScriptedBroker:
    instruments = {s: krx(s, ETF) for s in ("A", "B", "Z")}
    return ScriptedBroker(cash=Decimal(100000), positions={"A": Decimal(80), "Z": Decimal(20)},
                          instruments=instruments,
                          prices={"A": Decimal(10000), "B": Decimal(10000), "Z": Decimal(5000)},
                          **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def store(engine: Engine) -> SqlRunRepository:
    return SqlRunRepository(engine)


def _runner(broker: ScriptedBroker, store: SqlRunRepository,
            safety: TradingSafety | None = None) -> tuple[RebalanceRunner, SqlRunRepository]:
    clock = FastForwardClock(dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC))
    policy = ExecutionPolicy(fill_timeout_seconds=5, poll_interval_seconds=1, max_reprices=2)
    runner = RebalanceRunner(broker, "scripted", store, clock, clock.sleep, safety or TradingSafety(), policy)
    return runner, store


def test_run_sells_then_buys_and_completes(store: SqlRunRepository) -> None:
    broker = _broker()
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    assert run.status is RunStatus.COMPLETED, run.reason
    sides = [o.request.side.value for o in run.orders]
    assert sides.index("BUY") > max(i for i, s in enumerate(sides) if s == "SELL")  # sells first
    assert broker.positions["Z"] == 0  # held outside the model: sold
    assert broker.positions["B"] > 0  # unheld target: bought
    assert all(o.status is OrderStatus.FILLED for o in run.orders)
    assert store.active_run("ACC") is None
    post = store.get(run.run_id).post
    assert post is not None
    assert post.cash == broker.cash
    fills = store.list_fills(run.run_id)
    assert sum(f.quantity for f in fills) == sum(o.filled_quantity for o in run.orders)


def test_run_dry_run_sends_nothing(store: SqlRunRepository) -> None:
    broker = _broker()
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=False))
    assert run.status is RunStatus.DRY_RUN
    assert broker.submitted == []
    assert run.plan is not None
    assert run.plan.orders


def test_run_inside_bands_is_skipped_without_force(store: SqlRunRepository) -> None:
    broker = _broker()
    broker.positions = {"A": Decimal(50), "B": Decimal(49)}
    broker.cash = Decimal(10000)
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    assert run.status is RunStatus.SKIPPED
    assert broker.submitted == []


def test_run_partial_fill_is_repriced_then_cancelled(store: SqlRunRepository) -> None:
    broker = _broker(behaviour={"Z": "half"})
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    z_orders = [o for o in run.orders if o.request.symbol == "Z"]
    assert [o.request.client_order_id.rsplit("-", 1)[1] for o in z_orders] == ["0", "1", "2"]
    assert [o.request.quantity for o in z_orders] == [Decimal(20), Decimal(10), Decimal(5)]
    limits = [o.request.limit_price or Decimal(0) for o in z_orders]
    assert limits[0] > limits[1] > limits[2] > 0  # each re-price steps further below the market
    assert z_orders[-1].status is OrderStatus.CANCELLED
    assert run.status is RunStatus.COMPLETED  # the buys were re-planned from the cash really raised


def test_run_rejected_buy_needs_attention_then_resumes_without_duplicates(store: SqlRunRepository) -> None:
    broker = _broker(behaviour={"B": "reject"})
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    assert run.status is RunStatus.NEEDS_ATTENTION
    assert "B rejected" in run.reason
    assert store.active_run("ACC") == run.run_id  # the account stays locked until the run is resolved
    broker.behaviour = {}
    resumed = asyncio.run(runner.resume(run.run_id, MODEL, PlanSettings()))
    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    assert broker.positions["B"] > 0
    assert max(Counter(broker.submitted).values()) == 1  # no client order id was sent twice
    assert store.active_run("ACC") is None


def test_run_lost_response_is_adopted_not_resent(store: SqlRunRepository) -> None:
    broker = _broker(drop_next_submit=1)
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    assert run.status is RunStatus.COMPLETED, run.reason
    assert len(broker.submitted) == len(set(broker.submitted))  # the lost one was found, not sent again


def test_run_second_run_on_same_account_is_refused(store: SqlRunRepository) -> None:
    broker = _broker(behaviour={"B": "reject"})
    runner, _ = _runner(broker, store)
    first = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    assert first.status is RunStatus.NEEDS_ATTENTION
    with pytest.raises(RunInProgress, match=first.run_id):
        asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))


def test_run_kill_switch_blocks_every_order(store: SqlRunRepository) -> None:
    broker = _broker()
    runner, _ = _runner(broker, store, safety=TradingSafety(live_trading_enabled=True, kill_switch=True))
    with pytest.raises(TradingDisabled, match="TRIMTAB_DISABLE_LIVE_TRADING"):
        asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    assert broker.submitted == []


class _DownBroker(ScriptedBroker):
    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        raise BrokerUnavailable("broker unreachable")


def test_run_broker_down_before_any_order_fails_and_frees_the_account(store: SqlRunRepository) -> None:
    broker = _broker()
    down = _DownBroker(cash=broker.cash, positions=broker.positions, instruments=broker.instruments,
                       prices=broker.prices)
    runner, _ = _runner(down, store)

    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))

    assert run.status is RunStatus.FAILED
    assert "before any order" in run.reason
    assert "unreachable" in run.reason
    assert store.active_run("ACC") is None
    again, _ = _runner(broker, store)
    assert asyncio.run(again.start("ACC", MODEL, PlanSettings(), execute=True)).status is RunStatus.COMPLETED


def test_run_live_broker_needs_live_trading_enabled(store: SqlRunRepository) -> None:
    broker = _broker(live=True)
    runner, _ = _runner(broker, store)
    with pytest.raises(TradingDisabled, match="live trading"):
        asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    allowed, _ = _runner(broker, store, safety=TradingSafety(live_trading_enabled=True))
    assert asyncio.run(allowed.start("ACC", MODEL, PlanSettings(), execute=True)).status is RunStatus.COMPLETED


def test_run_resume_after_crash_mid_sells_sends_no_duplicate(store: SqlRunRepository) -> None:
    broker = _broker(behaviour={"Z": "never"})
    runner, _ = _runner(broker, store)

    async def crash_after_first_submit() -> None:
        original = broker.submit

        async def submit_then_die(request):  # type: ignore[no-untyped-def]
            await original(request)
            raise KeyboardInterrupt  # the process dies right after the broker took the order

        broker.submit = submit_then_die  # type: ignore[method-assign]
        await runner.start("ACC", MODEL, PlanSettings(), execute=True)

    with pytest.raises(KeyboardInterrupt):
        asyncio.run(crash_after_first_submit())
    del broker.submit  # back to the class method
    broker.behaviour = {}
    (run_id,) = [r.run_id for r in store.list()]
    assert store.get(run_id).status is RunStatus.RUNNING
    resumed = asyncio.run(runner.resume(run_id, MODEL, PlanSettings()))
    assert resumed.status is RunStatus.COMPLETED, resumed.reason
    assert len(broker.submitted) == len(set(broker.submitted))


def test_run_two_concurrent_starts_on_one_account_let_one_through(database_url: str, engine: Engine) -> None:
    # two processes' worth of runners (separate engines) start at the same moment on the same account
    from trimtab.adapters.persistence.database import make_engine

    other = make_engine(database_url)
    try:
        brokers = [_broker(behaviour={"B": "never"}), _broker(behaviour={"B": "never"})]
        runners = [_runner(brokers[0], SqlRunRepository(engine))[0], _runner(brokers[1], SqlRunRepository(other))[0]]

        async def both() -> list[object]:
            starts = [r.start("ACC", MODEL, PlanSettings(), execute=True) for r in runners]
            return await asyncio.gather(*starts, return_exceptions=True)

        results = asyncio.run(both())
    finally:
        other.dispose()
    refused = [r for r in results if isinstance(r, RunInProgress)]
    assert len(refused) == 1, results
    assert sum(len(b.submitted) > 0 for b in brokers) == 1  # only the run holding the lock sent orders


def test_fills_are_asked_for_only_when_an_order_moved(store: SqlRunRepository) -> None:
    # Z never fills: its polls see an unchanged order and cost one request each, not two. Each fills request
    # follows a change the order report showed (a fill, a cancel), so none is skipped that could hold a fill.
    broker = _broker(behaviour={"Z": "never"})
    runner, _ = _runner(broker, store)
    run = asyncio.run(runner.start("ACC", MODEL, PlanSettings(), execute=True))
    z_ids = [o.request.client_order_id for o in run.orders if o.request.symbol == "Z"]
    looks = Counter(request for request in broker.looks if request in z_ids)
    assert min(looks.values()) >= 3  # each Z order was looked at on several polls
    asked = Counter(request for request in broker.fill_requests if request in z_ids)
    assert all(asked[request] < looks[request] for request in z_ids)
    assert all(o.status is OrderStatus.CANCELLED for o in run.orders if o.request.symbol == "Z")
