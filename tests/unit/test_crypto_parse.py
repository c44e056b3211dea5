"""The crypto adapter's pure parts: markets from the raw filters, reports, fills, client ids, and its factory."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from pydantic import SecretStr

from tests.contract.clocks import FixedClock
from trimtab.adapters.brokers.crypto import parse
from trimtab.adapters.brokers.crypto.accounts import CryptoAccountBroker
from trimtab.adapters.brokers.crypto.broker import CryptoBroker
from trimtab.adapters.brokers.crypto.factory import CryptoBrokerFactory, CryptoSettings
from trimtab.application.brokers import BrokerChoice
from trimtab.application.records import Account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import OrderStatus
from trimtab.domain.orders import Side
from trimtab_testkit.memory_order_book import InMemoryBrokerOrderBook

AT = dt.datetime(2026, 11, 20, 15, 30, tzinfo=dt.UTC)
FILTERS: list[dict[str, Any]] = [
    {"filterType": "PRICE_FILTER", "minPrice": "0.01000000", "maxPrice": "1000000.00000000", "tickSize": "0.01000000"},
    {"filterType": "LOT_SIZE", "minQty": "0.00001000", "maxQty": "9000.00000000", "stepSize": "0.00001000"},
    {"filterType": "NOTIONAL", "minNotional": "5.00000000", "applyMinToMarket": True}]
INFO: dict[str, Any] = {"symbol": "BTCUSDT", "status": "TRADING", "baseAsset": "BTC", "quoteAsset": "USDT",
                        "filters": FILTERS}
SPOT_MARKET: dict[str, Any] = {"symbol": "BTC/USDT", "info": INFO}
BTC = parse.market_of(SPOT_MARKET)


def test_market_of_spot_filters_gives_tick_lot_and_minimums_as_decimals() -> None:
    assert BTC is not None
    assert (BTC.symbol, BTC.exchange_id, BTC.ccxt_symbol) == ("BTC/USDT", "BTCUSDT", "BTC/USDT")
    assert (BTC.tick_size, BTC.step_size, BTC.min_quantity, BTC.min_notional) == (
        Decimal("0.01"), Decimal("0.00001"), Decimal("0.00001"), Decimal(5))
    assert BTC.instrument.lot_size == Decimal("0.00001")
    assert BTC.instrument.currency == "USDT"


def test_market_of_futures_min_notional_filter_and_halted_market() -> None:
    info = {**INFO, "filters": [*FILTERS[:2], {"filterType": "MIN_NOTIONAL", "notional": "100"}]}
    futures = parse.market_of({"symbol": "BTC/USDT:USDT", "info": info})
    assert futures is not None
    assert (futures.symbol, futures.ccxt_symbol, futures.min_notional) == ("BTC/USDT", "BTC/USDT:USDT", Decimal(100))
    assert parse.market_of({"symbol": "X", "info": {**info, "status": "BREAK"}}) is None


def test_number_refuses_a_float() -> None:
    with pytest.raises(TypeError):
        parse.number(0.1)
    assert parse.number("0.10000000") == Decimal("0.1")


def test_report_of_partly_filled_spot_order_averages_the_quote_quantity() -> None:
    report = parse.report_of({"orderId": 7, "side": "BUY", "type": "LIMIT", "price": "90000.01000000",
                              "origQty": "0.00300000", "executedQty": "0.00200000",
                              "cummulativeQuoteQty": "180.00000000", "status": "PARTIALLY_FILLED"}, "run-1", "BTC/USDT")
    assert (report.status, report.filled_quantity, report.average_price) == (
        OrderStatus.PARTIALLY_FILLED, Decimal("0.002"), Decimal(90000))
    assert (report.side, report.limit_price, report.broker_order_id) == (Side.BUY, Decimal("90000.01"), "7")


def test_fill_of_buy_paying_its_fee_in_the_base_asset_values_it_at_the_price() -> None:
    assert BTC is not None
    fill = parse.fill_of({"id": 3, "price": "90000.00", "qty": "0.001", "commission": "0.000001",
                          "commissionAsset": "BTC", "isBuyer": True, "time": 1795000000000}, "run-1", BTC)
    assert (fill.fill_id, fill.side, fill.commission) == ("BTCUSDT-3", Side.BUY, Decimal("0.09"))
    bnb = parse.fill_of({"id": 4, "price": "90000.00", "qty": "0.001", "commission": "0.00001",
                         "commissionAsset": "BNB", "side": "SELL", "time": 1795000000000}, "run-1", BTC)
    assert (bnb.side, bnb.commission) == (Side.SELL, Decimal(0))


def test_exchange_client_id_keeps_short_ids_and_digests_long_ones() -> None:
    assert parse.exchange_client_id("3f2a9c1d-B1-BTC/USDT-0") == "3f2a9c1d-B1-BTC/USDT-0"
    long = "0123456789abcdef-sell-BTC/USDT-12 x"
    digest = parse.exchange_client_id(long)
    assert digest == parse.exchange_client_id(long)
    assert digest.startswith("tt-")
    assert len(digest) <= 36


def _factory(**settings: object) -> CryptoBrokerFactory:
    values: dict[str, object] = {"api_key": SecretStr("key-abc"), "api_secret": SecretStr("secret-xyz"),
                                 "base_url": "http://127.0.0.1:9"}
    values.update(settings)
    clock = FixedClock(AT)

    async def sleep(_seconds: float) -> None:
        return None

    return CryptoBrokerFactory(CryptoSettings(**values), InMemoryBrokerOrderBook, clock, sleep)  # type: ignore[arg-type]


def _account(account_id: str = "CX") -> Account:
    return Account(account_id, account_id, "USDT", "crypto", AT)


def test_factory_gives_each_account_its_market_type_and_keeps_the_secret_out_of_repr() -> None:
    async def scenario() -> None:
        factory = _factory(market_types={"CX-FUT": "futures"})
        spot = factory.broker(_account(), BrokerChoice())
        futures = factory.broker(_account("CX-FUT"), BrokerChoice())
        assert isinstance(spot, CryptoBroker)
        assert isinstance(futures, CryptoBroker)
        try:
            assert (spot.config.market_type, futures.config.market_type) == ("spot", "futures")
            assert futures.client.exchange.urls["api"]["fapiPrivateV2"] == "http://127.0.0.1:9/fapi/v2"
            assert not spot.is_live
            assert "secret-xyz" not in repr(spot) + repr(spot.client) + repr(factory)
        finally:
            await spot.aclose()
            await futures.aclose()

    asyncio.run(scenario())


def test_factory_account_on_both_markets_gets_one_broker_routing_by_symbol_form() -> None:
    async def scenario() -> None:
        factory = _factory(market_types={"CX": ["futures", "spot"], "CX-FUT": ["futures"]})
        both, single = factory.broker(_account(), BrokerChoice()), factory.broker(_account("CX-FUT"), BrokerChoice())
        try:
            assert isinstance(both, CryptoAccountBroker)
            assert isinstance(single, CryptoBroker)
            assert (both.spot.config.market_type, both.futures.config.market_type) == ("spot", "futures")
            assert (both.spot.config.qualified_symbols, both.futures.config.qualified_symbols) == (False, True)
            assert both.spot.book is both.futures.book  # an order is found by the symbol it was recorded with
            assert (single.config.market_type, single.config.qualified_symbols) == ("futures", False)
        finally:
            await both.aclose()
            await single.aclose()

    asyncio.run(scenario())
    assert (parse.market_type_of("BTC/USDT"), parse.market_type_of("BTC/USDT:USDT")) == ("spot", "futures")
    with pytest.raises(InvalidInput, match="choose spot, futures or both"):
        _factory(market_types={"CX": ["spot", "margin"]}).broker(_account(), BrokerChoice())
    with pytest.raises(InvalidInput, match="names no market type"):
        _factory(market_types={"CX": []}).broker(_account(), BrokerChoice())


def test_factory_live_environment_is_live_and_missing_keys_are_named() -> None:
    async def scenario() -> None:
        live = _factory(environment="live").broker(_account(), BrokerChoice())
        await live.aclose()
        assert live.is_live

    asyncio.run(scenario())
    with pytest.raises(InvalidInput, match="TRIMTAB_CRYPTO_API_KEY"):
        _factory(api_key=None).broker(_account(), BrokerChoice())
    with pytest.raises(InvalidInput, match="testnet or live"):
        _factory().broker(_account(), BrokerChoice(environment="real"))
