"""Wiring of the durable parts: database, repositories, the paper broker, the run runner.

Like bootstrap.py, this is where adapters are chosen; entry points call it and nothing below it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import signal
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from decimal import Decimal
from importlib import resources
from pathlib import Path

from sqlalchemy.engine import Engine

from trimtab.adapters.brokers.kis.broker import KisBroker, KisBrokerConfig
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.credentials import load_credentials
from trimtab.adapters.brokers.kis.endpoints import Environment, default_base_url
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.clock import ScaledClock, SystemClock
from trimtab.adapters.files.models_file import load_models
from trimtab.adapters.marketdata.calendars import next_open
from trimtab.adapters.persistence.accounts import SqlAccountRepository
from trimtab.adapters.persistence.broker_orders import SqlBrokerOrderBook
from trimtab.adapters.persistence.database import default_database_url, make_engine, migrate
from trimtab.adapters.persistence.paper_state import SqlPaperStateStore
from trimtab.adapters.persistence.portfolios import SqlModelRepository
from trimtab.adapters.persistence.rebalancing_config import SqlConfigRepository
from trimtab.adapters.persistence.records import Account, DailySummary, RebalancingConfig
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.adapters.persistence.summaries import SqlSummaryRepository
from trimtab.adapters.processes import current_owner, is_gone
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.ports import RunRecord
from trimtab.application.run_journal import LeasePolicy
from trimtab.application.run_rebalance import RebalanceRunner, TradingSafety
from trimtab.application.supervise import ExecutionPolicy, Progress
from trimtab.config import Settings, load_settings
from trimtab.domain.drift import Bands
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import DEFAULT_MARKET_BY_CURRENCY, Market
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.planning import PlanSettings
from trimtab.domain.snapshot import CostSettings

BROKERS = ("paper", "kis")


@dataclass(frozen=True, slots=True)
class BrokerChoice:
    """Which broker a command runs on: the account's own unless the command line names one (that must match)."""

    broker: str | None = None
    environment: Environment | None = None
    base_url: str | None = None

DEMO_ACCOUNTS: dict[str, tuple[str, str, Decimal, dict[str, Decimal]]] = {
    # id: (currency, model, cash, positions) — drifted so that the demo has work to do
    "DEMO-KR": ("KRW", "KR-ALLWEATHER", Decimal(1_842_000), {
        "069500": Decimal(180), "005930": Decimal(75), "000660": Decimal(8), "229200": Decimal(150),
        "148070": Decimal(80), "114260": Decimal(110), "132030": Decimal(250)}),
    "DEMO-US": ("USD", "GTAA", Decimal("1250.37"), {"SPMO": Decimal(420), "SMH": Decimal(135)}),
}


@dataclass
class Services:
    settings: Settings
    engine: Engine
    accounts: SqlAccountRepository
    models: SqlModelRepository
    config: SqlConfigRepository
    runs: SqlRunRepository
    paper_store: SqlPaperStateStore
    summaries: SqlSummaryRepository

    def paper_broker(self, clock: FastForwardClock) -> PaperBroker:
        """The paper broker over the database's paper accounts, on a simulated market clock."""
        config = PaperConfig(seed=self.settings.paper_seed, latency_seconds=self.settings.paper_latency_seconds)
        return PaperBroker(self.paper_store, clock, config)

    def lease_policy(self) -> LeasePolicy:
        """Leases of this process on runs: real time, renewed while it drives, replaced once it is gone."""
        return LeasePolicy(owner=current_owner(), wall=SystemClock(), seconds=self.settings.run_lease_seconds,
                           holder_gone=is_gone)

    def _policy_and_safety(self) -> tuple[ExecutionPolicy, TradingSafety]:
        policy = ExecutionPolicy(fill_timeout_seconds=self.settings.fill_timeout_seconds,
                                 poll_interval_seconds=self.settings.poll_interval_seconds,
                                 reprice_ticks=self.settings.reprice_ticks, max_reprices=self.settings.max_reprices,
                                 cancel_timeout_seconds=self.settings.cancel_timeout_seconds)
        safety = TradingSafety(live_trading_enabled=self.settings.live_trading_enabled,
                               kill_switch=self.settings.disable_live_trading)
        return policy, safety

    def runner(self, account: Account, progress: Progress, start: dt.datetime | None = None) -> RebalanceRunner:
        """A runner for a paper account: the paper broker on a simulated clock inside the market's session.

        A new run starts at the next session of the account's market (or TRIMTAB_PAPER_START); a resumed
        run continues from the instant it was last saved (every save stamps it), on the same grid of polls and
        with the deadlines it saved, so its simulated market carries on where it was.
        """
        clock = FastForwardClock(start or self.settings.paper_start or self._market_start(account))
        policy, safety = self._policy_and_safety()
        return RebalanceRunner(self.paper_broker(clock), "paper", self.runs, clock, clock.sleep, safety, policy,
                               progress, checkpoint=crash_checkpoint(self.settings.crash_at), lease=self.lease_policy())

    def broker_clock(self) -> SystemClock | ScaledClock:
        """The clock of a real broker's run: the system's, or the simulated one shared with a local broker."""
        simulated = self.settings.simulated_clock
        if simulated is None:
            return SystemClock()
        return ScaledClock(simulated.start, simulated.anchor, simulated.speed)

    def kis_broker(self, account: Account, choice: BrokerChoice,
                   clock: SystemClock | ScaledClock | None = None) -> KisBroker:
        """The KIS broker of an account: credentials from settings or the 0600 file, the shared token cache."""
        settings = self.settings
        environment: Environment = choice.environment or settings.kis_env
        credentials = load_credentials(environment, app_key=settings.kis_app_key, app_secret=settings.kis_app_secret,
                                       account=settings.kis_account, file=settings.kis_credentials_file)
        base_url = choice.base_url or settings.kis_base_url or default_base_url(environment)
        cache = settings.kis_token_cache or Path.home() / ".cache" / "trimtab" / "kis_tokens.json"
        client = KisClient(base_url=base_url, environment=environment, app_key=credentials.app_key,
                           app_secret=credentials.app_secret, token_cache_path=cache,
                           requests_per_second=settings.kis_requests_per_second)
        config = KisBrokerConfig(account.account_id, costs=CostSettings(settings.kis_commission_rate),
                                 legacy_tr_ids=settings.kis_legacy_tr_ids)
        return KisBroker(client, credentials, SqlBrokerOrderBook(self.engine), config, clock or self.broker_clock())

    @contextlib.asynccontextmanager
    async def runner_for(self, account: Account, progress: Progress, choice: BrokerChoice,
                         start: dt.datetime | None = None) -> AsyncIterator[RebalanceRunner]:
        """The runner of an account on its broker; a KIS connection is closed when the block ends."""
        broker = choice.broker or account.broker
        if broker not in BROKERS:
            raise InvalidInput(f"unknown broker (choose one of {', '.join(BROKERS)})", where="command line",
                               field="broker", value=broker)
        if broker != account.broker:
            raise InvalidInput(f"account '{account.account_id}' is on broker '{account.broker}'",
                               where="command line", field="broker", value=broker)
        if broker == "paper":
            yield self.runner(account, progress, start)
            return
        clock = self.broker_clock()
        kis = self.kis_broker(account, choice, clock)
        policy, safety = self._policy_and_safety()
        try:
            yield RebalanceRunner(kis, "kis", self.runs, clock, clock.sleep, safety, policy, progress,
                                  checkpoint=crash_checkpoint(self.settings.crash_at), lease=self.lease_policy())
        finally:
            await kis.aclose()

    def _market_start(self, account: Account) -> dt.datetime:
        """The simulated clock starts at the next session of the account's market, after any earlier run."""
        start = dt.datetime.now(dt.UTC)
        for run in self.runs.list(account.account_id, limit=1):
            start = max(start, run.updated_at + dt.timedelta(seconds=1))
        market = DEFAULT_MARKET_BY_CURRENCY.get(account.currency, Market.KRX)
        opening = next_open(market, start)
        return (opening or start) + dt.timedelta(minutes=1)

    def plan_settings(self, account_id: str, *, force: bool) -> PlanSettings:
        config: RebalancingConfig = self.config.get(account_id)
        return PlanSettings(bands=Bands(config.class_band, config.ticker_band, config.relative_band),
                            cash_buffer=config.cash_buffer, minimum_trade_value=config.minimum_trade_value,
                            price_ticks=config.price_ticks, force=force)

    def model_for(self, account_id: str) -> ModelPortfolio:
        assignment = self.accounts.assignment(account_id)
        if assignment is None:
            raise InvalidInput("no model is assigned; run `trimtab assign ACCOUNT MODEL`",
                               where=f"account '{account_id}'", field="model", value=None)
        return self.models.get(assignment.model_name, assignment.pinned_version)

    async def rebalance(self, account_id: str, *, execute: bool, force: bool, progress: Progress,
                        choice: BrokerChoice | None = None) -> RunRecord:
        """Start a run for an account on its assigned model and settings."""
        account = self.accounts.get(account_id)
        async with self.runner_for(account, progress, choice or BrokerChoice()) as runner:
            record = await runner.start(account_id, self.model_for(account_id),
                                        self.plan_settings(account_id, force=force), execute=execute)
        self._summarise(record)
        return record

    async def resume(self, run_id: str, progress: Progress, choice: BrokerChoice | None = None) -> RunRecord:
        """Resume an interrupted run, or one that needs attention."""
        run = self.runs.get(run_id)
        account = self.accounts.get(run.account_id)
        model = self.models.get(run.model_name, run.model_version)
        async with self.runner_for(account, progress, choice or BrokerChoice(), start=run.updated_at) as runner:
            record = await runner.resume(run_id, model, self.plan_settings(run.account_id, force=run.force))
        self._summarise(record)
        return record

    def _summarise(self, record: RunRecord) -> None:
        """Keep the day's cash and equity after a run that traded (a fallback when a broker is down)."""
        document = record.post
        if not document:
            return
        cash = Decimal(document["cash"])
        held = sum((Decimal(h["quantity"]) * Decimal(h["price"]) for h in document["holdings"]), Decimal(0))
        self.summaries.upsert(DailySummary(record.account_id, dt.date.fromisoformat(document["as_of"]),
                                           "securities", cash, cash + held))

    def import_models(self, path: Path) -> list[tuple[str, str]]:
        """Import every model of a file; return (name, version) pairs."""
        return [(model.name, self.models.import_model(model)) for model in load_models(path)]

    def init_demo(self) -> list[str]:
        """Import the demo models and open the demo paper accounts (existing ones are left alone)."""
        demo = resources.files("trimtab.adapters.files").joinpath("demo_models.yaml")
        with resources.as_file(demo) as path:
            self.import_models(path)
        created = []
        for account_id, (currency, model, cash, positions) in DEMO_ACCOUNTS.items():
            if self.accounts.find(account_id) is None:
                self.accounts.add(account_id, name=f"Demo {currency} account", currency=currency, broker="paper")
                self.accounts.assign_model(account_id, model)
                created.append(account_id)
            clock = FastForwardClock(dt.datetime.now(dt.UTC))
            self.paper_broker(clock).open_account(account_id, currency, cash, positions)
        return created


def crash_checkpoint(crash_at: str | None) -> Callable[[str], None]:
    """Fault injection for crash tests: SIGKILL this process at the n-th pass of a point.

    "submit:3" is the third order sent, "poll:5" the fifth poll, "step:selling" the first save of that step.
    """
    if not crash_at:
        return lambda _point: None
    point, _, nth = crash_at.rpartition(":")
    if not nth.isdigit():
        point, nth = crash_at, "1"
    wanted, seen = int(nth), [0]

    def checkpoint(passed: str) -> None:
        if passed == point:
            seen[0] += 1
            if seen[0] == wanted:
                os.kill(os.getpid(), signal.SIGKILL)

    return checkpoint


def open_services(settings: Settings | None = None) -> Services:
    """Migrate the database to the latest schema and build the services over it."""
    settings = settings or load_settings()  # a bad value is one InvalidInput naming the variable
    url = settings.database_url or default_database_url()
    migrate(url)
    engine = make_engine(url)
    return Services(settings=settings, engine=engine, accounts=SqlAccountRepository(engine),
                    models=SqlModelRepository(engine), config=SqlConfigRepository(engine),
                    runs=SqlRunRepository(engine), paper_store=SqlPaperStateStore(engine),
                    summaries=SqlSummaryRepository(engine))
