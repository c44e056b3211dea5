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

from trimtab.adapters.clock import ScaledClock, SystemClock
from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory
from trimtab.application.facade import Trimtab
from trimtab.application.records import Account
from trimtab.application.repositories import Storage
from trimtab.application.run_journal import LeasePolicy
from trimtab.application.safety import TradingSafety
from trimtab.application.supervise import ExecutionPolicy
from trimtab.config import Settings, load_settings
from trimtab.domain.allocation import AllocationBatch, IntArray
from trimtab.domain.planning import Allocator

if TYPE_CHECKING:
    from sqlalchemy import Engine

BROKERS = ("paper", "kis")


def build(settings: Settings | None = None) -> Trimtab:
    """The facade over this installation's database, brokers and files (the database opens on first use)."""
    settings = settings or load_settings()  # a bad value is one InvalidInput naming the variable
    database = _Database(settings)
    wall = SystemClock()
    from trimtab.adapters.demo import DEMO_ACCOUNTS
    from trimtab.adapters.faults import crash_checkpoint
    from trimtab.adapters.files.reader import FileReader
    from trimtab.adapters.processes import current_owner, is_gone

    brokers: dict[str, BrokerFactory] = {"paper": _PaperFactory(settings, database, wall),
                                         "kis": _KisFactory(settings, database)}
    return Trimtab(
        open_storage=database.storage, files=FileReader(), brokers=brokers, policy=execution_policy(settings),
        safety=TradingSafety(live_trading_enabled=settings.live_trading_enabled,
                             kill_switch=settings.disable_live_trading),
        lease=LeasePolicy(owner=current_owner(), wall=wall, seconds=settings.run_lease_seconds,
                          holder_gone=is_gone),
        clock=wall, exact_allocator=exact_allocator, checkpoint=crash_checkpoint(settings.crash_at),
        notices=settings.notices, demo_accounts=DEMO_ACCOUNTS)


def execution_policy(settings: Settings) -> ExecutionPolicy:
    """How runs wait for fills and chase what does not fill."""
    return ExecutionPolicy(fill_timeout_seconds=settings.fill_timeout_seconds,
                           poll_interval_seconds=settings.poll_interval_seconds,
                           reprice_ticks=settings.reprice_ticks, max_reprices=settings.max_reprices,
                           cancel_timeout_seconds=settings.cancel_timeout_seconds)


def exact_allocator(time_limit_seconds: float) -> Allocator:
    """The MILP allocator with a time limit per account (scipy loads only when it is used)."""

    def allocate(batch: AllocationBatch) -> IntArray:
        from trimtab.adapters.solvers.milp import allocate_exact

        return allocate_exact(batch, time_limit_seconds=time_limit_seconds)

    return allocate


class _Database:
    """The database of the settings: migrated and opened on first use, then shared."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._engine: Engine | None = None
        self._storage: Storage | None = None

    def engine(self) -> Engine:
        if self._engine is None:
            from trimtab.adapters.persistence.database import default_database_url, make_engine, migrate

            url = self.settings.database_url or default_database_url()
            migrate(url)
            self._engine = make_engine(url)
        return self._engine

    def storage(self) -> Storage:
        if self._storage is None:
            self._storage = _storage_of(self.engine(), self.settings)
        return self._storage


def _storage_of(engine: Engine, settings: Settings) -> Storage:
    from trimtab.adapters.brokers.paper.broker import PaperBroker
    from trimtab.adapters.brokers.paper.config import PaperConfig
    from trimtab.adapters.persistence.accounts import SqlAccountRepository
    from trimtab.adapters.persistence.paper_state import SqlPaperStateStore
    from trimtab.adapters.persistence.portfolios import SqlModelRepository
    from trimtab.adapters.persistence.rebalancing_config import SqlConfigRepository
    from trimtab.adapters.persistence.runs import SqlRunRepository
    from trimtab.adapters.persistence.summaries import SqlSummaryRepository
    from trimtab.adapters.simclock import FastForwardClock

    paper = PaperBroker(SqlPaperStateStore(engine), FastForwardClock(dt.datetime.now(dt.UTC)),
                        PaperConfig(seed=settings.paper_seed))
    return Storage(accounts=SqlAccountRepository(engine), models=SqlModelRepository(engine),
                   config=SqlConfigRepository(engine), runs=SqlRunRepository(engine),
                   summaries=SqlSummaryRepository(engine), paper=paper,
                   location=engine.url.render_as_string(hide_password=True))


class _PaperFactory:
    """The paper broker's factory, built on first use."""

    def __init__(self, settings: Settings, database: _Database, wall: SystemClock) -> None:
        self._settings, self._database, self._wall = settings, database, wall

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice,
                      resume_from: dt.datetime | None) -> AsyncIterator[BrokerConnection]:
        from trimtab.adapters.brokers.paper.factory import PaperBrokerFactory, PaperSettings
        from trimtab.adapters.persistence.paper_state import SqlPaperStateStore

        settings = PaperSettings(seed=self._settings.paper_seed, start=self._settings.paper_start,
                                 latency_seconds=self._settings.paper_latency_seconds)
        engine = self._database.engine()
        factory = PaperBrokerFactory(lambda: SqlPaperStateStore(engine), settings, self._wall,
                                     lambda account_id: _last_run_at(self._database, account_id))
        async with factory.connect(account, choice, resume_from) as connection:
            yield connection


def _last_run_at(database: _Database, account_id: str) -> dt.datetime | None:
    latest = database.storage().runs.list(account_id, limit=1)
    return latest[0].updated_at if latest else None


class _KisFactory:
    """The KIS broker's factory, built (httpx and all) only when a KIS account connects."""

    def __init__(self, settings: Settings, database: _Database) -> None:
        self._settings, self._database = settings, database

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice,
                      resume_from: dt.datetime | None) -> AsyncIterator[BrokerConnection]:
        from trimtab.adapters.brokers.kis.factory import KisBrokerFactory, KisSettings
        from trimtab.adapters.persistence.broker_orders import SqlBrokerOrderBook

        s = self._settings
        settings = KisSettings(environment=s.kis_env, base_url=s.kis_base_url, app_key=s.kis_app_key,
                               app_secret=s.kis_app_secret, account=s.kis_account,
                               credentials_file=s.kis_credentials_file, token_cache=s.kis_token_cache,
                               requests_per_second=s.kis_requests_per_second, legacy_tr_ids=s.kis_legacy_tr_ids,
                               commission_rate=s.kis_commission_rate)
        clock = broker_clock(s)
        engine = self._database.engine()
        factory = KisBrokerFactory(settings, lambda: SqlBrokerOrderBook(engine), clock, clock.sleep)
        async with factory.connect(account, choice, resume_from) as connection:
            yield connection


def broker_clock(settings: Settings) -> SystemClock | ScaledClock:
    """The clock of a real broker's run: the system's, or the simulated one shared with a local broker."""
    simulated = settings.simulated_clock
    if simulated is None:
        return SystemClock()
    return ScaledClock(simulated.start, simulated.anchor, simulated.speed)


def storage_engine(trimtab: Trimtab) -> Any:
    """The SQLAlchemy engine under a facade built here (tests dispose of it)."""
    opener: Callable[[], Storage] = trimtab.open_storage
    database = getattr(opener, "__self__", None)
    return None if not isinstance(database, _Database) else database.engine()
