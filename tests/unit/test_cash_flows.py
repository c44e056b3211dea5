"""Cash flows: a deposit invested without selling, a withdrawal raised selling only what is needed."""

from __future__ import annotations

import csv
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.builders import account, flat, krx, us
from trimtab.domain.cash_flows import CashFlow, FlowKind
from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.orders import Side, SkipReason
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.snapshot import CostSettings

SEED_ORDERS = Path("/work/shared/reference/simple-order-mgmt")
# The seed's orders_deposit_TEST_ACCOUNT_B301_*.csv: 10,000 into B301 (GTAA weights), by weight.
SEED_AMOUNTS = {"SPMO": Decimal("3334.0"), "SMH": Decimal("3333.0"), "IAU": Decimal("3333.0")}
PRICES = {"SPMO": "110.47", "SMH": "289.12", "IAU": "62.35"}
NO_COSTS = CostSettings(commission_rate=Decimal(0), commission_minimum=Decimal(0))


def deposit(amount: str, **kwargs: object) -> PlanSettings:
    return PlanSettings(cash_flow=CashFlow(FlowKind.DEPOSIT, Decimal(amount)), **kwargs)  # type: ignore[arg-type]


def withdraw(amount: str, **kwargs: object) -> PlanSettings:
    return PlanSettings(cash_flow=CashFlow(FlowKind.WITHDRAWAL, Decimal(amount)), **kwargs)  # type: ignore[arg-type]


def _seed_amounts() -> dict[str, Decimal]:
    files = sorted(SEED_ORDERS.glob("orders_deposit_*B301*.csv")) if SEED_ORDERS.is_dir() else []
    if not files:
        return SEED_AMOUNTS
    with files[0].open(newline="") as handle:
        return {row["Symbol"]: Decimal(row["Amount"]) for row in csv.DictReader(handle)}


def test_seed_b301_deposit_is_split_by_weight_then_whole_shares() -> None:
    amounts = _seed_amounts()
    assert amounts == SEED_AMOUNTS
    model = flat("GTAA", {"SPMO": "33.34", "SMH": "33.33", "IAU": "33.33"})
    snapshot = account("0", prices={s: (us(s), p) for s, p in PRICES.items()}, currency="USD", costs=NO_COSTS)
    plan = plan_rebalance(model, snapshot, deposit("10000", cash_buffer=Decimal(0), price_ticks=0))
    assert plan.cash_flow == CashFlow(FlowKind.DEPOSIT, Decimal(10000))
    assert {o.symbol for o in plan.orders} == set(amounts)
    for order in plan.orders:
        price = Decimal(PRICES[order.symbol])
        assert order.side is Side.BUY
        assert order.quantity == (amounts[order.symbol] / price).to_integral_value(rounding="ROUND_FLOOR")
        assert abs(order.estimated_value - amounts[order.symbol]) < price
        assert order.reason.startswith("deposit: underweight")
    assert sum(o.estimated_value for o in plan.orders) <= Decimal(10000)
    assert plan.post_trade.equity == Decimal(10000)
    assert plan.lower_bound_bp is not None
    assert plan.objective_bp is not None
    assert plan.lower_bound_bp <= plan.objective_bp


def test_deposit_never_sells_an_overweight_holding_and_trades_inside_the_bands() -> None:
    a, b = krx("005930"), krx("000660")
    model = flat("M", {"005930": "50", "000660": "50"})
    snapshot = account("0", held={"005930": (a, "100", "10000")}, prices={"000660": (b, "5000")})
    plan = plan_rebalance(model, snapshot, deposit("500000"))
    assert [o.side for o in plan.orders] == [Side.BUY]
    assert plan.orders[0].symbol == "000660"
    skipped = {s.symbol: s for s in plan.skipped}
    assert skipped["005930"].reason is SkipReason.CASH_FLOW
    assert skipped["005930"].detail.startswith("deposit: overweight")
    small = plan_rebalance(model, account("0", held={"005930": (a, "10", "10000")},
                                          prices={"000660": (b, "5000")}), deposit("100000"))
    assert not small.drift.rebalance_needed or small.orders  # a deposit is invested whatever the bands


def test_withdrawal_sells_only_what_is_needed_from_the_most_overweight() -> None:
    a, b = krx("069500", InstrumentType.ETF), krx("114800", InstrumentType.ETF)  # no sell tax on ETFs
    model = flat("M", {"069500": "50", "114800": "50"})
    snapshot = account("100000", held={"069500": (a, "60", "10000"), "114800": (b, "80", "5000")},
                       costs=NO_COSTS)
    plan = plan_rebalance(model, snapshot, withdraw("300000", cash_buffer=Decimal(0), price_ticks=0))
    assert [(o.symbol, o.side, o.quantity) for o in plan.orders] == [("069500", Side.SELL, Decimal(20))]
    assert plan.orders[0].reason.startswith("withdrawal: overweight")
    assert plan.post_trade.cash == Decimal(0)
    assert plan.post_trade.equity == Decimal(1_100_000 - 300_000)
    taxed = account("100000", held={"005930": (krx("005930"), "60", "10000"), "114800": (b, "80", "5000")},
                    costs=NO_COSTS)
    plan = plan_rebalance(flat("M", {"005930": "50", "114800": "50"}), taxed,
                          withdraw("300000", cash_buffer=Decimal(0), price_ticks=0))
    # 20 shares leave the stock's sell tax short: one more lot, the cheaper harm (the ETF on target)
    assert {(o.symbol, o.quantity) for o in plan.orders} == {("005930", Decimal(20)), ("114800", Decimal(1))}


def test_withdrawal_covered_by_cash_sells_nothing() -> None:
    a = krx("005930")
    snapshot = account("1000000", held={"005930": (a, "100", "10000")})
    plan = plan_rebalance(flat("M", {"005930": "100"}), snapshot, withdraw("500000"))
    assert plan.orders == ()
    assert plan.skipped[0].detail.startswith("withdrawal: ")


def test_withdrawal_net_of_sell_tax_and_commission() -> None:
    a = krx("005930")
    costs = CostSettings(commission_rate=Decimal("0.00015"), commission_minimum=Decimal(0))
    snapshot = account("0", held={"005930": (a, "100", "10000")}, costs=costs)
    plan = plan_rebalance(flat("M", {"005930": "100"}), snapshot, withdraw("100000", cash_buffer=Decimal(0)))
    (order,) = plan.orders
    assert order.side is Side.SELL
    assert order.quantity * order.sizing_price - order.estimated_costs >= Decimal(100000)
    assert order.estimated_costs > 0  # sell tax on a KRX stock, and commission
    assert plan.post_trade.cash >= 0


def test_withdrawal_beyond_reach_names_the_amount_and_the_most() -> None:
    a = krx("005930")
    snapshot = account("50000", held={"005930": (a, "10", "10000")}, orderable={"005930": "5"}, costs=NO_COSTS)
    with pytest.raises(InvalidInput) as raised:
        plan_rebalance(flat("M", {"005930": "100"}), snapshot,
                       withdraw("200000", cash_buffer=Decimal(0), price_ticks=0))
    text = str(raised.value)
    assert "cannot raise 200,000 KRW" in text
    assert "the most this account can raise is 99,900 KRW" in text  # 5 orderable shares less 0.2 % tax
    assert "withdraw" in text


def test_flow_amount_must_be_positive() -> None:
    with pytest.raises(InvalidInput):
        CashFlow(FlowKind.DEPOSIT, Decimal(0))
    with pytest.raises(InvalidInput):
        CashFlow(FlowKind.WITHDRAWAL, Decimal(-5))
