"""The sweep's tables: the positions and last quotes it reads, the runs and per-account results it writes.

`account_balances` and `account_holdings` hold each account's latest cash and positions as trimtab last
read them (or as a desk loads them in bulk), one row per account and per holding, so that a sweep streams a
million accounts in chunks without decoding a document per account. `last_quotes` keeps the newest price
of each symbol with what the planner needs of its instrument. `sweep_runs` and `sweep_results` record each
sweep and what it found for every account (drift, breach, the planned orders). `queued_runs` (the task queue,
docs/scale.md) names each run when it is enqueued.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from sqlalchemy import Index, Integer
from sqlalchemy.orm import Mapped, mapped_column

from trimtab.adapters.persistence.tables import Base


class AccountBalanceRow(Base):
    """An account's cash as last read, its market date and commission settings."""

    __tablename__ = "account_balances"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    cash: Mapped[Decimal]
    as_of: Mapped[dt.date]
    commission_rate: Mapped[Decimal]
    commission_minimum: Mapped[Decimal]
    read_at: Mapped[dt.datetime]


class AccountHoldingRow(Base):
    """One position of an account as last read: quantity and the part that may be sold now."""

    __tablename__ = "account_holdings"

    account_id: Mapped[str] = mapped_column(primary_key=True)
    symbol: Mapped[str] = mapped_column(primary_key=True)
    quantity: Mapped[Decimal]
    orderable_quantity: Mapped[Decimal]


class LastQuoteRow(Base):
    """The newest price read for a symbol, and its instrument (market, type, currency, lot, tick)."""

    __tablename__ = "last_quotes"

    symbol: Mapped[str] = mapped_column(primary_key=True)
    price: Mapped[Decimal]
    base_price: Mapped[Decimal | None]
    currency: Mapped[str]
    market: Mapped[str]
    instrument_type: Mapped[str]
    lot_size: Mapped[Decimal]
    tick_size: Mapped[Decimal | None]
    name: Mapped[str]
    read_at: Mapped[dt.datetime]


class SweepRunRow(Base):
    """One sweep: when, over which models, whether it planned, and its counts."""

    __tablename__ = "sweep_runs"

    run_id: Mapped[str] = mapped_column(primary_key=True)
    started_at: Mapped[dt.datetime]
    finished_at: Mapped[dt.datetime | None]
    status: Mapped[str]
    models: Mapped[list[str]]
    plan: Mapped[bool]
    summary: Mapped[dict[str, Any]]


class SweepResultRow(Base):
    """What a sweep found for one account: status, largest drift, breaches, and the orders planned."""

    __tablename__ = "sweep_results"
    __table_args__ = (Index("ix_sweep_results_run_status", "run_id", "status"),)

    run_id: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str] = mapped_column(primary_key=True)
    model_name: Mapped[str]
    status: Mapped[str]  # in_band, breached, planned, unsafe, skipped
    reason: Mapped[str]  # the first breach, a failed check, or why the account was skipped
    breaches: Mapped[int] = mapped_column(Integer)
    largest_drift: Mapped[Decimal | None]  # the largest |weight - target| of a ticker, a fraction of equity
    equity: Mapped[Decimal | None]
    orders: Mapped[int] = mapped_column(Integer)
    turnover: Mapped[Decimal | None]
    plan: Mapped[dict[str, Any] | None]  # the planned orders (symbol, side, quantity, limit) and distance


class QueuedRunRow(Base):
    """A run named when it was put on the task queue; `outcome` says why it never started (else empty)."""

    __tablename__ = "queued_runs"

    run_id: Mapped[str] = mapped_column(primary_key=True)
    account_id: Mapped[str]
    execute: Mapped[bool]
    enqueued_at: Mapped[dt.datetime]
    outcome: Mapped[str | None]
