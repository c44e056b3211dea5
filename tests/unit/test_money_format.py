"""One money formatter: each currency's decimals, finer values kept, quantities at their step."""

from __future__ import annotations

from decimal import Decimal

import pytest

from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.money_format import format_money, format_quantity

BTC = Instrument("BTC/USDT", Market.CRYPTO, InstrumentType.CRYPTO, "USDT", lot_size=Decimal("0.0001"),
                 tick_size=Decimal("0.01"))


@pytest.mark.parametrize(("value", "currency", "shown"), [
    ("48955.00", "KRW", "48,955"),  # printed 48955.00 in the run view before
    ("98600", "KRW", "98,600"),
    ("0", "KRW", "0"),
    ("1234567", "JPY", "1,234,567"),
    ("31850.7", "USD", "31,850.70"),  # printed 31,850.7 before
    ("5", "EUR", "5.00"),
    ("1234.5", "SGD", "1,234.50"),
    ("12.3456", "USD", "12.3456"),  # a sub-penny price keeps its digits
    ("0.5001", "USD", "0.5001"),
    ("-1234.5", "USD", "-1,234.50"),
    ("-0.00", "USD", "0.00"),
    ("0.0015", "BTC", "0.00150000"),
    ("1.5", "ETH", "1.50000000"),
    ("70154.545454545454545", "KRW", "70,154.5455"),  # an average: four digits more at most, half-even
    ("1E+30", "KRW", "1,000,000,000,000,000,000,000,000,000,000"),
    ("12.5", None, "12.5"),  # no currency known: exact, no fixed decimals
])
def test_money_has_its_currencys_decimals_and_never_drops_finer_digits(value: str, currency: str | None,
                                                                          shown: str) -> None:
    assert format_money(Decimal(value), currency) == shown


def test_an_instruments_own_tick_sets_its_prices_decimals() -> None:
    assert format_money(Decimal("90000.5"), "USDT", BTC) == "90,000.50"
    assert format_money(Decimal("90000.5"), "USDT") == "90,000.50000000"


@pytest.mark.parametrize(("quantity", "instrument", "shown"), [
    ("1250", None, "1,250"),
    ("1250.000", None, "1,250"),
    ("0.15", BTC, "0.1500"),
    ("0.00012345", None, "0.00012345"),  # a quantity is exact: never rounded
    ("3", BTC, "3.0000"),
])
def test_quantities_are_whole_or_at_their_lot_step(quantity: str, instrument: Instrument | None, shown: str) -> None:
    assert format_quantity(Decimal(quantity), instrument) == shown
