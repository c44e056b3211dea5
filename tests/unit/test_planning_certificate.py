"""Every plan carries its certificate: objective, a proven lower bound and the gap, in bp of equity."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import HealthCheck, given, settings

from tests.fakes.builders import account, flat, krx, us
from tests.unit.test_planning_properties import Case, krw_cases
from trimtab.adapters.solvers.milp import allocate_exact
from trimtab.domain.allocation import AllocationMethod, stack_accounts
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.models import ModelHolding, flat_model
from trimtab.domain.planning import PlanSettings, plan_rebalance

ETF = InstrumentType.ETF


def test_plan_reports_objective_bound_and_gap() -> None:
    snap = account("30000000", prices={"A": (krx("A"), "181500"), "B": (krx("B"), "55000"),
                                       "C": (krx("C", ETF), "13425")})
    plan = plan_rebalance(flat("M", {"A": "40", "B": "35", "C": "25"}), snap, PlanSettings())
    assert plan.objective_bp is not None
    assert plan.lower_bound_bp is not None
    assert plan.gap_bp is not None
    assert Decimal(0) <= plan.lower_bound_bp <= plan.objective_bp
    assert plan.gap_bp == plan.objective_bp - plan.lower_bound_bp
    assert plan.objective_bp == plan.objective_bp.quantize(Decimal("0.0001"))


def test_plan_all_cash_one_cheap_ticker_is_proven_optimal() -> None:
    snap = account("100000000", prices={"A": (krx("A", ETF), "1000")})
    plan = plan_rebalance(flat("M", {"A": "100"}), snap, PlanSettings())
    assert plan.gap_bp == 0  # the dual alone buys a fraction of a lot; one split on it closes the gap


def test_us_fractional_prices_certified() -> None:
    snap = account("10000", currency="USD", prices={"SPY": (us("SPY"), "512.37"), "IAU": (us("IAU"), "43.21")})
    plan = plan_rebalance(flat("M", {"SPY": "60", "IAU": "40"}), snap, PlanSettings())
    assert plan.gap_bp is not None
    assert plan.gap_bp >= 0


def _model(case: Case):  # type: ignore[no-untyped-def]
    return flat_model("P", tuple(ModelHolding(s, w) for s, w in case.weights.items()))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(krw_cases())
def test_bound_never_above_the_exact_plan(case: Case) -> None:
    exact_settings = PlanSettings(force=True, cash_buffer=case.settings.cash_buffer,
                                  price_ticks=case.settings.price_ticks, method=AllocationMethod.EXACT)
    exact = plan_rebalance(_model(case), case.snapshot, exact_settings,
                           exact=lambda one: allocate_exact(stack_accounts([one]), exact_costs=True)[0].tolist())
    greedy = plan_rebalance(_model(case), case.snapshot, case.settings)
    for plan in (exact, greedy):
        cash_rule = next(c for c in plan.checks if c.name == "cash rule")
        if plan.gap_bp is None or not cash_rule.passed:
            continue
        assert plan.lower_bound_bp is not None
        assert plan.objective_bp is not None
        assert plan.lower_bound_bp <= plan.objective_bp
    if exact.lower_bound_bp is not None and greedy.lower_bound_bp is not None:
        assert exact.lower_bound_bp == greedy.lower_bound_bp  # one problem, one bound
