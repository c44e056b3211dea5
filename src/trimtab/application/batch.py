"""Many accounts at once: choose them (all, named, by model), plan them in one batch, run them one by one.

`plan_batch` reads each account's holdings through its broker, then plans every account in one call of the
batch planner (`domain.batch_planning.plan_many`: one kernel call per shape of problem, each plan equal to the
account's own); an account that cannot be read or planned is a line of its own with the reason, the others
are planned. With a basket day and file, one TWS basket holds every planned account's lines (the desk's basket
code). `rebalance_many` runs the accounts one after another, each a durable run as `rebalance` makes it; a
failure of one account is its line in the result and the next account runs.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.application.brokers import BrokerChoice
from trimtab.application.lookup import require_account, require_model
from trimtab.application.progress import Progress, no_progress
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable

    from trimtab.application.brokers import BrokerFactory
    from trimtab.application.desk import AccountPlan, BasketResult
    from trimtab.application.ports import Clock, RunRecord
    from trimtab.application.records import Account, ModelAssignment
    from trimtab.application.repositories import Storage
    from trimtab.domain.batch_planning import PlanRequest
    from trimtab.domain.cash_flows import CashFlow
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import Allocator, Plan, PlanSettings
    from trimtab.domain.snapshot import AccountSnapshot

logger = logging.getLogger(__name__)

ATTENTION = ("failed", "needs_attention", "running")


@dataclass(frozen=True, slots=True)
class Selection:
    """Which accounts: every account with a model, the ones named, or the ones following a model."""

    every: bool = False
    accounts: tuple[str, ...] = ()
    model: str | None = None


@dataclass(frozen=True, slots=True)
class BatchLine:
    """One account of a batch plan: its plan and snapshot, or why it has none."""

    account_id: str
    model: str | None
    currency: str
    plan: Plan | None = None
    snapshot: AccountSnapshot | None = None
    error: str | None = None

    @property
    def status(self) -> str:
        """error, unsafe (a check failed), rebalance (a band is breached or forced) or in band."""
        if self.plan is None:
            return "error"
        if not self.plan.is_safe:
            return "unsafe"
        return "rebalance" if self.plan.orders else "in band"

    @property
    def turnover(self) -> Decimal:
        """What the orders trade, as a fraction of equity."""
        if self.plan is None or self.plan.equity == 0:
            return Decimal(0)
        return sum((order.estimated_value for order in self.plan.orders), Decimal(0)) / self.plan.equity

    @property
    def reason(self) -> str:
        """Why: the error, the failed checks, the first breach, or that no band is breached."""
        if self.plan is None:
            return self.error or ""
        failed = [check.name for check in self.plan.checks if not check.passed and check.severity == "error"]
        if failed:
            return "failed checks: " + ", ".join(failed)
        breaches = self.plan.drift.breaches()
        if breaches:
            more = f" (+{len(breaches) - 1} more)" if len(breaches) > 1 else ""
            return breaches[0].split(" (", 1)[0] + more  # the breach without its figures: they are in the plan
        return "forced" if self.plan.orders else "no band breached"


def settings_of(config: RebalancingConfig, *, force: bool, cash_flow: CashFlow | None = None) -> PlanSettings:
    """The planner's settings from an account's stored bands and settings (and a deposit or withdrawal)."""
    from trimtab.domain.drift import Bands
    from trimtab.domain.planning import PlanSettings

    return PlanSettings(bands=Bands(config.class_band, config.ticker_band, config.relative_band),
                        cash_buffer=config.cash_buffer, minimum_trade_value=config.minimum_trade_value,
                        price_ticks=config.price_ticks, force=force, cash_flow=cash_flow)


def largest_drift(plan: Plan, *, after: bool = False) -> Decimal:
    """The largest |current - target| weight of a ticker, before the plan or after it."""
    drift = plan.post_trade.drift if after else plan.drift
    return max((abs(row.drift) for row in drift.tickers), default=Decimal(0))


@dataclass(frozen=True, slots=True, repr=False)
class BatchPlan:
    """Every selected account's line, and the basket written from them, if one was asked for."""

    lines: tuple[BatchLine, ...]
    basket: BasketResult | None = None

    def __repr__(self) -> str:
        """A short form: asyncio.run formats its task's result (a thousand plans in full: 0.15 s) on the way out."""
        basket = "None" if self.basket is None else f"day {self.basket.day}, {len(self.basket.lines)} lines"
        return f"BatchPlan({len(self.lines)} lines, basket: {basket})"


@dataclass(frozen=True, slots=True)
class RunLine:
    """One account of `rebalance_many`: its run, or why it has none."""

    account_id: str
    record: RunRecord | None
    error: str | None = None

    @property
    def needs_attention(self) -> bool:
        return self.record is None or self.record.status.value in ATTENTION


class BatchOperations:
    """plan_batch and rebalance_many (mixed into the facade)."""

    if TYPE_CHECKING:
        exact_allocator: Callable[[float], Allocator]

        @property
        def storage(self) -> Storage: ...

        def plan_settings(self, account_id: str, *, force: bool) -> PlanSettings: ...

        def resolve_model(self, model: ModelPortfolio) -> ModelPortfolio: ...

        def _factory_for(self, account: Account, choice: BrokerChoice) -> BrokerFactory: ...

        def remember_many(self, read: Sequence[tuple[Account, AccountSnapshot, dt.datetime]]) -> None: ...

        clock: Clock

        def write_basket(self, plans: Sequence[AccountPlan], day: int, path: Path) -> BasketResult: ...

        async def rebalance(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                            choice: BrokerChoice | None = None) -> RunRecord: ...

    def select(self, selection: Selection) -> list[Account]:
        """The accounts of a selection, in the database's order; an empty selection is InvalidInput."""
        return [account for account, _ in self._selected(selection)]

    def _selected(self, selection: Selection) -> list[tuple[Account, ModelAssignment | None]]:
        storage = self.storage
        chosen = sum((selection.every, bool(selection.accounts), selection.model is not None))
        if chosen != 1:
            raise InvalidInput("choose the accounts with one of --all, --accounts A,B or --model MODEL",
                               where="command line", field="accounts")
        assignments = storage.accounts.all_assignments()
        if selection.accounts:
            return [(require_account(storage, account_id), assignments.get(account_id))
                    for account_id in dict.fromkeys(selection.accounts)]
        if selection.model is not None:
            require_model(storage, selection.model, None)
        accounts: list[tuple[Account, ModelAssignment | None]] = [
            (account, assignment) for account in storage.accounts.list()
            if (assignment := assignments.get(account.account_id)) is not None
            and (selection.model is None or assignment.model_name == selection.model)]
        if not accounts:
            which = f"following {selection.model}" if selection.model else "with a model"
            raise InvalidInput(f"there are no accounts {which}; assign one with `trimtab assign ACCOUNT MODEL` "
                               "or an import's account_mappings", where="database", field="accounts")
        return accounts

    async def plan_batch(self, selection: Selection, *, force: bool = False, basket_day: int | None = None,
                         basket_path: Path | None = None, choice: BrokerChoice | None = None,
                         progress: Progress = no_progress) -> BatchPlan:
        """Read and plan every selected account in one batch (nothing sent); write one basket if asked."""
        from trimtab.application.desk import AccountPlan
        from trimtab.domain.basket import DAYS
        from trimtab.domain.batch_planning import plan_many

        if (basket_day is None) != (basket_path is None):
            raise InvalidInput("--basket FILE and --day 1|2 go together", where="command line", field="basket")
        if basket_day is not None and basket_day not in DAYS:
            raise InvalidInput("choose 1 or 2", where="command line", field="day", value=basket_day)
        accounts = self._selected(selection)
        lines, requests = await self._requests(accounts, force, choice or BrokerChoice(), progress)
        progress(f"planning {len(requests)} accounts")
        outcomes = iter(plan_many([request for _, request in requests], self.exact_allocator(10.0)))
        for index, request in requests:
            outcome = next(outcomes)
            lines[index] = BatchLine(outcome.account_id, request.model.name, request.snapshot.currency,
                                     outcome.plan, request.snapshot,
                                     None if outcome.error is None else str(outcome.error))
        done = tuple(line for line in lines if line is not None)
        basket = None
        if basket_day is not None and basket_path is not None:
            planned = [AccountPlan(line.plan, line.snapshot) for line in done
                       if line.plan is not None and line.snapshot is not None]
            if not planned:
                raise InvalidInput("no account could be planned: no basket written", where="basket",
                                   field="accounts")
            basket = self.write_basket(planned, basket_day, basket_path)
        return BatchPlan(done, basket)

    async def _requests(self, accounts: Sequence[tuple[Account, ModelAssignment | None]], force: bool,
                        choice: BrokerChoice, progress: Progress,
                        ) -> tuple[list[BatchLine | None], list[tuple[int, PlanRequest]]]:
        """Each account's plan request from its broker's snapshot, or its error line (a model read once; the
        accounts of a broker that reads many at once read together: application/snapshot_reads.py)."""
        from trimtab.application.snapshot_reads import SnapshotRequest, read_accounts
        from trimtab.domain.batch_planning import PlanRequest

        lines: list[BatchLine | None] = [None] * len(accounts)
        models: dict[tuple[str, str | None], tuple[ModelPortfolio, tuple[str, ...]]] = {}  # and its symbols
        configs = self.storage.config.stored()
        wanted: list[tuple[int, ModelPortfolio, PlanSettings]] = []
        reads: list[tuple[Account, BrokerFactory, SnapshotRequest]] = []
        for index, (account, assignment) in enumerate(accounts):
            try:
                if assignment is None:
                    raise InvalidInput("no model is assigned; run `trimtab assign ACCOUNT MODEL`",
                                       where=f"account '{account.account_id}'", field="model", value=None)
                key = (assignment.model_name, assignment.pinned_version)
                if key not in models:
                    resolved = self.resolve_model(self.storage.models.get(*key))  # ISINs as symbols
                    models[key] = (resolved, tuple(resolved.target_weights()))
                model, symbols = models[key]
                settings = settings_of(configs.get(account.account_id, RebalancingConfig()), force=force)
                factory = self._factory_for(account, choice)
            except Exception as error:  # one account's failure is its own line
                lines[index] = _error_line(account, assignment, error)
                continue
            wanted.append((index, model, settings))
            reads.append((account, factory, SnapshotRequest(account.account_id, symbols)))
        found = await read_accounts(reads, choice, progress)
        read_at = self.clock.now()
        requests: list[tuple[int, PlanRequest]] = []
        read: list[tuple[Account, AccountSnapshot, dt.datetime]] = []
        for (index, model, settings), (account, _, _), snapshot in zip(wanted, reads, found, strict=True):
            if isinstance(snapshot, Exception):
                lines[index] = _error_line(account, accounts[index][1], snapshot)
                continue
            read.append((account, snapshot, read_at))
            requests.append((index, PlanRequest(model, snapshot, settings)))
        self.remember_many(read)  # the market-data cache: one transaction for the batch
        return lines, requests

    async def rebalance_many(self, selection: Selection, *, execute: bool, force: bool,
                             choice: BrokerChoice | None = None,
                             progress: Progress = no_progress) -> list[RunLine]:
        """Rebalance each selected account in turn (each a durable run); one failing does not stop the rest."""
        results = []
        for account in self.select(selection):
            progress(f"rebalancing {account.account_id}")
            try:
                record = await self.rebalance(account.account_id, execute=execute, force=force, progress=progress,
                                              choice=choice)
            except Exception as error:  # one account's failure is its own line
                logger.warning("rebalancing %s failed: %s", account.account_id, error)
                results.append(RunLine(account.account_id, None, str(error) or type(error).__name__))
                continue
            results.append(RunLine(account.account_id, record))
        return results


def _error_line(account: Account, assignment: ModelAssignment | None, error: Exception) -> BatchLine:
    logger.warning("reading %s failed: %s", account.account_id, error)
    return BatchLine(account.account_id, assignment.model_name if assignment else None, account.currency,
                     error=str(error) or type(error).__name__)


def batch_document(result: BatchPlan, *, full: bool = False) -> dict[str, object]:
    """The batch as a JSON-ready document: one summary row per account (and each plan in full with `full`)."""
    from trimtab.application.plan_document import plan_to_document

    rows: list[dict[str, object]] = []
    for line in result.lines:
        row: dict[str, object] = {"account_id": line.account_id, "model": line.model, "currency": line.currency,
                                  "status": line.status, "reason": line.reason}
        if line.plan is not None:
            row.update({"equity": str(line.plan.equity), "orders": len(line.plan.orders),
                        "turnover": str(line.turnover.quantize(Decimal("0.000001"))),
                        "rebalance_needed": line.plan.rebalance_needed,
                        "largest_drift_before": str(largest_drift(line.plan).quantize(Decimal("0.000001"))),
                        "largest_drift_after": str(largest_drift(line.plan, after=True).quantize(
                            Decimal("0.000001")))})
            if full:
                row["plan"] = plan_to_document(line.plan)
        rows.append(row)
    document: dict[str, object] = {"accounts": rows,
                                   "counts": {status: sum(1 for line in result.lines if line.status == status)
                                              for status in ("rebalance", "in band", "unsafe", "error")}}
    if result.basket is not None:
        document["basket"] = {"day": result.basket.day, "lines": len(result.basket.lines)}
    return document
