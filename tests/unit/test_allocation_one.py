"""One account in plain Python: the same lots and the same bound as its row of the vectorised kernels, and
planning one account never loads NumPy."""

from __future__ import annotations

import os
import random
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.domain.allocation import (
    account_of,
    allocate_floor,
    allocate_greedy,
    allocate_greedy_vectorised,
    objective,
    stack_accounts,
)
from trimtab.domain.allocation_account import AccountProblem, is_feasible
from trimtab.domain.allocation_account import objective as one_objective
from trimtab.domain.allocation_bound import objective_bound
from trimtab.domain.allocation_one import allocate_one_floor, allocate_one_greedy
from trimtab.domain.bound_one import objective_bound_one
from trimtab_testkit.synthetic import make_batch

ROOT = Path(__file__).resolve().parents[2]
MANY = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def random_problem(seed: int, tickers: int, market: str, *, sells: bool = True, buys: bool = True) -> AccountProblem:
    """A random account: KRX-like (won, 0.2 % sell tax on two thirds of tickers) or US-like (cents), with
    holdings to sell, excluded tickers, a buffer, commissions (some with a minimum) and spreads."""
    rng = random.Random(seed)
    krx = market == "krx"
    lot_value = [rng.randint(1_000, 1_000_000) if krx else rng.randint(300, 150_000) for _ in range(tickers)]
    ticks = [max(1, value // 400) for value in lot_value]
    held_lots = [rng.choice([0, rng.randint(0, 50), rng.randint(0, 3_000)]) for _ in range(tickers)]
    held_value = [value * lots for value, lots in zip(lot_value, held_lots, strict=True)]
    cash = rng.choice([0, rng.randint(0, 10 ** rng.randint(3, 10))])
    equity = cash + sum(held_value)
    weights = [rng.random() if rng.random() < 0.8 else 0.0 for _ in range(tickers)]
    total = sum(weights) or 1.0
    buffer = rng.choice([0, 100, 300])  # per 10,000 of equity
    frozen = {k for k in range(tickers) if rng.random() < 0.1}
    return AccountProblem(
        lot_value=tuple(lot_value),
        buy_price=tuple(value + tick * rng.randint(0, 3) for value, tick in zip(lot_value, ticks, strict=True)),
        sell_price=tuple(max(1, value - tick * rng.randint(0, 3)) for value, tick in zip(lot_value, ticks,
                                                                                        strict=True)),
        held_value=tuple(held_value),
        target_value=tuple(int(weight / total * equity * (10_000 - buffer) / 10_000) for weight in weights),
        lower=tuple(0 if k in frozen or not sells else -rng.randint(0, held_lots[k]) for k in range(tickers)),
        upper=tuple(0 if k in frozen or not buys else 2 * max(equity, 1) // lot_value[k] + 1
                    for k in range(tickers)),
        sell_tax_rate=tuple((20_000 if krx and rng.random() < 2 / 3 else 0) for _ in range(tickers)),
        cash=cash, reserve=equity * buffer // 10_000, commission_rate=rng.choice([0, 1_405, 15_000]),
        commission_minimum=rng.choice([0, 0, 100, 1_500]), cost_quantum=rng.choice([1, 1, 10]),
        rate_denominator=10**7,
    )


@st.composite
def accounts(draw: st.DrawFn) -> list[AccountProblem]:
    """A few accounts of one width (the first is the one checked; the others are its neighbours in a batch)."""
    tickers = draw(st.sampled_from([1, 2, 3, 5, 9, 10, 11, 20, 37, 100]))
    market = draw(st.sampled_from(["krx", "us"]))
    sells, buys = draw(st.sampled_from([(True, True), (True, True), (False, True), (True, False)]))
    return [random_problem(draw(st.integers(0, 2**32)), tickers, market, sells=sells, buys=buys)
            for _ in range(draw(st.integers(1, 3)))]


@MANY
@given(accounts())
def test_one_account_gets_the_lots_of_its_row_in_a_batch(problems: list[AccountProblem]) -> None:
    batch = stack_accounts(problems)
    greedy, floor = allocate_greedy_vectorised(batch), allocate_floor(stack_accounts(problems * 2))
    for row, problem in enumerate(problems):
        assert allocate_one_greedy(problem) == greedy[row].tolist()
        assert allocate_one_floor(problem) == floor[row].tolist()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(accounts(), st.sampled_from([0, 2, 4, 6]), st.booleans())
def test_one_account_gets_the_bound_of_its_row_in_a_batch(problems: list[AccountProblem], depth: int,
                                                          with_incumbent: bool) -> None:
    batch = stack_accounts(problems)
    lots = allocate_greedy_vectorised(batch)
    reached = objective(batch, lots)
    bound = objective_bound(batch, depth=depth, incumbent=reached if with_incumbent else None)
    for row, problem in enumerate(problems):
        one = objective_bound_one(problem, depth, float(reached[row]) if with_incumbent else float("inf"))
        assert (one.units, one.solvable) == (int(bound.units[row]), bool(bound.solvable[row]))
        plan = lots[row].tolist()
        if is_feasible(problem, plan):
            assert one.solvable
            assert one.units <= one_objective(problem, plan)


@pytest.mark.parametrize("profile", ["krx", "us"])
@pytest.mark.parametrize("tickers", [1, 5, 20, 100])
def test_seeded_accounts_alone_equal_the_batch(profile: str, tickers: int) -> None:
    batch = make_batch(150, tickers, 900 + tickers, profile=profile)
    greedy = allocate_greedy(batch)
    for row in range(batch.shape[0]):
        one = allocate_greedy(account_batch := stack_accounts([account_of(batch, row)]))
        assert one.dtype == account_batch.lower.dtype
        assert one[0].tolist() == greedy[row].tolist()
    head = stack_accounts([account_of(batch, row) for row in range(12)])
    bound = objective_bound(head)
    assert [objective_bound_one(account_of(head, row)).units for row in range(12)] == bound.units.tolist()


def test_planning_one_account_loads_no_numpy() -> None:
    script = """
import sys
from decimal import Decimal
from tests.fakes.builders import account, flat, krx
from trimtab.domain.cash_flows import CashFlow, FlowKind
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.domain.allocation_method import AllocationMethod

snap = account("3000000", {"A": (krx("A"), "200", "181500")},
               prices={"B": (krx("B"), "55000"), "C": (krx("C"), "13425")})
model = flat("M", {"A": "40", "B": "35", "C": "25"})
for settings in (PlanSettings(minimum_trade_value=Decimal(200_000)), PlanSettings(method=AllocationMethod.FLOOR),
                 PlanSettings(cash_flow=CashFlow(FlowKind.WITHDRAWAL, Decimal(5_000_000)))):
    plan = plan_rebalance(model, snap, settings)
    assert plan.orders and plan.lower_bound_bp is not None, plan
assert "numpy" not in sys.modules, "planning one account imported numpy"
"""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)])}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env,  # noqa: S603
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
