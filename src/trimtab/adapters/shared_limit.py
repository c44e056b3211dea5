"""One request limit shared by every process and machine: pyrate-limiter's RedisBucket on one Redis.

A broker counts requests per app key (KIS: 20 a second real, 2 virtual; BROKERS.md §1.4; a ccxt exchange
weighs each request), so N workers each keeping its own limit would send N times too many. With
TRIMTAB_REDIS_URL set, every request first passes one sliding-window log per (broker, environment, app key)
held in a Redis sorted set: pyrate-limiter's Lua script counts the window and appends the request in one atomic
step, so no two processes can both take the last slot. A request over the limit waits for the moment the window
frees a slot (never dropped). The window is a tenth longer than the broker's (1.1 s for "N a second"): a
request is counted when it leaves, the broker counts it when it arrives, and the network's jitter must not push
N + 1 into one of the broker's seconds. The key names the app key only by a SHA-256 digest: the key itself never
reaches Redis. Request times are each process's wall clock (milliseconds), so machines sharing a limit keep
their clocks in step (NTP).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, cast

from pyrate_limiter import Duration, RateItem
from pyrate_limiter import Rate as PyrateRate

from trimtab.domain.errors import BrokerUnavailable, InvalidInput

if TYPE_CHECKING:
    from pyrate_limiter import RedisBucket
    from pyrate_limiter.abstracts.algorithm import Decision

logger = logging.getLogger(__name__)
Sleep = Callable[[float], Awaitable[None]]
_MILLISECONDS = 1000
KEY_PREFIX = "trimtab:limit"


def limit_key(broker: str, environment: str, app_key: str) -> str:
    """The Redis key of a limit: the broker and environment in clear, the app key only as a digest."""
    digest = hashlib.sha256(app_key.encode("utf-8")).hexdigest()[:32]
    return f"{KEY_PREFIX}:{broker}:{environment}:{digest}"


class SharedThrottle:
    """Admit at most `rate` units in any window of `window_ms` (plus `margin_ms`) across every process using
    this Redis key; a request weighs one unit unless told (ccxt's request costs: crypto/shared_cost.py)."""

    def __init__(self, url: str, key: str, rate: int, window_ms: int = int(Duration.SECOND),
                 margin_ms: int | None = None) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate = rate
        self.key = key
        self._url = url
        self._window_ms = window_ms + (window_ms // 10 if margin_ms is None else margin_ms)
        self._redis: Any = None
        self._bucket: RedisBucket | None = None

    def __repr__(self) -> str:
        return f"SharedThrottle(key={self.key!r}, rate={self.rate})"  # never the URL: it may hold a password

    async def _open(self) -> RedisBucket:
        if self._bucket is None:
            from pyrate_limiter import RedisBucket

            try:
                from redis.asyncio import Redis
            except ImportError:
                raise InvalidInput("a shared request limit needs the redis package; install the queue extra: "
                                   "pip install 'trimtab[queue]'", where="setting TRIMTAB_REDIS_URL") from None

            self._redis = Redis.from_url(self._url, socket_timeout=5, socket_connect_timeout=5)
            created: Any = RedisBucket.init([PyrateRate(self.rate, self._window_ms)], self._redis, self.key)
            self._bucket = await created  # an asyncio client: the script is loaded by an awaitable
        return self._bucket

    async def acquire(self, clock: Callable[[], float], sleep: Sleep, weight: int = 1) -> None:
        """Wait until a request of `weight` units may go out, then count it (BrokerUnavailable when Redis cannot
        be reached). A request heavier than the whole limit waits for an empty window and takes all of it."""
        from redis.exceptions import RedisError

        units = min(max(weight, 1), self.rate)
        try:
            bucket = await self._open()
            while True:
                now = round(clock() * _MILLISECONDS)
                item = RateItem("request", now, units)
                decision = await cast("Awaitable[Decision]", bucket.put_decision(item))
                if decision.allowed:
                    await cast("Awaitable[int]", bucket.leak(now))  # drop stamps older than the window
                    return
                await sleep(max(decision.retry_after_ms or 1, 1) / _MILLISECONDS)
        except RedisError as error:
            raise BrokerUnavailable(f"the shared request limit in Redis cannot be reached ({type(error).__name__}); "
                                    "nothing was sent") from None

    async def aclose(self) -> None:
        """Close the connection to Redis."""
        if self._redis is not None:
            await self._redis.aclose()
            self._redis, self._bucket = None, None

