"""Cash in other currencies than the account's (IBKR's CashBalance per currency) is converted, not dropped."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trimtab.domain.errors import InvalidInput
from trimtab.domain.fx import FxRate, FxRates
from trimtab.domain.positions_report import AccountReading, build_positions_report
from trimtab.domain.snapshot import AccountSnapshot

NOW = dt.datetime(2026, 11, 30, 9, tzinfo=dt.UTC)


def reading(other: dict[str, Decimal]) -> AccountReading:
    snapshot = AccountSnapshot("DU1", "USD", Decimal(1000), (), {}, NOW.date())
    return AccountReading(snapshot, NOW, other)


def test_other_currencies_cash_counts_in_the_base_currency_with_its_rate() -> None:
    rates = FxRates([FxRate("USD", "EUR", Decimal("0.9"), "file", NOW), FxRate("SGD", "EUR", Decimal("0.7"),
                                                                             "IBKR", NOW)])
    report = build_positions_report([reading({"SGD": Decimal(500), "USD": Decimal(1000), "HKD": Decimal(0)})],
                                    "EUR", rates, NOW)
    account = report.accounts[0]
    assert [(line.currency, line.amount, line.base_value) for line in account.other_cash] == [
        ("SGD", Decimal(500), Decimal("350.00"))]  # the account's own currency and empty balances are left out
    assert account.own_cash == Decimal("900.00")
    assert account.cash == Decimal("1250.00")
    assert account.total == Decimal("1250.00")
    assert [rate.pair for rate in report.rates] == ["SGD/EUR", "USD/EUR"]  # both rates are named in the report


def test_a_cash_currency_without_a_rate_names_the_pair() -> None:
    rates = FxRates([FxRate("USD", "EUR", Decimal("0.9"), "file", NOW)])
    with pytest.raises(InvalidInput, match="SGD/EUR"):
        build_positions_report([reading({"SGD": Decimal(500)})], "EUR", rates, NOW)
