"""The crypto broker's factory and its settings: one ccxt exchange per run, closed when the run's block ends."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Literal

from pydantic import SecretStr

from trimtab.adapters.brokers.crypto.accounts import CryptoAccountBroker
from trimtab.adapters.brokers.crypto.broker import CryptoBroker, CryptoBrokerConfig
from trimtab.adapters.brokers.crypto.client import CryptoClient, make_exchange
from trimtab.adapters.brokers.crypto.shared_cost import crypto_limit_key, share_limit
from trimtab.adapters.brokers.crypto.venues import MarketType, venue_of
from trimtab.application.brokers import BrokerChoice, BrokerConnection
from trimtab.application.ports import BrokerOrderBook, Clock
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.snapshot import CostSettings

if TYPE_CHECKING:
    from trimtab.config import Settings

Environment = Literal["testnet", "live"]


@dataclass(frozen=True, slots=True)
class CryptoSettings:
    """Everything the crypto adapter reads from settings (the API key and secret stay SecretStr)."""

    exchange: str = "binance"
    environment: Environment = "testnet"  # live: the real exchange (real money, guarded like KIS real)
    base_url: str | None = None  # every API group of the exchange on this address (a local exchange)
    api_key: SecretStr | None = None
    api_secret: SecretStr | None = None
    # account id -> spot | futures | [spot, futures] (one account on both markets)
    market_types: Mapping[str, MarketType | Sequence[MarketType]] = field(default_factory=dict)
    commission_rate: Decimal = Decimal("0.001")
    throttle: bool = True  # ccxt's own request pacing (enableRateLimit)
    shared_limit_url: SecretStr | None = None  # Redis holding the request limit every process shares

    @classmethod
    def of(cls, s: Settings) -> CryptoSettings:
        """The crypto part of trimtab's settings."""
        return cls(exchange=s.crypto_exchange, environment=s.crypto_env, base_url=s.crypto_base_url,
                   api_key=s.crypto_api_key, api_secret=s.crypto_api_secret, shared_limit_url=s.redis_url,
                   market_types=dict(s.crypto_market_types), commission_rate=s.crypto_commission_rate)

    def market_type(self, account_id: str) -> MarketType:
        """The account's first market type (spot unless set)."""
        return self.market_types_of(account_id)[0]

    def market_types_of(self, account_id: str) -> tuple[MarketType, ...]:
        """The market types an account trades: one, or spot and futures (spot first)."""
        value = self.market_types.get(account_id, "spot")
        named = [value] if isinstance(value, str) else list(value)
        found: list[MarketType] = []
        for name in named:
            if name not in ("spot", "futures"):
                raise InvalidInput("choose spot, futures or both", where="setting TRIMTAB_CRYPTO_MARKET_TYPES",
                                   field=account_id, value=name)
            found.append("spot" if name == "spot" else "futures")
        if not found:
            raise InvalidInput("names no market type", where="setting TRIMTAB_CRYPTO_MARKET_TYPES",
                               field=account_id, value=value)
        return tuple(sorted(set(found), key=("spot", "futures").index))


@dataclass(frozen=True, slots=True)
class CryptoBrokerFactory:
    """Connects crypto accounts: one API key per installation, a market type per trimtab account."""

    settings: CryptoSettings
    book: Callable[[], BrokerOrderBook]  # the durable client order id → symbol book, opened per connection
    clock: Clock
    sleep: Callable[[float], Awaitable[None]]

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        """A connection on the system clock (or the simulated one shared with a local exchange)."""
        broker = self.broker(account, choice)
        try:
            yield BrokerConnection(broker, "crypto", self.clock, self.sleep)
        finally:
            await broker.aclose()

    def broker(self, account: Account, choice: BrokerChoice) -> CryptoBroker | CryptoAccountBroker:
        """The broker of one account: on its market type, or on both (orders routed by symbol)."""
        market_types = self.settings.market_types_of(account.account_id)
        book = self.book()  # one book for both markets: an order is found by the symbol it was recorded with
        if len(market_types) == 1:
            return self._market_broker(account, choice, market_types[0], book, qualified=False)
        return CryptoAccountBroker(self._market_broker(account, choice, "spot", book, qualified=False),
                                   self._market_broker(account, choice, "futures", book, qualified=True))

    def _market_broker(self, account: Account, choice: BrokerChoice, market_type: MarketType, book: BrokerOrderBook,
                       *, qualified: bool) -> CryptoBroker:
        settings = self.settings
        environment = _environment(choice.environment or settings.environment)
        if settings.api_key is None or settings.api_secret is None:
            raise InvalidInput("set TRIMTAB_CRYPTO_API_KEY and TRIMTAB_CRYPTO_API_SECRET", where="settings",
                               field="crypto API key")
        try:
            venue = venue_of(settings.exchange, market_type)
        except ValueError as problem:
            raise InvalidInput(str(problem), where="setting TRIMTAB_CRYPTO_EXCHANGE", value=settings.exchange) from None
        base_url = choice.base_url or settings.base_url
        exchange = make_exchange(venue, settings.api_key, settings.api_secret, base_url=base_url,
                                 sandbox=environment == "testnet", clock=self.clock, throttle=settings.throttle)
        if settings.shared_limit_url is not None:
            share_limit(exchange, settings.shared_limit_url.get_secret_value(),
                        crypto_limit_key(exchange.id, venue, environment, settings.api_key),
                        own_pacing=settings.throttle)
        config = CryptoBrokerConfig(account.account_id, market_type, currency=account.currency,
                                    is_live=environment == "live", costs=CostSettings(settings.commission_rate),
                                    qualified_symbols=qualified)
        return CryptoBroker(CryptoClient(exchange, venue, self.sleep), book, config, self.clock)


def _environment(value: str) -> Environment:
    if value == "live":
        return "live"
    if value == "testnet":
        return "testnet"
    raise InvalidInput("choose testnet or live", where="command line", field="env", value=value)
