"""Planning stays exact and quick on accounts at the edges of the input bounds (found by the generator)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.hostile import documents
from tests.hostile.harness import load_and_plan, outcome, write
from trimtab.domain import allocation_search
from trimtab.domain.errors import InvalidInput

N, T = documents.Number, documents.Text


def _snapshot(cash: str, holdings: list[dict[str, Any]], minimum: str = "0") -> dict[str, Any]:
    return {"account_id": T("EDGE"), "currency": T("USD"), "as_of": T("2026-01-05"), "cash": N(cash),
            "costs": {"commission_rate": N("0"), "commission_minimum": N(minimum)}, "holdings": holdings}


def _model(*symbols: str) -> dict[str, Any]:
    share = f"{100 / len(symbols):.4f}"
    weights = {symbol: N(share) for symbol in symbols[:-1]}
    weights[symbols[-1]] = N(str(100 - float(share) * (len(symbols) - 1)))
    return {"models": {"M": {"holdings": weights}}}


def _plan(tmp_path: Path, snapshot: dict[str, Any], model: dict[str, Any]) -> InvalidInput | None:
    path = write(tmp_path, "s.json", documents.render(snapshot))
    return outcome(lambda: load_and_plan("snapshot", path, model, tmp_path))


def test_commission_minimum_counts_in_the_choice_of_integer_width(tmp_path: Path) -> None:
    # Lots worth 1e-16 dollars make the money unit 1e-16: a $1,000,000 minimum is 1e22 units, past int64.
    snapshot = _snapshot("1", [{"symbol": T("A"), "quantity": N("0"), "price": N("0.00000003"),
                                "lot_size": N("0.00000007"), "tick_size": N("0.00000001")}], minimum="1000000")
    assert _plan(tmp_path, snapshot, _model("A")) is None


def test_more_lots_than_the_kernels_count_is_refused(tmp_path: Path) -> None:
    snapshot = _snapshot("1000000000000000", [
        {"symbol": T("A"), "quantity": N("0"), "price": N("0.0001"), "tick_size": N("0.00000001"),
         "lot_size": N("0.00000001")}])
    refused = _plan(tmp_path, snapshot, _model("A"))
    assert refused is not None
    assert "more than 1,000,000,000,000,000 lots" in str(refused)


def test_a_swap_larger_than_any_lot_count_does_not_overflow(tmp_path: Path) -> None:
    snapshot = _snapshot("0.0000", [
        {"symbol": T("S0"), "quantity": N("0"), "price": N("0.0910502"), "base_price": N("0.0000600")},
        {"symbol": T("S1"), "quantity": N("0"), "price": N("462577.740000"), "tick_size": N("0.00000001"),
         "instrument_type": T("etf")},
        {"symbol": T("S2"), "quantity": N("0.05300"), "price": N("1"), "lot_size": N("1000000"),
         "tick_size": N("4")},
        {"symbol": T("S3"), "quantity": N("0.0000"), "price": N("0.00000001"), "lot_size": N("0.00000001"),
         "tick_size": N("0.00000001"), "base_price": N("0.000739")}], minimum="1000000")
    _plan(tmp_path, snapshot, _model("S0", "S1", "S2", "S3"))  # a RuntimeWarning (an error here) if it overflows


def test_a_deficit_of_millions_of_lots_is_repaired_in_a_few_passes(tmp_path: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    # Selling 1 % of 4.76 billion $1 shares owes a $1,000,000 minimum commission: a million lots more to sell.
    snapshot = _snapshot("0.000", [{"symbol": T("S0"), "quantity": N("4761824200"), "price": N("1"),
                                    "instrument_type": T("etf")}], minimum="1000000")
    calls = [0]
    real = allocation_search.step_gains

    def counted(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] > 10_000:  # one drop per pass would take millions
            raise AssertionError("repair drops one lot per pass")
        return real(*args, **kwargs)

    monkeypatch.setattr(allocation_search, "step_gains", counted)
    assert _plan(tmp_path, snapshot, _model("S0")) is None


def test_no_limit_price_a_tick_below_the_smallest_price_is_invalid_input(tmp_path: Path) -> None:
    snapshot = {"account_id": T("KR"), "currency": T("KRW"), "cash": N("100000"),
                "holdings": [{"symbol": T("A"), "quantity": N("10"), "price": N("1")}]}
    refused = _plan(tmp_path, snapshot, _model("A"))
    assert refused is not None
    assert "cannot step below the smallest valid price" in str(refused)
    assert "field 'price'" in str(refused)
