"""Commission and Korean sell tax: rates by date and type, rounding up, and the kernel agreeing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.domain.allocation import AllocationBatch, trade_costs
from trimtab.domain.costs import commission, sell_tax, sell_tax_rate
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.snapshot import CostSettings


@pytest.mark.parametrize(("market", "kind", "on", "rate"), [
    (Market.KOSPI, InstrumentType.STOCK, dt.date(2024, 6, 1), "0.0018"),
    (Market.KOSPI, InstrumentType.STOCK, dt.date(2025, 12, 31), "0.0015"),
    (Market.KOSPI, InstrumentType.STOCK, dt.date(2026, 1, 1), "0.0020"),
    (Market.KOSDAQ, InstrumentType.STOCK, dt.date(2026, 11, 20), "0.0020"),
    (Market.KRX, InstrumentType.STOCK, dt.date(2025, 3, 3), "0.0015"),
    (Market.KONEX, InstrumentType.STOCK, dt.date(2026, 3, 3), "0.0010"),
    (Market.KRX, InstrumentType.ETF, dt.date(2026, 3, 3), "0"),
    (Market.KRX, InstrumentType.ETN, dt.date(2026, 3, 3), "0"),
    (Market.US, InstrumentType.STOCK, dt.date(2026, 3, 3), "0"),
])
def test_sell_tax_rate_by_market_type_and_date(market: Market, kind: InstrumentType, on: dt.date,
                                               rate: str) -> None:
    instrument = Instrument("X", market, kind, "KRW")
    assert sell_tax_rate(instrument, on) == Decimal(rate)


def test_commission_rounds_up_to_minor_unit_and_applies_minimum() -> None:
    settings_ = CostSettings(commission_rate=Decimal("0.00015"), commission_minimum=Decimal(0))
    assert commission(Decimal(493500), settings_, "KRW") == Decimal(75)  # 74.025 -> 75
    assert commission(Decimal(0), settings_, "KRW") == 0
    dollars = CostSettings(commission_rate=Decimal("0.00005"), commission_minimum=Decimal(1))
    assert commission(Decimal("33175.89"), dollars, "USD") == Decimal("1.66")  # 1.6587945 -> 1.66
    assert commission(Decimal("100"), dollars, "USD") == Decimal(1)


def test_sell_tax_rounds_up_and_is_zero_for_exempt() -> None:
    assert sell_tax(Decimal(9990000), Decimal("0.0020"), "KRW") == Decimal(19980)
    assert sell_tax(Decimal(12345), Decimal("0.0020"), "KRW") == Decimal(25)  # 24.69 -> 25
    assert sell_tax(Decimal(12345), Decimal(0), "KRW") == 0


@settings(max_examples=200, deadline=None)
@given(value=st.integers(0, 10**9), rate=st.integers(0, 5000), minimum=st.integers(0, 2000),
       tax=st.integers(0, 30))
def test_kernel_costs_equal_decimal_costs(value: int, rate: int, minimum: int, tax: int) -> None:
    # rate in units of 1e-7, tax in units of 1e-4; one lot of `value` won sold
    costs = CostSettings(commission_rate=Decimal(rate) / 10**7, commission_minimum=Decimal(minimum))
    tax_rate = Decimal(tax) / 10**4
    expected = commission(Decimal(value), costs, "KRW") + sell_tax(Decimal(value), tax_rate, "KRW")
    one = np.array([[value]], dtype=np.int64)
    batch = AllocationBatch(
        lot_value=one, buy_price=one, sell_price=one, held_value=one, target_value=one * 0,
        lower=one * 0 - 1, upper=one * 0 + 1, cash=np.array([0]), reserve=np.array([0]),
        commission_rate=np.array([rate * 1000]), commission_minimum=np.array([minimum]),
        sell_tax_rate=np.array([[tax * 10**6]]), cost_quantum=np.array([1]), rate_denominator=10**10,
    )
    assert trade_costs(batch, np.array([[-1]]))[0, 0] == int(expected)

