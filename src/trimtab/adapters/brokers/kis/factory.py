"""The KIS broker's factory and its settings: credentials from settings or a 0600 file, one shared token cache."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import SecretStr

from trimtab.adapters.brokers.kis.broker import KisBroker, KisBrokerConfig
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.credentials import KisCredentials, load_credentials
from trimtab.adapters.brokers.kis.endpoints import Environment, default_base_url
from trimtab.adapters.brokers.kis.quotations import KisEngineQuotes
from trimtab.application.brokers import BrokerChoice, BrokerConnection
from trimtab.application.ports import BrokerOrderBook, Clock
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.snapshot import CostSettings

if TYPE_CHECKING:
    from trimtab.config import Settings


@dataclass(frozen=True, slots=True)
class KisSettings:
    """Everything the KIS adapter reads from settings (secrets stay SecretStr)."""

    environment: Environment = "virtual"
    base_url: str | None = None
    app_key: SecretStr | None = None
    app_secret: SecretStr | None = None
    account: SecretStr | None = None
    credentials_file: Path | None = None
    token_cache: Path | None = None
    requests_per_second: int | None = None
    legacy_tr_ids: bool = False
    commission_rate: Decimal = Decimal("0.000140527")
    shared_limit_url: SecretStr | None = None  # Redis holding the request limit every process shares

    @classmethod
    def of(cls, s: Settings) -> KisSettings:
        """The KIS part of trimtab's settings."""
        return cls(environment=s.kis_env, base_url=s.kis_base_url, app_key=s.kis_app_key,
                   app_secret=s.kis_app_secret, account=s.kis_account, credentials_file=s.kis_credentials_file,
                   token_cache=s.kis_token_cache, requests_per_second=s.kis_requests_per_second,
                   legacy_tr_ids=s.kis_legacy_tr_ids, commission_rate=s.kis_commission_rate,
                   shared_limit_url=s.redis_url)


class KisBrokerFactory:
    """Connects KIS accounts; the HTTP connections close when the run's block ends."""

    def __init__(self, settings: KisSettings, book: Callable[[], BrokerOrderBook], clock: Clock,
                 sleep: Callable[[float], Awaitable[None]]) -> None:
        self.settings = settings
        self._book = book
        self._clock = clock
        self._sleep = sleep

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        """A KIS connection on the system clock (or the simulated one shared with a local KIS)."""
        broker = self.broker(account, choice, progress)
        try:
            yield BrokerConnection(broker, "kis", self._clock, self._sleep)
        finally:
            await broker.aclose()

    def broker(self, account: Account, choice: BrokerChoice, progress: Progress = no_progress) -> KisBroker:
        """The KIS broker of an account in the chosen environment."""
        settings = self.settings
        credentials, client = _client(settings, choice, progress)
        config = KisBrokerConfig(account.account_id, costs=CostSettings(settings.commission_rate),
                                 legacy_tr_ids=settings.legacy_tr_ids)
        return KisBroker(client, credentials, self._book(), config, self._clock)


@contextlib.asynccontextmanager
async def engine_quotes(settings: KisSettings, choice: BrokerChoice,
                        progress: Progress = no_progress) -> AsyncIterator[KisEngineQuotes]:
    """KIS quotations for engines (nothing is ordered), on the chosen environment; closed when the block ends."""
    _, client = _client(settings, choice, progress)
    try:
        yield KisEngineQuotes(client)
    finally:
        await client.aclose()


def _client(settings: KisSettings, choice: BrokerChoice, progress: Progress) -> tuple[KisCredentials, KisClient]:
    environment = _environment(choice.environment or settings.environment)
    credentials = load_credentials(environment, app_key=settings.app_key, app_secret=settings.app_secret,
                                   account=settings.account, file=settings.credentials_file)
    base_url = choice.base_url or settings.base_url or default_base_url(environment)
    cache = settings.token_cache or Path.home() / ".cache" / "trimtab" / "kis_tokens.json"
    client = KisClient(base_url=base_url, environment=environment, app_key=credentials.app_key,
                       app_secret=credentials.app_secret, token_cache_path=cache,
                       requests_per_second=settings.requests_per_second, progress=progress,
                       shared_limit_url=_secret(settings.shared_limit_url))
    return credentials, client


def _secret(value: SecretStr | None) -> str | None:
    return None if value is None else value.get_secret_value()


def _environment(value: str) -> Environment:
    if value == "real":
        return "real"
    if value == "virtual":
        return "virtual"
    raise InvalidInput("choose virtual or real", where="command line", field="env", value=value)
