"""Settings, read from the environment (prefix TRIMTAB_) only here and in bootstrap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, PositiveFloat, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class SimulatedClockSetting(BaseModel):
    """A simulated clock shared with a local broker (tests, demos): `start` read at real epoch `anchor`."""

    start: AwareDatetime
    anchor: float
    speed: PositiveFloat = 1.0


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
    cancel_timeout_seconds: float = Field(default=60.0, description="how long a cancel may wait for confirmation")
    run_lease_seconds: float = Field(default=120.0, description="a run's lease lapses unrenewed after this long")
    paper_start: dt.datetime | None = Field(default=None, description="pin the paper market clock's start (tests)")
    crash_at: str | None = Field(default=None, description="test fault injection: die with SIGKILL at a point")
    paper_latency_seconds: float = Field(default=0.0, description="test fault injection: real seconds each "
                                         "paper broker call takes")
    simulated_clock: SimulatedClockSetting | None = Field(
        default=None, description='JSON {"start": ISO, "anchor": epoch s, "speed": x}: trimtab\'s clock for a '
        "broker run, shared with a local broker (tests and demos)")

    # KIS (Korea Investment & Securities). Secrets are SecretStr: never printed, logged or stored.
    kis_env: Literal["virtual", "real"] = Field(default="virtual", description="KIS environment (모의 or 실전)")
    kis_base_url: str | None = Field(default=None, description="KIS-compatible REST base; default KIS's host")
    kis_app_key: SecretStr | None = None
    kis_app_secret: SecretStr | None = None
    kis_account: SecretStr | None = Field(default=None, description="CANO + ACNT_PRDT_CD, 10 digits")
    kis_credentials_file: Path | None = Field(default=None, description="YAML/JSON file, mode 0600")
    kis_token_cache: Path | None = Field(default=None, description="token cache file shared by processes")
    kis_requests_per_second: int | None = Field(default=None, description="default 20 real, 2 virtual")
    kis_legacy_tr_ids: bool = Field(default=False, description="send the pre-2025 order TR ids")
    kis_commission_rate: Decimal = Field(default=Decimal("0.000140527"), description="BanKIS online rate")
