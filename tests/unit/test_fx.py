"""FX: one exact conversion rule (multiply, or divide by the inverse pair; round once, half-even, to the target's
minor unit), rates with their source and time, and a missing pair named in the error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trimtab.domain.errors import InvalidInput
from trimtab.domain.fx import FxRate, FxRates, format_age

AT = dt.datetime(2026, 11, 30, 17, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def rate(pair: str, value: str, source: str = "MAS") -> FxRate:
    base, quote = pair.split("/")
    return FxRate(base, quote, Decimal(value), source, AT)


def test_a_direct_pair_multiplies_and_rounds_once_half_even_to_cents() -> None:
    rates = FxRates([rate("USD/SGD", "1.3452")])
    conversion = rates.conversion("USD", "SGD")
    assert conversion.apply(Decimal("100")) == Decimal("134.52")
    assert conversion.apply(Decimal("0.125")) == Decimal("0.17")  # 0.16815 -> 0.17
    assert conversion.apply(Decimal("1250.37")) == Decimal("1682.00")  # 1681.997724
    assert FxRates([rate("USD/SGD", "1.5")]).conversion("USD", "SGD").apply(Decimal("0.01")) == Decimal("0.02")
    assert FxRates([rate("USD/SGD", "1.25")]).conversion("USD", "SGD").apply(Decimal("0.01")) == Decimal("0.01")


def test_an_inverse_pair_divides_and_whole_won_have_no_decimals() -> None:
    rates = FxRates([rate("SGD/KRW", "1045")])
    assert rates.conversion("KRW", "SGD").apply(Decimal("1045000")) == Decimal("1000.00")
    assert rates.conversion("KRW", "SGD").apply(Decimal(1)) == Decimal("0.00")
    assert rates.conversion("SGD", "KRW").apply(Decimal("1.005")) == Decimal("1050")  # 1050.225 -> whole won
    assert rates.conversion("KRW", "SGD").factor.quantize(Decimal("1e-12")) == Decimal("0.000956937799")


def test_the_same_currency_is_not_converted_and_needs_no_rate() -> None:
    conversion = FxRates([]).conversion("SGD", "SGD")
    assert conversion.used is None
    assert conversion.apply(Decimal("12.345")) == Decimal("12.34")  # still on the currency's minor unit


def test_a_missing_rate_names_the_pair() -> None:
    with pytest.raises(InvalidInput, match="no FX rate for KRW/SGD"):
        FxRates([rate("USD/SGD", "1.3452")], where="rates.yaml").conversion("KRW", "SGD")


@pytest.mark.parametrize("rates", [[rate("USD/SGD", "1.3"), rate("USD/SGD", "1.3")],
                                   [rate("USD/SGD", "1.3"), rate("SGD/USD", "0.77")]])
def test_a_pair_given_twice_is_refused(rates: list[FxRate]) -> None:
    with pytest.raises(InvalidInput, match="given twice"):
        FxRates(rates)


@pytest.mark.parametrize("value", ["0", "-1.2"])
def test_a_rate_must_be_positive(value: str) -> None:
    with pytest.raises(InvalidInput, match="positive"):
        FxRates([rate("USD/SGD", value)])


def test_rates_from_a_file_win_over_a_broker_s_for_the_same_pair() -> None:
    merged = FxRates([rate("USD/SGD", "1.3452", "file")]).merged([rate("SGD/USD", "0.75", "IBKR"),
                                                                   rate("KRW/SGD", "0.000957", "IBKR")])
    assert merged.conversion("USD", "SGD").used == rate("USD/SGD", "1.3452", "file")
    assert merged.conversion("KRW", "SGD").used is not None


def test_ages_read_as_minutes_hours_and_days() -> None:
    assert format_age(dt.timedelta(minutes=45, seconds=59)) == "45 min"
    assert format_age(dt.timedelta(hours=3, minutes=20)) == "3 h 20 min"
    assert format_age(dt.timedelta(days=2, hours=4, minutes=5)) == "2 d 4 h"
    assert rate("USD/SGD", "1").age(AT - dt.timedelta(hours=1)) == dt.timedelta(0)  # never negative
