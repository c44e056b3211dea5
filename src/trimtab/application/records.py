"""Plain values the application speaks besides the ports' own: accounts, assignments, versions, summaries (an
account's settings: rebalancing_config.py)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class Account:
    """A broker account trimtab manages."""

    account_id: str
    name: str
    currency: str
    broker: str  # "paper", "kis", "ibkr", ...
    created_at: dt.datetime


@dataclass(frozen=True, slots=True)
class ModelAssignment:
    """Which model an account follows; a pinned version stays fixed, otherwise the latest applies."""

    account_id: str
    model_name: str
    pinned_version: str | None
    assigned_at: dt.datetime


@dataclass(frozen=True, slots=True)
class AccountOverview:
    """An account with the model it follows and the run holding it, if any."""

    account: Account
    assignment: ModelAssignment | None
    active_run: str | None


@dataclass(frozen=True, slots=True)
class ModelVersionInfo:
    """One stored version of a model portfolio, without its holdings."""

    name: str
    version: str
    description: str
    created_at: dt.datetime
    label: str | None = None  # the model file's own name for the version ("2026-01")


@dataclass(frozen=True, slots=True)
class DailySummary:
    """An account's cash and equity at the end of one market date, per market type."""

    account_id: str
    trade_date: dt.date
    market_type: str  # "spot", "futures", "securities"
    cash: Decimal
    equity: Decimal


@dataclass(frozen=True, slots=True)
class DemoAccount:
    """A demo paper account: its currency, model, cash and positions (and a crypto account's futures wallet)."""

    account_id: str
    currency: str
    model: str | None  # None: the account follows no model (its strategies have theirs)
    cash: Decimal
    positions: Mapping[str, Decimal]
    futures_cash: Decimal = Decimal(0)
