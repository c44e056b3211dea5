"""Tick tables, rounding, stepping and daily limits (src/trimtab/domain/ticks.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.ticks import (
    Direction,
    PriceLimits,
    daily_limits,
    is_valid_price,
    limit_price,
    round_to_tick,
    shift_ticks,
    tick_size,
)

D = Decimal


def _krx(instrument_type: InstrumentType = InstrumentType.STOCK, market: Market = Market.KRX) -> Instrument:
    return Instrument(symbol="005930", market=market, instrument_type=instrument_type, currency="KRW")


STOCK = _krx()
ETF = _krx(InstrumentType.ETF)
ETN = _krx(InstrumentType.ETN)
ELW = _krx(InstrumentType.ELW)
US_STOCK = Instrument(symbol="AAPL", market=Market.US, instrument_type=InstrumentType.STOCK, currency="USD")


def _crypto(tick: str | None) -> Instrument:
    return Instrument(symbol="BTC/USDT", market=Market.CRYPTO, instrument_type=InstrumentType.CRYPTO,
                      currency="USDT", tick_size=None if tick is None else D(tick))


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


# --- round_to_tick ---------------------------------------------------------------------------------------

@pytest.mark.parametrize(("price", "direction", "expected"), [
    ("2003", Direction.DOWN, "2000"),
    ("2003", Direction.UP, "2005"),
    ("1999.5", Direction.UP, "2000"),
    ("1999.5", Direction.DOWN, "1999"),
    ("4999", Direction.UP, "5000"),
    ("4999", Direction.DOWN, "4995"),
    ("19995", Direction.UP, "20000"),
    ("19995", Direction.DOWN, "19990"),
    ("49999", Direction.DOWN, "49950"),
    ("49999", Direction.UP, "50000"),
    ("199999", Direction.UP, "200000"),
    ("199999", Direction.DOWN, "199900"),
    ("499999", Direction.UP, "500000"),
    ("499999", Direction.DOWN, "499500"),
    ("500001", Direction.UP, "501000"),
    ("500001", Direction.DOWN, "500000"),
])
def test_round_to_tick_stock_off_grid_goes_to_neighbour_across_band_edges(
    price: str, direction: Direction, expected: str,
) -> None:
    assert round_to_tick(STOCK, D(price), direction) == D(expected)


@pytest.mark.parametrize("price", ["1", "1999", "2000", "4995", "5000", "20000", "49950", "50000", "500000"])
@pytest.mark.parametrize("direction", [Direction.UP, Direction.DOWN])
def test_round_to_tick_stock_on_grid_returns_price_unchanged(price: str, direction: Direction) -> None:
    assert round_to_tick(STOCK, D(price), direction) == D(price)


def test_round_to_tick_up_below_first_tick_returns_first_tick() -> None:
    assert round_to_tick(STOCK, D("0.4"), Direction.UP) == 1
    assert round_to_tick(ELW, D(3), Direction.UP) == 5


@pytest.mark.parametrize(("instrument", "price"), [(STOCK, "0.4"), (ELW, "4"), (US_STOCK, "0.00005")])
def test_round_to_tick_down_below_first_tick_raises_domain_error(instrument: Instrument, price: str) -> None:
    with pytest.raises(DomainError):
        round_to_tick(instrument, D(price), Direction.DOWN)


@pytest.mark.parametrize(("price", "direction", "expected"), [
    ("0.99995", Direction.UP, "1"),
    ("0.99995", Direction.DOWN, "0.9999"),
    ("1.005", Direction.DOWN, "1.00"),
    ("1.005", Direction.UP, "1.01"),
    ("0.12345", Direction.UP, "0.1235"),
])
def test_round_to_tick_us_around_one_dollar(price: str, direction: Direction, expected: str) -> None:
    assert round_to_tick(US_STOCK, D(price), direction) == D(expected)


@pytest.mark.parametrize(("tick", "price", "down", "up"), [
    ("0.01", "65000.123", "65000.12", "65000.13"),
    ("0.1", "65000.123", "65000.1", "65000.2"),
    ("0.1", "65000.1", "65000.1", "65000.1"),
])
def test_round_to_tick_crypto_uses_instrument_tick(tick: str, price: str, down: str, up: str) -> None:
    crypto = _crypto(tick)
    assert round_to_tick(crypto, D(price), Direction.DOWN) == D(down)
    assert round_to_tick(crypto, D(price), Direction.UP) == D(up)


def test_round_to_tick_etf_across_2000_edge() -> None:
    assert round_to_tick(ETF, D("1999.5"), Direction.UP) == 2000
    assert round_to_tick(ETF, D(2004), Direction.DOWN) == 2000
    assert round_to_tick(ETF, D(2001), Direction.UP) == 2005


def test_round_to_tick_zero_price_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        round_to_tick(STOCK, D(0), Direction.UP)


# --- shift_ticks -----------------------------------------------------------------------------------------

@pytest.mark.parametrize(("instrument", "price", "ticks", "expected"), [
    (STOCK, "50000", -1, "49950"),
    (STOCK, "4995", 1, "5000"),
    (STOCK, "2000", -1, "1999"),
    (STOCK, "1999", 1, "2000"),
    (STOCK, "20000", -1, "19990"),
    (STOCK, "19990", 1, "20000"),
    (STOCK, "200000", -1, "199900"),
    (STOCK, "500000", -1, "499500"),
    (STOCK, "499500", 1, "500000"),
    (ETF, "2000", -1, "1999"),
    (ETF, "1999", 1, "2000"),
    (ELW, "5", 1, "10"),
    (US_STOCK, "1", -1, "0.9999"),
    (US_STOCK, "0.9999", 1, "1"),
])
def test_shift_ticks_one_tick_across_band_edge_uses_tick_of_destination_side(
    instrument: Instrument, price: str, ticks: int, expected: str,
) -> None:
    assert shift_ticks(instrument, D(price), ticks) == D(expected)


def test_shift_ticks_zero_rounds_up() -> None:
    assert shift_ticks(STOCK, D(2003), 0) == 2005


def test_shift_ticks_positive_off_grid_rounds_up_then_steps() -> None:
    # 2,003 → 2,005 (round up), then 2 ticks of 5.
    assert shift_ticks(STOCK, D(2003), 2) == 2015


def test_shift_ticks_negative_off_grid_rounds_down_then_steps() -> None:
    # 2,003 → 2,000 (round down), then 1,999 and 1,998.
    assert shift_ticks(STOCK, D(2003), -2) == 1998


def test_shift_ticks_up_across_two_band_edges() -> None:
    # 4,990 → 4,995 → 5,000 (2 ticks of 5); 1,500 ticks of 10 reach 20,000; 2 ticks of 50 reach 20,100.
    assert shift_ticks(STOCK, D(4990), 2 + 1500 + 2) == 20100


def test_shift_ticks_down_across_two_band_edges() -> None:
    # 5,010 → 5,000 (1 tick of 10); 600 ticks of 5 reach 2,000; 3 ticks of 1 reach 1,997.
    assert shift_ticks(STOCK, D(5010), -(1 + 600 + 3)) == 1997


def test_shift_ticks_there_and_back_across_two_band_edges_returns_start() -> None:
    assert shift_ticks(STOCK, D(20100), -(2 + 1500 + 2)) == 4990
    assert shift_ticks(STOCK, D(1997), 3 + 600 + 1) == 5010


def test_shift_ticks_below_smallest_price_raises_domain_error() -> None:
    assert shift_ticks(STOCK, D(3), -2) == 1
    with pytest.raises(DomainError):
        shift_ticks(STOCK, D(3), -3)
    with pytest.raises(DomainError):
        shift_ticks(ELW, D(10), -2)


def test_shift_ticks_crypto_steps_by_instrument_tick() -> None:
    assert shift_ticks(_crypto("0.01"), D("100.005"), 3) == D("100.04")
    assert shift_ticks(_crypto("0.1"), D("100.05"), -3) == D("99.7")


# --- PriceLimits and daily_limits ------------------------------------------------------------------------

def test_price_limits_contains_bounds_inclusive() -> None:
    limits = PriceLimits(lower=D(35000), upper=D(65000))
    assert limits.contains(D(35000))
    assert limits.contains(D(65000))
    assert not limits.contains(D(34999))
    assert not limits.contains(D(65001))


def test_price_limits_lower_above_upper_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        PriceLimits(lower=D(2), upper=D(1))


@pytest.mark.parametrize(("instrument", "base", "lower", "upper"), [
    # 50,000 × 1.3 = 65,000 (tick 100); × 0.7 = 35,000 (tick 50).
    (STOCK, "50000", "35000", "65000"),
    # 10,150 × 1.3 = 13,195 → down to tick 10 → 13,190; × 0.7 = 7,105 → up to tick 10 → 7,110.
    (STOCK, "10150", "7110", "13190"),
    # 1,990 × 1.3 = 2,587 → tick 5 → 2,585; × 0.7 = 1,393 (tick 1).
    (STOCK, "1990", "1393", "2585"),
    # 170,100 × 1.3 = 221,130 → down to tick 500 → 221,000; × 0.7 = 119,070 → up to tick 100 → 119,100.
    (STOCK, "170100", "119100", "221000"),
    # 450,000 × 1.3 = 585,000 (tick 1,000); × 0.7 = 315,000 (tick 500).
    (STOCK, "450000", "315000", "585000"),
    # 1,001 × 1.3 = 1,301.3 → 1,301; × 0.7 = 700.7 → 701.
    (STOCK, "1001", "701", "1301"),
    # ETF 10,005 × 1.3 = 13,006.5 → tick 5 → 13,005; × 0.7 = 7,003.5 → 7,005.
    (ETF, "10005", "7005", "13005"),
])
def test_daily_limits_korean_base_price_is_30_percent_on_grid(
    instrument: Instrument, base: str, lower: str, upper: str,
) -> None:
    assert daily_limits(instrument, D(base)) == PriceLimits(lower=D(lower), upper=D(upper))


def test_daily_limits_outside_korea_is_none() -> None:
    assert daily_limits(US_STOCK, D(100)) is None
    assert daily_limits(_crypto("0.01"), D(100)) is None


def test_daily_limits_zero_base_raises_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        daily_limits(STOCK, D(0))


# --- limit_price -----------------------------------------------------------------------------------------

LIMITS_50000 = PriceLimits(lower=D(35000), upper=D(65000))


def test_limit_price_without_limits_is_shift_ticks() -> None:
    assert limit_price(STOCK, D(50000), -1, None) == 49950


def test_limit_price_inside_limits_is_shift_ticks() -> None:
    assert limit_price(STOCK, D(50000), 3, LIMITS_50000) == 50300


def test_limit_price_buy_above_upper_limit_becomes_upper_limit() -> None:
    assert limit_price(STOCK, D(64950), 5, LIMITS_50000) == 65000


def test_limit_price_sell_below_lower_limit_becomes_lower_limit() -> None:
    assert limit_price(STOCK, D(35050), -5, LIMITS_50000) == 35000


def test_limit_price_off_grid_limits_are_pulled_inward_onto_grid() -> None:
    limits = PriceLimits(lower=D(7105), upper=D(13195))
    assert limit_price(STOCK, D(13000), 50, limits) == 13190
    assert limit_price(STOCK, D(7200), -50, limits) == 7110


def test_limit_price_sell_below_smallest_price_becomes_lower_limit() -> None:
    assert limit_price(STOCK, D(3), -5, PriceLimits(lower=D(3), upper=D(4))) == 3


def test_limit_price_no_valid_price_within_limits_raises_domain_error() -> None:
    with pytest.raises(DomainError):
        limit_price(STOCK, D(2000), 0, PriceLimits(lower=D(2001), upper=D(2004)))


# --- properties ------------------------------------------------------------------------------------------

KRX_PRICED = st.sampled_from([STOCK, ETF])
PRICES = st.integers(min_value=1, max_value=3_000_000).map(Decimal)
STEPS = st.integers(min_value=-20, max_value=20)


@given(KRX_PRICED, PRICES, STEPS)
def test_shift_ticks_random_price_and_steps_returns_valid_price(
    instrument: Instrument, price: Decimal, ticks: int,
) -> None:
    if ticks < 0 and price <= -ticks:  # below 2,000 every won is a price: fewer than |ticks| below
        with pytest.raises(DomainError):
            shift_ticks(instrument, price, ticks)
        return
    assert is_valid_price(instrument, shift_ticks(instrument, price, ticks))


@given(KRX_PRICED, PRICES)
def test_round_to_tick_random_price_returns_closest_valid_price_on_each_side(
    instrument: Instrument, price: Decimal,
) -> None:
    down = round_to_tick(instrument, price, Direction.DOWN)
    up = round_to_tick(instrument, price, Direction.UP)
    assert is_valid_price(instrument, down)
    assert is_valid_price(instrument, up)
    assert down <= price <= up
    # No valid price strictly between: the next valid price past each result lies beyond the input.
    assert shift_ticks(instrument, down, 1) > price
    if up > 1:
        assert shift_ticks(instrument, up, -1) < price
    assert (down == up) is is_valid_price(instrument, price)


@given(KRX_PRICED, PRICES, STEPS)
def test_shift_ticks_there_and_back_returns_rounded_start(
    instrument: Instrument, price: Decimal, ticks: int,
) -> None:
    direction = Direction.UP if ticks >= 0 else Direction.DOWN
    if ticks < 0 and price <= -ticks:
        return  # covered by the random-shift test above: stepping down that far raises
    moved = shift_ticks(instrument, price, ticks)
    assert shift_ticks(instrument, moved, -ticks) == round_to_tick(instrument, price, direction)


@given(KRX_PRICED, st.integers(min_value=1, max_value=3_000_000))
def test_round_to_tick_random_half_won_price_is_never_valid_and_rounds_to_neighbours(
    instrument: Instrument, whole: int,
) -> None:
    price = D(whole) - D("0.5")
    up = round_to_tick(instrument, price, Direction.UP)
    assert is_valid_price(instrument, up)
    assert up > price
    if up > 1:
        assert shift_ticks(instrument, up, -1) < price
