"""Plain values the application speaks besides the ports' own: accounts, assignments, versions, settings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.domain.band_defaults import DEFAULT_CLASS_BAND, DEFAULT_TICKER_BAND

if TYPE_CHECKING:
    from trimtab.application.ports import BandSettings

DEFAULT_CASH_BUFFER = Decimal("0.01")
DEFAULT_PRICE_TICKS = 1


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
class RebalancingConfig:
    """An account's bands and planning settings, as fractions (0.03 = 3 %)."""

    class_band: Decimal = DEFAULT_CLASS_BAND
    ticker_band: Decimal = DEFAULT_TICKER_BAND
    relative_band: Decimal | None = None
    cash_buffer: Decimal = DEFAULT_CASH_BUFFER
    minimum_trade_value: Decimal = Decimal(0)
    price_ticks: int = DEFAULT_PRICE_TICKS
    confirm_days: int = 1  # act on a breach held this many consecutive trading days (1: at once)
    split_days: int = 1  # spread a rebalance over this many trading days (1: all at once)

    @property
    def bands(self) -> BandSettings:
        """Return the bands as the ports' BandSettings."""
        from trimtab.application.ports import BandSettings

        return BandSettings(self.class_band, self.ticker_band, self.relative_band)


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
