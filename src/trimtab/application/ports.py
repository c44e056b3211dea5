"""Ports: what the use cases need from the outside world, as Protocols. Adapters implement them."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Protocol

from trimtab.domain.errors import Busy

if TYPE_CHECKING:  # only named in annotations: a command that never trades or plans loads none of them
    from trimtab.domain.execution import Fill, OrderReport, OrderRequest, TrackedOrder
    from trimtab.domain.planning import Plan
    from trimtab.domain.snapshot import AccountSnapshot
    from trimtab.domain.strategy_netting import StrategyRun


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """An aware UTC instant."""
        ...


class BrokerPort(Protocol):
    """One broker account interface; every adapter returns the same normalised reports."""

    @property
    def is_live(self) -> bool:
        """True when orders move real money (paper and virtual accounts are not live)."""
        ...

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        """Holdings, orderable cash and quantities, and quotes for held symbols plus `symbols`."""
        ...

    async def submit(self, request: OrderRequest) -> OrderReport:
        """Send an order. Idempotent: a client order id seen before returns that order, never a new one."""
        ...

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        """Ask the broker to cancel what remains of an order; filled quantity stays filled.

        Returns the order as the broker shows it after the request: CANCELLED once the broker confirms it, still
        open while the cancel is in flight (fills may still arrive), or closed (FILLED, CANCELLED, EXPIRED) when
        the broker refused the cancel because nothing was left to cancel. Raises OrderRejected (with the broker's
        code) when the broker refuses the cancel of an order it still shows open, and with code UNKNOWN_ORDER
        when it never had the order; BrokerUnavailable when the outcome is unknown.
        """
        ...

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        """The order's current state, or None when the broker never received it."""
        ...

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        """Today's orders of the account, open and closed."""
        ...

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        """Every fill of one order so far."""
        ...


class RunStatus(StrEnum):
    RUNNING = "running"
    COMPLETED = "completed"
    SKIPPED = "skipped"  # no band breached and not forced
    DRY_RUN = "dry_run"  # planned and checked, nothing sent
    NEEDS_ATTENTION = "needs_attention"  # e.g. sold but could not buy; resumable
    FAILED = "failed"


class LegPhase(StrEnum):
    """Where a leg (the sells, or one round of buys) stands; saved before each phase acts."""

    WAITING = "waiting"  # orders are out or being sent: wait for fills until the round's deadline
    CANCELLING = "cancelling"  # the deadline passed: cancel what is open until the broker confirms it
    REPRICING = "repricing"  # every order is closed: chase unfilled remainders with new orders, or finish
    DONE = "done"


@dataclass(slots=True)
class LegProgress:
    """What a leg needs to continue after a crash: its phase and the deadline of the phase, if any."""

    phase: LegPhase = LegPhase.WAITING
    deadline: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """Who drives a run: the holder, the fencing token of its tenure, and when it lapses unless renewed.

    The token grows with every new holder; every write of the run checks it, so a process that lost the
    lease (it stalled past `expires_at` and another took over) can no longer write or send anything.
    """

    owner: str
    token: int
    expires_at: dt.datetime


class RunStep(StrEnum):
    """Steps of a run, each persisted before it acts."""

    CREATED = "created"  # planning: snapshot and plan
    SELLING = "selling"
    PLAN_BUYS = "plan_buys"
    BUYING = "buying"
    DONE = "done"


@dataclass(slots=True)
class RunRecord:
    """A rebalance run as stored: the seeds' `rebalancing_history` row plus its orders."""

    run_id: str
    account_id: str
    model_name: str
    model_version: str
    broker: str
    status: RunStatus
    step: RunStep
    execute: bool
    force: bool
    created_at: dt.datetime
    updated_at: dt.datetime
    snapshot: AccountSnapshot | None = None  # the account when the run planned
    plan: Plan | None = None
    buy_plan: Plan | None = None  # the buys planned again from the real cash after the sells
    post: AccountSnapshot | None = None  # the account when the run finished
    reason: str = ""
    orders: list[TrackedOrder] = field(default_factory=list)
    attempts: dict[str, int] = field(default_factory=dict)  # leg -> re-pricing attempt counter
    legs: dict[str, LegProgress] = field(default_factory=dict)  # leg -> phase and deadline
    lease: Lease | None = None  # the driver's lease; None when nobody drives the run
    strategies: StrategyRun | None = None  # a run of strategies' slices: slices, netting, split (else None)


class RunRepository(Protocol):
    """Durable runs. Every save is committed before the caller acts on it.

    Writes are fenced by the run's lease: when `run.lease` is set, a write whose owner and token no longer
    match the stored ones raises LeaseLost and changes nothing; without a lease, a write is refused while
    another process holds one.
    """

    def create(self, run: RunRecord) -> None:
        """Store a new run (holding `run.lease`); raise RunInProgress when the account has an active run."""
        ...

    def acquire(self, run_id: str, lease: Lease, now: dt.datetime, replacing: str | None = None) -> RunRecord:
        """Take the run's lease (owner and expiry of `lease`, a new token) when nobody holds it, it lapsed
        before `now`, or its holder is `replacing` (a process known to be gone); raise RunLeaseHeld otherwise.
        Return the run holding the new lease."""
        ...

    def renew(self, run: RunRecord) -> None:
        """Store `run.lease.expires_at` if the lease is still this one's (else raise LeaseLost)."""
        ...

    def release_lease(self, run: RunRecord) -> None:
        """Give the lease up if still held by `run.lease` (nothing happens otherwise)."""
        ...

    def save(self, run: RunRecord) -> None:
        """Store the run's step, status, documents, orders and lease expiry atomically (fenced)."""
        ...

    def record_fills(self, run: RunRecord, fills: Sequence[Fill]) -> int:
        """Store fills not seen before (idempotent by fill id, fenced); return how many were new."""
        ...

    def list_fills(self, run_id: str) -> list[Fill]:
        ...

    def get(self, run_id: str) -> RunRecord:
        ...

    def list(self, account_id: str | None = None, limit: int = 50) -> list[RunRecord]:
        ...

    def release(self, run: RunRecord) -> None:
        """End the account's lock held by this run (called when the run reaches a final status)."""
        ...

    def active_run(self, account_id: str) -> str | None:
        """The id of the run holding the account's lock, if any."""
        ...

    def ids_starting_with(self, prefix: str, limit: int) -> builtins.list[str]:
        """Up to `limit` run ids that start with `prefix`, in order."""
        ...

    def last_updates(self, account_ids: Sequence[str]) -> dict[str, dt.datetime]:
        """The last update of each account's newest run (newest as `list` orders them), for those with runs."""
        ...


@dataclass(frozen=True, slots=True)
class BandSettings:
    class_band: Decimal
    ticker_band: Decimal
    relative_band: Decimal | None


class PaperStateStore(Protocol):
    """Where the paper broker keeps each paper account's state (a JSON-ready document) across restarts."""

    def load(self, account_id: str) -> dict[str, Any] | None:
        ...

    def load_many(self, account_ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        """The stored states of these accounts, by account id; an account without one is left out."""
        ...

    def save(self, account_id: str, state: dict[str, Any]) -> None:
        """Replace the account's state atomically (committed when this returns)."""
        ...

    def save_many(self, states: Mapping[str, dict[str, Any]]) -> None:
        """Replace several accounts' states in one transaction (committed when this returns)."""
        ...

    def delete(self, account_id: str) -> None:
        """Forget the account's state (nothing happens when there is none)."""
        ...


class RunLeaseHeld(Busy):
    """Another process drives the run."""

    def __init__(self, run_id: str, owner: str, expires_at: dt.datetime | None) -> None:
        self.run_id = run_id
        self.owner = owner
        self.expires_at = expires_at
        until = "" if expires_at is None else f", lease until {expires_at.isoformat(timespec='seconds')}"
        super().__init__(f"run {run_id} is being driven by another process ({owner}{until}); "
                         "try again when it has finished or stopped")


class RunInProgress(Busy):
    """The account already has an active run."""

    def __init__(self, account_id: str, run_id: str) -> None:
        self.account_id = account_id
        self.run_id = run_id
        super().__init__(f"account {account_id} already has an active run {run_id}")


@dataclass(frozen=True, slots=True)
class BrokerOrderRecord:
    """What an adapter remembers about one order it sends, for brokers that keep no client order id (KIS).

    `document` is the adapter's own JSON-ready state (the request as sent, fills seen so far); `broker_order_id`
    is empty until the broker's number is known. It is written before the order is sent, so that after a crash
    the adapter can tell "never sent" from "sent, reply lost" by matching against the broker's day orders.
    """

    broker: str
    account_id: str
    client_order_id: str
    document: dict[str, Any]
    broker_order_id: str = ""


class BrokerOrderBook(Protocol):
    """Durable client-order-id ↔ broker-order-number map, with each order's adapter state."""

    def get(self, broker: str, account_id: str, client_order_id: str) -> BrokerOrderRecord | None:
        ...

    def put(self, record: BrokerOrderRecord) -> None:
        """Insert or replace (committed when this returns). A broker order number claimed by another client
        order id raises DomainError: one broker order never belongs to two intents."""
        ...

    def find_by_broker_id(self, broker: str, account_id: str, broker_order_id: str) -> BrokerOrderRecord | None:
        ...

    def claimed(self, broker: str, account_id: str, broker_order_ids: Sequence[str]) -> set[str]:
        """Return which of these broker order numbers already belong to a client order id."""
        ...
