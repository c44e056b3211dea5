"""The sweep's port: the database's accounts, positions and last quotes read in chunks; results written in bulk.

A chunk carries what the drift screen needs for every account in plain lists (cash and quantities as floats:
they only rank accounts in or out of a closer look); the exact figures of the accounts that need one come
from `accounts()` as Decimals, and only those are planned. Whatever the number of accounts, a reader holds
one chunk at a time.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from trimtab.application.rebalancing_config import RebalancingConfig
    from trimtab.domain.snapshot import CostSettings, Quote


@dataclass(frozen=True, slots=True)
class FleetChunk:
    """Accounts with a model, in account id order, and their holdings as parallel lists."""

    account_ids: list[str]
    currencies: list[str]
    models: list[tuple[str, str | None]]  # the model followed and its pinned version (None: the latest)
    configs: list[RebalancingConfig | None]  # None: the default bands and settings
    cash: list[float | None]  # None: no positions stored for the account
    holding_accounts: list[int]  # the index in account_ids of each holding
    holding_symbols: list[str]
    holding_quantities: list[float]


@dataclass(frozen=True, slots=True)
class StoredAccount:
    """An account's cash and positions exactly as stored."""

    cash: Decimal
    as_of: dt.date
    costs: CostSettings
    holdings: tuple[tuple[str, Decimal, Decimal], ...]  # symbol, quantity, orderable quantity


@dataclass(frozen=True, slots=True)
class SweepResult:
    """What a sweep found for one account."""

    account_id: str
    model_name: str
    status: str  # in_band, breached, planned, unsafe, skipped
    reason: str = ""
    breaches: int = 0
    largest_drift: Decimal | None = None
    equity: Decimal | None = None
    orders: int = 0
    turnover: Decimal | None = None
    plan: dict[str, Any] | None = None


@dataclass(frozen=True, slots=True)
class SweepRunRecord:
    """A sweep as stored: when, which models, whether it planned, its counts."""

    run_id: str
    started_at: dt.datetime
    models: tuple[str, ...]
    plan: bool
    status: str = "running"
    finished_at: dt.datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)


class FleetStore(Protocol):
    """Positions and quotes of every account, read in chunks; sweep runs and results, written in bulk."""

    def count(self, models: Sequence[str] | None) -> int:
        """How many accounts follow one of these models (None: any model)."""
        ...

    def last_quotes(self) -> dict[str, tuple[Quote, dt.datetime]]:
        """The newest stored quote of every symbol and when it was read."""
        ...

    def chunks(self, models: Sequence[str] | None, size: int) -> Iterator[FleetChunk]:
        """Every account following one of the models, `size` at a time, in account id order."""
        ...

    def accounts(self, account_ids: Sequence[str]) -> dict[str, StoredAccount]:
        """The exact cash and positions of these accounts (ones without stored positions are left out)."""
        ...

    def start(self, run: SweepRunRecord) -> None:
        """Record a sweep that starts."""
        ...

    def write(self, run_id: str, results: Sequence[SweepResult]) -> None:
        """Add results of a sweep, in one bulk write."""
        ...

    def finish(self, run: SweepRunRecord) -> None:
        """Record a sweep's end: status, instant, summary."""
        ...

    def results(self, run_id: str, status: str | None = None, limit: int | None = None) -> list[SweepResult]:
        """A sweep's results in account order (those of one status, at most `limit`)."""
        ...
