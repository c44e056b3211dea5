"""A run's typed plan and snapshots survive the database exactly; documents stored before them load as absent."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tests.fakes.builders import account, flat, krx, two_level
from trimtab.adapters.persistence.run_documents import decode_plan, decode_snapshot, encode
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.planning import PlanSettings, plan_rebalance


@settings(max_examples=60, deadline=None, derandomize=True)
@given(cash=st.integers(1, 50_000_000), held=st.integers(0, 400), buffer=st.integers(0, 20),
       force=st.booleans())
def test_plan_and_snapshot_round_trip_exactly(cash: int, held: int, buffer: int, force: bool) -> None:
    snapshot = account(str(cash), {"069500": (krx("069500", InstrumentType.ETF), str(held), "35005")},
                       {"005930": (krx("005930"), "71500"), "360750": (krx("360750", InstrumentType.ETF), "22015")})
    model = two_level("M", {"EQUITY": ("60", {"069500": "50", "005930": "50"}), "US": ("40", {"360750": "100"})})
    plan = plan_rebalance(model, snapshot, PlanSettings(cash_buffer=Decimal(buffer) / 100, force=force))
    assert decode_plan(encode(plan)) == plan
    assert decode_snapshot(encode(snapshot)) == snapshot


def test_nothing_and_documents_from_before_typed_runs_load_as_absent() -> None:
    assert encode(None) == {}
    assert decode_plan({}) is None
    legacy = {"account_id": "A", "orders": [{"ticker": "069500", "quantity": "3"}], "breaches": []}
    assert decode_plan(legacy) is None
    assert decode_snapshot({"cash": "100", "holdings": []}) is None


def test_flat_plan_round_trips() -> None:
    snapshot = account("1000000", {"A": (krx("A"), "10", "70000")}, {"B": (krx("B"), "5000")})
    plan = plan_rebalance(flat("F", {"A": "50", "B": "50"}), snapshot, PlanSettings())
    assert decode_plan(encode(plan)) == plan


def test_plans_stored_before_the_certificate_load_without_it() -> None:
    snapshot = account("1000000", {"A": (krx("A"), "10", "70000")}, {"B": (krx("B"), "5000")})
    plan = plan_rebalance(flat("F", {"A": "50", "B": "50"}), snapshot, PlanSettings())
    assert plan.gap_bp is not None
    document = encode(plan)
    for key in ("objective_bp", "lower_bound_bp", "gap_bp"):
        assert isinstance(document["value"][key], str)  # exact decimal text
        del document["value"][key]
    older = decode_plan(document)
    assert older is not None
    assert older.gap_bp is None
    assert older.orders == plan.orders
