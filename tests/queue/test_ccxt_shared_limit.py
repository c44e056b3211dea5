"""ccxt exchanges sharing one request limit in Redis, measured where the requests arrive (the local Binance).

Two exchange objects (two workers' clients on one API key) fire a burst of weighted requests at once: through
one shared limit, the weight arriving in any second stays within it and every request still arrives (they wait,
none is dropped); each on ccxt's own pacing alone, the same burst arrives several times over the limit. The
factory puts the limit in front of every exchange when TRIMTAB_REDIS_URL is set, ccxt's own pacing off or on,
and the API key reaches Redis only as a digest.
"""

from __future__ import annotations

import asyncio
import dataclasses
import datetime as dt
import secrets
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pydantic import SecretStr

from tests.contract.crypto_harness import API_SECRET, contract_exchange
from tests.contract.ibkr_harness import EpochClock
from tests.integration.ibkr.gateway_kit import HandClock
from tests.queue.conftest import REDIS_URL, require_redis
from trimtab.adapters.brokers.crypto.broker import CryptoBroker
from trimtab.adapters.brokers.crypto.client import make_exchange
from trimtab.adapters.brokers.crypto.factory import CryptoBrokerFactory, CryptoSettings
from trimtab.adapters.brokers.crypto.shared_cost import crypto_limit_key, scaled_cost, share_limit
from trimtab.adapters.brokers.crypto.venues import venue_of
from trimtab.application.brokers import BrokerChoice
from trimtab.application.records import Account
from trimtab_testkit.binance.app import LocalExchange, make_local_exchange
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook
from trimtab_testkit.served import serve_in_thread

START = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
COST_PER_SECOND = 2.0  # the test's limit in ccxt's cost units: Binance spot weight 10 a second
WEIGHT_PER_COST = 5  # ccxt's Binance spot cost is the request weight / 5 (binance.py describe(): cost 0.2 a weight)
ROUNDS = 6  # each exchange: six /time (weight 1) and six /ticker/price with a symbol (weight 2), 18 weight


class Served:
    def __init__(self, local: LocalExchange, base_url: str, clock: HandClock, api_key: str) -> None:
        self.local, self.base_url, self.clock, self.api_key = local, base_url, clock, api_key


@pytest.fixture
def served() -> Iterator[Served]:
    """The local Binance on a fresh API key (so its limit's Redis key is this test's own), deleted afterwards."""
    require_redis()
    clock = HandClock(START.timestamp())
    api_key = f"limit-key-{secrets.token_hex(16)}"
    local = make_local_exchange(dataclasses.replace(contract_exchange(clock), api_key=api_key))
    with serve_in_thread(local.app) as base_url:
        yield Served(local, base_url, clock, api_key)
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(crypto_limit_key("binance", venue_of("binance", "spot"), "testnet", SecretStr(api_key)))


@pytest.fixture
def test_key() -> Iterator[str]:
    """A Redis key of this test only, deleted afterwards."""
    require_redis()
    key = f"trimtab:test:{secrets.token_hex(8)}:ccxt-binance-spot"
    yield key
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        redis.delete(key)


def _exchange(served: Served) -> Any:
    return make_exchange(venue_of("binance", "spot"), SecretStr(served.api_key), SecretStr(API_SECRET),
                         base_url=served.base_url, sandbox=False, clock=EpochClock(served.clock), throttle=True)


async def _burst(exchange: Any) -> None:
    try:
        for _ in range(ROUNDS):
            await exchange.public_get_time({})
            await exchange.public_get_ticker_price({"symbol": "SOLUSDT"})
    finally:
        await exchange.close()


def _fire(served: Served, shared_key: str | None) -> list[tuple[float, int]]:
    """Two exchanges' bursts at once; the (arrival time, weight) of each request at the local Binance."""
    served.local.gateway.arrivals.clear()

    async def main() -> None:
        exchanges = [_exchange(served) for _ in range(2)]
        if shared_key is not None:
            for exchange in exchanges:
                share_limit(exchange, REDIS_URL, shared_key, own_pacing=True, cost_per_second=COST_PER_SECOND)
        await asyncio.gather(*(_burst(exchange) for exchange in exchanges))

    asyncio.run(main())
    return [(at, weight) for at, _path, weight in served.local.gateway.arrivals]


def _most_weight_in_any_second(arrivals: list[tuple[float, int]]) -> int:
    ordered = sorted(arrivals)
    return max(sum(weight for at, weight in ordered[index:] if at - start < 1.0)
               for index, (start, _weight) in enumerate(ordered))


def test_two_exchanges_sharing_a_limit_together_stay_within_it_and_every_request_arrives(
        served: Served, test_key: str) -> None:
    limit = COST_PER_SECOND * WEIGHT_PER_COST
    alone = _fire(served, None)
    assert _most_weight_in_any_second(alone) > 2 * limit, "without the shared limit the burst overruns it"

    began = time.monotonic()
    shared = _fire(served, test_key)

    assert len(shared) == 2 * 2 * ROUNDS, "requests wait; none is dropped"
    assert sum(weight for _at, weight in shared) == 2 * 3 * ROUNDS
    assert _most_weight_in_any_second(shared) <= limit
    assert time.monotonic() - began >= (36 - limit) / limit * 0.95, "the burst was spread, not sent at once"


def test_scaled_costs_round_up_to_hundredths() -> None:
    assert [scaled_cost(c) for c in (0.2, 0.4, 40.002, 0.006667, None, 0)] == [20, 40, 4001, 1, 100, 0]


def test_the_factory_puts_every_exchange_behind_the_shared_limit_and_the_key_stays_out_of_redis(
        served: Served) -> None:
    account = Account("BN", "BN", "USDT", "crypto", START)

    async def sleep(_seconds: float) -> None:
        return None

    async def main(throttle: bool) -> None:
        settings = CryptoSettings(base_url=served.base_url, api_key=SecretStr(served.api_key),
                                  api_secret=SecretStr(API_SECRET), throttle=throttle,
                                  shared_limit_url=SecretStr(REDIS_URL))
        factory = CryptoBrokerFactory(settings, InMemoryBrokerOrderBook, EpochClock(served.clock), sleep)
        broker = factory.broker(account, BrokerChoice())
        assert isinstance(broker, CryptoBroker)
        try:
            await broker.client.call("public_get_time")
        finally:
            await broker.aclose()

    for throttle in (False, True):  # ccxt's own pacing off or on: the shared limit applies either way
        asyncio.run(main(throttle))

    key = crypto_limit_key("binance", venue_of("binance", "spot"), "testnet", SecretStr(served.api_key))
    assert key.startswith("trimtab:limit:ccxt-binance-spot:testnet:")
    from redis import Redis

    with Redis.from_url(REDIS_URL) as redis:
        members = [member.decode() for member in redis.zrange(key, 0, -1)]
        keys = [found.decode() for found in redis.scan_iter(match="trimtab:limit:ccxt-*")]
    assert len(members) == 2 * scaled_cost(0.2), "two /time requests of cost 0.2 each, in hundredths"
    assert not any(served.api_key in text for text in keys + members)
