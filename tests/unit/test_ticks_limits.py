"""Daily limits and limit prices (src/trimtab/domain/ticks.py): PriceLimits, daily_limits, limit_price."""

from __future__ import annotations

import pytest

from tests.unit.tick_instruments import ETF, STOCK, US_STOCK, D, _crypto
from trimtab.domain.errors import DomainError, InvalidInput
from trimtab.domain.instruments import Instrument
from trimtab.domain.ticks import PriceLimits, daily_limits, limit_price

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
