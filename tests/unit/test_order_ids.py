"""Client order ids carry the strategy exactly; the ids runs make today keep parsing (as no strategy)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from trimtab.application.run_rebalance import new_run_id
from trimtab.application.supervise import client_order_id
from trimtab.domain.ledger import owner_of_fill
from trimtab.domain.order_ids import OrderId, format_order_id, parse_order_id
from trimtab.domain.strategies import MANUAL, StrategyId

DAY = dt.date(2026, 12, 1)


def test_parse_existing_run_id_has_no_strategy() -> None:
    parsed = parse_order_id(client_order_id("0123456789abcdef", "B2", "005930", 1))
    assert parsed == OrderId("0123456789abcdef", None, "B2", "005930", 1)


def test_parse_strategy_id_exactly_not_a_digit_inside_it() -> None:
    parsed = parse_order_id("0123456789abcdef.REB_20251224-S-005930-0")
    assert parsed is not None
    assert parsed.strategy_id == "REB_20251224"  # the origin read this as strategy "2"


def test_parse_symbol_with_dashes_and_slashes() -> None:
    parsed = parse_order_id("0123456789abcdef.core-B1-BRK-B-3")
    assert parsed == OrderId("0123456789abcdef", StrategyId("core"), "B1", "BRK-B", 3)


def test_parse_foreign_ids_is_none() -> None:
    for text in ("", "manual order", "abc-X-005930-0", "abc.1core-S-005930-0", "abc-S-005930-01", "abc..x-S-A-0"):
        assert parse_order_id(text) is None


def test_owner_of_fill_strategy_rebalance_bucket_or_manual() -> None:
    assert owner_of_fill("0123456789abcdef.core-S-A-0", DAY) == "core"
    assert owner_of_fill("0123456789abcdef-S-A-0", DAY) == "REB_20261201"
    assert owner_of_fill("typed at the broker", DAY) == MANUAL


strategy_ids = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,15}", fullmatch=True)
symbols = st.from_regex(r"[A-Z0-9][A-Z0-9./-]{0,11}", fullmatch=True)


@given(strategy_ids | st.none(), st.sampled_from(["S", "B1", "B2", "B12"]), symbols, st.integers(0, 999))
def test_format_then_parse_gives_the_parts_back(strategy: str | None, leg: str, symbol: str, attempt: int) -> None:
    run_id = new_run_id()
    sid = None if strategy is None else StrategyId(strategy)
    assert parse_order_id(format_order_id(run_id, leg, symbol, attempt, sid)) == OrderId(run_id, sid, leg, symbol,
                                                                                         attempt)
