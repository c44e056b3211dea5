"""Performance metrics of fixed equity series: hand-computed expectations, and what the library gives."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from decimal import Decimal

import pytest

from trimtab.adapters.analytics.performance_meter import EmpyricalMeter
from trimtab.domain.ledger import EntryKind, LedgerEntry, StrategyPosition
from trimtab.domain.performance import (
    EquitySnapshot,
    SnapshotSource,
    opening_cash,
    period_returns,
    spent_by,
    value_positions,
)
from trimtab.domain.strategies import StrategyId

D = Decimal
AT = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def series(*equities: str) -> list[EquitySnapshot]:
    start = dt.date(2026, 11, 2)
    return [EquitySnapshot("A", "core", start + dt.timedelta(days=i), D(e), D(0), SnapshotSource.LIVE, AT)
            for i, e in enumerate(equities)]


def test_period_returns_are_simple_returns_in_date_order() -> None:
    rows = series("100", "110", "99", "120")
    assert period_returns(list(reversed(rows))) == [D("0.1"), D("-0.1"), D(120) / D(99) - 1]


def test_period_returns_leave_out_a_period_starting_at_zero() -> None:
    assert period_returns(series("0", "100", "150")) == [D("0.5")]


def test_metrics_of_a_fixed_series_match_the_hand_computed_values() -> None:
    returns = period_returns(series("100", "110", "99", "120"))
    metrics = EmpyricalMeter().measure(returns)
    floats = [float(r) for r in returns]
    volatility = statistics.stdev(floats) * math.sqrt(252)  # sample deviation, 252 periods a year
    sharpe = statistics.mean(floats) / statistics.stdev(floats) * math.sqrt(252)
    assert metrics.periods == 3
    assert metrics.roi == D("0.2")  # 120 / 100 - 1
    assert metrics.max_drawdown == D("-0.1")  # 110 -> 99
    assert metrics.volatility is not None
    assert metrics.sharpe is not None
    assert float(metrics.volatility) == pytest.approx(volatility, rel=1e-9)
    assert float(metrics.sharpe) == pytest.approx(sharpe, rel=1e-9)
    assert float(metrics.volatility) == pytest.approx(2.509903, rel=1e-6)  # written down once, by hand
    assert float(metrics.sharpe) == pytest.approx(7.099151, rel=1e-6)


def test_max_drawdown_is_the_worst_fall_from_a_peak() -> None:
    metrics = EmpyricalMeter().measure(period_returns(series("100", "120", "90", "95", "130")))
    assert metrics.max_drawdown == D("-0.25")  # 120 -> 90
    assert metrics.roi == D("0.3")


def test_metrics_that_cannot_be_measured_are_none() -> None:
    assert EmpyricalMeter().measure([]).roi is None
    one = EmpyricalMeter().measure([D("0.1")])
    assert (one.roi, one.max_drawdown, one.volatility, one.sharpe) == (D("0.1"), D(0), None, None)
    flat = EmpyricalMeter().measure([D(0), D(0)])
    assert (flat.volatility, flat.sharpe) == (D(0), None)  # no variation: no Sharpe ratio


def test_opening_cash_is_capital_less_holdings_never_below_zero() -> None:
    assert opening_cash(D(600000), D(100000)) == D(500000)
    assert opening_cash(D(600000), D(700000)) == D(0)
    assert opening_cash(None, D(0)) == D(0)


def test_spent_by_counts_buys_sells_and_fees() -> None:
    def entry(entry_id: str, quantity: str, price: str, fees: str) -> LedgerEntry:
        return LedgerEntry(entry_id, "A", StrategyId("core"), "X", D(quantity), D(price), EntryKind.FILL, AT, D(fees))

    assert spent_by([entry("1", "10", "9000", "5"), entry("2", "-4", "12000", "3")]) == D(90005 - 48000 + 3)


def test_value_positions_uses_quotes_else_the_ledger_price() -> None:
    core = StrategyId("core")
    held = [StrategyPosition(core, "X", D(3), D(0)), StrategyPosition(core, "Y", D(2), D(0))]
    valued = value_positions(held, {"X": D(100)}, {"X": D(90), "Y": D(50)})
    assert (valued.value, valued.unquoted) == (D(400), ("Y",))
