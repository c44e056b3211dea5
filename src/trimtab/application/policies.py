"""Execution policies in runs: signal confirmation and split execution (rules: trimtab.domain.policies).

A run asks `RunPolicies.prepare` what to plan, right after it reads the account:
- a split under way (same model version) → the day's intermediate model, planned as forced; an executed run
  that already traded today's share is skipped;
- otherwise the full plan decides: the day's breach is observed; with confirmation on, an unforced breach
  that has not held for N trading days is skipped; with a split on, an executed rebalance starts the split and
  plans its first day.
The day's share is kept in the run (`attempts["split_days_left"]`) so that the buys planned after the sells, and
a resumed run, aim at the same intermediate model. When an executed split-day run stops (completed, needs
attention or failed: "a failed day still counts"), `finish` counts the day; the last day ends the split.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from trimtab.application.ports import Clock, RunRecord
    from trimtab.application.rebalancing_config import RebalancingConfig
    from trimtab.domain.instruments import Market
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import Plan, PlanSettings
    from trimtab.domain.snapshot import AccountSnapshot

DAYS_LEFT = "split_days_left"  # the run's attempts key holding its split day's share (1/days left)


@dataclass(frozen=True, slots=True)
class SplitState:
    """A rebalance spread over `days` trading days; `done` of them have run."""

    account_id: str
    model_name: str
    model_version: str
    days: int
    done: int = 0
    last_day: dt.date | None = None
    last_run: str = ""
    completed: bool = False

    @property
    def days_left(self) -> int:
        return self.days - self.done


class PolicyRepository(Protocol):
    def observe(self, account_id: str, day: dt.date, signature: str, at: dt.datetime) -> None:
        """Keep the day's breach signature ('' for none), replacing an earlier one of the same day."""
        ...

    def observations(self, account_id: str, since: dt.date) -> dict[dt.date, str]: ...

    def split(self, account_id: str) -> SplitState | None:
        """The account's latest split, running or completed."""
        ...

    def save_split(self, state: SplitState) -> None: ...


class TradingDays(Protocol):
    def previous_session(self, market: Market | None, day: dt.date) -> dt.date:
        """The trading day before `day` on the market's calendar (weekdays when the market has none)."""
        ...


@dataclass(frozen=True, slots=True)
class Prepared:
    """What a run plans: the model and settings to plan with, or why it plans nothing."""

    model: ModelPortfolio
    settings: PlanSettings
    skip: str | None = None
    plan: Plan | None = None  # already made for these model and settings (the run need not plan again)


@dataclass
class RunPolicies:
    """The policies of each run's account, read from its stored settings."""

    config: Callable[[str], RebalancingConfig]
    repository: PolicyRepository
    days: TradingDays
    clock: Clock

    def prepare(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings,
                snapshot: AccountSnapshot) -> Prepared:
        from trimtab.domain.planning import plan_rebalance
        from trimtab.domain.policies import breach_signature, streak

        config = self.config(run.account_id)
        split = self._running_split(run, model)
        if split is None and config.confirm_days == 1 and config.split_days == 1:
            return Prepared(model, settings)  # no policy: the run plans as it would without them
        if split is not None:
            if run.execute and split.last_day == snapshot.as_of:
                return Prepared(model, settings, f"today's share of the split already ran (day {split.done} of "
                                                 f"{split.days})")
            return self._day(run, model, settings, snapshot, split.days_left)
        full = plan_rebalance(model, snapshot, settings)
        signature = breach_signature(model, full.drift)
        self.repository.observe(run.account_id, snapshot.as_of, signature, self.clock.now())
        if config.confirm_days > 1 and signature and not settings.force:
            market = _market(snapshot)
            since = snapshot.as_of - dt.timedelta(days=3 * config.confirm_days + 10)
            held = streak(self.repository.observations(run.account_id, since), snapshot.as_of, signature,
                          lambda day: self.days.previous_session(market, day))
            if held < config.confirm_days:
                return Prepared(model, settings, f"breach not confirmed: held {held} of {config.confirm_days} "
                                                 "consecutive trading days")
        needed = full.rebalance_needed or settings.force or settings.cash_flow is not None
        if config.split_days > 1 and run.execute and needed:
            self.repository.save_split(SplitState(run.account_id, model.name, model.version, config.split_days))
            return self._day(run, model, settings, snapshot, config.split_days)
        return Prepared(model, settings, plan=full)

    def day_model(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings) -> Prepared:
        """The model a run's later plans aim at (its buys, a resume): its split day's, else the model."""
        days_left = run.attempts.get(DAYS_LEFT)
        if days_left is None or run.snapshot is None:
            return Prepared(model, settings)
        return self._day(run, model, settings, run.snapshot, days_left)

    def finish(self, run: RunRecord) -> None:
        """Count an executed split day once its run stopped; the last day completes the split."""
        from trimtab.application.ports import RunStatus

        if DAYS_LEFT not in run.attempts or not run.execute or run.snapshot is None:
            return
        if run.status not in (RunStatus.COMPLETED, RunStatus.NEEDS_ATTENTION, RunStatus.FAILED):
            return
        split = self.repository.split(run.account_id)
        if split is None or split.completed or split.last_run == run.run_id:
            return
        done = split.done + 1
        self.repository.save_split(replace(split, done=done, last_day=run.snapshot.as_of, last_run=run.run_id,
                                           completed=done >= split.days))

    def _running_split(self, run: RunRecord, model: ModelPortfolio) -> SplitState | None:
        split = self.repository.split(run.account_id)
        if split is None or split.completed or (split.model_name, split.model_version) != (model.name, model.version):
            return None
        return split

    def _day(self, run: RunRecord, model: ModelPortfolio, settings: PlanSettings, snapshot: AccountSnapshot,
             days_left: int) -> Prepared:
        from trimtab.domain.policies import intermediate_model

        run.attempts[DAYS_LEFT] = days_left
        day = intermediate_model(model, snapshot, settings.cash_buffer, days_left)
        return Prepared(day, replace(settings, force=True))


class Weekdays:
    """Trading days when no exchange calendar is at hand: Monday to Friday."""

    def previous_session(self, market: Market | None, day: dt.date) -> dt.date:
        day -= dt.timedelta(days=1)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        return day


def _market(snapshot: AccountSnapshot) -> Market | None:
    instruments = [quote.instrument for quote in snapshot.quotes.values()]
    return instruments[0].market if instruments else None
