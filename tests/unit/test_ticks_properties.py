"""Properties of rounding and stepping on random prices (src/trimtab/domain/ticks.py)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.unit.tick_instruments import ETF, STOCK, US_STOCK, D
from trimtab.domain.errors import DomainError
from trimtab.domain.instruments import Instrument
from trimtab.domain.ticks import Direction, is_valid_price, round_to_tick, shift_ticks, ticks_between

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


@settings(max_examples=300, deadline=None, derandomize=True)
@given(instrument=st.sampled_from([STOCK, ETF, US_STOCK]), low_cents=st.integers(1, 60_000_000),
       width=st.integers(0, 3_000_000))
def test_ticks_between_counts_what_shift_ticks_walks(instrument: Instrument, low_cents: int, width: int) -> None:
    low = round_to_tick(instrument, Decimal(low_cents) / 100, Direction.UP)
    high = low + Decimal(width) / 100
    count = ticks_between(instrument, low, high)
    assert shift_ticks(instrument, low, count) <= high
    assert shift_ticks(instrument, low, count + 1) > high
