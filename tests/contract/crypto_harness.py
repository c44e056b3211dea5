"""The contract suite's crypto harnesses: CryptoBroker over ccxt to the local Binance (spot and USDT-margined
futures), served over real HTTP on 127.0.0.1, with the exchange and trimtab on one hand-moved clock.

ccxt's aiohttp session belongs to one event loop, so the broker lives on a loop thread of its own (as IBKR's).
The contract's coins trade in whole units (step 1) so that its share-sized cases keep their meaning.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

from pydantic import SecretStr

from tests.contract.harness import BrokerHarness, Capabilities
from tests.contract.ibkr_harness import EpochClock, LoopThread, ThreadedBroker
from tests.integration.ibkr.gateway_kit import HandClock
from trimtab.adapters.brokers.crypto.accounts import CryptoAccountBroker
from trimtab.adapters.brokers.crypto.broker import CryptoBroker, CryptoBrokerConfig
from trimtab.adapters.brokers.crypto.client import CryptoClient, make_exchange
from trimtab.adapters.brokers.crypto.venues import MarketType, venue_of
from trimtab_testkit.binance.app import LocalExchange, make_local_exchange
from trimtab_testkit.binance.model import ExchangeConfig, FakeMarket
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook
from trimtab_testkit.served import serve_in_thread

API_KEY, API_SECRET = "contract-key-" + "k" * 51, "contract-secret-" + "s" * 48
CASH = Decimal(100_000)
HOLDINGS = {"SOL/USDT": Decimal(20), "ETH/USDT": Decimal(30)}


def contract_markets() -> list[FakeMarket]:
    """SOL (the held 'stock'), ETH (the held 'ETF') and LINK (not held), whole units, 0.01 USDT ticks."""
    return [FakeMarket(base, "USDT", Decimal(price), Decimal("0.01"), Decimal(1), Decimal(1), Decimal(5))
            for base, price in (("SOL", "150.00"), ("ETH", "3000.00"), ("LINK", "20.00"))]


def contract_exchange(clock: HandClock) -> ExchangeConfig:
    """Spot: 100,000 USDT, 20 SOL, 30 ETH. Futures: the same orderable cash and the same long positions."""
    markets = contract_markets()
    prices = {m.base: m.price for m in markets}
    held = {symbol.split("/")[0]: quantity for symbol, quantity in HOLDINGS.items()}
    wallet = CASH + sum((quantity * prices[base] for base, quantity in held.items()), Decimal(0))
    return ExchangeConfig(API_KEY, API_SECRET, markets, spot_balances={"USDT": CASH, **held}, futures_wallet=wallet,
                          futures_positions={f"{base}USDT": quantity for base, quantity in held.items()},
                          clock=clock, fill_interval=10, fill_fraction=Decimal("0.3"))


def crypto_broker(base_url: str, clock: HandClock, market_type: MarketType, account_id: str) -> CryptoBroker:
    """A CryptoBroker on the local exchange, signing with the shared clock."""
    venue = venue_of("binance", market_type)
    trimtab_clock = EpochClock(clock)
    exchange = make_exchange(venue, SecretStr(API_KEY), SecretStr(API_SECRET), base_url=base_url, sandbox=False,
                             clock=trimtab_clock, throttle=False)

    async def no_sleep(_seconds: float) -> None:
        return None

    client = CryptoClient(exchange, venue, no_sleep)
    return CryptoBroker(client, InMemoryBrokerOrderBook(), CryptoBrokerConfig(account_id, market_type), trimtab_clock)


def crypto_harness(start: dt.datetime, market_type: MarketType) -> Iterator[BrokerHarness]:
    """The contract's account on the local Binance, for one market type."""
    clock = HandClock(start.timestamp())
    local: LocalExchange = make_local_exchange(contract_exchange(clock))
    thread = LoopThread()
    with serve_in_thread(local.app) as base_url:
        broker = crypto_broker(base_url, clock, market_type, f"CRYPTO-{market_type.upper()}")
        try:
            yield BrokerHarness(
                name=f"crypto-{market_type}", broker=ThreadedBroker(broker, thread),
                account_id=broker.config.account_id, currency="USDT", cash=CASH, holdings=dict(HOLDINGS),
                stock="SOL/USDT", etf="ETH/USDT", unheld="LINK/USDT", advance=clock.advance,
                capabilities=Capabilities(partial_fills=True, krx_sell_tax=False, price_limits=False),
            )
        finally:
            thread.run(broker.aclose())
            thread.stop()


def crypto_both_harness(start: dt.datetime, side: MarketType) -> Iterator[BrokerHarness]:
    """The contract's account as one side of an account on both markets (CryptoAccountBroker), the other wallet
    empty: every order is routed by its symbol's form (futures: the unified BTC/USDT:USDT symbols)."""
    clock = HandClock(start.timestamp())
    config = contract_exchange(clock)
    config = dataclasses.replace(config, spot_balances={}) if side == "futures" else \
        dataclasses.replace(config, futures_wallet=Decimal(0), futures_positions={})
    local: LocalExchange = make_local_exchange(config)
    thread = LoopThread()
    suffix = ":USDT" if side == "futures" else ""
    with serve_in_thread(local.app) as base_url:
        spot, futures = (crypto_broker(base_url, clock, kind, "CRYPTO-BOTH") for kind in ("spot", "futures"))
        futures = CryptoBroker(futures.client, spot.book, dataclasses.replace(futures.config, qualified_symbols=True),
                               EpochClock(clock))
        broker = CryptoAccountBroker(spot, futures)
        try:
            yield BrokerHarness(
                name=f"crypto-both-{side}", broker=ThreadedBroker(broker, thread), account_id=broker.account_id,
                currency="USDT", cash=CASH, holdings={s + suffix: q for s, q in HOLDINGS.items()},
                stock="SOL/USDT" + suffix, etf="ETH/USDT" + suffix, unheld="LINK/USDT" + suffix, advance=clock.advance,
                capabilities=Capabilities(partial_fills=True, krx_sell_tax=False, price_limits=False),
            )
        finally:
            thread.run(broker.aclose())
            thread.stop()
