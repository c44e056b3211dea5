"""Settings, read from the environment (prefix TRIMTAB_) only here and in bootstrap.

Bad values never end in a traceback: :func:`load_settings` turns pydantic's validation error into one
:class:`InvalidInput` naming the variable and a short excerpt of its value (never the value of a secret).

The two trading switches are read by a rule of their own, safe when the value is mistyped: the kill switch
``TRIMTAB_DISABLE_LIVE_TRADING`` is off only for a clear false (``0``, ``false``, ``no``, ``off`` or empty;
trimmed, any case); any other value turns it ON, and a value that is not a clear true either (``1``,
``true``, ``yes``, ``on``) adds a notice. ``TRIMTAB_LIVE_TRADING_ENABLED`` is the opposite: only a clear
true enables live trading; anything else leaves it off, with a notice when it is not a clear false.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    Field,
    PrivateAttr,
    SecretStr,
    ValidationError,
    ValidatorFunctionWrapHandler,
    field_validator,
    model_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from trimtab.domain.errors import InvalidInput, excerpt, printable, shorten

ENV_PREFIX = "TRIMTAB_"
CLEAR_TRUE = frozenset({"1", "true", "yes", "on"})
CLEAR_FALSE = frozenset({"0", "false", "no", "off", ""})
SECRET_FIELDS = frozenset({"kis_app_key", "kis_app_secret", "kis_account", "crypto_api_key", "crypto_api_secret",
                           "smtp_password", "slack_webhook_url",
                           "telegram_bot_token", "queue_url", "redis_url"})
KILL_SWITCH, LIVE_TRADING = "disable_live_trading", "live_trading_enabled"


class SimulatedClockSetting(BaseModel):
    """A simulated clock shared with a local broker (tests, demos): `start` read at real epoch `anchor`."""

    start: AwareDatetime
    anchor: float = Field(allow_inf_nan=False)
    speed: float = Field(default=1.0, gt=0, allow_inf_nan=False)


def read_switch(value: object, *, default_on: bool) -> tuple[bool, bool]:
    """Read a switch: (state, understood). Unclear text gives ``default_on``: fail closed, never raise."""
    if isinstance(value, bool):
        return value, True
    text = str(value).strip().lower() if value is not None else ""
    if text in CLEAR_TRUE:
        return True, True
    if text in CLEAR_FALSE:
        return False, True
    return default_on, False


def switch_notice(field: str, value: object) -> str | None:
    """The warning for a trading switch whose value is not understood (None when it is)."""
    if value is None:
        return None
    kill_switch = field == KILL_SWITCH
    _, understood = read_switch(value, default_on=kill_switch)
    if understood:
        return None
    effect = ("the kill switch is ON: no order will be sent" if kill_switch
              else "live trading stays OFF")
    return (f"warning: {ENV_PREFIX}{field.upper()}={excerpt(str(value), 20)} is not understood "
            f"(use 1/true/yes/on or 0/false/no/off); {effect}")


class Settings(BaseSettings):
    """Every setting trimtab reads; model portfolios, bands and accounts are data in the database."""

    model_config = SettingsConfigDict(env_prefix=ENV_PREFIX, extra="ignore")

    database_url: str | None = Field(default=None, description="SQLAlchemy URL; default a SQLite file")
    disable_live_trading: bool = Field(default=False, description="anything but a clear false blocks every order")
    live_trading_enabled: bool = Field(default=False, description="required for brokers that move real money")
    paper_seed: int = Field(default=7, ge=0, le=2**32 - 1)
    fill_timeout_seconds: float = Field(default=30.0, gt=0, le=86_400, allow_inf_nan=False)
    poll_interval_seconds: float = Field(default=0.5, gt=0, le=3_600, allow_inf_nan=False)
    reprice_ticks: int = Field(default=1, ge=1, le=50)
    max_reprices: int = Field(default=2, ge=0, le=100)
    cancel_timeout_seconds: float = Field(default=60.0, gt=0, le=86_400, allow_inf_nan=False,
                                          description="how long a cancel may wait for confirmation")
    run_lease_seconds: float = Field(default=120.0, ge=5, le=86_400, allow_inf_nan=False,
                                     description="a run's lease lapses unrenewed after this long")
    paper_start: dt.datetime | None = Field(default=None, description="pin the paper market clock's start (tests)")
    crash_at: str | None = Field(default=None, description="test fault injection: die with SIGKILL at a point")
    paper_latency_seconds: float = Field(default=0.0, ge=0, le=10, allow_inf_nan=False,
                                         description="test fault injection: real seconds each paper broker call "
                                         "takes")
    cached_prices_max_age_hours: Decimal = Field(
        default=Decimal(24), gt=0, le=24 * 366, allow_inf_nan=False,
        description="--cached refuses prices read longer ago than this (default one trading day)")
    cached_summary_max_age_days: int = Field(
        default=1, ge=0, le=366, description="a daily summary stands in for a live balance (strategies' capital) "
        "for this many trading days")
    time_zone: str = Field(default="UTC", description="the zone times are shown in, e.g. Asia/Singapore")
    simulated_clock: SimulatedClockSetting | None = Field(
        default=None, description='JSON {"start": ISO, "anchor": epoch s, "speed": x}: trimtab\'s clock for a '
        "broker run, shared with a local broker (tests and demos)")

    # Runs on a task queue (docs/scale.md; the `queue` extra): RabbitMQ carries runs, Redis holds the rate limits.
    queue_url: SecretStr | None = Field(default=None, description="Celery broker, e.g. amqp://guest:guest@host//")
    queue_name: str = Field(default="trimtab-runs", min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:-]+$",
                            description="the queue the runs are sent to and workers read")
    redis_url: SecretStr | None = Field(default=None, description="Redis holding each broker's request limit, "
                                        "shared by every process (e.g. redis://host:6379/0)")

    # KIS (Korea Investment & Securities). Secrets are SecretStr: never printed, logged or stored.
    kis_env: Literal["virtual", "real"] = Field(default="virtual", description="KIS environment (모의 or 실전)")
    kis_base_url: str | None = Field(default=None, description="KIS-compatible REST base; default KIS's host")
    kis_app_key: SecretStr | None = None
    kis_app_secret: SecretStr | None = None
    kis_account: SecretStr | None = Field(default=None, description="CANO + ACNT_PRDT_CD, 10 digits")
    kis_credentials_file: Path | None = Field(default=None, description="YAML/JSON file, mode 0600")
    kis_token_cache: Path | None = Field(default=None, description="token cache file shared by processes")
    kis_requests_per_second: int | None = Field(default=None, ge=1, le=1_000,
                                                description="default 20 real, 2 virtual")
    kis_legacy_tr_ids: bool = Field(default=False, description="send the pre-2025 order TR ids")
    kis_commission_rate: Decimal = Field(default=Decimal("0.000140527"), ge=0, lt=Decimal("0.1"),
                                         allow_inf_nan=False, description="BanKIS online rate (a fraction)")

    # Interactive Brokers through TWS or IB Gateway (ib_async); the login lives there, trimtab holds no secret.
    ibkr_host: str = Field(default="127.0.0.1", description="TWS / IB Gateway host")
    ibkr_port: int | None = Field(default=None, ge=1, le=65_535,
                                  description="API port; default: try 4001, 4002, 7497, 7496 in turn")
    ibkr_client_id: int = Field(default=17, ge=0, le=2**31 - 1, description="API client id (one per process)")
    ibkr_timeout_seconds: float = Field(default=10.0, gt=0, le=600, allow_inf_nan=False)
    ibkr_accounts: dict[str, str] = Field(default_factory=dict,
                                          description='JSON {"trimtab account": "IBKR account code"}')
    ibkr_market_order_type: Literal["MKT", "MOC"] = Field(default="MKT", description="how market orders are sent")
    ibkr_commission_rate: Decimal = Field(default=Decimal("0.0005"), ge=0, lt=Decimal("0.1"), allow_inf_nan=False,
                                          description="planning estimate (a fraction of the value)")
    ibkr_commission_minimum: Decimal = Field(default=Decimal(1), ge=0, allow_inf_nan=False)

    # Crypto exchanges through ccxt (docs/crypto.md): Binance spot and USDT-margined futures.
    crypto_exchange: Literal["binance"] = Field(default="binance", description="the ccxt exchange id")
    crypto_env: Literal["testnet", "live"] = Field(default="testnet",
                                                   description="live trades real money (needs live trading enabled)")
    crypto_base_url: str | None = Field(default=None, description="every API group on this address (a local exchange)")
    crypto_api_key: SecretStr | None = None
    crypto_api_secret: SecretStr | None = None
    crypto_market_types: dict[str, Literal["spot", "futures"] | list[Literal["spot", "futures"]]] = Field(
        default_factory=dict, description='JSON {"trimtab account": "spot" | "futures" | ["spot", "futures"]} '
                                          '(default spot)')
    crypto_commission_rate: Decimal = Field(default=Decimal("0.001"), ge=0, lt=Decimal("0.1"), allow_inf_nan=False,
                                            description="planning estimate (a fraction of the value)")

    # Notifications (docs/notifications.md). Every channel is off until its address is set.
    notify_events: str | None = Field(default=None, description="comma list of events to send (default all): "
                                      "run_completed, run_needs_attention, run_failed, drift_breached, "
                                      "schedule_missed")
    smtp_host: str | None = Field(default=None, description="SMTP server for email notices")
    smtp_port: int = Field(default=25, ge=1, le=65_535)
    smtp_starttls: bool = Field(default=False, description="upgrade the connection with STARTTLS")
    smtp_ssl: bool = Field(default=False, description="connect with TLS from the start (port 465)")
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    notify_email_from: str = Field(default="trimtab@localhost")
    notify_email_to: str | None = Field(default=None, description="comma list of recipients")
    slack_webhook_url: SecretStr | None = Field(default=None, description="Slack-compatible incoming webhook")
    telegram_bot_token: SecretStr | None = None
    telegram_chat_id: str | None = None
    telegram_api_url: str = Field(default="https://api.telegram.org", description="the Bot API's address")

    signal_runs: Literal["record", "dry", "execute"] = Field(
        default="dry", description="what a rebalance signal (POST /signals) starts: record, dry or execute")

    _notices: tuple[str, ...] = PrivateAttr(default=())

    @field_validator(KILL_SWITCH, mode="before")
    @classmethod
    def _read_kill_switch(cls, value: object) -> bool:
        return read_switch(value, default_on=True)[0]

    @field_validator(LIVE_TRADING, mode="before")
    @classmethod
    def _read_live_trading(cls, value: object) -> bool:
        return read_switch(value, default_on=False)[0]

    @model_validator(mode="wrap")
    @classmethod
    def _notice_unclear_switches(cls, data: Any, handler: ValidatorFunctionWrapHandler) -> Settings:
        settings: Settings = handler(data)
        if isinstance(data, dict):
            found = (switch_notice(field, data.get(field)) for field in (KILL_SWITCH, LIVE_TRADING))
            settings._notices = (*(notice for notice in found if notice), *unknown_variables(os.environ))
        return settings

    @property
    def notices(self) -> tuple[str, ...]:
        """Warnings for people about values read by a fail-safe rule (one line each)."""
        return self._notices


NOT_SETTINGS = frozenset({"TRIMTAB_REQUIRE_POSTGRES"})  # read by the test suite, not by trimtab


def unknown_variables(environment: Mapping[str, str]) -> tuple[str, ...]:
    """A notice per TRIMTAB_ variable that is no setting: a misspelt kill switch must not pass unnoticed."""
    known = {f"{ENV_PREFIX}{name.upper()}" for name in Settings.model_fields}
    notices = []
    for name in sorted(environment):
        upper = name.upper()
        if not upper.startswith(ENV_PREFIX) or upper in known or upper in NOT_SETTINGS:
            continue
        close = difflib.get_close_matches(upper, sorted(known), n=1)
        hint = f"; did you mean {close[0]}?" if close else ""
        notices.append(f"warning: {shorten(printable(name), 80)} is not a trimtab setting and is ignored{hint}")
    return tuple(notices)


def load_settings() -> Settings:
    """Read the settings; a bad value is InvalidInput naming the variable (and its value, unless secret)."""
    try:
        return Settings()
    except ValidationError as error:
        raise settings_error(error) from None
    except SettingsError as error:  # a source that cannot decode a value; its message names no value
        raise InvalidInput(str(error).partition("\n")[0], where="settings") from None


def settings_error(error: ValidationError) -> InvalidInput:
    """One InvalidInput for a validation error: the variable, a short value (never a secret's), the problem."""
    problems = error.errors(include_url=False, include_context=False)
    first = problems[0]
    location = [str(part) for part in first["loc"]]
    field = location[0] if location else ""
    variable = f"{ENV_PREFIX}{field.upper()}" if field else "settings"
    detail = f" ({'.'.join(location[1:])})" if len(location) > 1 else ""
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    if field in SECRET_FIELDS:  # a secret is never echoed, not even when it is wrong
        return InvalidInput(f"{first['msg']}{detail}{more} (value hidden)", where=f"setting {variable}")
    return InvalidInput(f"{first['msg']}{detail}{more}", where=f"setting {variable}", value=first.get("input"))
