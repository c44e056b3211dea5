"""Properties of plans over random accounts and models (Hypothesis)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.domain.allocation import (
    AllocationMethod,
    allocate_floor,
    allocate_greedy,
    is_feasible,
    objective,
    stack_accounts,
)
from trimtab.domain.costs import commission, sell_tax
from trimtab.domain.drift import value_account
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.models import ModelHolding, flat_model
from trimtab.domain.orders import Side
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.problem import build_lines, build_problem
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Holding, Quote
from trimtab.domain.ticks import Direction, daily_limits, is_valid_price, round_to_tick


@dataclass(frozen=True)
class Case:
    snapshot: AccountSnapshot
    weights: dict[str, Decimal]
    settings: PlanSettings


KINDS = [(Market.KRX, InstrumentType.STOCK), (Market.KRX, InstrumentType.ETF), (Market.KOSDAQ,
         InstrumentType.STOCK), (Market.KONEX, InstrumentType.STOCK)]


@st.composite
def krw_cases(draw: st.DrawFn) -> Case:
    count = draw(st.integers(1, 8))
    held_flags = draw(st.lists(st.booleans(), min_size=count, max_size=count))
    in_model = draw(st.lists(st.booleans(), min_size=count, max_size=count).filter(any))
    holdings, quotes = [], {}
    for index in range(count):
        market, kind = draw(st.sampled_from(KINDS))
        lot = Decimal(draw(st.sampled_from([1, 1, 1, 10])))
        instrument = Instrument(f"S{index}", market, kind, "KRW", lot_size=lot)
        raw = Decimal(draw(st.integers(100, 2_000_000)))
        price = round_to_tick(instrument, raw, Direction.DOWN)
        percent = draw(st.none() | st.integers(80, 140))
        base = None if percent is None else (price * percent / 100).quantize(Decimal(1))
        if base is not None and not daily_limits(instrument, base).contains(price):  # type: ignore[union-attr]
            base = None
        quote = Quote(instrument, price, base)
        quotes[instrument.symbol] = quote
        if held_flags[index]:
            quantity = Decimal(draw(st.integers(0, 3000))) * lot + Decimal(draw(st.integers(0, 0)))
            orderable = Decimal(draw(st.integers(0, int(quantity))))
            holdings.append(Holding(quote, quantity, orderable))
    raw_weights = [draw(st.integers(1, 100)) if flag else 0 for flag in in_model]
    total = sum(raw_weights)
    symbols = [f"S{i}" for i in range(count) if in_model[i]]
    basis = [w * 10_000 // total for w in raw_weights if w]
    basis[0] += 10_000 - sum(basis)
    weights = {s: Decimal(b) / 10_000 for s, b in zip(symbols, basis, strict=True)}
    costs = CostSettings(commission_rate=Decimal(draw(st.integers(0, 300))) / 1_000_000,
                         commission_minimum=Decimal(draw(st.sampled_from([0, 0, 100, 1500]))))
    cash = Decimal(draw(st.integers(0, 500_000_000)))
    if cash == 0 and not any(h.quantity for h in holdings):
        cash = Decimal(1_000_000)  # an account worth nothing has nothing to rebalance
    snapshot = AccountSnapshot("P", "KRW", cash, tuple(holdings), quotes, dt.date(2026, 3, 2), costs=costs)
    plan_settings = PlanSettings(force=True, cash_buffer=Decimal(draw(st.integers(0, 300))) / 10_000,
                                 price_ticks=draw(st.integers(0, 3)))
    return Case(snapshot, weights, plan_settings)


def _model(case: Case):  # type: ignore[no-untyped-def]
    return flat_model("P", tuple(ModelHolding(s, w) for s, w in case.weights.items()))


FAST = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(krw_cases())
def test_plan_never_oversells_and_uses_whole_lots(case: Case) -> None:
    plan = plan_rebalance(_model(case), case.snapshot, case.settings)
    for order in plan.orders:
        holding = case.snapshot.holding(order.symbol)
        lot = case.snapshot.quotes[order.symbol].instrument.lot_size
        assert order.quantity > 0
        assert order.quantity % lot == 0
        if order.side is Side.SELL:
            assert holding is not None
            assert order.quantity <= holding.orderable_quantity


@FAST
@given(krw_cases())
def test_plan_never_spends_beyond_the_cash_rule(case: Case) -> None:
    plan = plan_rebalance(_model(case), case.snapshot, case.settings)
    snapshot = case.snapshot
    cash = snapshot.cash
    for order in plan.orders:
        instrument = snapshot.quotes[order.symbol].instrument
        value = order.quantity * order.sizing_price
        cost = commission(value, snapshot.costs, "KRW")
        if order.side is Side.SELL:
            from trimtab.domain.costs import sell_tax_rate

            cost += sell_tax(value, sell_tax_rate(instrument, snapshot.as_of), "KRW")
            cash += value - cost
        else:
            cash -= value + cost
    buffer = value_account(snapshot).equity * case.settings.cash_buffer
    if any(o.side is Side.BUY for o in plan.orders):
        assert cash >= buffer
    assert plan.is_safe or not any(o.side is Side.BUY for o in plan.orders)


@FAST
@given(krw_cases())
def test_plan_limit_prices_are_valid_ticks_inside_daily_limits(case: Case) -> None:
    plan = plan_rebalance(_model(case), case.snapshot, case.settings)
    for order in plan.orders:
        quote = case.snapshot.quotes[order.symbol]
        assert order.limit_price is not None
        assert is_valid_price(quote.instrument, order.limit_price)
        if quote.base_price is not None:
            limits = daily_limits(quote.instrument, quote.base_price)
            assert limits is not None
            assert limits.contains(order.limit_price)
        if order.side is Side.BUY:
            assert order.limit_price >= quote.price or quote.base_price is not None
        else:
            assert order.limit_price <= quote.price or quote.base_price is not None


@FAST
@given(krw_cases())
def test_default_method_never_worse_than_floor(case: Case) -> None:
    snapshot = case.snapshot
    lines = build_lines(snapshot, case.weights, case.settings.price_ticks, case.settings.tax_rules)
    problem, _ = build_problem(lines, snapshot, value_account(snapshot).equity, case.settings.cash_buffer, set())
    batch = stack_accounts([problem])
    greedy = allocate_greedy(batch)
    floor = allocate_floor(batch)
    feasible_floor = bool(is_feasible(batch, floor)[0])
    if feasible_floor:
        assert bool(is_feasible(batch, greedy)[0])
        assert objective(batch, greedy)[0] <= objective(batch, floor)[0]
    assert (greedy >= batch.lower).all()
    assert (greedy <= batch.upper).all()


@FAST
@given(krw_cases())
def test_floor_method_plans_are_safe_too(case: Case) -> None:
    settings_floor = PlanSettings(force=True, cash_buffer=case.settings.cash_buffer, method=AllocationMethod.FLOOR)
    plan = plan_rebalance(_model(case), case.snapshot, settings_floor)
    oversell = next(c for c in plan.checks if c.name == "no oversell")
    assert oversell.passed
