"""A ccxt exchange's request limit shared by every process and machine through Redis (adapters/shared_limit.py).

ccxt paces each exchange object on its own: with enableRateLimit, fetch2 awaits `exchange.throttle(cost)` before
every request, and its token bucket lets `1000 / rateLimit` cost units out a second (Binance: rateLimit 50 ms, 20
units a second; a spot request costs its Binance weight / 5, so 6,000 weight a minute). N workers on one API key
would each take that much. With TRIMTAB_REDIS_URL set, `share_limit` wraps the exchange's throttle: a request
first takes its cost from one sliding window per (exchange and market type, environment, API key digest) held in
Redis, every process's requests together at most the exchange's units a second, then passes ccxt's own pacing.
Costs are fractional (0.2, 0.4, ...) and pyrate-limiter counts whole units, so the limit counts hundredths of a
cost unit, each request's cost rounded up. Waiting runs on the wall clock and real sleep, as ccxt's own
throttle does (a simulated trimtab clock does not pace the real exchange). The API key reaches Redis only as a
SHA-256 digest.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import Any

from pydantic import SecretStr

from trimtab.adapters.brokers.crypto.venues import Venue
from trimtab.adapters.shared_limit import SharedThrottle, limit_key

COST_SCALE = 100  # the shared limit counts hundredths of ccxt's cost units


def crypto_limit_key(exchange_id: str, venue: Venue, environment: str, api_key: SecretStr) -> str:
    """The Redis key of one exchange market type's limit: names in clear, the API key only as a digest."""
    return limit_key(f"ccxt-{exchange_id}-{'-'.join(venue.market_types)}", environment, api_key.get_secret_value())


def scaled_cost(cost: float | None) -> int:
    """A ccxt cost (None: one unit) in the shared limit's hundredths, rounded up."""
    return math.ceil(round((1.0 if cost is None else float(cost)) * COST_SCALE, 6))


def share_limit(exchange: Any, url: str, key: str, *, own_pacing: bool, cost_per_second: float | None = None,
                window_ms: int = 1000) -> SharedThrottle:
    """Make every request of `exchange` first take its cost from the limit at `key` in Redis (`cost_per_second`
    cost units in any window of `window_ms`; by default the exchange's own `1000 / rateLimit`), then ccxt's own
    pacing when `own_pacing`. Closing the exchange closes the connection to Redis."""
    per_second = float(cost_per_second if cost_per_second is not None else 1000 / float(exchange.rateLimit))
    if per_second <= 0:
        raise ValueError("cost_per_second must be positive")
    shared = SharedThrottle(url, key, max(1, math.floor(per_second * window_ms / 1000 * COST_SCALE)), window_ms)
    own = exchange.throttle
    close = exchange.close

    async def throttle(cost: float | None = None) -> None:
        weight = scaled_cost(cost)
        if weight > 0:
            await shared.acquire(time.time, asyncio.sleep, weight)
        if own_pacing:
            await own(cost)

    async def closed() -> None:
        try:
            await close()
        finally:
            await shared.aclose()

    exchange.enableRateLimit = True  # fetch2 calls the throttle only when rate limiting is on
    exchange.throttle = throttle
    exchange.close = closed
    return shared
