"""Drift at class and ticker level, bands and breaches."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fakes.builders import account, flat, krx, two_level
from trimtab.domain.drift import Bands, Breach, measure_drift, value_account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.numbers import ZERO

ETF = InstrumentType.ETF
MODEL = two_level("KR", {"EQ": ("60", {"A": "50", "B": "50"}), "BOND": ("35", {"C": "100"}), "CASH": ("5", {})})


def test_drift_two_level_class_and_in_class_weights() -> None:
    # equity 1,000,000: A 400k, B 200k, C 350k, cash 50k
    snap = account("50000", {"A": (krx("A", ETF), "40", "10000"), "B": (krx("B", ETF), "20", "10000"),
                             "C": (krx("C", ETF), "35", "10000")})
    report = measure_drift(MODEL, value_account(snap), Bands(), cash_buffer=ZERO)
    classes = {c.name: c for c in report.classes}
    assert classes["EQ"].current_weight == Decimal("0.6")
    assert classes["EQ"].breach is None
    assert classes["CASH"].current_weight == Decimal("0.05")
    tickers = {t.symbol: t for t in report.tickers}
    assert tickers["A"].current_in_class == Decimal(4) / 6
    assert tickers["A"].target_weight == Decimal("0.30")
    assert tickers["A"].breach is Breach.ABSOLUTE  # 66.7 % inside the class against 50 %
    assert report.rebalance_needed


def test_drift_exactly_on_the_band_is_not_a_breach() -> None:
    snap = account("0", {"A": (krx("A", ETF), "55", "10000"), "B": (krx("B", ETF), "45", "10000")})
    report = measure_drift(flat("M", {"A": "50", "B": "50"}), value_account(snap), Bands(), cash_buffer=ZERO)
    assert not report.rebalance_needed
    tight = measure_drift(flat("M", {"A": "50", "B": "50"}), value_account(snap),
                          Bands(ticker_band=Decimal("0.0499")), cash_buffer=ZERO)
    assert tight.rebalance_needed


def test_drift_relative_band() -> None:
    snap = account("0", {"A": (krx("A", ETF), "92", "10000"), "B": (krx("B", ETF), "8", "10000")})
    model = flat("M", {"A": "90", "B": "10"})
    assert not measure_drift(model, value_account(snap), Bands(), cash_buffer=ZERO).rebalance_needed
    relative = Bands(relative_band=Decimal("0.15"))  # B is 20 % below its 10 % target
    report = measure_drift(model, value_account(snap), relative, cash_buffer=ZERO)
    assert {t.symbol: t.breach for t in report.tickers}["B"] is Breach.RELATIVE


def test_drift_held_outside_model_breaches_and_excluded_does_not() -> None:
    snap = account("0", {"A": (krx("A", ETF), "99", "10000"), "Z": (krx("Z", ETF), "1", "10000"),
                         "X": (krx("X"), "50", "10000")}, excluded=frozenset({"X"}))
    report = measure_drift(flat("M", {"A": "100"}), value_account(snap), Bands(), cash_buffer=ZERO)
    rows = {t.symbol: t for t in report.tickers}
    assert rows["Z"].breach is Breach.NOT_IN_MODEL
    assert "X" not in rows
    assert value_account(snap).equity == Decimal(1000000)


def test_drift_idle_cash_breaches_the_class_band() -> None:
    snap = account("100000", {"A": (krx("A", ETF), "90", "10000")})
    report = measure_drift(flat("M", {"A": "100"}), value_account(snap), Bands(), cash_buffer=ZERO)
    cash = next(c for c in report.classes if c.name == "CASH")
    assert cash.breach is Breach.ABSOLUTE
    assert report.breaches()[0] == "class CASH overweight +10.00 pp (10.00% vs target 0.00%, absolute band ±3.00 pp)"


def test_drift_empty_account_is_refused() -> None:
    with pytest.raises(InvalidInput, match="no positive equity"):
        value_account(account("0"))


@pytest.mark.parametrize("field", ["class_band", "ticker_band", "relative_band"])
def test_bands_out_of_range_name_the_field(field: str) -> None:
    with pytest.raises(InvalidInput, match=field):
        Bands(**{field: Decimal("1.5")})
