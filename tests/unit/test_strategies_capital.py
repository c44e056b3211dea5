"""The one capital rule: a market type's equity split by the weights of its active strategies, exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.errors import InvalidInput
from trimtab.domain.strategies import (
    BalanceSource,
    CachedBalance,
    MarketReading,
    MarketType,
    Strategy,
    StrategyId,
    allocate_capital,
    is_rebalance_bucket,
    parse_strategy_id,
    split_exactly,
)

TODAY = dt.date(2026, 12, 1)
YESTERDAY = dt.date(2026, 11, 30)
SPOT, FUTURES, SECURITIES = MarketType.SPOT, MarketType.FUTURES, MarketType.SECURITIES


def strategy(sid: str, weight: str, market: MarketType = SECURITIES, *, active: bool = True) -> Strategy:
    return Strategy("A", StrategyId(sid), Decimal(weight), market, active=active)


def by_id(strategies: list[Strategy], readings: dict[MarketType, MarketReading]) -> dict[str, Decimal | None]:
    return {c.strategy.strategy_id: c.capital for c in allocate_capital(strategies, readings, YESTERDAY)}


def test_allocate_seed_003_cached_futures_gets_futures_balance_only_and_is_stale() -> None:
    readings = {SPOT: MarketReading("USD", cached=CachedBalance(YESTERDAY, Decimal("10369"))),
                FUTURES: MarketReading("USD", cached=CachedBalance(YESTERDAY, Decimal("5000")))}
    result = allocate_capital([strategy("spot", "0.5", SPOT), strategy("fut", "0.5", FUTURES)], readings, YESTERDAY)
    assert [c.capital for c in result] == [Decimal("10369"), Decimal("5000")]  # not the 15,369 of Issue #7
    assert all(c.is_stale and c.market is not None and c.market.source is BalanceSource.CACHED for c in result)
    assert all("STALE" in c.market.reason for c in result if c.market is not None)


def test_allocate_live_60_40_splits_krw_equity_exactly() -> None:
    readings = {SECURITIES: MarketReading("KRW", live=Decimal("100000001"))}
    capital = by_id([strategy("core", "60"), strategy("alpha", "40")], readings)
    assert capital == {"core": Decimal("60000001"), "alpha": Decimal("40000000")}  # the one won left: to core


def test_allocate_inactive_strategy_gets_nothing_and_is_left_out_of_the_weights() -> None:
    readings = {SECURITIES: MarketReading("KRW", live=Decimal("1000"))}
    result = allocate_capital([strategy("a", "1"), strategy("b", "1", active=False)], readings, YESTERDAY)
    assert [(c.capital, c.reason) for c in result] == [(Decimal("1000"), ""), (None, "inactive")]


def test_allocate_cached_summary_too_old_gives_no_capital_with_the_reason() -> None:
    old = dt.date(2026, 11, 26)
    readings = {SECURITIES: MarketReading("KRW", live_error="broker down", cached=CachedBalance(old, Decimal("9")))}
    [result] = allocate_capital([strategy("a", "1")], readings, YESTERDAY)
    assert result.capital is None
    assert not result.can_trade
    assert "broker down" in result.reason
    assert "2026-11-26 is older than 2026-11-30" in result.reason


def test_allocate_no_balance_at_all_does_not_trade() -> None:
    [result] = allocate_capital([strategy("a", "1", FUTURES)], {}, YESTERDAY)
    assert (result.capital, result.reason) == (None, "no balance for this market type")


def test_allocate_live_wins_over_cached() -> None:
    readings = {SECURITIES: MarketReading("KRW", live=Decimal(7), cached=CachedBalance(TODAY, Decimal(9)))}
    [result] = allocate_capital([strategy("a", "1")], readings, YESTERDAY)
    assert (result.capital, result.is_stale) == (Decimal(7), False)


def test_allocate_zero_or_negative_equity_does_not_trade() -> None:
    readings = {SECURITIES: MarketReading("KRW", live=Decimal(-5))}
    [result] = allocate_capital([strategy("a", "1")], readings, YESTERDAY)
    assert result.capital is None
    assert "not above 0" in result.reason


def test_allocate_equity_with_more_digits_than_the_currency_splits_in_those_digits() -> None:
    readings = {SECURITIES: MarketReading("USD", live=Decimal("0.005"))}
    assert by_id([strategy("a", "1"), strategy("b", "1")], readings) == {"a": Decimal("0.003"),
                                                                        "b": Decimal("0.002")}


def test_strategy_refuses_reserved_ids_and_bad_weights() -> None:
    with pytest.raises(InvalidInput, match="reserved"):
        strategy("MANUAL", "1")
    with pytest.raises(InvalidInput, match="reserved"):
        strategy("REB_20251224", "1")
    with pytest.raises(InvalidInput, match="above 0"):
        strategy("a", "0")
    with pytest.raises(InvalidInput, match="letter"):
        parse_strategy_id("a-b")


def test_rebalance_bucket_is_exactly_reb_and_a_real_date() -> None:
    assert is_rebalance_bucket("REB_20251224")
    assert not is_rebalance_bucket("REB_20251324")
    assert not is_rebalance_bucket("XREB_20251224")
    assert not is_rebalance_bucket("REB_2025122")


weights = st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3)
equities = st.decimals(min_value=Decimal(0), max_value=Decimal(10) ** 12, places=2)


@given(st.lists(st.tuples(weights, st.booleans(), st.sampled_from(list(MarketType))), min_size=1, max_size=8),
       equities, equities)
def test_allocations_of_each_market_sum_to_its_equity_and_inactive_get_nothing(
        specs: list[tuple[Decimal, bool, MarketType]], securities: Decimal, spot: Decimal) -> None:
    strategies = [Strategy("A", StrategyId(f"s{i}"), w, m, active=a) for i, (w, a, m) in enumerate(specs)]
    readings = {SECURITIES: MarketReading("USD", live=securities),
                SPOT: MarketReading("USDT", cached=CachedBalance(TODAY, spot))}  # futures: no balance
    result = allocate_capital(strategies, readings, YESTERDAY)
    assert [c.strategy for c in result] == strategies
    for market, equity in ((SECURITIES, securities), (SPOT, spot)):
        active = [c for c in result if c.strategy.market_type is market and c.strategy.active]
        if active and equity > 0:
            assert sum(c.capital or Decimal(0) for c in active) == equity
    assert all(c.capital is None for c in result if not c.strategy.active)
    assert all(c.capital is None for c in result if c.strategy.market_type is FUTURES)
    assert all(c.is_stale for c in result if c.strategy.market_type is SPOT)


@given(st.lists(weights, min_size=1, max_size=10), st.integers(min_value=0, max_value=10 ** 15))
def test_split_exactly_sums_and_each_share_is_within_one_quantum(shares: list[Decimal], units: int) -> None:
    quantum = Decimal("0.01")
    amount = Decimal(units) * quantum
    parts = split_exactly(amount, shares, quantum)
    assert sum(parts, Decimal(0)) == amount
    total = sum(shares, Decimal(0))
    for part, weight in zip(parts, shares, strict=True):
        assert abs(part - amount * weight / total) < quantum
