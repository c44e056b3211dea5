"""CryptoClient: one ccxt exchange (async) pointed at its URLs, with errors translated once and retried.

ccxt builds and signs every request (HMAC-SHA256, `timestamp`, `recvWindow`) and loads the markets; the
client calls ccxt's implicit endpoint methods (raw JSON) one at a time, and translates failures by the
exchange's code, read from the answer's body, into trimtab's error tree:

- rate limits (-1003, HTTP 429/418) back off exponentially (tenacity, on the injected sleep) and become
  BrokerUnavailable when the budget is spent;
- -1021 (timestamp outside recvWindow) syncs the time difference with the exchange's clock once, then retries;
  a second -1021 is BrokerUnavailable naming the clock;
- bad key or signature is AuthenticationFailed; any other coded refusal is OrderRejected with code and message;
- network trouble is BrokerUnavailable.

Secrets stay SecretStr until ccxt receives them; they are never logged, and errors carry only codes and texts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import ccxt.async_support as ccxt_async  # type: ignore[import-untyped]
from ccxt.base import errors as ccxt_errors  # type: ignore[import-untyped]
from pydantic import SecretStr
from tenacity import AsyncRetrying, RetryCallState, retry_if_exception_type, stop_after_attempt, wait_exponential

from trimtab.adapters.brokers.crypto.venues import AUTHENTICATION, RATE_LIMITED, TIMESTAMP, Venue
from trimtab.application.ports import Clock
from trimtab.domain.errors import AuthenticationFailed, BrokerUnavailable, OrderRejected

logger = logging.getLogger(__name__)
# ccxt logs every request with its headers (the API key) at DEBUG: its logger stays above that, whatever the root's.
CCXT_LOGGER = logging.getLogger(f"{__name__}.ccxt")
CCXT_LOGGER.setLevel(logging.INFO)
Sleep = Callable[[float], Awaitable[None]]


class RateLimited(BrokerUnavailable):
    """The exchange refused the request for its weight: retried with backoff."""


class ClockSkew(BrokerUnavailable):
    """The request's timestamp fell outside the exchange's recvWindow."""


class ExchangeRefused(OrderRejected):
    """A coded refusal of the exchange (its code and message kept)."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message, code=code)
        self.message = message


def point_at(exchange: Any, base_url: str) -> None:
    """Send every API group of the exchange to `base_url`, keeping each group's path (/api/v3, /fapi/v1, ...)."""
    base = base_url.rstrip("/")
    for group, url in list(exchange.urls["api"].items()):
        if isinstance(url, str):
            exchange.urls["api"][group] = base + urlsplit(url).path


def make_exchange(venue: Venue, api_key: SecretStr, api_secret: SecretStr, *, base_url: str | None,
                  sandbox: bool, clock: Clock, throttle: bool = True) -> Any:
    """The ccxt exchange of a venue: loading only its own markets, signing with the clock trimtab runs on."""
    options = {"fetchMarkets": {"types": list(venue.market_types)}, "fetchCurrencies": False,
               "fetchMargins": False, "recvWindow": 10_000}
    exchange = getattr(ccxt_async, venue.exchange_class)({
        "apiKey": api_key.get_secret_value(), "secret": api_secret.get_secret_value(),
        "enableRateLimit": throttle, "options": options, "logger": CCXT_LOGGER})
    if sandbox and base_url is None and venue.demo_trading:
        exchange.enable_demo_trading(True)  # Binance retired the futures testnet for its demo trading
    elif sandbox and base_url is None:
        exchange.set_sandbox_mode(True)
    if base_url is not None:
        point_at(exchange, base_url)
    # Timestamps come from trimtab's clock (the system's, or the simulated one a local exchange shares).
    exchange.milliseconds = lambda: int(clock.now().timestamp() * 1000)
    return exchange


def exchange_code(body: object) -> tuple[int | None, str]:
    """The exchange's `{"code": -2010, "msg": "..."}` in an answer's body, if there is one."""
    try:
        document = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return None, ""
    if not isinstance(document, dict):
        return None, ""
    code = document.get("code")
    return (int(code), str(document.get("msg", ""))) if isinstance(code, int) and code < 0 else (None, "")


def translate(problem: Exception, body: object, what: str) -> Exception:
    """A ccxt failure as trimtab's error, by the exchange's code (else by ccxt's error class)."""
    code, message = exchange_code(body)
    text = f"{what}: {message or type(problem).__name__}"
    if code in RATE_LIMITED or isinstance(problem, ccxt_errors.DDoSProtection):
        return RateLimited(f"{text} [{code or 429}]")
    if code in TIMESTAMP or isinstance(problem, ccxt_errors.InvalidNonce):
        return ClockSkew(f"{text} [{code}]")
    if code in AUTHENTICATION or isinstance(problem, ccxt_errors.AuthenticationError):
        return AuthenticationFailed(f"the exchange refused the API key or signature ({text}) [{code}]")
    if code is not None:
        return ExchangeRefused(message, code=str(code))
    if isinstance(problem, ccxt_errors.NetworkError | ccxt_errors.ExchangeNotAvailable):
        return BrokerUnavailable(f"{text}: the exchange did not answer")
    return BrokerUnavailable(f"{text}: {type(problem).__name__}")


class CryptoClient:
    """One exchange account of one market type; calls go out one at a time."""

    def __init__(self, exchange: Any, venue: Venue, sleep: Sleep, *, attempts: int = 5,
                 backoff_seconds: float = 0.5, max_backoff_seconds: float = 10.0) -> None:
        self.exchange = exchange
        self.venue = venue
        self.sleep = sleep
        self.attempts = attempts
        self.backoff_seconds = backoff_seconds
        self.max_backoff_seconds = max_backoff_seconds
        self._lock = asyncio.Lock()
        self._markets: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"CryptoClient({self.venue.exchange_class})"

    async def aclose(self) -> None:
        await self.exchange.close()

    async def markets(self) -> dict[str, Any]:
        """ccxt's markets of this market type (loaded once; the raw filters stay in each market's `info`)."""
        if self._markets is None:
            self._markets = await self._retried("load_markets", lambda: self.exchange.load_markets())
        return self._markets

    async def call(self, endpoint: str, params: Mapping[str, str] | None = None) -> Any:
        """Call one endpoint (ccxt's implicit method) with backoff on rate limits and one time sync on -1021."""
        method = getattr(self.exchange, endpoint)
        arguments = dict(params or {})
        return await self._retried(endpoint, lambda: method(arguments))

    async def _retried(self, what: str, make: Callable[[], Awaitable[Any]]) -> Any:
        try:
            async for attempt in self._retrying(what):
                with attempt:
                    try:
                        return await self._once(what, make)
                    except ClockSkew:
                        await self._sync_time()
                    try:
                        return await self._once(what, make)
                    except ClockSkew:
                        raise BrokerUnavailable(f"{what}: the exchange still finds our timestamps outside its "
                                                "recvWindow after a time sync [-1021]; check the clock") from None
        except RateLimited as problem:
            raise BrokerUnavailable(f"{problem} (still limited after {self.attempts} attempts)") from None
        raise BrokerUnavailable(f"{what} made no attempt")  # unreachable: tenacity tries at least once

    async def _once(self, what: str, make: Callable[[], Awaitable[Any]]) -> Any:
        async with self._lock:
            self.exchange.last_http_response = None
            try:
                return await make()
            except ccxt_errors.BaseError as problem:
                raise translate(problem, self.exchange.last_http_response, what) from None

    async def _sync_time(self) -> None:
        """Measure the exchange's clock against ours (ccxt's timeDifference), as Binance advises after -1021."""
        logger.warning("%s: timestamp outside recvWindow (-1021); syncing the time with the exchange",
                       self.venue.exchange_class)
        async with self._lock:
            try:
                server = await getattr(self.exchange, self.venue.time)({})
            except ccxt_errors.BaseError as problem:
                raise translate(problem, self.exchange.last_http_response, "time") from None
            self.exchange.options["timeDifference"] = self.exchange.milliseconds() - int(server["serverTime"])

    def _retrying(self, what: str) -> AsyncRetrying:
        def log(state: RetryCallState) -> None:
            error = state.outcome.exception() if state.outcome is not None else None
            pause = state.next_action.sleep if state.next_action is not None else 0.0
            logger.warning("%s %s rate-limited [%s]; retrying in %.2f s", self.venue.exchange_class, what, error,
                           pause)

        return AsyncRetrying(stop=stop_after_attempt(self.attempts), retry=retry_if_exception_type(RateLimited),
                             wait=wait_exponential(multiplier=self.backoff_seconds, max=self.max_backoff_seconds),
                             sleep=self.sleep, before_sleep=log, reraise=True)
