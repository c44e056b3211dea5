"""In-memory doubles of the application's repositories (with the SQL ones' rules: locks, leases, fencing)
and of the paper broker's state store."""

from __future__ import annotations

import builtins
import copy
import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from trimtab.application.ports import Lease, RunInProgress, RunLeaseHeld, RunRecord
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.records import Account, DailySummary, ModelAssignment, ModelVersionInfo
from trimtab.application.repositories import Storage
from trimtab.application.settings_rules import validate_config
from trimtab.domain.errors import InvalidInput, LeaseLost
from trimtab.domain.execution import Fill
from trimtab.domain.models import ModelPortfolio, validate_model
from trimtab.domain.price_age import StoredSnapshot
from trimtab.domain.securities import Security
from trimtab_testkit.memory_access import MemoryIdempotency, MemoryQueuedRuns, MemoryTokens
from trimtab_testkit.memory_performance import MemoryPerformance
from trimtab_testkit.memory_service import MemoryPolicies, MemorySchedules, MemorySignals
from trimtab_testkit.memory_strategies import MemoryLedger, MemoryStrategies

AT = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def _unknown(what: str, field_name: str, value: str) -> InvalidInput:
    return InvalidInput(f"unknown {what}", where=f"{what}s", field=field_name, value=value)


@dataclass
class MemoryAccounts:
    accounts: dict[str, Account] = field(default_factory=dict)
    assignments: dict[str, ModelAssignment] = field(default_factory=dict)
    models: MemoryModels | None = None

    def add(self, account_id: str, *, name: str, currency: str, broker: str) -> Account:
        if account_id in self.accounts:
            raise InvalidInput("account already exists", where="account", field="account_id", value=account_id)
        self.accounts[account_id] = Account(account_id, name, currency, broker.strip().lower(), AT)
        return self.accounts[account_id]

    def get(self, account_id: str) -> Account:
        if account_id not in self.accounts:
            raise _unknown("account", "account_id", account_id)
        return self.accounts[account_id]

    def find(self, account_id: str) -> Account | None:
        return self.accounts.get(account_id)

    def list(self) -> list[Account]:
        return [self.accounts[key] for key in sorted(self.accounts)]

    def remove(self, account_id: str) -> None:
        self.get(account_id)
        del self.accounts[account_id]
        self.assignments.pop(account_id, None)

    def assign_model(self, account_id: str, model_name: str, *, version: str | None = None) -> ModelAssignment:
        self.get(account_id)
        if self.models is not None:
            self.models.get(model_name, version)
        self.assignments[account_id] = ModelAssignment(account_id, model_name, version, AT)
        return self.assignments[account_id]

    def unassign(self, account_id: str) -> None:
        self.get(account_id)
        self.assignments.pop(account_id, None)

    def assignment(self, account_id: str) -> ModelAssignment | None:
        return self.assignments.get(account_id)

    def all_assignments(self) -> dict[str, ModelAssignment]:
        return dict(self.assignments)


@dataclass
class MemoryModels:
    versions: dict[str, list[ModelPortfolio]] = field(default_factory=dict)

    def import_model(self, model: ModelPortfolio) -> str:
        validate_model(model)
        stored = self.versions.setdefault(model.name, [])
        if stored and replace(stored[-1], version="") == replace(model, version=""):
            return stored[-1].version
        stored.append(replace(model, version=str(len(stored) + 1)))
        return stored[-1].version

    def get(self, name: str, version: str | None = None) -> ModelPortfolio:
        stored = self.versions.get(name)
        if not stored:
            raise _unknown("model", "model", name)
        if version is None:
            return stored[-1]
        for model in stored:
            if model.version == version:
                return model
        raise _unknown("model version", "version", version)

    def list(self, name: str | None = None) -> list[ModelVersionInfo]:
        return [ModelVersionInfo(model.name, model.version, model.description, AT)
                for key in sorted(self.versions) if name in (None, key) for model in self.versions[key]]


@dataclass
class MemoryConfig:
    configs: dict[str, RebalancingConfig] = field(default_factory=dict)

    def get(self, account_id: str) -> RebalancingConfig:
        return self.configs.get(account_id, RebalancingConfig())

    def stored(self) -> dict[str, RebalancingConfig]:
        return dict(self.configs)

    def set(self, account_id: str, config: RebalancingConfig) -> None:
        validate_config(config, where=f"settings of account '{account_id}'")
        self.configs[account_id] = config


@dataclass
class MemorySummaries:
    summaries: list[DailySummary] = field(default_factory=list)

    def upsert(self, summary: DailySummary) -> None:
        self.summaries = [s for s in self.summaries if (s.account_id, s.trade_date, s.market_type)
                          != (summary.account_id, summary.trade_date, summary.market_type)] + [summary]

    def latest(self, account_id: str, market_type: str) -> DailySummary | None:
        found = [s for s in self.summaries if (s.account_id, s.market_type) == (account_id, market_type)]
        return max(found, key=lambda s: s.trade_date) if found else None


@dataclass
class MemoryRuns:
    """Runs as the SQL repository keeps them: one active run per account, leases fenced by owner and token."""

    runs: dict[str, RunRecord] = field(default_factory=dict)
    locks: dict[str, str] = field(default_factory=dict)
    fills: dict[str, list[Fill]] = field(default_factory=dict)
    tokens: dict[str, int] = field(default_factory=dict)  # the last token of each run (kept after a release)

    def create(self, run: RunRecord) -> None:
        holder = self.locks.get(run.account_id)
        if holder is not None:
            raise RunInProgress(run.account_id, holder)
        self.runs[run.run_id] = copy.deepcopy(run)
        self.locks[run.account_id] = run.run_id
        self.tokens[run.run_id] = 0 if run.lease is None else run.lease.token

    def acquire(self, run_id: str, lease: Lease, now: dt.datetime, replacing: str | None = None) -> RunRecord:
        stored = self.get(run_id)
        held = stored.lease
        if held is not None and held.expires_at >= now and held.owner not in (lease.owner, replacing):
            raise RunLeaseHeld(run_id, held.owner, held.expires_at)
        self.tokens[run_id] = self.tokens.get(run_id, 0) + 1
        self.runs[run_id].lease = Lease(lease.owner, self.tokens[run_id], lease.expires_at)
        return self.get(run_id)

    def renew(self, run: RunRecord) -> None:
        self._fence(run)

    def release_lease(self, run: RunRecord) -> None:
        stored = self.runs.get(run.run_id)
        if stored is not None and run.lease is not None and stored.lease is not None and (
                stored.lease.owner, stored.lease.token) == (run.lease.owner, run.lease.token):
            stored.lease = None

    def save(self, run: RunRecord) -> None:
        self._fence(run)
        lease = self.runs[run.run_id].lease if run.run_id in self.runs else run.lease
        self.runs[run.run_id] = replace(copy.deepcopy(run), lease=lease)

    def record_fills(self, run: RunRecord, fills: Sequence[Fill]) -> int:
        self.get(run.run_id)
        self._fence(run)
        stored = self.fills.setdefault(run.run_id, [])
        known = {fill.fill_id for fill in stored}
        new = [fill for fill in fills if fill.fill_id not in known]
        stored.extend(new)
        return len(new)

    def list_fills(self, run_id: str) -> list[Fill]:
        return sorted(self.fills.get(run_id, []), key=lambda f: (f.filled_at, f.fill_id))

    def get(self, run_id: str) -> RunRecord:
        if run_id not in self.runs:
            raise _unknown("run", "run_id", run_id)
        return copy.deepcopy(self.runs[run_id])

    def list(self, account_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        runs = [run for run in self.runs.values() if account_id in (None, run.account_id)]
        runs.sort(key=lambda run: (run.created_at, run.run_id), reverse=True)
        return [copy.deepcopy(run) for run in runs[:limit]]

    def last_updates(self, account_ids: Sequence[str]) -> dict[str, dt.datetime]:
        return {account_id: newest[0].updated_at for account_id in account_ids
                if (newest := self.list(account_id, limit=1))}

    def release(self, run: RunRecord) -> None:
        self._fence(run)
        if self.locks.get(run.account_id) == run.run_id:
            del self.locks[run.account_id]

    def active_run(self, account_id: str) -> str | None:
        return self.locks.get(account_id)

    def ids_starting_with(self, prefix: str, limit: int) -> builtins.list[str]:
        return sorted(run_id for run_id in self.runs if run_id.startswith(prefix))[:limit]

    def _fence(self, run: RunRecord) -> None:
        stored = self.runs.get(run.run_id)
        held = None if stored is None else stored.lease
        if run.lease is None:
            if held is not None:
                raise LeaseLost(f"run {run.run_id} is driven by {held.owner}; this process holds no lease on it")
            return
        if stored is None or held is None or (held.owner, held.token) != (run.lease.owner, run.lease.token):
            raise LeaseLost(f"run {run.run_id}: another process took the lease over")
        stored.lease = run.lease


@dataclass
class MemoryPaper:
    """Paper accounts as plain cash and positions (the facade only opens, funds and closes them)."""

    accounts: dict[str, tuple[str, Decimal, dict[str, Decimal]]] = field(default_factory=dict)
    futures_wallets: dict[str, Decimal] = field(default_factory=dict)

    def open_account(self, account_id: str, currency: str, cash: Decimal,
                     positions: Mapping[str, Decimal] | None = None, *, reset: bool = False,
                     futures_cash: Decimal = Decimal(0)) -> bool:
        if account_id in self.accounts and not reset:
            return False
        self.accounts[account_id] = (currency, cash, dict(positions or {}))
        if futures_cash:
            self.futures_wallets[account_id] = futures_cash
        return True

    def deposit(self, account_id: str, amount: Decimal) -> Decimal:
        currency, cash, positions = self.accounts[account_id]
        self.accounts[account_id] = (currency, cash + amount, positions)
        return cash + amount

    def close_account(self, account_id: str) -> None:
        self.accounts.pop(account_id, None)


@dataclass
class MemorySecurities:
    """The security master in a dict, by ISIN."""

    rows: dict[str, Security] = field(default_factory=dict)

    def upsert(self, securities: Sequence[Security]) -> int:
        for security in securities:
            self.rows[security.isin] = security
        return len(securities)

    def find(self, isins: Iterable[str]) -> dict[str, Security]:
        return {isin: self.rows[isin] for isin in isins if isin in self.rows}

    def list(self) -> builtins.list[Security]:
        return [self.rows[isin] for isin in sorted(self.rows)]


@dataclass
class MemoryMarketData:
    """The market-data cache in a list: every snapshot stored, in order."""

    stored: builtins.list[StoredSnapshot] = field(default_factory=builtins.list)

    def store(self, stored: Sequence[StoredSnapshot]) -> None:
        self.stored.extend(stored)

    def latest(self, account_id: str) -> StoredSnapshot | None:
        mine = [item for item in self.stored if item.snapshot.account_id == account_id]
        return max(reversed(mine), key=lambda item: item.read_at, default=None)  # the last stored of a tie


class InMemoryPaperStateStore:
    """Keep each paper account's state as a JSON string, so callers never share mutable documents."""

    def __init__(self) -> None:
        self._documents: dict[str, str] = {}
        self.saves = 0

    def load(self, account_id: str) -> dict[str, Any] | None:
        """Return a fresh copy of the account's state, or None when it was never saved."""
        text = self._documents.get(account_id)
        if text is None:
            return None
        document: dict[str, Any] = json.loads(text)
        return document

    def load_many(self, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """Fresh copies of these accounts' states, by account id; accounts never saved are left out."""
        return {account_id: document for account_id in account_ids
                if (document := self.load(account_id)) is not None}

    def save(self, account_id: str, state: dict[str, Any]) -> None:
        """Replace the account's state; refuse a document that is not plain JSON."""
        self._documents[account_id] = json.dumps(state, ensure_ascii=False, allow_nan=False)
        self.saves += 1

    def save_many(self, states: Mapping[str, dict[str, Any]]) -> None:
        """Replace several accounts' states (each counted as a save)."""
        for account_id, state in states.items():
            self.save(account_id, state)

    def account_ids(self) -> list[str]:
        """Return the ids of every stored account."""
        return list(self._documents)

    def delete(self, account_id: str) -> None:
        """Forget the account's state."""
        self._documents.pop(account_id, None)


def memory_storage() -> Storage:
    """A fresh in-memory database."""
    models = MemoryModels()
    return Storage(accounts=MemoryAccounts(models=models), models=models, config=MemoryConfig(),
                   runs=MemoryRuns(), summaries=MemorySummaries(), paper=MemoryPaper(), securities=MemorySecurities(),
                   market_data=MemoryMarketData(), schedules=MemorySchedules(), policies=MemoryPolicies(),
                   signals=MemorySignals(),
                   location="memory", tokens=MemoryTokens(), idempotency=MemoryIdempotency(),
                   strategies=MemoryStrategies(), ledger=MemoryLedger(), performance=MemoryPerformance(),
                   queued_runs=MemoryQueuedRuns())
