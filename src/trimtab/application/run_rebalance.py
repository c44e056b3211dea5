"""Use case: a durable rebalance run — snapshot, plan, sells, supervised fills, re-planned buys, buys.

Each step is saved before it acts, so a run killed at any point can be resumed: orders already recorded
are reconciled with the broker before anything is sent again (see supervise.py). One process drives a run at a
time: it holds the run's lease and every write is fenced by it (run_journal.py). Guarantees and limits:
docs/runs.md.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.application.notifications import no_announcement
from trimtab.application.policies import RunPolicies
from trimtab.application.ports import BrokerPort, Clock, RunRecord, RunRepository, RunStatus, RunStep
from trimtab.application.progress import Progress, no_progress
from trimtab.application.run_journal import LeasePolicy, RunJournal
from trimtab.application.run_state import RunEvent, advance
from trimtab.application.safety import TradingSafety, ensure_may_trade
from trimtab.application.supervise import ExecutionPolicy, LegSupervisor, LegUnsettled
from trimtab.domain.errors import BrokerError, TrimtabError
from trimtab.domain.execution import OrderStatus
from trimtab.domain.money_format import format_quantity
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderIntent, Side
from trimtab.domain.planning import Plan, PlanSettings, plan_rebalance

if TYPE_CHECKING:
    from trimtab.application.strategy_runs import Balances, StrategySlicer
    from trimtab.domain.models import ModelPortfolio

logger = logging.getLogger(__name__)

FINAL = frozenset({RunStatus.COMPLETED, RunStatus.SKIPPED, RunStatus.DRY_RUN, RunStatus.FAILED})


def new_run_id() -> str:
    """A short random run id without dashes (client order ids use dashes as separators)."""
    return uuid.uuid4().hex[:16]


@dataclass
class RebalanceRunner:
    """Drives runs of one broker through their steps."""

    broker: BrokerPort
    broker_name: str
    runs: RunRepository
    clock: Clock
    sleep: Callable[[float], Awaitable[None]]
    safety: TradingSafety
    policy: ExecutionPolicy = field(default_factory=ExecutionPolicy)
    progress: Progress = no_progress
    make_run_id: Callable[[], str] = new_run_id
    checkpoint: Callable[[str], None] = lambda _point: None  # fault injection for crash tests
    lease: LeasePolicy | None = None  # default: an owner unique to this runner, leases on the run's clock
    announce: Callable[[RunRecord], Awaitable[None]] = no_announcement  # told when a run stops
    policies: RunPolicies | None = None  # signal confirmation and split execution (None: neither)
    slices: StrategySlicer | None = None  # a run of strategies' slices (strategy_runs.py); None: the account's

    def __post_init__(self) -> None:
        policy = self.lease or LeasePolicy(owner=f"runner-{uuid.uuid4().hex}", wall=self.clock)
        self.journal = RunJournal(self.runs, self.clock, policy)

    async def start(self, account_id: str, model: ModelPortfolio, settings: PlanSettings, *,
                    execute: bool, run_id: str | None = None) -> RunRecord:
        """Create a run (taking the account's lock and the run's lease) and drive it as far as it goes; `run_id`
        when one was chosen beforehand (an idempotency key names it)."""
        if execute:
            ensure_may_trade(self.broker, self.safety)
        now = self.clock.now()
        run = RunRecord(run_id=run_id or self.make_run_id(), account_id=account_id, model_name=model.name,
                        model_version=model.version, broker=self.broker_name, status=RunStatus.RUNNING,
                        step=RunStep.CREATED, execute=execute, force=settings.force, created_at=now,
                        updated_at=now, strategies=None if self.slices is None else self.slices.initial())
        self.journal.create(run)
        self.checkpoint("step:created")
        logger.info("run %s created for account %s (execute=%s)", run.run_id, account_id, execute)
        return await self._drive(run, model, settings, resumed=False)

    async def resume(self, run_id: str, model: ModelPortfolio, settings: PlanSettings) -> RunRecord:
        """Continue a run that was interrupted or needs attention; a finished run is returned as it is.

        Raises RunLeaseHeld while another live process drives the run.
        """
        run = self.runs.get(run_id)
        if run.status in FINAL:
            return run
        if run.execute:
            ensure_may_trade(self.broker, self.safety)
        run = self.journal.acquire(run_id)
        if run.status in FINAL:  # it finished while this process waited for the lease
            self.journal.release(run)
            return run
        advance(run, RunEvent.RESUMED)  # sold but did not buy everything: plan the buys again
        self._save(run)
        return await self._drive(run, model, replace(settings, force=run.force), resumed=True)

    def _guard(self, run: RunRecord) -> None:
        """Before every order: the safety settings, then proof that this process still holds the run."""
        ensure_may_trade(self.broker, self.safety)
        self.journal.confirm(run)

    async def _drive(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings, *,
                     resumed: bool) -> RunRecord:
        supervisor = LegSupervisor(self.broker, self.journal, self.clock, self.sleep, self._guard, self.policy,
                                   self.progress, self.checkpoint)
        steps = {RunStep.CREATED: self._plan, RunStep.SELLING: self._sell, RunStep.PLAN_BUYS: self._plan_buys,
                 RunStep.BUYING: self._buy,
                 RunStep.DONE: self._finish}
        try:
            if resumed:
                await supervisor.refresh_closed(run)
            while run.status is RunStatus.RUNNING:
                await steps[run.step](run, model, settings, supervisor)
        except (BrokerError, LegUnsettled) as error:  # BrokerUnavailable included
            if run.orders:  # something may be at the broker: keep the lock until the run is resumed
                self._attention(run, f"{_kind(error)} at step {run.step.value}: {error}")
            else:  # nothing was recorded, so nothing was sent: end the run and free the account
                advance(run, RunEvent.FAILED, f"broker error before any order: {error}")
                self._save(run)
        except TrimtabError:  # lease lost or storage gone: write nothing more, the next driver resumes
            raise
        if self.slices is not None:  # the fills split by strategy, kept in the run (booked below)
            self.slices.settle(run, self.runs.list_fills(run.run_id))
            self.journal.save(run)
        if run.status in FINAL:
            self.runs.release(run)
        self.journal.release(run)
        if self.slices is not None:
            self.slices.book()  # the ledger; if it fails, the next strategy run or reconciliation books it
        if self.policies is not None:
            self.policies.finish(run)
        await self.announce(run)
        return run

    async def _plan(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings,
                    _supervisor: LegSupervisor) -> None:
        snapshot = await self.broker.get_snapshot(run.account_id, self._symbols(model))
        run.snapshot = snapshot
        planned = None
        if self.slices is not None:
            sliced = self.slices.plan(run, snapshot, settings, await self._balances(run))
            if sliced.skip or sliced.refuse:
                advance(run, RunEvent.SKIPPED if sliced.skip else RunEvent.REFUSED, sliced.skip or sliced.refuse)
                self._save(run)
                return
            planned = sliced.plan
        elif self.policies is not None:
            prepared = self.policies.prepare(run, model, settings, snapshot)
            if prepared.skip is not None:
                advance(run, RunEvent.SKIPPED, prepared.skip)
                self._save(run)
                return
            model, settings, planned = prepared.model, prepared.settings, prepared.plan
        plan = planned or plan_rebalance(model, snapshot, settings)
        run.plan = plan
        if not plan.rebalance_needed and not settings.force and settings.cash_flow is None:
            advance(run, RunEvent.SKIPPED, "no band is breached")
        elif not plan.is_safe:
            failed = "; ".join(c.detail for c in plan.checks if not c.passed and c.severity == "error")
            advance(run, RunEvent.REFUSED, f"pre-trade checks failed: {failed}")
        elif not run.execute:
            advance(run, RunEvent.CHECKED, "dry run: planned and checked, nothing sent")
        else:
            advance(run, RunEvent.PLANNED)
        self._save(run)

    async def _balances(self, run: RunRecord) -> Balances | None:
        """Each market type's live equity and free cash, from a broker that reports them (else None: the
        snapshot is the one balance)."""
        from trimtab.application.market_balances import MarketBalanceSource

        if not isinstance(self.broker, MarketBalanceSource):
            return None
        return await self.broker.equity_by_market_type(run.account_id)

    async def _sell(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings,
                    supervisor: LegSupervisor) -> None:
        await supervisor.run_leg(run, "S", _intents(run.plan, Side.SELL))
        advance(run, RunEvent.SOLD)
        self._save(run)

    async def _plan_buys(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings,
                         _supervisor: LegSupervisor) -> None:
        snapshot = await self.broker.get_snapshot(run.account_id, self._symbols(model))
        if self.policies is not None:  # a split day's buys aim at the day's model
            prepared = self.policies.day_model(run, model, settings)
            model, settings = prepared.model, prepared.settings
        leg = f"B{run.attempts.get('buy_round', 0) + 1}"
        if self.slices is not None:
            plan: Plan | None = self.slices.plan_buys(run, snapshot, settings, leg, await self._balances(run))
        else:
            plan = plan_rebalance(model, snapshot, replace(settings, force=True, allow_sells=False))
        run.attempts["buy_round"] = run.attempts.get("buy_round", 0) + 1
        run.buy_plan = plan
        if plan is not None and not plan.is_safe:
            self._attention(run, "the buy plan failed its checks after the sells")
            return
        advance(run, RunEvent.BUYS_PLANNED)
        self._save(run)

    async def _buy(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings,
                   supervisor: LegSupervisor) -> None:
        leg = f"B{run.attempts.get('buy_round', 1)}"
        await supervisor.run_leg(run, leg, _intents(run.buy_plan, Side.BUY))
        advance(run, RunEvent.BOUGHT)
        self._save(run)

    async def _finish(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings,
                      _supervisor: LegSupervisor) -> None:
        snapshot = await self.broker.get_snapshot(run.account_id, self._symbols(model))
        run.post = snapshot
        leg = f"B{run.attempts.get('buy_round', 1)}"
        problems = _unbought(run, leg)
        if problems:
            self._attention(run, "sold but could not buy everything: " + "; ".join(problems))
            return
        advance(run, RunEvent.FINISHED)
        self._save(run)

    def _symbols(self, model: ModelPortfolio) -> list[str]:
        """What a snapshot quotes: the model's targets, or every slice's targets and holdings."""
        return list(model.target_weights()) if self.slices is None else self.slices.symbols()

    def _attention(self, run: RunRecord, reason: str) -> None:
        logger.warning("run %s needs attention: %s", run.run_id, reason)
        advance(run, RunEvent.ATTENTION, reason)
        self._save(run)

    def _save(self, run: RunRecord) -> None:
        self.journal.save(run)
        self.checkpoint(f"step:{run.step.value}")


def _intents(plan: Plan | None, side: Side) -> tuple[OrderIntent, ...]:
    """The plan's orders of one side (none for a run stored before typed plans: its orders are recorded)."""
    return () if plan is None else tuple(order for order in plan.orders if order.side is side)


def _kind(error: TrimtabError) -> str:
    return "broker error" if isinstance(error, BrokerError) else "unsettled"


def _unbought(run: RunRecord, leg: str) -> list[str]:
    """Buys of the last round that were rejected or left unfilled after every re-price."""
    latest: dict[str, tuple[OrderStatus, Decimal, str]] = {}
    for order in run.orders:
        if order.request.client_order_id.split("-")[1] == leg:
            latest[order.request.symbol] = (order.status, order.unfilled, order.reject_reason)
    return [f"{symbol} {status.value}" + (f" ({reason})" if reason else f", {format_quantity(unfilled)} unfilled")
            for symbol, (status, unfilled, reason) in latest.items()
            if status is OrderStatus.REJECTED or (status.is_closed_unfilled and unfilled > ZERO)]
