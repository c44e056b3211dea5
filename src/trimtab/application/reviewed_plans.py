"""Executing the plan a person reviewed (mixed into the facade), and a run's steps as a timeline.

A preview shows a plan and its fingerprint: a digest of what executing it would send (the account, the model,
every order's symbol, side, quantity and type, and the cash flow). `execute_reviewed` plans the account again
and starts the executed run only when the fingerprint is unchanged; otherwise it sends nothing and returns the
new plan, to be reviewed in turn. Limit prices are left out of the digest on purpose: they follow the market
from one second to the next, while the orders a person agreed to are the same. The run itself plans again
from the same holdings as it starts (as `trimtab rebalance --execute` does); the kill switch and the
live-trading guard are the run's own checks, exactly as for the command line and the API.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from trimtab.application.ports import RunStatus, RunStep
from trimtab.domain.orders import Side

if TYPE_CHECKING:
    import datetime as dt

    from trimtab.application.desk import AccountPlan
    from trimtab.application.facade import RunSettings
    from trimtab.application.ports import RunRecord
    from trimtab.application.progress import Progress
    from trimtab.application.repositories import Storage
    from trimtab.application.run_requests import RunRequest, StartedRun
    from trimtab.domain.cash_flows import CashFlow
    from trimtab.domain.execution import Fill
    from trimtab.domain.planning import Plan


def plan_fingerprint(plan: Plan) -> str:
    """A digest of what executing the plan would send (prices left out: see the module)."""
    flow = None if plan.cash_flow is None else [plan.cash_flow.kind.value, str(plan.cash_flow.amount)]
    content = {"account": plan.account_id, "model": plan.model_name, "cash_flow": flow,
               "orders": [[o.symbol, o.side.value, str(o.quantity.normalize()), o.order_type.value]
                          for o in plan.orders]}
    text = json.dumps(content, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class ReviewedExecution:
    """What executing a reviewed plan did: the run it started, or (nothing sent) the account's plan now."""

    started: StartedRun | None = None
    changed_plan: AccountPlan | None = None


class ReviewOperations:
    """`execute_reviewed` and `trading_blocked` (mixed into the facade)."""

    if TYPE_CHECKING:

        @property
        def storage(self) -> Storage: ...

        @property
        def run_settings(self) -> RunSettings: ...

        async def plan_account(self, account_id: str, *, force: bool = False, progress: Progress = ...,
                               cash_flow: CashFlow | None = None) -> AccountPlan: ...

        async def start_run(self, request: RunRequest, *, key: str | None = None,
                            progress: Progress = ...) -> StartedRun: ...

    async def execute_reviewed(self, request: RunRequest, fingerprint: str, *, key: str | None = None,
                               ) -> ReviewedExecution:
        """Start `request` as an executed run if the account's plan is still the one with `fingerprint`; else
        return the new plan and send nothing. A key already used (the same form sent twice) answers with its run."""
        from trimtab.application.cash_flow_options import cash_flow_option

        executed = replace(request, execute=True)
        if key is not None and self.storage.idempotency.find(key) is not None:
            return ReviewedExecution(started=await self.start_run(executed, key=key))
        current = await self.plan_account(request.account_id, force=request.force,
                                          cash_flow=cash_flow_option(request.deposit, request.withdraw))
        if plan_fingerprint(current.plan) != fingerprint:
            return ReviewedExecution(changed_plan=current)
        return ReviewedExecution(started=await self.start_run(executed, key=key))

    def trading_blocked(self) -> str | None:
        """Why no order may be sent at all now (the kill switch), or None; the live-trading guard depends on the
        broker and is the run's own check."""
        return "the kill switch TRIMTAB_DISABLE_LIVE_TRADING is on" if self.run_settings.safety.kill_switch else None


@dataclass(frozen=True, slots=True)
class TimelineStep:
    """One step of a run: its name, state (done, current, pending, skipped, failed), when it ended, what it did."""

    name: str
    state: str
    at: dt.datetime | None
    detail: str


def run_timeline(run: RunRecord, fills: list[Fill]) -> list[TimelineStep]:
    """The steps of a run in order, each with its state, time and a line on its orders and fills."""
    order_side = {order.request.client_order_id: order.request.side for order in run.orders}
    times = {side: [f.filled_at for f in fills if order_side.get(f.client_order_id, f.side) is side] for side in Side}
    stopped = run.status in (RunStatus.NEEDS_ATTENTION, RunStatus.FAILED)
    order_count = 0 if run.plan is None else len(run.plan.orders)

    def leg(name: str, step: RunStep, side: Side) -> TimelineStep:
        orders = [order for order in run.orders if order.request.side is side]
        filled = sum(1 for order in orders if order.filled_quantity > 0)
        detail = f"{len(orders)} order(s), {filled} filled, {len(times[side])} fill(s)" if orders else "none"
        return TimelineStep(name, _state(run, step, stopped, empty=not orders), max(times[side], default=None), detail)

    outcome = _OUTCOMES.get(run.status, run.status.value.replace("_", " "))
    return [
        TimelineStep("Snapshot and plan", "done" if run.plan is not None else "current", run.created_at,
                     f"{order_count} order(s) planned" if run.plan is not None else "planning"),
        leg("Sells", RunStep.SELLING, Side.SELL),
        TimelineStep("Buys re-planned from the cash", _state(run, RunStep.PLAN_BUYS, stopped), None,
                     "re-planned" if run.buy_plan is not None else "from the cash after the sells"),
        leg("Buys", RunStep.BUYING, Side.BUY),
        TimelineStep("Final snapshot", "failed" if stopped else "done" if run.step is RunStep.DONE else "pending",
                     run.updated_at if run.step is RunStep.DONE else None,
                     outcome + (f": {run.reason}" if run.reason and stopped else "")),
    ]


def _state(run: RunRecord, step: RunStep, stopped: bool, *, empty: bool = False) -> str:
    """Where a run stands with one of its steps: done, current, failed, pending, or skipped (nothing to do)."""
    index, reached = _ORDER.index(step), _ORDER.index(run.step)
    traded = run.execute and run.status not in (RunStatus.SKIPPED, RunStatus.DRY_RUN)
    if not traded or (empty and index < reached):
        return "skipped"
    if index < reached or run.step is RunStep.DONE:
        return "done"
    if index == reached:
        return "failed" if stopped else "current"
    return "pending"


_ORDER = [RunStep.CREATED, RunStep.SELLING, RunStep.PLAN_BUYS, RunStep.BUYING, RunStep.DONE]
_OUTCOMES = {RunStatus.DRY_RUN: "dry run: planned and checked, nothing sent", RunStatus.SKIPPED: "skipped: no band "
             "breached", RunStatus.COMPLETED: "completed", RunStatus.RUNNING: "running"}
