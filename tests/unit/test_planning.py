"""Planning rules: the origin bugs, cash rule, buffer, bands, minimum trade, reasons, order shape."""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.fakes.builders import account, flat, krx, two_level, us
from trimtab.domain.allocation import AllocationMethod
from trimtab.domain.drift import Bands
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.orders import OrderType, Side, SkipReason
from trimtab.domain.planning import Plan, PlanSettings, plan_rebalance
from trimtab.domain.snapshot import CostSettings

ETF = InstrumentType.ETF


def _orders(plan: Plan) -> dict[str, tuple[Side, Decimal]]:
    return {o.symbol: (o.side, o.quantity) for o in plan.orders}


def _skips(plan: Plan) -> dict[str, SkipReason]:
    return {s.symbol: s.reason for s in plan.skipped}


def test_plan_dropped_etf_is_sold() -> None:
    # Origin bug: a held ETF that left the model was never sold.
    snap = account("0", {"069500": (krx("069500", ETF), "100", "35000"),
                         "229200": (krx("229200", ETF), "40", "10000")})
    plan = plan_rebalance(flat("M", {"069500": "100"}), snap, PlanSettings())
    assert plan.rebalance_needed
    assert _orders(plan)["229200"] == (Side.SELL, Decimal(40))
    assert plan.orders[0].symbol == "229200"
    assert plan.orders[0].reason == "overweight +10.26 pp overall (held outside the model)"


def test_plan_unheld_target_is_bought() -> None:
    # Origin bug: a model symbol the account did not hold was never bought (no price known).
    snap = account("10000000", {"069500": (krx("069500", ETF), "100", "35000")},
                   {"132030": (krx("132030", ETF), "13425")})
    plan = plan_rebalance(flat("M", {"069500": "50", "132030": "50"}), snap, PlanSettings())
    side, quantity = _orders(plan)["132030"]
    assert side is Side.BUY
    assert quantity > 0


def test_plan_unheld_target_without_price_names_the_symbol() -> None:
    snap = account("1000000", {"069500": (krx("069500", ETF), "10", "35000")})
    with pytest.raises(InvalidInput, match=r"132030"):
        plan_rebalance(flat("M", {"069500": "50", "132030": "50"}), snap, PlanSettings())


def test_plan_all_cash_puts_cash_to_work_within_buffer() -> None:
    snap = account("100000000", prices={"005930": (krx("005930"), "55000"), "000660": (krx("000660"), "181500")})
    plan = plan_rebalance(flat("M", {"005930": "50", "000660": "50"}), snap, PlanSettings())
    buffer = Decimal("1000000")
    assert plan.post_trade.cash >= buffer
    # idle cash beyond the buffer is below one lot of the dearest stock plus costs
    assert plan.post_trade.cash - buffer < Decimal(181700)


def test_plan_stock_limit_prices_step_across_tick_bands() -> None:
    snap = account("0", {"A": (krx("A"), "10", "50000"), "B": (krx("B"), "10", "4995")},
                   {"C": (krx("C"), "4995")})
    plan = plan_rebalance(flat("M", {"C": "100"}), snap, PlanSettings())
    limits = {o.symbol: o.limit_price for o in plan.orders}
    assert limits["A"] == Decimal(49950)  # one tick below 50,000 is 49,950
    assert limits["C"] == Decimal(5000)  # one tick above 4,995 is 5,000
    assert all(o.order_type is OrderType.LIMIT for o in plan.orders)


def test_plan_inside_bands_sends_nothing_and_says_why() -> None:
    snap = account("10000", {"A": (krx("A", ETF), "50", "10000"), "B": (krx("B", ETF), "49", "10000")})
    plan = plan_rebalance(flat("M", {"A": "50", "B": "50"}), snap, PlanSettings())
    assert not plan.rebalance_needed
    assert plan.orders == ()
    assert set(_skips(plan).values()) <= {SkipReason.INSIDE_BAND, SkipReason.AT_TARGET}
    forced = plan_rebalance(flat("M", {"A": "50", "B": "50"}), snap, PlanSettings(force=True))
    assert forced.orders


def test_plan_minimum_trade_value_skips_small_trades() -> None:
    snap = account("1000000", {"A": (krx("A", ETF), "100", "10000"), "B": (krx("B", ETF), "100", "10000")},
                   {"C": (krx("C", ETF), "10000")})
    settings = PlanSettings(minimum_trade_value=Decimal(500000))
    plan = plan_rebalance(flat("M", {"A": "33", "B": "33", "C": "34"}), snap, settings)
    assert all(o.quantity * o.reference_price >= Decimal(500000) for o in plan.orders)
    assert SkipReason.BELOW_MINIMUM in _skips(plan).values()
    assert next(c for c in plan.checks if c.name == "cash rule").passed


def test_plan_excluded_holding_is_untouched_and_reported() -> None:
    snap = account("0", {"A": (krx("A", ETF), "100", "10000"), "X": (krx("X"), "7", "181500")},
                   {"B": (krx("B", ETF), "10000")}, excluded=frozenset({"X"}))
    plan = plan_rebalance(flat("M", {"A": "50", "B": "50"}), snap, PlanSettings())
    assert "X" not in _orders(plan)
    assert _skips(plan)["X"] is SkipReason.EXCLUDED
    assert plan.equity == Decimal(1000000)


def test_plan_sells_only_orderable_quantity() -> None:
    snap = account("0", {"A": (krx("A", ETF), "100", "10000")}, {"B": (krx("B", ETF), "10000")},
                   orderable={"A": "20"})
    plan = plan_rebalance(flat("M", {"B": "100"}), snap, PlanSettings())
    assert _orders(plan)["A"] == (Side.SELL, Decimal(20))


def test_plan_nothing_orderable_says_not_orderable() -> None:
    snap = account("0", {"A": (krx("A", ETF), "100", "10000")}, {"B": (krx("B", ETF), "10000")},
                   orderable={"A": "0"})
    plan = plan_rebalance(flat("M", {"B": "100"}), snap, PlanSettings())
    assert plan.orders == ()
    skips = _skips(plan)
    assert skips["A"] is SkipReason.NOT_ORDERABLE
    assert skips["B"] is SkipReason.NO_CASH


def test_plan_sell_tax_and_commission_reach_the_cash_rule() -> None:
    costs = CostSettings(commission_rate=Decimal("0.001"), commission_minimum=Decimal(1000))
    snap = account("0", {"S": (krx("S"), "100", "100000")}, {"E": (krx("E", ETF), "10000")}, costs=costs)
    plan = plan_rebalance(flat("M", {"E": "100"}), snap, PlanSettings(cash_buffer=Decimal(0)))
    sell = next(o for o in plan.orders if o.side is Side.SELL)
    # 100 x 99,900 = 9,990,000; commission 0.1 % = 9,990; tax 0.20 % (2026) = 19,980
    assert sell.estimated_costs == Decimal(9990 + 19980)
    buy = next(o for o in plan.orders if o.side is Side.BUY)
    spent = buy.estimated_value + buy.estimated_costs
    assert spent <= Decimal(9990000 - 29970)
    assert plan.post_trade.cash >= 0


def test_plan_etf_sell_pays_no_tax() -> None:
    costs = CostSettings(commission_rate=Decimal(0))
    snap = account("0", {"E": (krx("E", ETF), "100", "10000")}, {"F": (krx("F", ETF), "10000")}, costs=costs)
    plan = plan_rebalance(flat("M", {"F": "100"}), snap, PlanSettings())
    assert next(o for o in plan.orders if o.side is Side.SELL).estimated_costs == 0


def test_plan_orders_sells_first_then_buys_by_decreasing_value() -> None:
    snap = account("5000000", {"A": (krx("A", ETF), "300", "10000"), "B": (krx("B", ETF), "100", "10000")},
                   {"C": (krx("C", ETF), "10000"), "D": (krx("D", ETF), "5000")})
    plan = plan_rebalance(flat("M", {"C": "70", "D": "30"}), snap, PlanSettings())
    sides = [o.side for o in plan.orders]
    assert sides == sorted(sides, key=lambda s: s is Side.BUY)
    buys = [o.estimated_value for o in plan.orders if o.side is Side.BUY]
    sells = [o.estimated_value for o in plan.orders if o.side is Side.SELL]
    assert buys == sorted(buys, reverse=True)
    assert sells == sorted(sells, reverse=True)


def test_plan_seed_json_shape() -> None:
    snap = account("1000000", prices={"005930": (krx("005930", name="삼성전자"), "55000")})
    plan = plan_rebalance(flat("M", {"005930": "100"}), snap, PlanSettings())
    document = plan.orders[0].to_seed_json()
    assert document == {"ticker": "005930", "name": "삼성전자", "action": "BUY", "quantity": 17, "limit_price": 55100,
                        "price_logic": "current_price + 1 tick"}


def test_plan_market_orders_have_no_limit() -> None:
    snap = account("1000000", prices={"A": (krx("A"), "55000")})
    plan = plan_rebalance(flat("M", {"A": "100"}), snap, PlanSettings(order_type=OrderType.MARKET))
    assert plan.orders[0].limit_price is None
    assert plan.orders[0].to_seed_json()["limit_price"] is None


def test_plan_us_fractional_prices_are_exact() -> None:
    snap = account("100000.00", {"SPMO": (us("SPMO"), "150", "112.37")}, {"IAU": (us("IAU"), "61.05"),
                   "SMH": (us("SMH"), "298.91")}, currency="USD")
    plan = plan_rebalance(flat("GTAA", {"SPMO": "33.34", "SMH": "33.33", "IAU": "33.33"}), snap, PlanSettings())
    assert {o.symbol for o in plan.orders} >= {"IAU", "SMH"}
    for order in plan.orders:
        assert order.limit_price is not None
        assert order.limit_price == order.limit_price.quantize(Decimal("0.01"))
    assert next(c for c in plan.checks if c.name == "cash rule").passed


def test_plan_two_level_class_breach_triggers() -> None:
    model = two_level("KR", {"EQ": ("60", {"A": "50", "B": "50"}), "BOND": ("35", {"C": "100"}),
                             "CASH": ("5", {})})
    snap = account("500000", {"A": (krx("A", ETF), "350", "10000"), "B": (krx("B", ETF), "300", "10000"),
                              "C": (krx("C", ETF), "300", "10000")})
    plan = plan_rebalance(model, snap, PlanSettings())
    classes = {c.name: c for c in plan.drift.classes}
    assert classes["EQ"].breach is not None
    assert plan.rebalance_needed
    assert not plan.post_trade.drift.rebalance_needed


def test_plan_bands_are_editable() -> None:
    snap = account("10000", {"A": (krx("A", ETF), "54", "10000"), "B": (krx("B", ETF), "45", "10000")})
    model = flat("M", {"A": "50", "B": "50"})
    assert not plan_rebalance(model, snap, PlanSettings()).rebalance_needed
    tight = PlanSettings(bands=Bands(ticker_band=Decimal("0.02")))
    assert plan_rebalance(model, snap, tight).rebalance_needed


def test_plan_floor_method_available_and_not_better_than_default() -> None:
    snap = account("30000000", prices={"A": (krx("A"), "181500"), "B": (krx("B"), "55000"),
                                       "C": (krx("C", ETF), "13425")})
    model = flat("M", {"A": "40", "B": "35", "C": "25"})
    greedy = plan_rebalance(model, snap, PlanSettings())
    floor = plan_rebalance(model, snap, PlanSettings(method=AllocationMethod.FLOOR))
    assert floor.method is AllocationMethod.FLOOR
    assert floor.post_trade.cash >= greedy.post_trade.cash


def test_plan_exact_without_solver_is_refused() -> None:
    snap = account("1000000", prices={"A": (krx("A"), "55000")})
    with pytest.raises(InvalidInput, match="exact"):
        plan_rebalance(flat("M", {"A": "100"}), snap, PlanSettings(method=AllocationMethod.EXACT))


@pytest.mark.parametrize(("field", "kwargs"), [
    ("cash_buffer", {"cash_buffer": Decimal("1.5")}),
    ("minimum_trade_value", {"minimum_trade_value": Decimal(-1)}),
    ("price_ticks", {"price_ticks": -1}),
])
def test_plan_settings_bad_values_name_the_field(field: str, kwargs: dict[str, object]) -> None:
    with pytest.raises(InvalidInput, match=field):
        PlanSettings(**kwargs)  # type: ignore[arg-type]


def test_plan_cash_class_absorbs_the_buffer() -> None:
    model = two_level("KR", {"EQ": ("95", {"A": "100"}), "CASH": ("5", {})})
    snap = account("100000000", prices={"A": (krx("A", ETF), "1000")})
    plan = plan_rebalance(model, snap, PlanSettings(cash_buffer=Decimal("0.01")))
    # the model's 5 % cash covers the 1 % buffer: 95 % is invested, not 95 % x 99 %
    assert plan.orders[0].quantity == 95_000  # 95 % of 100,000,000 at 1,000 won; limits and fees fit the 5 %
    assert Decimal("0.048") <= plan.post_trade.cash / plan.post_trade.equity < Decimal("0.051")  # not 5.95 %
