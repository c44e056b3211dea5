"""The KOSPI core engine on fixed data: the regime filter computed by hand, top-N with ties, the 15 % cap,
risk-off to cash or a defensive symbol, and (property) weights that sum to 1 with none above the cap."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.domain.engines.kospi_core import (
    IndexClose,
    KospiCoreParameters,
    UniverseRow,
    equal_weights,
    measure_regime,
    run_kospi_core,
)
from trimtab.domain.errors import InvalidInput
from trimtab.domain.models import CASH_CLASS, WEIGHT_TOLERANCE

START = dt.date(2026, 1, 5)
# Small lookbacks so that every figure can be worked out by hand: 3-day average, 2-day return, 2 vs 3 returns.
SMALL = KospiCoreParameters(trend_days=3, momentum_days=2, short_vol_days=2, long_vol_days=3)


def closes(*values: str) -> tuple[IndexClose, ...]:
    return tuple(IndexClose(START + dt.timedelta(days=index), Decimal(value)) for index, value in enumerate(values))


def sample_stdev(values: list[Decimal]) -> Decimal:
    mean = sum(values, Decimal(0)) / len(values)
    return (sum(((value - mean) ** 2 for value in values), Decimal(0)) / (len(values) - 1)).sqrt()


def row(symbol: str, cap: str, *, market: str = "KOSPI", excluded: str = "") -> UniverseRow:
    return UniverseRow(symbol, f"name {symbol}", Decimal(cap), Decimal(1000), market, excluded)


UNIVERSE = tuple(row(f"{index:06d}", str(1000 - index)) for index in range(1, 13))
RISING = closes("100", "102", "101", "104", "106")


def test_regime_rising_closes_figures_by_hand_risk_on() -> None:
    regime = measure_regime(RISING, START + dt.timedelta(days=4), SMALL)
    assert regime.close == Decimal(106)
    assert regime.trend_average == (Decimal(101) + Decimal(104) + Decimal(106)) / 3  # 103.67 < 106
    assert regime.momentum == Decimal(106) / Decimal(101) - 1  # +4.95 %
    returns = [Decimal(102) / 100 - 1, Decimal(101) / 102 - 1, Decimal(104) / 101 - 1, Decimal(106) / 104 - 1]
    assert regime.short_vol == sample_stdev(returns[-2:])  # |r3 - r4| / sqrt(2) = 0.74 %
    assert regime.long_vol == sample_stdev(returns[-3:])  # 2.05 %
    assert (regime.above_trend, regime.positive_momentum, regime.calm, regime.is_risk_on) == (True, True, True, True)


def test_regime_close_below_its_average_risk_off() -> None:
    regime = measure_regime(closes("100", "110", "120", "130", "105"), START + dt.timedelta(days=4), SMALL)
    assert regime.trend_average == Decimal(355) / 3  # 118.33 > 105
    assert not regime.above_trend
    assert not regime.is_risk_on


def test_regime_negative_momentum_alone_risk_off() -> None:
    # 2-day return 100 / 101 - 1 < 0, yet 100 is above the 3-day average (99 + 101 + 100) / 3 = 100 (not above).
    regime = measure_regime(closes("100", "104", "101", "99", "100.5"), START + dt.timedelta(days=4), SMALL)
    assert regime.trend_average == (Decimal(101) + Decimal(99) + Decimal("100.5")) / 3  # 100.17 < 100.5
    assert regime.above_trend
    assert regime.momentum == Decimal("100.5") / Decimal(101) - 1
    assert not regime.positive_momentum
    assert not regime.is_risk_on


def test_regime_volatility_spike_risk_off() -> None:
    # Returns +1 %, +1 %, -4 %, +8 %: the last two swing far more than the last three together.
    regime = measure_regime(closes("100", "101", "102.01", "97.9296", "105.763968"), START + dt.timedelta(days=4),
                            SMALL)
    returns = [Decimal("0.01"), Decimal("0.01"), Decimal("-0.04"), Decimal("0.08")]
    assert regime.short_vol == sample_stdev(returns[-2:])  # 8.49 %
    assert regime.long_vol == sample_stdev(returns[-3:])  # 6.03 %: 1.2 x 6.03 % = 7.24 % < 8.49 %
    assert regime.above_trend
    assert regime.positive_momentum
    assert not regime.calm
    assert not regime.is_risk_on


def test_regime_as_of_ignores_later_closes() -> None:
    series = (*RISING, IndexClose(START + dt.timedelta(days=5), Decimal(50)))
    assert measure_regime(series, START + dt.timedelta(days=4), SMALL).is_risk_on
    assert not measure_regime(series, START + dt.timedelta(days=5), SMALL).is_risk_on


def test_regime_too_few_closes_refused_with_the_count() -> None:
    with pytest.raises(InvalidInput, match="needs 200 closes up to 2026-01-09, found 5"):
        measure_regime(RISING, START + dt.timedelta(days=4), KospiCoreParameters())


def test_regime_closes_out_of_order_refused() -> None:
    with pytest.raises(InvalidInput, match="ascending"):
        measure_regime((RISING[1], RISING[0], *RISING[2:]), START + dt.timedelta(days=4), SMALL)


def test_engine_risk_on_top_ten_equal_weight_flat_model() -> None:
    result = run_kospi_core(UNIVERSE, RISING, as_of=START + dt.timedelta(days=4), name="CORE", parameters=SMALL)
    assert [r.symbol for r in result.selected] == [f"{index:06d}" for index in range(1, 11)]
    assert not result.model.two_level
    assert result.model.version == "2026-01-09"
    assert set(result.model.target_weights().values()) == {Decimal("0.1")}
    assert result.weights == dict.fromkeys(result.model.target_weights(), Decimal("0.1"))


def test_engine_ties_broken_by_symbol_whatever_the_file_order() -> None:
    tied = (row("B", "500"), row("C", "500"), row("A", "500"), row("Z", "900"))
    parameters = KospiCoreParameters(trend_days=3, momentum_days=2, short_vol_days=2, long_vol_days=3, top_n=3)
    as_of = START + dt.timedelta(days=4)
    first = run_kospi_core(tied, RISING, as_of=as_of, name="CORE", parameters=parameters)
    again = run_kospi_core(tuple(reversed(tied)), RISING, as_of=as_of, name="CORE", parameters=parameters)
    assert [r.symbol for r in first.selected] == ["Z", "A", "B"]
    assert first.weights == again.weights


def test_engine_skips_other_markets_excluded_and_empty_rows_and_says_why() -> None:
    universe = (row("BIG", "9000", excluded="trading halted"), row("DAQ", "8000", market="KOSDAQ"),
                row("NIL", "0"), *UNIVERSE)
    result = run_kospi_core(universe, RISING, as_of=START + dt.timedelta(days=4), name="CORE", parameters=SMALL)
    assert not {"BIG", "DAQ", "NIL"} & set(result.weights)
    assert "BIG name BIG: excluded (trading halted)" in result.explanation
    assert "NIL name NIL: excluded (no market cap or price)" in result.explanation


def test_engine_cap_binds_with_five_names_the_rest_in_cash() -> None:
    parameters = KospiCoreParameters(trend_days=3, momentum_days=2, short_vol_days=2, long_vol_days=3, top_n=5)
    result = run_kospi_core(UNIVERSE, RISING, as_of=START + dt.timedelta(days=4), name="CORE", parameters=parameters)
    assert result.weights == {**{f"{index:06d}": Decimal("0.15") for index in range(1, 6)},
                              CASH_CLASS: Decimal("0.25")}
    model = result.model
    assert model.two_level
    assert [(c.name, c.weight) for c in model.classes] == [("EQUITY", Decimal("0.75")), (CASH_CLASS, Decimal("0.25"))]
    assert model.cash_weight == Decimal("0.25")
    assert set(model.target_weights().values()) == {Decimal("0.15")}
    assert any("cap binds with 5 names: 25.00% cash" in line for line in result.explanation)


def test_engine_seven_names_fit_under_the_cap_and_sum_to_exactly_one() -> None:
    weights, cash = equal_weights(7, Decimal("0.15"))
    assert cash == 0
    assert sum(weights) == 1
    assert weights == [Decimal("0.142858")] + [Decimal("0.142857")] * 6  # the unit left goes to the largest


def test_engine_risk_off_all_cash_or_the_defensive_symbol() -> None:
    falling = closes("100", "110", "120", "130", "105")
    as_of = START + dt.timedelta(days=4)
    to_cash = run_kospi_core(UNIVERSE, falling, as_of=as_of, name="CORE", parameters=SMALL)
    assert to_cash.weights == {CASH_CLASS: Decimal(1)}
    assert to_cash.model.cash_weight == 1
    assert to_cash.model.target_weights() == {}
    assert to_cash.selected == ()
    assert "risk-off: the regime filter failed -> 100% cash" in to_cash.explanation
    defensive = KospiCoreParameters(trend_days=3, momentum_days=2, short_vol_days=2, long_vol_days=3,
                                    defensive="153130")
    to_bonds = run_kospi_core(UNIVERSE, falling, as_of=as_of, name="CORE", parameters=defensive)
    assert to_bonds.model.target_weights() == {"153130": Decimal(1)}


def test_engine_no_eligible_name_refused() -> None:
    with pytest.raises(InvalidInput, match="no eligible KOSPI name"):
        run_kospi_core((row("DAQ", "10", market="KOSDAQ"),), RISING, as_of=START + dt.timedelta(days=4),
                       name="CORE", parameters=SMALL)


@pytest.mark.parametrize(("field", "value"), [("top_n", 0), ("cap", Decimal(0)), ("cap", Decimal("1.5")),
                                              ("trend_days", 1), ("vol_ratio", Decimal(0))])
def test_engine_unusable_parameters_refused(field: str, value: object) -> None:
    parameters = KospiCoreParameters(**{"trend_days": 3, "momentum_days": 2, "short_vol_days": 2,
                                        "long_vol_days": 3, field: value})  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as error:
        run_kospi_core(UNIVERSE, RISING, as_of=START + dt.timedelta(days=4), name="CORE", parameters=parameters)
    assert error.value.field == field


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(names=st.integers(min_value=1, max_value=40), top_n=st.integers(min_value=1, max_value=40),
       cap_basis_points=st.integers(min_value=1, max_value=10000))
def test_engine_weights_sum_to_one_and_none_exceeds_the_cap(names: int, top_n: int, cap_basis_points: int) -> None:
    cap = Decimal(cap_basis_points) / 10000
    universe = tuple(row(f"S{index:03d}", str(1 + index % 5)) for index in range(names))
    parameters = KospiCoreParameters(trend_days=3, momentum_days=2, short_vol_days=2, long_vol_days=3,
                                     top_n=top_n, cap=cap)
    result = run_kospi_core(universe, RISING, as_of=START + dt.timedelta(days=4), name="CORE", parameters=parameters)
    assert sum(result.weights.values()) == 1
    held = {symbol: weight for symbol, weight in result.weights.items() if symbol != CASH_CLASS}
    assert len(held) == min(names, top_n)
    assert all(weight <= cap for weight in held.values())
    targets = result.model.target_weights()
    assert targets.keys() == held.keys()
    # Inside the EQUITY class the names share 1 rounded to 1e-6: overall, within N x cap x 1e-6 < 1e-6 of the cap.
    assert all(weight <= cap + Decimal("0.000001") for weight in targets.values())
    assert abs(sum(targets.values()) + result.model.cash_weight - 1) <= WEIGHT_TOLERANCE
