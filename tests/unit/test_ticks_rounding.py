"""Rounding and stepping on the tick grid (src/trimtab/domain/ticks.py): round_to_tick, shift_ticks."""

from __future__ import annotations

import pytest

from tests.unit.tick_instruments import ELW, ETF, STOCK, US_STOCK, D, _crypto
from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.instruments import Instrument
from trimtab.domain.ticks import Direction, round_to_tick, shift_ticks

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
