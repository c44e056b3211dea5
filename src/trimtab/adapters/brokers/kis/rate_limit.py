"""A per-app-key request limiter: at most N calls in any sliding window of one second.

KIS counts calls per app key per second (20 real, 2 virtual; BROKERS.md §1.4). A sliding window of N keeps every
fixed clock second at N or fewer too. One limiter per (environment, app key) is shared by all clients of the
process, so two clients with the same key do not double the rate.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import deque
from collections.abc import Awaitable, Callable

Sleep = Callable[[float], Awaitable[None]]
DEFAULT_REQUESTS_PER_SECOND = {"real": 20, "virtual": 2}


class RateLimiter:
    """Admit at most `rate` calls per `window` seconds; waiting uses the clock and sleep handed in."""

    def __init__(self, rate: int, window: float = 1.0) -> None:
        if rate < 1:
            raise ValueError("rate must be at least 1")
        self.rate = rate
        self.window = window
        self._stamps: deque[float] = deque()
        self._lock = asyncio.Lock()

    async def acquire(self, clock: Callable[[], float], sleep: Sleep) -> None:
        """Wait until a call may go out, then count it."""
        async with self._lock:
            while True:
                now = clock()
                while self._stamps and now - self._stamps[0] >= self.window:
                    self._stamps.popleft()
                if len(self._stamps) < self.rate:
                    self._stamps.append(now)
                    return
                await sleep(self._stamps[0] + self.window - now)


_LIMITERS: dict[tuple[str, str], RateLimiter] = {}


def limiter_for(environment: str, app_key: str, rate: int | None = None) -> RateLimiter:
    """Return the process-wide limiter of this app key (created on first use with `rate` or the default)."""
    key = (environment, hashlib.sha256(app_key.encode()).hexdigest())
    limiter = _LIMITERS.get(key)
    if limiter is None:
        limiter = RateLimiter(rate or DEFAULT_REQUESTS_PER_SECOND[environment])
        _LIMITERS[key] = limiter
    return limiter
