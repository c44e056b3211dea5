"""The per-app-key request limit: at most N calls in any sliding window of one second (pyrate-limiter).

KIS counts calls per app key per second (20 real, 2 virtual; BROKERS.md §1.4). pyrate-limiter's in-memory
sliding-window log keeps every window of one second (so every clock second too) at N or fewer. Its bucket is
fed timestamps from the clock handed in, and the wait it computes is slept with the sleep handed in, so tests
run the limiter on a manual clock without sleeping (pyrate-limiter's own Limiter would block on the real time).
One throttle per (environment, app key) is shared by every client of the process, so two clients with the same
key do not double the rate; with a shared limit (TRIMTAB_REDIS_URL) every process and machine passes one
limit held in Redis instead (adapters/shared_limit.py).
"""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Awaitable, Callable
from typing import Protocol, cast

from pyrate_limiter import Duration, InMemoryBucket, Rate, RateItem

from trimtab.adapters.shared_limit import SharedThrottle, limit_key

Sleep = Callable[[float], Awaitable[None]]
DEFAULT_REQUESTS_PER_SECOND = {"real": 20, "virtual": 2}
_MILLISECONDS = 1000


class RequestThrottle(Protocol):
    """What every KIS request passes before it is sent."""

    async def acquire(self, clock: Callable[[], float], sleep: Sleep) -> None: ...

    async def aclose(self) -> None: ...


class Throttle:
    """Admit at most `rate` calls per second; waiting uses the clock and sleep handed in."""

    def __init__(self, rate: int) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate = rate
        self._bucket = InMemoryBucket([Rate(rate, Duration.SECOND)])
        self._lock = asyncio.Lock()

    async def acquire(self, clock: Callable[[], float], sleep: Sleep) -> None:
        """Wait until a call may go out, then count it."""
        async with self._lock:
            while True:
                now = round(clock() * _MILLISECONDS)
                item = RateItem("kis", now)
                if self._bucket.put(item):
                    self._bucket.leak(now)  # drop stamps older than the window: the log stays short
                    return
                waiting = self._bucket.waiting(item)  # an int: the in-memory bucket is synchronous
                await sleep(max(cast(int, waiting), 1) / _MILLISECONDS)

    async def aclose(self) -> None:
        """Nothing to close: the process-wide throttle outlives its clients."""


_THROTTLES: dict[tuple[str, str], Throttle] = {}


def throttle_for(environment: str, app_key: str, rate: int | None = None,
                 shared_url: str | None = None) -> RequestThrottle:
    """Return the process-wide throttle of this app key (created on first use with `rate` or the default), or
    with `shared_url` a client's own connection to the limit every process shares in that Redis."""
    if shared_url is not None:
        return SharedThrottle(shared_url, limit_key("kis", environment, app_key),
                              rate or DEFAULT_REQUESTS_PER_SECOND[environment])
    key = (environment, hashlib.sha256(app_key.encode()).hexdigest())
    throttle = _THROTTLES.get(key)
    if throttle is None:
        throttle = Throttle(rate or DEFAULT_REQUESTS_PER_SECOND[environment])
        _THROTTLES[key] = throttle
    return throttle
