"""Database tables as SQLAlchemy 2 declarative rows. Rows are not domain objects: see mapping.py."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Date, ForeignKey, Index, Integer, MetaData, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from trimtab.adapters.persistence.types import ExactDecimal, JsonDocument, UtcDateTime

# Stable constraint names so that migrations (and SQLite batch rebuilds) can refer to them.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base of every table; its metadata is what Alembic migrates."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {  # noqa: RUF012 - SQLAlchemy reads this class attribute
        Decimal: ExactDecimal(),
        dt.datetime: UtcDateTime(),
        dt.date: Date(),
        dict[str, Any]: JsonDocument(),
        list[str]: JsonDocument(),
        str: Text(),
    }


class AccountRow(Base):
    """A broker account trimtab manages."""

    __tablename__ = "accounts"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    currency: Mapped[str]
    broker: Mapped[str]
    created_at: Mapped[dt.datetime]


class ModelPortfolioRow(Base):
    """One version of a model portfolio; the document holds its classes, holdings and weights as text."""

    __tablename__ = "model_portfolios"
    __table_args__ = (UniqueConstraint("name", "version", name="uq_model_portfolios_name_version"),
                      UniqueConstraint("name", "label", name="uq_model_portfolios_name_label"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    name: Mapped[str]
    version: Mapped[int] = mapped_column(Integer)  # 1, 2, ...; shown as text ("1", "2")
    label: Mapped[str | None]  # the model file's own version ("2026-01"), when it names one
    content_hash: Mapped[str]
    document: Mapped[dict[str, Any]]
    description: Mapped[str]
    created_at: Mapped[dt.datetime]


class AccountAssignmentRow(Base):
    """The model an account follows: the latest version, or a pinned one."""

    __tablename__ = "account_assignments"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    model_name: Mapped[str]
    pinned_version: Mapped[int | None] = mapped_column(Integer)
    assigned_at: Mapped[dt.datetime]


class RebalancingConfigRow(Base):
    """An account's bands and planning settings (fractions: 0.03 = 3 %)."""

    __tablename__ = "rebalancing_config"

    account_id: Mapped[str] = mapped_column(ForeignKey("accounts.id"), primary_key=True)
    class_band: Mapped[Decimal]
    ticker_band: Mapped[Decimal]
    relative_band: Mapped[Decimal | None]
    cash_buffer: Mapped[Decimal]
    min_trade_value: Mapped[Decimal]
    price_ticks: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[dt.datetime]
    confirm_days: Mapped[int] = mapped_column(Integer, server_default="1")
    split_days: Mapped[int] = mapped_column(Integer, server_default="1")


class SecurityRow(Base):
    """The security master: one ISIN as a broker trades it."""

    __tablename__ = "securities"

    isin: Mapped[str] = mapped_column(primary_key=True)
    symbol: Mapped[str]
    currency: Mapped[str]
    exchange: Mapped[str]
    con_id: Mapped[int | None] = mapped_column(Integer)
    min_tick: Mapped[Decimal | None]
    name: Mapped[str]
    source: Mapped[str]
    updated_at: Mapped[dt.datetime]


class MarketSnapshotRow(Base):
    """The market-data cache: a snapshot as a broker gave it, when it was read (its quotes are rows of quotes)."""

    __tablename__ = "market_snapshots"
    __table_args__ = (Index("ix_market_snapshots_account_read", "account_id", "read_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str]
    broker: Mapped[str]
    read_at: Mapped[dt.datetime]
    market_date: Mapped[dt.date]
    document: Mapped[dict[str, Any]]  # the whole snapshot (run_documents' format): cash, holdings, instruments


class QuoteRow(Base):
    """One price of a stored snapshot: symbol, price, currency, when and from which broker it was read."""

    __tablename__ = "quotes"
    __table_args__ = (Index("ix_quotes_symbol_read", "symbol", "read_at"),)

    snapshot_id: Mapped[int] = mapped_column(ForeignKey("market_snapshots.id", ondelete="CASCADE"),
                                             primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    price: Mapped[Decimal]
    currency: Mapped[str]
    read_at: Mapped[dt.datetime]
    broker: Mapped[str]
    market_date: Mapped[dt.date]


class RunRow(Base):
    """A rebalance run: its step, status and documents; its orders are trades."""

    __tablename__ = "rebalancing_runs"
    __table_args__ = (Index("ix_rebalancing_runs_account_created", "account_id", "created_at"),)

    run_id: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str]
    model_name: Mapped[str]
    model_version: Mapped[str]
    broker: Mapped[str]
    status: Mapped[str]
    step: Mapped[str]
    execute: Mapped[bool]
    force: Mapped[bool]
    reason: Mapped[str]
    snapshot: Mapped[dict[str, Any]]
    plan: Mapped[dict[str, Any]]
    buy_plan: Mapped[dict[str, Any]]
    post: Mapped[dict[str, Any]]
    attempts: Mapped[dict[str, Any]]
    progress: Mapped[dict[str, Any]]  # what a resumed run needs to continue: each leg's phase and deadline
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]
    # The lease of the process driving the run (fenced writes); the token grows with every new holder.
    lease_owner: Mapped[str | None]
    lease_token: Mapped[int] = mapped_column(Integer)
    lease_expires_at: Mapped[dt.datetime | None]


class TradeRow(Base):
    """One tracked order of a run; the integer id keeps creation order."""

    __tablename__ = "rebalancing_trades"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("rebalancing_runs.run_id"), index=True)
    client_order_id: Mapped[str] = mapped_column(unique=True)
    account_id: Mapped[str]
    symbol: Mapped[str]
    side: Mapped[str]
    quantity: Mapped[Decimal]
    order_type: Mapped[str]
    limit_price: Mapped[Decimal | None]
    status: Mapped[str]
    broker_order_id: Mapped[str]
    filled_quantity: Mapped[Decimal]
    filled_value: Mapped[Decimal]
    costs: Mapped[Decimal]
    reject_reason: Mapped[str]
    fill_ids: Mapped[list[str]]
    leg: Mapped[str]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class FillRow(Base):
    """One execution of an order, stored once by its fill id."""

    __tablename__ = "fills"

    fill_id: Mapped[str] = mapped_column(primary_key=True)
    client_order_id: Mapped[str] = mapped_column(index=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("rebalancing_runs.run_id"), index=True)
    symbol: Mapped[str]
    side: Mapped[str]
    quantity: Mapped[Decimal]
    price: Mapped[Decimal]
    commission: Mapped[Decimal]
    tax: Mapped[Decimal]
    filled_at: Mapped[dt.datetime]


class ActiveRunRow(Base):
    """The per-account lock: the primary key refuses a second active run on every database."""

    __tablename__ = "active_runs"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    run_id: Mapped[str] = mapped_column(ForeignKey("rebalancing_runs.run_id"))


class DailySummaryRow(Base):
    """An account's cash and equity at the end of a market date, per market type."""

    __tablename__ = "daily_account_summaries"
    __table_args__ = (
        UniqueConstraint("account_id", "trade_date", "market_type",
                         name="uq_daily_account_summaries_account_date_market"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[str]
    trade_date: Mapped[dt.date]
    market_type: Mapped[str]
    cash: Mapped[Decimal]
    equity: Mapped[Decimal]
    created_at: Mapped[dt.datetime]
    updated_at: Mapped[dt.datetime]


class PaperAccountRow(Base):
    """The paper broker's state of one paper account."""

    __tablename__ = "paper_accounts"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    state: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class BrokerOrderRow(Base):
    """An order an adapter sent (or is about to send) to a broker without client order ids (KIS)."""

    __tablename__ = "broker_orders"
    __table_args__ = (UniqueConstraint("broker", "account_id", "broker_order_id",
                                       name="uq_broker_orders_broker_account_order"),)

    broker: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(primary_key=True)
    client_order_id: Mapped[str] = mapped_column(primary_key=True)
    broker_order_id: Mapped[str | None]
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class ApiTokenRow(Base):
    """A token of the HTTP API: the SHA-256 digest of its secret (never the secret) and its scopes."""

    __tablename__ = "api_tokens"

    id: Mapped[str] = mapped_column(primary_key=True)
    name: Mapped[str]
    digest: Mapped[str] = mapped_column(unique=True)
    scopes: Mapped[list[str]]
    created_at: Mapped[dt.datetime]
    revoked_at: Mapped[dt.datetime | None]


class IdempotencyKeyRow(Base):
    """An idempotency key of a request that starts a run: the request's fingerprint and the run it names."""

    __tablename__ = "idempotency_keys"

    key: Mapped[str] = mapped_column(primary_key=True)
    fingerprint: Mapped[str]
    run_id: Mapped[str]
    created_at: Mapped[dt.datetime]


class ScheduleRow(Base):
    """A stored job: what, for which accounts, when (cron in a zone), on which exchange's days."""

    __tablename__ = "schedules"

    name: Mapped[str] = mapped_column(primary_key=True)
    document: Mapped[dict[str, Any]]  # job, cron, zone, calendar, accounts, execute, output, base, grace
    created_at: Mapped[dt.datetime]


class ScheduleSlotRow(Base):
    """One slot of a schedule and what became of it; the primary key makes a slot run once."""

    __tablename__ = "schedule_slots"

    schedule: Mapped[str] = mapped_column(ForeignKey("schedules.name", ondelete="CASCADE"), primary_key=True)
    slot: Mapped[dt.datetime] = mapped_column(primary_key=True)
    outcome: Mapped[str]
    owner: Mapped[str]
    detail: Mapped[str]
    updated_at: Mapped[dt.datetime]


class BreachObservationRow(Base):
    """One trading day's breach signature of an account (signal confirmation); the day's last is kept."""

    __tablename__ = "breach_observations"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    market_date: Mapped[dt.date] = mapped_column(primary_key=True)
    signature: Mapped[str]
    observed_at: Mapped[dt.datetime]


class SplitExecutionRow(Base):
    """An account's latest split execution: model version, days, days done, last day and run."""

    __tablename__ = "split_executions"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    document: Mapped[dict[str, Any]]
    updated_at: Mapped[dt.datetime]


class SignalRow(Base):
    """A signal received (webhook), without its token, and what became of it."""

    __tablename__ = "signals"

    __table_args__ = (Index("ix_signals_received_at", "received_at"),)

    signal_id: Mapped[str] = mapped_column(primary_key=True)
    received_at: Mapped[dt.datetime]
    payload: Mapped[dict[str, Any]]
    status: Mapped[str]
    detail: Mapped[str]
    run_ids: Mapped[list[str]]


class StrategyRow(Base):
    """A strategy (sleeve) of an account: its weight within its market type, leverage and target."""

    __tablename__ = "strategies"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    strategy_id: Mapped[str] = mapped_column(primary_key=True)
    weight: Mapped[Decimal]
    market_type: Mapped[str]
    leverage: Mapped[Decimal]
    active: Mapped[bool]
    target: Mapped[str | None]
    created_at: Mapped[dt.datetime]


class LedgerEntryRow(Base):
    """One change of one strategy's position (fill, import, reconciliation); an entry id is stored once."""

    __tablename__ = "ledger_entries"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    entry_id: Mapped[str] = mapped_column(primary_key=True)
    strategy_id: Mapped[str]
    symbol: Mapped[str]
    quantity: Mapped[Decimal]
    price: Mapped[Decimal]
    fees: Mapped[Decimal]
    kind: Mapped[str]
    occurred_at: Mapped[dt.datetime]
    note: Mapped[str]


class PerformanceSnapshotRow(Base):
    """One strategy's (or, strategy '', the account's) equity and cash on a market date; rewritten that day."""

    __tablename__ = "performance_snapshots"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    strategy_id: Mapped[str] = mapped_column(primary_key=True)  # '' = the account as a whole
    market_date: Mapped[dt.date] = mapped_column(primary_key=True)
    equity: Mapped[Decimal]
    cash: Mapped[Decimal]
    funding: Mapped[Decimal | None]
    source: Mapped[str]
    taken_at: Mapped[dt.datetime]


# The sweep's and the queue's tables live in their own module (this one is near its cap); importing registers them.
import trimtab.adapters.persistence.tables_sweep  # noqa: E402, F401
