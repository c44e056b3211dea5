"""Execution policies' rules: the confirmation streak over trading days, and a split day's intermediate model."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from tests.fakes.builders import account, flat, krx, two_level
from trimtab.adapters.scheduling.rules import ExchangeDays
from trimtab.application.policies import Weekdays
from trimtab.domain.drift import Bands
from trimtab.domain.instruments import Market
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.policies import OUTSIDE_CLASS, breach_signature, intermediate_model, streak
from trimtab.domain.targets import buffered_targets

KRX_DAYS = ExchangeDays()


def _previous(day: dt.date) -> dt.date:
    return KRX_DAYS.previous_session(Market.KRX, day)


def test_krx_previous_session_skips_weekends_and_the_2026_local_election() -> None:
    assert _previous(dt.date(2026, 6, 4)) == dt.date(2026, 6, 2)  # 3 June: KRX closed
    assert _previous(dt.date(2026, 6, 8)) == dt.date(2026, 6, 5)  # Monday -> Friday
    assert Weekdays().previous_session(None, dt.date(2026, 6, 8)) == dt.date(2026, 6, 5)


def test_streak_counts_consecutive_trading_days_with_the_same_signature() -> None:
    seen = {dt.date(2026, 6, 1): "M 1", dt.date(2026, 6, 2): "M 1", dt.date(2026, 6, 4): "M 1"}
    assert streak(seen, dt.date(2026, 6, 4), "M 1", _previous) == 3  # the closed 3 June breaks nothing
    assert streak(seen, dt.date(2026, 6, 4), "M 2", _previous) == 0  # another target starts over
    assert streak({**seen, dt.date(2026, 6, 2): ""}, dt.date(2026, 6, 4), "M 1", _previous) == 1
    assert streak({dt.date(2026, 6, 1): "M 1", dt.date(2026, 6, 4): "M 1"}, dt.date(2026, 6, 4), "M 1",
                  _previous) == 1  # 2 June had no observation: the days are not consecutive
    assert streak(seen, dt.date(2026, 6, 4), "", _previous) == 0


def test_the_signature_is_the_target_and_only_when_a_band_is_breached() -> None:
    model = flat("M", {"A": "50", "B": "50"})
    snapshot = account("0", {"A": (krx("A"), "80", "1000"), "B": (krx("B"), "20", "1000")})
    out = plan_rebalance(model, snapshot, PlanSettings(bands=Bands(Decimal("0.03"), Decimal("0.05"))))
    assert breach_signature(model, out.drift) == "M 1"
    wide = plan_rebalance(model, snapshot, PlanSettings(bands=Bands(Decimal("0.5"), Decimal("0.5"))))
    assert breach_signature(model, wide.drift) == ""


def _weights(model: object, buffer: str = "0") -> dict[str, Decimal]:
    return buffered_targets(model, Decimal(buffer)).tickers  # type: ignore[arg-type]


def test_a_split_day_moves_each_weight_its_share_of_the_way() -> None:
    model = flat("M", {"A": "50", "B": "50"})
    snapshot = account("0", {"A": (krx("A"), "80", "1000"), "B": (krx("B"), "20", "1000")})
    third = intermediate_model(model, snapshot, Decimal(0), 3)  # A 80 % -> 50 %, B 20 % -> 50 %
    assert _weights(third) == {"A": Decimal("0.7"), "B": Decimal("0.3")}
    assert (third.name, third.version) == ("M", "1")
    last = intermediate_model(model, snapshot, Decimal(0), 1)
    assert _weights(last) == _weights(model)


def test_a_split_day_keeps_the_buffer_and_two_level_classes() -> None:
    model = two_level("M", {"EQ": ("60", {"A": "50", "B": "50"}), "BOND": ("40", {"C": "100"})})
    snapshot = account("100000", {"A": (krx("A"), "900", "1000")}, prices={"B": (krx("B"), "1000"),
                                                                            "C": (krx("C"), "1000")})
    day = intermediate_model(model, snapshot, Decimal("0.01"), 2)  # equity 1,000,000; A 90 %, cash 10 %
    targets = _weights(model, "0.01")
    weights = _weights(day, "0.01")
    for symbol, now in {"A": Decimal("0.9"), "B": Decimal(0), "C": Decimal(0)}.items():
        assert weights[symbol] == pytest.approx(now + (targets[symbol] - now) / 2, abs=Decimal("1e-20"))
    assert [c.name for c in day.classes] == ["EQ", "BOND", "CASH"]


def test_holdings_outside_the_model_are_sold_a_share_a_day_and_excluded_ones_are_left() -> None:
    model = flat("M", {"A": "100"})
    snapshot = account("0", {"A": (krx("A"), "50", "1000"), "X": (krx("X"), "30", "1000"),
                             "K": (krx("K"), "20", "1000")}, excluded=frozenset({"K"}))
    day = intermediate_model(model, snapshot, Decimal(0), 2)
    assert [c.name for c in day.classes] == ["ALL", OUTSIDE_CLASS, "CASH"]
    assert _weights(day)["X"] == Decimal("0.15")  # 30 % -> half of it
    assert "K" not in _weights(day)
    assert OUTSIDE_CLASS not in [c.name for c in intermediate_model(model, snapshot, Decimal(0), 1).classes]
