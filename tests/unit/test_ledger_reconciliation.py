"""The per-strategy ledger and its reconciliation with the broker: seed 004's order, no pro-rata, exact sums."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.ledger import EntryKind, LedgerEntry, positions, totals
from trimtab.domain.orders import Side
from trimtab.domain.reconciliation import BrokerHolding, LineStatus, ReconciliationLine, TradeLogFill, reconcile
from trimtab.domain.strategies import MANUAL, StrategyId

AT = dt.datetime(2026, 12, 1, 1, 0, tzinfo=dt.UTC)
DAY = dt.date(2026, 12, 1)
CORE, ALPHA = StrategyId("core"), StrategyId("alpha")


def entry(n: int, sid: str, symbol: str, quantity: str, price: str = "100", fees: str = "0") -> LedgerEntry:
    return LedgerEntry(f"e{n}", "A", StrategyId(sid), symbol, Decimal(quantity), Decimal(price), EntryKind.FILL,
                       AT + dt.timedelta(minutes=n), Decimal(fees))


def moves(line: ReconciliationLine) -> list[tuple[str, int]]:
    return [(str(a.strategy_id), int(a.quantity)) for a in line.adjustments]


def broker(**held: int) -> dict[str, BrokerHolding]:
    return {symbol: BrokerHolding(Decimal(quantity), Decimal(50)) for symbol, quantity in held.items()}


def test_positions_average_cost_per_strategy() -> None:
    held = positions([entry(1, "core", "X", "10", "100", fees="5"), entry(2, "core", "X", "10", "200"),
                      entry(3, "core", "X", "-5", "300"), entry(4, "alpha", "X", "3", "90")])
    assert held[(CORE, "X")].quantity == 15
    assert held[(CORE, "X")].cost == Decimal("3005") * 15 / 20
    assert held[(ALPHA, "X")].cost == Decimal(270)
    assert totals(held) == {"X": Decimal(18)}


def test_positions_repeated_entry_counts_once() -> None:
    once = positions([entry(1, "core", "X", "10")])
    assert positions([entry(1, "core", "X", "10"), entry(1, "core", "X", "10")]) == once


def test_excess_goes_to_the_latest_buy_fill_strategy() -> None:
    log = [TradeLogFill("X", Side.BUY, CORE, "r.core-B1-X-0", Decimal(1), AT),
           TradeLogFill("X", Side.BUY, ALPHA, "r.alpha-B1-X-0", Decimal(2), AT + dt.timedelta(hours=1)),
           TradeLogFill("X", Side.SELL, CORE, "r.core-S-X-0", Decimal(3), AT + dt.timedelta(hours=2))]
    [line] = reconcile("A", {}, broker(X=7), log, frozenset(), DAY).lines
    assert line.status is LineStatus.ASSIGNED
    assert moves(line) == [("alpha", 7)]
    assert line.adjustments[0].price == 2
    assert "r.alpha-B1-X-0" in line.adjustments[0].reason


def test_excess_without_a_buy_goes_to_the_day_bucket_when_targeted_else_manual() -> None:
    report = reconcile("A", {}, broker(X=3, Y=4), [], frozenset({"X"}), DAY)
    owners = {line.symbol: line.adjustments[0].strategy_id for line in report.lines}
    assert owners == {"X": "REB_20261201", "Y": MANUAL}


def test_shortfall_is_taken_from_manual_then_rebalance_buckets_then_the_only_strategy() -> None:
    held = positions([entry(1, "MANUAL", "X", "2"), entry(2, "REB_20261130", "X", "3"), entry(3, "core", "X", "10")])
    [line] = reconcile("A", held, broker(X=7), [], frozenset(), DAY).lines
    assert line.status is LineStatus.REMOVED
    assert moves(line) == [("MANUAL", -2), ("REB_20261130", -3), ("core", -3)]


def test_shortfall_with_two_strategies_holding_is_unresolved_not_pro_rata() -> None:
    held = positions([entry(1, "core", "X", "10"), entry(2, "alpha", "X", "10")])
    [line] = reconcile("A", held, broker(X=15), [], frozenset(), DAY).lines
    assert line.status is LineStatus.UNRESOLVED
    assert moves(line) == [("MANUAL", -5)]
    assert "cannot be known" in line.adjustments[0].reason


def test_a_short_bucket_is_made_whole_before_new_shares_are_assigned() -> None:
    held = positions([entry(1, "MANUAL", "X", "-5"), entry(2, "REB_20261130", "X", "-2")])
    [line] = reconcile("A", held, broker(X=10), [], frozenset(), DAY).lines
    assert moves(line) == [("MANUAL", 5), ("REB_20261130", 2), ("MANUAL", 10)]


def test_a_manual_trade_at_the_broker_shows_up_as_manual() -> None:
    held = positions([entry(1, "core", "X", "10")])
    report = reconcile("A", held, broker(X=10, Z=4), [], frozenset({"X"}), DAY)
    assert [(line.symbol, line.status) for line in report.lines] == [("X", LineStatus.MATCHED),
                                                                      ("Z", LineStatus.ASSIGNED)]
    assert report.differences[0].adjustments[0].strategy_id == MANUAL


owners = st.sampled_from(["core", "alpha", "MANUAL", "REB_20261130"])
symbols = st.sampled_from(["X", "Y", "Z"])


@given(st.lists(st.tuples(owners, symbols, st.integers(-50, 100)), max_size=20),
       st.dictionaries(symbols, st.integers(0, 200)),
       st.lists(st.tuples(owners, symbols, st.booleans()), max_size=5), st.frozensets(symbols))
def test_after_reconciliation_the_ledger_equals_the_broker_and_a_second_one_matches(
        booked: list[tuple[str, str, int]], held_at_broker: dict[str, int], log: list[tuple[str, str, bool]],
        targets: frozenset[str]) -> None:
    entries = [entry(n, sid, symbol, str(quantity)) for n, (sid, symbol, quantity) in enumerate(booked)]
    fills = [TradeLogFill(symbol, Side.BUY if buy else Side.SELL, StrategyId(sid), f"f{n}", Decimal(1),
                          AT + dt.timedelta(minutes=n)) for n, (sid, symbol, buy) in enumerate(log)]
    at_broker = broker(**held_at_broker)
    report = reconcile("A", positions(entries), at_broker, fills, targets, DAY)
    after = positions([*entries, *report.entries(AT + dt.timedelta(days=1), "r1")])
    assert totals(after) == {s: h.quantity for s, h in at_broker.items() if h.quantity != 0}
    for line in report.lines:  # every difference is explained, by adjustments that add up to it
        assert sum((a.quantity for a in line.adjustments), Decimal(0)) == line.broker_quantity - line.ledger_quantity
        assert all(a.reason for a in line.adjustments)
    again = reconcile("A", after, at_broker, fills, targets, DAY)
    assert again.differences == ()


def test_an_account_level_runs_sell_takes_the_ownerless_shares_it_sold() -> None:
    held = positions([entry(1, "MANUAL", "X", "20"), entry(2, "core", "X", "5"), entry(3, "REB_20261201", "X", "-20")])
    [line] = reconcile("A", held, broker(X=5), [], frozenset(), DAY).lines
    assert line.status is LineStatus.MOVED
    assert moves(line) == [("MANUAL", -20), ("REB_20261201", 20)]  # never from core


@given(st.lists(st.tuples(owners, symbols, st.integers(-50, 100), st.integers(1, 1000)), max_size=25),
       st.randoms(use_true_random=False))
def test_positions_are_the_sums_of_entries_whatever_order_or_repeats(
        booked: list[tuple[str, str, int, int]], shuffle: random.Random) -> None:
    entries = [entry(n, sid, symbol, str(quantity), str(price)) for n, (sid, symbol, quantity, price)
               in enumerate(booked)]
    held = positions(entries)
    replayed = [*entries, *entries[: len(entries) // 2]]
    shuffle.shuffle(replayed)
    assert positions(replayed) == held
    for (sid, symbol), position in held.items():
        assert position.quantity == sum(e.quantity for e in entries if (e.strategy_id, e.symbol) == (sid, symbol))
        assert position.cost >= 0
        assert position.quantity > 0 or position.cost == 0
