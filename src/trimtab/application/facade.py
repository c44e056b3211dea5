"""The application facade: every operation trimtab offers, in one typed object every entry point calls.

The CLI is a thin shell over it; the HTTP API, the scheduler and strategies will call the same methods. It
takes ports only (repositories, broker factories, file readers, clocks), chosen by `trimtab.bootstrap.build`.
The database is opened on first use: planning from files reads it only to resolve a model's ISINs.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from decimal import Decimal
from typing import TYPE_CHECKING

# Mixins keep their heavy imports inside their methods: a command pays for what it uses (test_cli_startup.py).
from trimtab.application.batch import BatchOperations, settings_of
from trimtab.application.brokers import BrokerChoice
from trimtab.application.brokers import ConnectionChecker as ConnectionChecker
from trimtab.application.demo_seed import DemoOperations
from trimtab.application.desk import DeskOperations
from trimtab.application.engines import EngineOperations
from trimtab.application.file_plans import FilePlans, tax_date
from trimtab.application.lookup import require_account, require_model, resolve_run_id
from trimtab.application.market_data import MarketDataOperations, PricePolicy
from trimtab.application.model_import import ImportedModel as ImportedModel
from trimtab.application.notifications import Announcer, NotificationOperations
from trimtab.application.order_preview import PreviewOperations
from trimtab.application.performance import StrategyPerformance
from trimtab.application.progress import no_progress
from trimtab.application.queries import StorageQueries
from trimtab.application.records import AccountOverview as AccountOverview
from trimtab.application.records import DailySummary
from trimtab.application.run_queue import QueueOperations
from trimtab.application.schedules import ScheduleOperations
from trimtab.application.securities import SecurityOperations
from trimtab.application.service import ServiceOperations
from trimtab.application.settings_rules import RULES, validate_config
from trimtab.application.signals import SignalPolicy
from trimtab.application.strategy_run_operations import StrategyRuns
from trimtab.application.sweep import SweepOperations
from trimtab.domain.errors import Busy, InvalidInput

if TYPE_CHECKING:  # planning and runs load NumPy and more: imported where they are used
    from collections.abc import Callable, Mapping
    from pathlib import Path

    from trimtab.application.brokers import BrokerConnection, BrokerFactory, ConnectionCheck
    from trimtab.application.desk import ReportFiles
    from trimtab.application.engines import EngineData
    from trimtab.application.order_preview import DryRun
    from trimtab.application.ports import Clock, RunRecord
    from trimtab.application.progress import Progress
    from trimtab.application.rebalancing_config import RebalancingConfig
    from trimtab.application.records import Account, DemoAccount, ModelAssignment, ModelVersionInfo
    from trimtab.application.repositories import AccountQueries, ModelFiles, Storage
    from trimtab.application.run_journal import LeasePolicy
    from trimtab.application.run_queue import RunQueue
    from trimtab.application.run_rebalance import RebalanceRunner
    from trimtab.application.safety import TradingSafety
    from trimtab.application.schedules import ScheduleRules
    from trimtab.application.supervise import ExecutionPolicy
    from trimtab.domain.cash_flows import CashFlow
    from trimtab.domain.execution import Fill
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import Allocator, Plan, PlanSettings
    from trimtab.domain.positions_report import AccountReading
    from trimtab.domain.snapshot import AccountSnapshot


@dataclass(frozen=True, slots=True)
class BandChanges:
    """New values for an account's settings, as fractions; None keeps the stored value."""

    class_band: Decimal | None = None
    ticker_band: Decimal | None = None
    relative_band: Decimal | None = None
    clear_relative_band: bool = False
    cash_buffer: Decimal | None = None
    minimum_trade_value: Decimal | None = None
    price_ticks: int | None = None
    confirm_days: int | None = None
    split_days: int | None = None


@dataclass(frozen=True, slots=True)
class RunSettings:
    """What runs need from the settings: waits and chasing, safety switches, leases, fault injection."""

    policy: ExecutionPolicy
    safety: TradingSafety
    lease: LeasePolicy
    checkpoint: Callable[[str], None] = lambda _point: None
    notices: tuple[str, ...] = ()  # warnings for people about how settings were read
    announcer: Announcer = field(default_factory=Announcer)  # who is told when a run stops (nobody by default)
    signal_runs: SignalPolicy = "dry"  # what a rebalance signal starts: record (nothing), dry or execute


@dataclass
class Trimtab(DeskOperations, SecurityOperations, EngineOperations, BatchOperations, PreviewOperations, DemoOperations,
              QueueOperations, MarketDataOperations, NotificationOperations, ScheduleOperations, ServiceOperations,
              StrategyRuns, StrategyPerformance, SweepOperations):
    """Every operation of trimtab, over ports chosen by the composition root; the database, file readers, run
    settings and task queue are opened on first use (`open_*`): a command pays only for what it touches."""

    open_storage: Callable[[], Storage]
    open_files: Callable[[], ModelFiles]
    brokers: Mapping[str, BrokerFactory]
    open_run_settings: Callable[[], RunSettings]
    clock: Clock  # real time: dates of files, summaries
    exact_allocator: Callable[[float], Allocator]
    demo_accounts: tuple[DemoAccount, ...] = ()
    demo_crypto_accounts: tuple[DemoAccount, ...] = ()  # seeded by `init --demo --crypto` only
    open_reports: Callable[[], ReportFiles] | None = None  # rates files in, reports and baskets out
    open_price_policy: Callable[[], PricePolicy] = PricePolicy  # how old cached prices may be
    open_schedule_rules: Callable[[], ScheduleRules] | None = None  # cron, calendars, the scheduler's clock
    open_queries: Callable[[], AccountQueries] | None = None  # listings in one read (default: over the storage)
    open_engine_data: Callable[[], EngineData] | None = None  # market data files for engines
    open_run_queue: Callable[[], RunQueue] | None = None  # the task queue runs are enqueued on (docs/scale.md)
    _storage: Storage | None = field(default=None, init=False, repr=False)
    _files: ModelFiles | None = field(default=None, init=False, repr=False)
    _run_settings: RunSettings | None = field(default=None, init=False, repr=False)
    _queries: AccountQueries | None = field(default=None, init=False, repr=False)

    @property
    def storage(self) -> Storage:
        """The database's repositories (opened, and migrated, on first use)."""
        if self._storage is None:
            self._storage = self.open_storage()
        return self._storage

    @property
    def files(self) -> ModelFiles:
        """The model and snapshot file readers."""
        if self._files is None:
            self._files = self.open_files()
        return self._files

    @property
    def queries(self) -> AccountQueries:
        """Read-only listings, each in one read (opened on first use; a listing loads no more than it reads)."""
        if self._queries is None:
            self._queries = StorageQueries(self) if self.open_queries is None else self.open_queries()
        return self._queries

    @property
    def run_settings(self) -> RunSettings:
        """The settings runs need (read, and checked, on first use)."""
        if self._run_settings is None:
            self._run_settings = self.open_run_settings()
        return self._run_settings


    def accounts(self) -> list[AccountOverview]:
        """Every account with its model and active run."""
        return self.queries.account_overviews()

    def account(self, account_id: str) -> AccountOverview:
        """One account with its model and active run; unknown ids are InvalidInput."""
        storage = self.storage
        account = require_account(storage, account_id)
        return AccountOverview(account, storage.accounts.assignment(account_id), storage.runs.active_run(account_id))

    def add_account(self, account_id: str, *, name: str, currency: str, broker: str) -> Account:
        """Register an account on a known broker (credentials stay in settings, never in the database)."""
        self._require_broker(broker.strip().lower(), field_name="broker")
        return self.storage.accounts.add(account_id, name=name or account_id, currency=currency, broker=broker)

    def remove_account(self, account_id: str) -> None:
        """Forget an account (and a paper account's state); its runs stay in the history."""
        storage = self.storage
        account = require_account(storage, account_id)
        active = storage.runs.active_run(account_id)
        if active is not None:
            raise Busy(f"account {account_id} has an active run {active}; resume it to its end first")
        storage.accounts.remove(account_id)
        if account.broker == "paper":
            storage.paper.close_account(account_id)

    # -- models and assignments ---------------------------------------------------------------------------------

    def models(self, name: str | None = None) -> list[ModelVersionInfo]:
        """Stored models and their versions."""
        return self.storage.models.list(name)

    def assign(self, account_id: str, model: str, version: str | None = None) -> ModelAssignment:
        """Make an account follow a model: its latest version, or a pinned one."""
        storage = self.storage
        require_account(storage, account_id)
        require_model(storage, model, version)  # refuse unknown models and versions, with a hint
        return storage.accounts.assign_model(account_id, model, version=version)

    def unassign(self, account_id: str) -> None:
        """Let an account follow no model."""
        require_account(self.storage, account_id)
        self.storage.accounts.unassign(account_id)

    # -- bands and settings -------------------------------------------------------------------------------------

    def bands(self, account_id: str) -> RebalancingConfig:
        """An account's bands and planning settings (defaults until set); unknown accounts are InvalidInput."""
        require_account(self.storage, account_id)
        return self.storage.config.get(account_id)

    def set_bands(self, account_id: str, changes: BandChanges) -> RebalancingConfig:
        """Change some of an account's settings; the others keep their value."""
        current = self.bands(account_id)
        relative = None if changes.clear_relative_band else changes.relative_band or current.relative_band
        given = {name: value for name, value in asdict(changes).items() if value is not None and name in RULES}
        updated = replace(current, **{**given, "relative_band": relative})
        validate_config(updated, where=f"settings of account '{account_id}'")
        self.storage.config.set(account_id, updated)
        return updated

    def plan_settings(self, account_id: str, *, force: bool, cash_flow: CashFlow | None = None) -> PlanSettings:
        """The planner's settings from an account's stored bands and settings (and a deposit or withdrawal)."""
        return settings_of(self.storage.config.get(account_id), force=force, cash_flow=cash_flow)

    # -- plans from files ---------------------------------------------------------------------------------------

    def plan_files(self, model_path: Path, model_name: str | None, snapshot_path: Path, settings: PlanSettings,
                   exact_time_limit_seconds: float = 10.0) -> Plan:
        """Read a model and a snapshot from files and plan the rebalance (no database, nothing sent)."""
        plans = FilePlans(lambda: self.files, self.clock, self.exact_allocator, lambda: self.storage.securities)
        return plans.plan(model_path, model_name, snapshot_path, settings, exact_time_limit_seconds)

    # -- runs ---------------------------------------------------------------------------------------------------

    async def rebalance(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                        choice: BrokerChoice | None = None, cash_flow: CashFlow | None = None,
                        run_id: str | None = None) -> RunRecord:
        """Start a run for an account on its model and settings (orders only with `execute`; `run_id` if chosen)."""
        return (await self._start(account_id, execute=execute, force=force, progress=progress, choice=choice,
                                  cash_flow=cash_flow, preview=False, run_id=run_id)).record

    async def _start(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                     choice: BrokerChoice | None, cash_flow: CashFlow | None, preview: bool, run_id: str | None = None,
                     ) -> DryRun:
        """A new run; with `preview`, the broker's previews of its planned orders over the same connection."""
        from trimtab.application.order_preview import DryRun, preview_plan

        _ = self.run_settings  # the settings are read, and refused if bad, before anything else
        storage = self.storage
        account = require_account(storage, account_id)
        model = self._model_for(account_id)
        settings = self.plan_settings(account_id, force=force, cash_flow=cash_flow)
        factory = self._factory_for(account, choice or BrokerChoice())
        async with factory.connect(account, choice or BrokerChoice(), None, progress) as connection:
            record = await self._runner(connection, progress).start(account_id, model, settings, execute=execute,
                                                                    run_id=run_id)
            previews = await preview_plan(connection.broker, record) if preview else None
        self._summarise(record, account)
        return DryRun(record, previews)

    async def resume(self, run_id: str, *, progress: Progress, choice: BrokerChoice | None = None) -> RunRecord:
        """Continue an interrupted run, or one that needs attention, where it stopped."""
        _ = self.run_settings  # the settings are read, and refused if bad, before anything else
        storage = self.storage
        run = storage.runs.get(self.run_id(run_id))
        run_id = run.run_id
        account = storage.accounts.get(run.account_id)  # a run's account: known
        model = self.run_model(run)  # its stored model (a signal's run: a stand-in)
        settings = self.plan_settings(run.account_id, force=run.force, cash_flow=getattr(run.plan, "cash_flow", None))
        factory = self._factory_for(account, choice or BrokerChoice())
        async with factory.connect(account, choice or BrokerChoice(), run.updated_at, progress) as connection:
            record = await self.sliced(self._runner(connection, progress), run).resume(run_id, model, settings)
        self._summarise(record, account)
        return record

    def runs(self, account_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        """Recent runs, newest first, of one account or of all."""
        if account_id is not None:
            require_account(self.storage, account_id)
        return self.storage.runs.list(account_id, limit)

    def run_id(self, text: str) -> str:
        """The run a full id or a unique prefix of at least 4 characters names (git-style); NotFound with a hint."""
        return resolve_run_id(self.storage, text)

    def run(self, run_id: str) -> RunRecord:
        """One run with its orders (a full id or a unique prefix)."""
        return self.storage.runs.get(self.run_id(run_id))

    def fills(self, run_id: str) -> list[Fill]:
        """A run's fills in the order they happened (a full id or a unique prefix)."""
        return self.storage.runs.list_fills(self.run_id(run_id))

    async def holdings(self, account_id: str, choice: BrokerChoice | None = None,
                       progress: Progress = no_progress) -> AccountSnapshot:
        """What the broker reports for an account now: holdings, orderable cash and quotes (its waits reported)."""
        return (await self.holdings_reading(account_id, choice=choice, progress=progress)).snapshot

    async def holdings_reading(self, account_id: str, *, cached: bool = False, choice: BrokerChoice | None = None,
                               progress: Progress = no_progress) -> AccountReading:
        """An account's holdings with when they were read: live (kept in the cache) or, `cached`, the last kept."""
        account = require_account(self.storage, account_id)
        assignment = None if cached else self.storage.accounts.assignment(account_id)
        symbols = [] if assignment is None else list(self._model_for(account_id).target_weights())
        return await self.read_account(account, symbols, cached=cached, choice=choice, progress=progress)

    # -- paper accounts -----------------------------------------------------------------------------------------

    def open_paper(self, account_id: str, cash: Decimal, positions: Mapping[str, Decimal], *,
                   reset: bool = False, futures_cash: Decimal = Decimal(0)) -> bool:
        """Fund a paper account with cash and positions (a new account, or a reset of its state); a crypto account
        (USDT) also with `futures_cash` in its futures wallet."""
        account = self._paper_account(account_id)
        return self.storage.paper.open_account(account_id, account.currency, cash, positions, reset=reset,
                                               futures_cash=futures_cash)

    def deposit(self, account_id: str, amount: Decimal) -> Decimal:
        """Add cash to a paper account (negative: withdraw); return its new cash."""
        account = self._paper_account(account_id)
        if self.storage.paper.open_account(account_id, account.currency, max(amount, Decimal(0)), {}):
            if amount < 0:
                raise InvalidInput("withdraws more than the orderable cash", where=f"paper account {account_id}",
                                   field="amount", value=str(amount))
            return amount  # an account never funded: opened with the deposit
        return self.storage.paper.deposit(account_id, amount)

    def paper_funding(self, path: Path) -> tuple[Decimal, dict[str, Decimal]]:
        """The cash and holdings of a snapshot file, to fund a paper account with."""
        snapshot = self.files.load_snapshot(path, tax_date(self.clock))
        return snapshot.cash, {holding.symbol: holding.quantity for holding in snapshot.holdings}

    # -- helpers ------------------------------------------------------------------------------------------------

    def _paper_account(self, account_id: str) -> Account:
        account = require_account(self.storage, account_id)
        if account.broker != "paper":
            raise InvalidInput(f"is on broker '{account.broker}'; only paper accounts are funded here",
                               where=f"account '{account_id}'", field="broker", value=account.broker)
        return account

    def _model_for(self, account_id: str) -> ModelPortfolio:
        assignment = self.storage.accounts.assignment(account_id)
        if assignment is None:
            raise InvalidInput("no model is assigned; run `trimtab assign ACCOUNT MODEL`",
                               where=f"account '{account_id}'", field="model", value=None)
        return self.resolve_model(self.storage.models.get(assignment.model_name, assignment.pinned_version))

    async def check_connection(self, broker: str, choice: BrokerChoice | None = None) -> ConnectionCheck:
        """Ask a broker's login what it offers (address, protocol version, accounts) without trading."""
        factory = self._require_broker(broker, field_name="broker")
        if not isinstance(factory, ConnectionChecker):
            raise InvalidInput("this broker has no connection check", where="command line", field="broker",
                               value=broker)
        return await factory.check_connection(choice or BrokerChoice(broker=broker))

    def _require_broker(self, name: str, *, field_name: str) -> BrokerFactory:
        factory = self.brokers.get(name)
        if factory is None:
            raise InvalidInput(f"unknown broker (choose one of {', '.join(self.brokers)})", where="command line",
                               field=field_name, value=name)
        return factory

    def _factory_for(self, account: Account, choice: BrokerChoice) -> BrokerFactory:
        name = choice.broker or account.broker
        factory = self._require_broker(name, field_name="broker")
        if name != account.broker:
            raise InvalidInput(f"account '{account.account_id}' is on broker '{account.broker}'",
                               where="command line", field="broker", value=name)
        return factory

    def _runner(self, connection: BrokerConnection, progress: Progress) -> RebalanceRunner:
        from trimtab.application.policies import RunPolicies, Weekdays
        from trimtab.application.run_rebalance import RebalanceRunner

        run, storage = self.run_settings, self.storage
        days = Weekdays() if self.open_schedule_rules is None else self.open_schedule_rules().days
        return RebalanceRunner(connection.broker, connection.name, storage.runs, connection.clock,
                               connection.sleep, run.safety, run.policy, progress, checkpoint=run.checkpoint,
                               lease=run.lease, announce=run.announcer.announce_run,
                               policies=RunPolicies(storage.config.get, storage.policies, days, connection.clock))

    def _summarise(self, record: RunRecord, account: Account) -> None:
        """Keep the run's last reading (the cache); after a run that traded, the day's summary and performance."""
        post = record.post
        if post is None:
            if record.snapshot is not None:
                self.remember(account, record.snapshot)
            return
        self.remember(account, post)
        held = sum((h.quantity * h.quote.price for h in post.holdings), Decimal(0))
        self.storage.summaries.upsert(DailySummary(record.account_id, post.as_of, "securities", post.cash,
                                                   post.cash + held))
        self.snapshot_after_run(account, post)

