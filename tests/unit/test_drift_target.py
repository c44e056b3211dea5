"""Drift that means what it says: the cash buffer is part of the target, and every level is named."""

from __future__ import annotations

from decimal import Decimal

from tests.fakes.builders import account, flat, krx, two_level, us
from trimtab.domain.drift import Bands, Breach
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.orders import SkipReason
from trimtab.domain.planning import Plan, PlanSettings, plan_rebalance
from trimtab.domain.snapshot import CostSettings

ETF = InstrumentType.ETF
FIVE_PERCENT = PlanSettings(cash_buffer=Decimal("0.05"))


def _post_trade_check(plan: Plan) -> str:
    check = next(c for c in plan.checks if c.name == "post-trade drift")
    assert check.passed, check.detail
    return check.detail


def test_drift_flat_account_on_its_buffered_target_breaches_nothing() -> None:
    # 5 % buffer: A and B 47.5 % each, cash 5 %. The model has no CASH class.
    snap = account("50000", {"A": (krx("A", ETF), "95", "5000"), "B": (krx("B", ETF), "95", "5000")})
    plan = plan_rebalance(flat("M", {"A": "50", "B": "50"}), snap, FIVE_PERCENT)
    assert plan.drift.breaches() == []
    assert not plan.rebalance_needed
    assert plan.orders == ()
    cash = next(c for c in plan.drift.classes if c.name == "CASH")
    assert (cash.target_weight, cash.drift) == (Decimal("0.05"), Decimal(0))
    assert {r.symbol: r.target_weight for r in plan.rows} == {"A": Decimal("0.475"), "B": Decimal("0.475")}
    assert {r.symbol: r.model_weight for r in plan.rows} == {"A": Decimal("0.5"), "B": Decimal("0.5")}


def test_drift_two_level_account_on_its_buffered_target_breaches_nothing() -> None:
    model = two_level("KR", {"EQ": ("60", {"A": "50", "B": "50"}), "BOND": ("40", {"C": "100"})})
    # targets x 0.95: A 28.5 %, B 28.5 %, C 38 %, cash 5 %
    snap = account("50000", {"A": (krx("A", ETF), "57", "5000"), "B": (krx("B", ETF), "57", "5000"),
                             "C": (krx("C", ETF), "76", "5000")})
    plan = plan_rebalance(model, snap, FIVE_PERCENT)
    assert plan.drift.breaches() == []
    assert plan.orders == ()
    classes = {c.name: c.target_weight for c in plan.drift.classes}
    assert classes == {"EQ": Decimal("0.57"), "BOND": Decimal("0.38"), "CASH": Decimal("0.05")}


def test_drift_buffer_above_the_model_cash_takes_the_difference_from_every_class() -> None:
    # CASH 2 %, buffer 6 %: f = 0.94 / 0.98, EQ and BOND 47 % each, cash 6 %
    model = two_level("KR", {"EQ": ("49", {"A": "100"}), "BOND": ("49", {"C": "100"}), "CASH": ("2", {})})
    snap = account("60000", {"A": (krx("A", ETF), "94", "5000"), "C": (krx("C", ETF), "94", "5000")})
    plan = plan_rebalance(model, snap, PlanSettings(cash_buffer=Decimal("0.06")))
    assert plan.drift.breaches() == []
    assert {c.name: c.target_weight for c in plan.drift.classes}["CASH"] == Decimal("0.06")


def test_drift_buffer_below_the_model_cash_changes_no_target() -> None:
    model = two_level("KR", {"EQ": ("95", {"A": "100"}), "CASH": ("5", {})})
    snap = account("50000", {"A": (krx("A", ETF), "190", "5000")})
    report = plan_rebalance(model, snap, PlanSettings(cash_buffer=Decimal("0.01"))).drift
    assert {c.name: c.target_weight for c in report.classes} == {"EQ": Decimal("0.95"), "CASH": Decimal("0.05")}
    assert not report.rebalance_needed


def test_drift_cash_is_banded_by_the_class_band_not_the_relative_band() -> None:
    # 2.8 % cash against a 2 % buffer: 0.8 pp, beyond 25 % of 2 % but inside the 3 pp class band
    snap = account("28000", {"A": (krx("A", ETF), "486", "1000"), "B": (krx("B", ETF), "486", "1000")})
    settings = PlanSettings(bands=Bands(relative_band=Decimal("0.25")), cash_buffer=Decimal("0.02"))
    assert plan_rebalance(flat("M", {"A": "50", "B": "50"}), snap, settings).drift.breaches() == []


def test_plan_with_a_cash_buffer_reports_no_breach_it_created() -> None:
    # The GTAA example with --cash-buffer 5 warned "class CASH +5.03 pp" after its own trades.
    snap = account("1250.37", {"SPMO": (us("SPMO"), "420", "125.37"), "SMH": (us("SMH"), "135", "345.18")},
                   {"IAU": (us("IAU"), "78.42")}, currency="USD",
                   costs=CostSettings(commission_rate=Decimal("0.00005"), commission_minimum=Decimal(1)))
    plan = plan_rebalance(flat("GTAA", {"SPMO": "33.34", "SMH": "33.33", "IAU": "33.33"}), snap, FIVE_PERCENT)
    assert plan.orders
    assert plan.post_trade.drift.breaches() == []
    assert _post_trade_check(plan) == "every band holds after the trades"


def test_drift_class_weighted_zero_and_not_held_is_no_breach() -> None:
    model = two_level("KR", {"EQ": ("100", {"A": "100"}), "GOLD": ("0", {"G": "100"})})
    snap = account("0", {"A": (krx("A", ETF), "10", "5000")}, {"G": (krx("G", ETF), "5000")})
    plan = plan_rebalance(model, snap, PlanSettings(cash_buffer=Decimal(0)))
    assert (plan.drift.breaches(), plan.orders) == ([], ())


# Breach lines, order reasons and trades not made speak of the same three levels in the same words.

MODEL = two_level("KR", {"EQ": ("60", {"A": "50", "B": "50"}), "BOND": ("35", {"C": "100"}), "CASH": ("5", {})})
DRIFTED = account("50000", {"A": (krx("A", ETF), "40", "10000"), "B": (krx("B", ETF), "20", "10000"),
                            "C": (krx("C", ETF), "35", "10000")})


def test_breach_lines_name_the_level_in_class() -> None:
    plan = plan_rebalance(MODEL, DRIFTED, PlanSettings())
    assert plan.drift.breaches() == [
        "A overweight +16.67 pp in class EQ (66.67% vs target 50.00%, absolute band ±5.00 pp)",
        "B underweight -16.67 pp in class EQ (33.33% vs target 50.00%, absolute band ±5.00 pp)",
    ]
    a_line = plan.drift.breached()[0]
    assert (a_line.level, a_line.key, a_line.asset_class) == ("in_class", "A", "EQ")


def test_order_reasons_use_the_words_of_the_breach_lines() -> None:
    plan = plan_rebalance(MODEL, DRIFTED, PlanSettings())
    reasons = {o.symbol: o.reason for o in plan.orders}
    assert reasons["A"] == "overweight +10.00 pp overall, overweight +16.67 pp in class EQ"
    assert reasons["B"] == "underweight -10.00 pp overall, underweight -16.67 pp in class EQ"
    for breached in plan.drift.breached():
        line = breached.describe_breach()
        assert line.startswith(f"{breached.key} {breached.describe()} (")
        assert breached.describe() in reasons[breached.key]


def test_breach_lines_of_classes_and_flat_models_name_their_level() -> None:
    snap = account("0", {"A": (krx("A", ETF), "70", "10000"), "C": (krx("C", ETF), "30", "10000")},
                   {"B": (krx("B", ETF), "10000")})
    classes = plan_rebalance(MODEL, snap, PlanSettings()).drift.breaches()
    assert "class EQ overweight +10.00 pp (70.00% vs target 60.00%, absolute band ±3.00 pp)" in classes
    assert "class CASH underweight -5.00 pp (0.00% vs target 5.00%, absolute band ±3.00 pp)" in classes
    flat_plan = plan_rebalance(flat("M", {"A": "50", "C": "50"}), snap, PlanSettings(cash_buffer=Decimal(0)))
    assert flat_plan.drift.breaches() == [
        "A overweight +20.00 pp overall (70.00% vs target 50.00%, absolute band ±5.00 pp)",
        "C underweight -20.00 pp overall (30.00% vs target 50.00%, absolute band ±5.00 pp)",
    ]
    assert [o.reason for o in flat_plan.orders] == ["overweight +20.00 pp overall", "underweight -20.00 pp overall"]


def test_breach_line_names_the_band_it_shows() -> None:
    snap = account("0", {"A": (krx("A", ETF), "92", "10000"), "B": (krx("B", ETF), "8", "10000")})
    relative = PlanSettings(bands=Bands(relative_band=Decimal("0.15")), cash_buffer=Decimal(0))
    report = plan_rebalance(flat("M", {"A": "90", "B": "10"}), snap, relative).drift
    assert report.breaches() == ["B underweight -2.00 pp overall (8.00% vs target 10.00%, relative band ±1.50 pp)"]
    (breached,) = report.breached()
    assert (breached.breach, breached.band) == (Breach.RELATIVE, Decimal("0.015"))
    # far beyond both bands, the tighter one (the relative band) is the one named, with its width
    far = account("0", {"A": (krx("A", ETF), "98", "10000"), "B": (krx("B", ETF), "2", "10000")})
    lines = plan_rebalance(flat("M", {"A": "90", "B": "10"}), far, relative).drift.breaches()
    assert lines == ["A overweight +8.00 pp overall (98.00% vs target 90.00%, absolute band ±5.00 pp)",
                     "B underweight -8.00 pp overall (2.00% vs target 10.00%, relative band ±1.50 pp)"]


def test_trades_not_made_lead_with_the_drift() -> None:
    snap = account("10000", {"A": (krx("A", ETF), "52", "10000"), "B": (krx("B", ETF), "47", "10000")})
    plan = plan_rebalance(flat("M", {"A": "50", "B": "50"}), snap, PlanSettings())
    details = {s.symbol: (s.reason, s.detail) for s in plan.skipped}
    assert details["A"] == (SkipReason.INSIDE_BAND,
                            "overweight +2.50 pp overall; no band is breached (use --force to trade anyway)")
    assert details["B"][1].startswith("underweight -2.50 pp overall; ")


def test_held_outside_the_model_reads_the_same_in_breach_and_reason() -> None:
    snap = account("0", {"A": (krx("A", ETF), "97", "10000"), "Z": (krx("Z", ETF), "3", "10000")})
    plan = plan_rebalance(flat("M", {"A": "100"}), snap, PlanSettings(cash_buffer=Decimal(0)))
    assert plan.drift.breaches() == ["Z overweight +3.00 pp overall (3.00% vs target 0.00%, held outside the model)"]
    assert {o.symbol: o.reason for o in plan.orders}["Z"] == "overweight +3.00 pp overall (held outside the model)"
