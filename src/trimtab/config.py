"""Settings, read from the environment (prefix TRIMTAB_) only here and in bootstrap."""

from __future__ import annotations

import datetime as dt

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    """Every setting trimtab reads; model portfolios, bands and accounts are data in the database."""

    model_config = SettingsConfigDict(env_prefix="TRIMTAB_", extra="ignore")

    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default a SQLite file")
    disable_live_trading: bool = Field(default=False, description="1 blocks every order path")
    live_trading_enabled: bool = Field(default=False, description="required for brokers that move real money")
    paper_seed: int = 7
    fill_timeout_seconds: float = 30.0
    poll_interval_seconds: float = 0.5
    reprice_ticks: int = 1
    max_reprices: int = 2
    paper_start: dt.datetime | None = Field(default=None, description="pin the paper market clock's start (tests)")
    crash_at: str | None = Field(default=None, description="test fault injection: die with SIGKILL at a point")
