"""The request limit shared in Redis: clients on separate connections together stay within it, requests wait
(never dropped), the app key never reaches Redis, and an unreachable Redis stops the request in one line."""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Iterator

import pytest

from tests.queue.conftest import REDIS_URL, require_queue_services
from trimtab.adapters.brokers.kis.throttle import throttle_for
from trimtab.adapters.shared_limit import SharedThrottle, limit_key
from trimtab.domain.errors import BrokerUnavailable


@pytest.fixture
def app_key() -> Iterator[str]:
    """A fresh app key; its limit's Redis key is deleted afterwards."""
    require_queue_services()
    key = f"APPKEY-{secrets.token_hex(8)}"
    yield key
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(limit_key("kis", "virtual", key))


async def _admit(throttle: SharedThrottle, count: int, admitted: list[float]) -> None:
    try:
        for _ in range(count):
            await throttle.acquire(time.time, asyncio.sleep)
            admitted.append(time.time())
    finally:
        await throttle.aclose()


def _most_in_any_window(stamps: list[float], window: float) -> int:
    ordered = sorted(stamps)
    return max(sum(1 for later in ordered[index:] if later - start < window) for index, start in enumerate(ordered))


def test_clients_sharing_a_limit_together_stay_within_it_and_every_request_goes_out(app_key: str) -> None:
    key = limit_key("kis", "virtual", app_key)
    admitted: list[float] = []
    clients = [SharedThrottle(REDIS_URL, key, rate=3, window_ms=200) for _ in range(3)]

    async def main() -> None:
        await asyncio.gather(*(_admit(client, 10, admitted) for client in clients))

    began = time.time()
    asyncio.run(main())

    assert len(admitted) == 30, "requests wait; none is dropped"
    assert _most_in_any_window(admitted, 0.2) <= 3
    assert time.time() - began >= (30 - 3) / 3 * 0.2 * 0.95, "three clients alone would have gone three times faster"


def test_separate_limits_do_not_slow_each_other(app_key: str) -> None:
    admitted: list[float] = []
    other = f"{app_key}-other"
    clients = [SharedThrottle(REDIS_URL, limit_key("kis", "virtual", app_key), rate=5, window_ms=1000),
               SharedThrottle(REDIS_URL, limit_key("kis", "virtual", other), rate=5, window_ms=1000)]

    async def main() -> None:
        await asyncio.gather(*(_admit(client, 5, admitted) for client in clients))

    began = time.time()
    try:
        asyncio.run(main())
    finally:
        from redis import Redis

        with Redis.from_url(REDIS_URL) as redis:
            redis.delete(limit_key("kis", "virtual", other))
    assert len(admitted) == 10
    assert time.time() - began < 1.05, "each key has its own five a second (one shared limit: 1.1 s at least)"


def test_the_app_key_never_reaches_redis(app_key: str) -> None:
    throttle = throttle_for("virtual", app_key, shared_url=REDIS_URL)
    assert isinstance(throttle, SharedThrottle)
    asyncio.run(_admit(throttle, 1, []))
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        keys = [key.decode() for key in redis.scan_iter(match="trimtab:limit:kis:virtual:*")]
        members = [member.decode() for key in keys for member in redis.zrange(key, 0, -1)]
    assert limit_key("kis", "virtual", app_key) in keys
    assert not any(app_key in text for text in keys + members)
    assert throttle.rate == 2, "the virtual environment's 2 a second by default"


def test_an_unreachable_redis_stops_the_request_in_one_line_without_its_password() -> None:
    throttle = SharedThrottle("redis://:hunter2@127.0.0.1:1/0", limit_key("kis", "real", "K"), rate=20)

    with pytest.raises(BrokerUnavailable, match="shared request limit in Redis cannot be reached") as raised:
        asyncio.run(_admit(throttle, 1, []))

    assert "hunter2" not in str(raised.value)
    assert "hunter2" not in repr(throttle)
