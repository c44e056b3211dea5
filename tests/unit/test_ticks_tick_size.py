"""Tick tables and price validity (src/trimtab/domain/ticks.py): tick_size, is_valid_price."""

from __future__ import annotations

import pytest

from tests.unit.tick_instruments import ELW, ETF, ETN, STOCK, US_STOCK, D, _crypto, _krx
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.ticks import is_valid_price, tick_size

# --- tick_size -------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "tick"), [
    ("1", 1), ("1999", 1), ("1999.5", 1),
    ("2000", 5), ("4995", 5), ("4999", 5),
    ("5000", 10), ("19990", 10), ("19999", 10),
    ("20000", 50), ("49950", 50), ("49999", 50),
    ("50000", 100), ("199900", 100), ("199999", 100),
    ("200000", 500), ("499500", 500), ("499999", 500),
    ("500000", 1000), ("3000000", 1000),
])
def test_tick_size_stock_each_band_edge_both_sides_matches_krx_table(price: str, tick: int) -> None:
    assert tick_size(STOCK, D(price)) == tick


@pytest.mark.parametrize("market", [Market.KRX, Market.KOSPI, Market.KOSDAQ, Market.KONEX])
def test_tick_size_every_korean_market_uses_shared_stock_table(market: Market) -> None:
    stock = _krx(market=market)
    ticks = (tick_size(stock, D(1999)), tick_size(stock, D(2000)), tick_size(stock, D(500000)))
    assert ticks == (D(1), D(5), D(1000))


@pytest.mark.parametrize("instrument_type", [InstrumentType.FUND, InstrumentType.CRYPTO])
def test_tick_size_other_korean_types_use_stock_table(instrument_type: InstrumentType) -> None:
    assert tick_size(_krx(instrument_type), D(50000)) == 100


@pytest.mark.parametrize("instrument", [ETF, ETN])
@pytest.mark.parametrize(("price", "tick"), [
    ("1", 1), ("1999", 1), ("2000", 5), ("2005", 5), ("50000", 5), ("600000", 5),
])
def test_tick_size_etf_etn_below_2000_is_1_else_5(instrument: Instrument, price: str, tick: int) -> None:
    assert tick_size(instrument, D(price)) == tick


@pytest.mark.parametrize("price", ["5", "1999", "2000", "50000", "600000"])
def test_tick_size_elw_any_price_is_5(price: str) -> None:
    assert tick_size(ELW, D(price)) == 5


@pytest.mark.parametrize(("price", "tick"), [
    ("0.0001", "0.0001"), ("0.9999", "0.0001"), ("1", "0.01"), ("1.01", "0.01"), ("250.37", "0.01"),
])
def test_tick_size_us_below_and_above_one_dollar(price: str, tick: str) -> None:
    assert tick_size(US_STOCK, D(price)) == D(tick)


@pytest.mark.parametrize("tick", ["0.01", "0.1"])
def test_tick_size_crypto_uses_instrument_tick_at_any_price(tick: str) -> None:
    crypto = _crypto(tick)
    assert tick_size(crypto, D("0.5")) == D(tick)
    assert tick_size(crypto, D("65000")) == D(tick)


def test_tick_size_crypto_without_tick_raises_naming_symbol_and_field() -> None:
    with pytest.raises(InvalidInput, match="tick_size") as caught:
        tick_size(_crypto(None), D(100))
    assert "BTC/USDT" in str(caught.value)
    assert caught.value.field == "tick_size"


def test_tick_size_explicit_instrument_tick_overrides_korean_table() -> None:
    stock = Instrument(symbol="005930", market=Market.KRX, instrument_type=InstrumentType.STOCK,
                       currency="KRW", tick_size=D(5))
    assert tick_size(stock, D(100)) == 5
    assert tick_size(stock, D(600000)) == 5


def test_tick_size_explicit_instrument_tick_overrides_us_table() -> None:
    us = Instrument(symbol="XYZ", market=Market.US, instrument_type=InstrumentType.STOCK, currency="USD",
                    tick_size=D("0.05"))
    assert tick_size(us, D("0.5")) == D("0.05")


@pytest.mark.parametrize("tick", ["0", "-0.01", "NaN"])
def test_tick_size_non_positive_instrument_tick_raises_invalid_input(tick: str) -> None:
    with pytest.raises(InvalidInput, match="tick_size"):
        tick_size(_crypto(tick), D(100))


@pytest.mark.parametrize("price", ["0", "-5", "NaN", "Infinity"])
def test_tick_size_non_positive_or_non_finite_price_raises_invalid_input(price: str) -> None:
    with pytest.raises(InvalidInput, match="price"):
        tick_size(STOCK, D(price))


# --- is_valid_price --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "valid"), [
    ("1", True), ("1999", True), ("1999.5", False), ("2000", True), ("2001", False), ("2005", True),
    ("4995", True), ("5000", True), ("5005", False), ("20050", True), ("20010", False),
    ("49950", True), ("50050", False), ("50100", True), ("200500", True), ("200100", False),
    ("500000", True), ("500500", False), ("2000.0", True),
])
def test_is_valid_price_stock_on_and_off_grid(price: str, valid: bool) -> None:
    assert is_valid_price(STOCK, D(price)) is valid


@pytest.mark.parametrize("price", ["0", "-1", "NaN", "-Infinity", "Infinity"])
def test_is_valid_price_non_positive_or_non_finite_is_false(price: str) -> None:
    assert is_valid_price(STOCK, D(price)) is False


@pytest.mark.parametrize(("price", "valid"), [
    ("0.0001", True), ("0.5432", True), ("0.54321", False), ("1.23", True), ("1.234", False),
])
def test_is_valid_price_us_sub_dollar_and_cents(price: str, valid: bool) -> None:
    assert is_valid_price(US_STOCK, D(price)) is valid


def test_is_valid_price_etf_above_2000_needs_multiple_of_5() -> None:
    assert is_valid_price(ETF, D(1999)) is True
    assert is_valid_price(ETF, D(2003)) is False
    assert is_valid_price(ETF, D(52005)) is True


def test_is_valid_price_crypto_tick_point_one() -> None:
    crypto = _crypto("0.1")
    assert is_valid_price(crypto, D("65000.3")) is True
    assert is_valid_price(crypto, D("65000.35")) is False
