"""Ports for what the application keeps: accounts, models, settings, summaries, paper accounts, model files.

Adapters implement them (SQL repositories, file readers); tests use in-memory ones. The runs' own port,
RunRepository, lives in ports.py with the broker port.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # only named in annotations: importing the ports loads no domain model
    import datetime as dt
    from collections.abc import Iterable, Mapping, Sequence
    from decimal import Decimal
    from pathlib import Path

    from trimtab.application.access import TokenRepository
    from trimtab.application.performance import PerformanceRepository
    from trimtab.application.policies import PolicyRepository
    from trimtab.application.ports import RunRepository
    from trimtab.application.rebalancing_config import RebalancingConfig
    from trimtab.application.records import Account, AccountOverview, DailySummary, ModelAssignment, ModelVersionInfo
    from trimtab.application.run_queue import QueuedRunRepository
    from trimtab.application.run_requests import IdempotencyRepository
    from trimtab.application.schedules import ScheduleRepository
    from trimtab.application.signals import SignalRepository
    from trimtab.application.strategy_ports import LedgerRepository, StrategyRepository
    from trimtab.application.sweep_ports import FleetStore
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.price_age import StoredSnapshot
    from trimtab.domain.securities import Security
    from trimtab.domain.snapshot import AccountSnapshot


class AccountRepository(Protocol):
    """Accounts and which model each one follows."""

    def add(self, account_id: str, *, name: str, currency: str, broker: str) -> Account: ...

    def get(self, account_id: str) -> Account:
        """Return an account; raise InvalidInput when it is unknown."""
        ...

    def find(self, account_id: str) -> Account | None: ...

    def list(self) -> list[Account]: ...

    def remove(self, account_id: str) -> None:
        """Forget an account, its assignment and settings (its runs stay in the history)."""
        ...

    def assign_model(self, account_id: str, model_name: str, *, version: str | None = None) -> ModelAssignment: ...

    def unassign(self, account_id: str) -> None: ...

    def assignment(self, account_id: str) -> ModelAssignment | None: ...

    def all_assignments(self) -> dict[str, ModelAssignment]:
        """Every assignment by account id, at once (many accounts: one read)."""
        ...


class AccountQueries(Protocol):
    """Read-only listings, each answered in one read: a command that only lists pays for nothing more (the
    SQL adapter reads with SQLAlchemy Core, without the ORM the repositories use)."""

    def account_overviews(self) -> list[AccountOverview]:
        """Every account by id, with the model it follows and the run holding it, if any."""
        ...


class ModelRepository(Protocol):
    """Versioned model portfolios."""

    def import_model(self, model: ModelPortfolio) -> str:
        """Store a model; return its version (unchanged content keeps the latest)."""
        ...

    def get(self, name: str, version: str | None = None) -> ModelPortfolio: ...

    def list(self, name: str | None = None) -> list[ModelVersionInfo]: ...


class ConfigRepository(Protocol):
    """Each account's bands and planning settings."""

    def get(self, account_id: str) -> RebalancingConfig: ...

    def stored(self) -> dict[str, RebalancingConfig]:
        """Every account's stored settings by account id, at once (the others have the defaults)."""
        ...

    def set(self, account_id: str, config: RebalancingConfig) -> None: ...


class SummaryRepository(Protocol):
    """Each account's cash and equity at the end of a market date."""

    def upsert(self, summary: DailySummary) -> None: ...

    def latest(self, account_id: str, market_type: str) -> DailySummary | None:
        """The most recent summary of an account and market type (None when there is none)."""
        ...


class PaperAccounts(Protocol):
    """The embedded paper broker's accounts: opened and funded by people, traded by runs."""

    def open_account(self, account_id: str, currency: str, cash: Decimal,
                     positions: Mapping[str, Decimal] | None = None, *, reset: bool = False,
                     futures_cash: Decimal = ...) -> bool:
        """Seed an account (a crypto account's futures wallet with `futures_cash`); False (nothing changed) when
        it exists and `reset` is not set."""
        ...

    def deposit(self, account_id: str, amount: Decimal) -> Decimal:
        """Add cash (a negative amount withdraws it); return the new cash."""
        ...

    def close_account(self, account_id: str) -> None:
        """Forget the account's paper state (nothing happens when there is none)."""
        ...


class SecurityRepository(Protocol):
    """The security master: ISIN → symbol, contract id, exchange, currency, minimum tick."""

    def upsert(self, securities: Sequence[Security]) -> int:
        """Store each security (a known ISIN is replaced); return how many were stored."""
        ...

    def find(self, isins: Iterable[str]) -> dict[str, Security]:
        """The known ones of `isins`, by ISIN."""
        ...

    def list(self) -> list[Security]:
        """Every security, by ISIN."""
        ...


class MarketDataCache(Protocol):
    """Every snapshot read from a broker, with its quotes and when it was read (`--cached` reads the last)."""

    def store(self, stored: Sequence[StoredSnapshot]) -> None:
        """Keep snapshots and each of their quotes (symbol, price, currency, read at, broker, market date), all
        in one transaction (a batch of accounts pays for one commit)."""
        ...

    def latest(self, account_id: str) -> StoredSnapshot | None:
        """The account's last snapshot read (None when it was never read)."""
        ...


class ModelFiles(Protocol):
    """Model portfolio and snapshot files in the formats users have."""

    def load_models(self, path: Path) -> list[ModelPortfolio]: ...

    def load_account_mappings(self, path: Path) -> dict[str, str]:
        """Account id -> model name, as a model file maps them (empty when it maps none)."""
        ...

    def load_model(self, path: Path, name: str | None) -> ModelPortfolio: ...

    def load_snapshot(self, path: Path, today: dt.date) -> AccountSnapshot: ...

    def demo_models(self) -> list[ModelPortfolio]: ...

    def load_securities(self, path: Path) -> list[Security]: ...


@dataclass(frozen=True, slots=True)
class Storage:
    """Every repository of one database."""

    accounts: AccountRepository
    models: ModelRepository
    config: ConfigRepository
    runs: RunRepository
    summaries: SummaryRepository
    paper: PaperAccounts
    securities: SecurityRepository
    market_data: MarketDataCache
    schedules: ScheduleRepository
    policies: PolicyRepository
    signals: SignalRepository
    location: str  # the database, for people (no password)
    tokens: TokenRepository  # the HTTP API's tokens (digests only)
    idempotency: IdempotencyRepository  # the HTTP API's idempotency keys of requests that start runs
    strategies: StrategyRepository  # the sleeves of each account
    ledger: LedgerRepository  # each account's per-strategy ledger
    performance: PerformanceRepository  # daily equity snapshots per strategy and account
    queued_runs: QueuedRunRepository  # runs named when they were put on the task queue
    fleet: FleetStore | None = None  # positions and last quotes in bulk, sweeps and their results
