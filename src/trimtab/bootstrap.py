"""The composition root: the only place adapters are chosen and settings read.

`build(settings)` returns the application facade (`Trimtab`) every entry point calls. Adapters are imported
when first needed — the database when a command first touches it, a broker when a run connects to it — so a
command pays only for what it uses.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any

from trimtab.adapters.clock import SystemClock
from trimtab.application.file_plans import FilePlans
from trimtab.application.progress import Progress, no_progress

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from decimal import Decimal

    from sqlalchemy import Engine

    from trimtab.adapters.brokers.ibkr.factory import IbkrBrokerFactory
    from trimtab.adapters.brokers.paper.factory import PaperBrokerFactory
    from trimtab.adapters.simclock import ScaledClock
    from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory, ConnectionCheck
    from trimtab.application.desk import ReportFiles
    from trimtab.application.engines import EngineData
    from trimtab.application.facade import RunSettings, Trimtab
    from trimtab.application.market_data import PricePolicy
    from trimtab.application.notifications import Announcer
    from trimtab.application.ports import BrokerOrderBook, PaperStateStore
    from trimtab.application.records import Account
    from trimtab.application.repositories import AccountQueries, ModelFiles, PaperAccounts, Storage
    from trimtab.application.schedules import ScheduleRules, SlotRecord
    from trimtab.application.supervise import ExecutionPolicy
    from trimtab.config import Settings
    from trimtab.domain.planning import Allocator
    from trimtab.domain.securities import Security

    _Clock = SystemClock | ScaledClock
    _MakeBooked = Callable[[Settings, Callable[[], BrokerOrderBook], _Clock], BrokerFactory]

BROKERS = ("paper", "kis", "ibkr", "crypto")


def build(settings: Settings | None = None) -> Trimtab:
    """The facade over this installation's database, brokers and files, each opened on first use.

    Without `settings`, they are read from the environment when first needed: the database location at once
    (TRIMTAB_DATABASE_URL, else the default SQLite file), the rest when a run starts.
    """
    from trimtab.adapters.analytics.performance_meter import EmpyricalMeter
    from trimtab.adapters.demo import DEMO_ACCOUNTS, DEMO_CRYPTO_ACCOUNTS
    from trimtab.application.facade import Trimtab
    from trimtab.bootstrap_queue import run_queue_opener

    loaded = _Settings(settings)
    database = _Database(loaded)
    wall = SystemClock()
    brokers: dict[str, BrokerFactory] = {
        "paper": _PaperFactory(loaded, database, wall), "kis": _BookedFactory(loaded, database, _kis_factory),
        "ibkr": _IbkrFactory(loaded), "crypto": _BookedFactory(loaded, database, _crypto_factory)}
    return Trimtab(open_storage=database.storage, open_files=_files, brokers=brokers,
                   open_run_settings=lambda: run_settings(loaded.get(), wall), clock=wall,
                   exact_allocator=exact_allocator, demo_accounts=DEMO_ACCOUNTS,
                   demo_crypto_accounts=DEMO_CRYPTO_ACCOUNTS, open_reports=_reports,
                   open_price_policy=lambda: price_policy(loaded.get()),
                   open_schedule_rules=lambda: schedule_rules(loaded.get()),
                   open_queries=lambda: build_account_queries(database=database),
                   open_engine_data=lambda: _engine_data(loaded), open_performance_meter=EmpyricalMeter,
                   open_run_queue=run_queue_opener(loaded.get))


def build_account_queries(settings: Settings | None = None, database: _Database | None = None) -> AccountQueries:
    """The account listing (the facade's `accounts`, on its own), on SQLAlchemy Core: no ORM, no repositories."""
    from trimtab.adapters.persistence.queries import SqlAccountQueries

    return SqlAccountQueries((database or _Database(_Settings(settings))).engine())


def build_file_plans(settings: Settings | None = None) -> FilePlans:
    """Plans from files (the facade's `plan_files`, on its own); the database opened only for a model's ISINs."""
    return FilePlans(_files, SystemClock(), exact_allocator, lambda: build(settings).storage.securities)


def price_policy(settings: Settings) -> PricePolicy:
    """How old cached prices may be and the zone times are shown in; an unknown zone is InvalidInput."""
    import datetime as dt
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    from trimtab.application.market_data import PricePolicy
    from trimtab.domain.errors import InvalidInput

    try:
        zone = ZoneInfo(settings.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidInput("not a time zone (an IANA name such as Asia/Singapore)", where="setting TRIMTAB_TIME_ZONE",
                           value=settings.time_zone) from None
    hours = settings.cached_prices_max_age_hours
    return PricePolicy(max_age=dt.timedelta(seconds=float(hours * 3600)), zone=zone,
                       summary_max_age_days=settings.cached_summary_max_age_days)


class _Settings:
    """The settings, read from the environment when first asked for (pydantic-settings takes a while)."""

    def __init__(self, settings: Settings | None) -> None:
        self._settings = settings

    def get(self) -> Settings:
        if self._settings is None:
            from trimtab.config import load_settings

            self._settings = load_settings()  # a bad value is one InvalidInput naming the variable
        return self._settings

    def database_url(self) -> str:
        """The database's URL, without reading the other settings."""
        if self._settings is not None and self._settings.database_url:
            return self._settings.database_url
        from trimtab.adapters.persistence.location import default_database_url

        return default_database_url()


def _reports() -> ReportFiles:
    from trimtab.adapters.reports.files import ReportFileSystem

    return ReportFileSystem()


def _engine_data(loaded: _Settings) -> EngineData:
    from trimtab.adapters.marketdata.engine_sources import EngineSources

    return EngineSources(loaded.get)


def _files() -> ModelFiles:
    from trimtab.adapters.files.reader import FileReader

    return FileReader()


def run_settings(settings: Settings, wall: SystemClock) -> RunSettings:
    """What runs need from the settings."""
    from trimtab.adapters.faults import crash_checkpoint
    from trimtab.adapters.processes import current_owner, is_gone
    from trimtab.application.facade import RunSettings
    from trimtab.application.run_journal import LeasePolicy
    from trimtab.application.safety import TradingSafety

    return RunSettings(
        policy=execution_policy(settings),
        safety=TradingSafety(live_trading_enabled=settings.live_trading_enabled,
                             kill_switch=settings.disable_live_trading),
        lease=LeasePolicy(owner=current_owner(), wall=wall, seconds=settings.run_lease_seconds,
                          holder_gone=is_gone),
        checkpoint=crash_checkpoint(settings.crash_at), notices=settings.notices, announcer=announcer(settings),
        signal_runs=settings.signal_runs)


def execution_policy(settings: Settings) -> ExecutionPolicy:
    """How runs wait for fills and chase what does not fill."""
    from trimtab.application.supervise import ExecutionPolicy

    return ExecutionPolicy(fill_timeout_seconds=settings.fill_timeout_seconds,
                           poll_interval_seconds=settings.poll_interval_seconds,
                           reprice_ticks=settings.reprice_ticks, max_reprices=settings.max_reprices,
                           cancel_timeout_seconds=settings.cancel_timeout_seconds)


def exact_allocator(time_limit_seconds: float) -> Allocator:
    """The MILP allocator with a time limit per account (scipy loads only when it is used)."""
    from trimtab.domain.allocation_account import AccountProblem, Lots

    def allocate(problem: AccountProblem) -> Lots:
        from trimtab.adapters.solvers.milp import allocate_exact
        from trimtab.domain.allocation import stack_accounts

        lots: Lots = allocate_exact(stack_accounts([problem]), time_limit_seconds=time_limit_seconds)[0].tolist()
        return lots

    return allocate


class _Database:
    """The database of the settings: migrated (when behind) and opened on first use, then shared."""

    def __init__(self, settings: _Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None
        self._storage: Storage | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            from trimtab.adapters.persistence.database import open_database

            self._engine = open_database(self.settings.database_url())
        return self._engine

    def storage(self) -> Storage:
        if self._storage is None:
            self._storage = _storage_of(self.engine())
        return self._storage


def _storage_of(engine: Engine) -> Storage:
    from trimtab.adapters.persistence.access import SqlIdempotencyRepository, SqlTokenRepository
    from trimtab.adapters.persistence.accounts import SqlAccountRepository
    from trimtab.adapters.persistence.fleet import SqlFleetStore
    from trimtab.adapters.persistence.market_data import SqlMarketDataCache
    from trimtab.adapters.persistence.paper_state import SqlPaperStateStore
    from trimtab.adapters.persistence.performance import SqlPerformanceRepository
    from trimtab.adapters.persistence.policies import SqlPolicyRepository
    from trimtab.adapters.persistence.portfolios import SqlModelRepository
    from trimtab.adapters.persistence.queued_runs import SqlQueuedRunRepository
    from trimtab.adapters.persistence.rebalancing_config import SqlConfigRepository
    from trimtab.adapters.persistence.runs import SqlRunRepository
    from trimtab.adapters.persistence.schedules import SqlScheduleRepository
    from trimtab.adapters.persistence.securities import SqlSecurityRepository
    from trimtab.adapters.persistence.signals import SqlSignalRepository
    from trimtab.adapters.persistence.strategies import SqlLedgerRepository, SqlStrategyRepository
    from trimtab.adapters.persistence.summaries import SqlSummaryRepository
    from trimtab.application.repositories import Storage

    paper = _PaperAccounts(lambda: SqlPaperStateStore(engine))
    return Storage(accounts=SqlAccountRepository(engine), models=SqlModelRepository(engine),
                   config=SqlConfigRepository(engine), runs=SqlRunRepository(engine),
                   summaries=SqlSummaryRepository(engine), paper=paper, securities=SqlSecurityRepository(engine),
                   market_data=SqlMarketDataCache(engine), schedules=SqlScheduleRepository(engine),
                   policies=SqlPolicyRepository(engine), signals=SqlSignalRepository(engine),
                   location=engine.url.render_as_string(hide_password=True), tokens=SqlTokenRepository(engine),
                   idempotency=SqlIdempotencyRepository(engine), strategies=SqlStrategyRepository(engine),
                   ledger=SqlLedgerRepository(engine), performance=SqlPerformanceRepository(engine),
                   queued_runs=SqlQueuedRunRepository(engine), fleet=SqlFleetStore(engine))


class _PaperAccounts:
    """The paper broker's accounts (opened, funded, closed), loading the paper exchange only when used."""

    def __init__(self, store: Callable[[], PaperStateStore]) -> None:
        self._store = store

    def _broker(self) -> PaperAccounts:
        from trimtab.adapters.brokers.paper.broker import PaperBroker
        from trimtab.adapters.simclock import FastForwardClock

        return PaperBroker(self._store(), FastForwardClock(dt.datetime.now(dt.UTC)))

    def open_account(self, account_id: str, currency: str, cash: Decimal,
                     positions: Mapping[str, Decimal] | None = None, *, reset: bool = False,
                     futures_cash: Decimal | None = None) -> bool:
        return self._broker().open_account(account_id, currency, cash, positions, reset=reset,
                                           futures_cash=cash * 0 if futures_cash is None else futures_cash)

    def deposit(self, account_id: str, amount: Decimal) -> Decimal:
        return self._broker().deposit(account_id, amount)

    def close_account(self, account_id: str) -> None:
        self._store().delete(account_id)


class _PaperFactory:
    """The paper broker's factory, built on first use."""

    def __init__(self, settings: _Settings, database: _Database, wall: SystemClock) -> None:
        self._settings, self._database, self._wall = settings, database, wall

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        async with self._factory().connect(account, choice, resume_from, progress) as connection:
            yield connection

    @contextlib.asynccontextmanager
    async def connect_many(self, accounts: Sequence[Account], choice: BrokerChoice,
                           progress: Progress = no_progress,
                           ) -> AsyncIterator[list[tuple[BrokerConnection, list[int]]]]:
        async with self._factory().connect_many(accounts, choice, progress) as connections:
            yield connections

    def _factory(self) -> PaperBrokerFactory:
        from trimtab.adapters.brokers.paper.factory import PaperBrokerFactory, PaperSettings
        from trimtab.adapters.persistence.paper_state import SqlPaperStateStore

        loaded = self._settings.get()
        settings = PaperSettings(seed=loaded.paper_seed, start=loaded.paper_start,
                                 latency_seconds=loaded.paper_latency_seconds)
        engine = self._database.engine()
        return PaperBrokerFactory(lambda: SqlPaperStateStore(engine), settings, self._wall,
                                  lambda account_ids: self._database.storage().runs.last_updates(account_ids))


class _BookedFactory:
    """A broker keeping an order book in the database (KIS, crypto), made (httpx, ccxt...) when one connects."""

    def __init__(self, settings: _Settings, database: _Database, make: _MakeBooked) -> None:
        self._settings, self._database, self._factory = settings, database, make

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        from trimtab.adapters.persistence.broker_orders import SqlBrokerOrderBook

        settings = self._settings.get()
        clock = broker_clock(settings)
        engine = self._database.engine()
        factory = self._factory(settings, lambda: SqlBrokerOrderBook(engine), clock)
        async with factory.connect(account, choice, resume_from, progress) as connection:
            yield connection


def _kis_factory(s: Settings, book: Callable[[], BrokerOrderBook], clock: _Clock) -> BrokerFactory:
    from trimtab.adapters.brokers.kis.factory import KisBrokerFactory, KisSettings

    return KisBrokerFactory(KisSettings.of(s), book, clock, clock.sleep)


def _crypto_factory(s: Settings, book: Callable[[], BrokerOrderBook], clock: _Clock) -> BrokerFactory:
    from trimtab.adapters.brokers.crypto.factory import CryptoBrokerFactory, CryptoSettings

    return CryptoBrokerFactory(CryptoSettings.of(s), book, clock, clock.sleep)


class _IbkrFactory:
    """The IBKR broker's factory, built (ib_async and all) only when an IBKR account connects."""

    def __init__(self, settings: _Settings) -> None:
        self._settings = settings

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        async with self._factory().connect(account, choice, resume_from, progress) as connection:
            yield connection

    async def check_connection(self, choice: BrokerChoice) -> ConnectionCheck:
        return await self._factory().check_connection(choice)

    async def look_up_isins(self, choice: BrokerChoice, isins: Sequence[str]) -> list[Security]:
        return await self._factory().look_up_isins(choice, isins)

    def _factory(self) -> IbkrBrokerFactory:
        from trimtab.adapters.brokers.ibkr.factory import IbkrBrokerFactory, IbkrSettings

        s = self._settings.get()
        settings = IbkrSettings(host=s.ibkr_host, port=s.ibkr_port, client_id=s.ibkr_client_id,
                                timeout_seconds=s.ibkr_timeout_seconds, accounts=dict(s.ibkr_accounts),
                                market_order_type=s.ibkr_market_order_type, commission_rate=s.ibkr_commission_rate,
                                commission_minimum=s.ibkr_commission_minimum)
        clock = broker_clock(s)
        return IbkrBrokerFactory(settings, clock, clock.sleep)


def broker_clock(settings: Settings) -> SystemClock | ScaledClock:
    """The clock of a real broker's run: the system's, or the simulated one shared with a local broker."""
    simulated = settings.simulated_clock
    if simulated is None:
        return SystemClock()
    from trimtab.adapters.simclock import ScaledClock

    return ScaledClock(simulated.start, simulated.anchor, simulated.speed)


def storage_engine(trimtab: Trimtab) -> Any:
    """The SQLAlchemy engine under a facade built here (tests dispose of it)."""
    opener: Callable[[], Storage] = trimtab.open_storage
    database = getattr(opener, "__self__", None)
    return None if not isinstance(database, _Database) else database.engine()


def announcer(settings: Settings) -> Announcer:
    """The notification channels of the settings (none unless configured), sending the events asked for."""
    from trimtab.adapters.notify.channels import announcer_of

    return announcer_of(settings)


def schedule_rules(settings: Settings) -> ScheduleRules:
    """Cron by APScheduler, business days by the exchange calendars, on the broker runs' clock."""
    from trimtab.adapters.scheduling.rules import Rules

    return Rules(clock=broker_clock(settings))


async def run_schedules(trimtab: Trimtab, interval_seconds: float,
                        report: Callable[[SlotRecord], None] = lambda _record: None) -> None:
    """Tick the facade's schedules every interval (APScheduler) until cancelled; each recorded slot is reported."""
    import asyncio

    from trimtab.adapters.scheduling.runner import run_ticks

    async def tick() -> None:
        for record in await trimtab.tick():
            report(record)

    await run_ticks(tick, interval_seconds, asyncio.Event())
