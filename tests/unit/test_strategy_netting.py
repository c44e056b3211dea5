"""Strategies' orders netted per symbol, and fills split back by strategy: exact intents, no pro-rata."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.orders import Side
from trimtab.domain.strategies import MANUAL, StrategyId
from trimtab.domain.strategy_netting import (
    TRANSFER,
    FillPart,
    Share,
    StrategyOrder,
    StrategyRun,
    net_orders,
    split_fills,
    transfer_lines,
)

AT = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)
CORE, ALPHA, BETA = StrategyId("core"), StrategyId("alpha"), StrategyId("beta")
ORDER = (ALPHA, BETA, CORE)
PRICE = {"X": Decimal(100)}


def order(sid: StrategyId, side: Side, quantity: int, symbol: str = "X") -> StrategyOrder:
    return StrategyOrder(sid, symbol, side, Decimal(quantity))


def fill(n: int, side: Side, quantity: int, symbol: str = "X", leg: str = "S", price: int = 101) -> FillPart:
    return FillPart(f"f{n}", symbol, side, Decimal(quantity), Decimal(price), Decimal(n), AT + dt.timedelta(seconds=n),
                    f"run.alpha-{leg}-{symbol}-0")


def test_core_buys_10_alpha_sells_4_one_buy_of_6_and_a_transfer_at_the_quote() -> None:
    netting = net_orders([order(CORE, Side.BUY, 10), order(ALPHA, Side.SELL, 4)], "B1", ORDER, PRICE)
    assert netting.net("B1") == {"X": (Side.BUY, Decimal(6))}
    assert [(t.seller, t.buyer, int(t.quantity), int(t.price)) for t in netting.transfers] == [(ALPHA, CORE, 4, 100)]
    assert [(s.strategy_id, s.side, int(s.quantity)) for s in netting.shares] == [(CORE, Side.BUY, 6)]


def test_sellers_cross_in_strategy_order_and_the_last_one_goes_to_market() -> None:
    orders = [order(CORE, Side.BUY, 4), order(ALPHA, Side.SELL, 5), order(BETA, Side.SELL, 5)]
    netting = net_orders(orders, "S", ORDER, PRICE)
    assert [(t.seller, int(t.quantity)) for t in netting.transfers] == [(ALPHA, 4)]
    assert [(s.strategy_id, int(s.quantity)) for s in netting.shares] == [(ALPHA, 1), (BETA, 5)]


def test_equal_and_opposite_orders_send_nothing() -> None:
    netting = net_orders([order(CORE, Side.BUY, 7), order(ALPHA, Side.SELL, 7)], "S", ORDER, PRICE)
    assert netting.net("S") == {}
    assert netting.shares == ()


def test_partial_fill_goes_to_the_first_strategies_in_order_never_pro_rata() -> None:
    shares = [Share("B1", "X", ALPHA, Side.BUY, Decimal(5)), Share("B1", "X", CORE, Side.BUY, Decimal(5))]
    lines = split_fills(shares, [fill(1, Side.BUY, 3, leg="B1"), fill(2, Side.BUY, 4, leg="B1")])
    assert [(line.strategy_id, int(line.quantity), line.source, int(line.fees)) for line in lines] == [
        (ALPHA, 3, "f1", 1), (ALPHA, 2, "f2", 2), (CORE, 2, "f2", 0)]  # a fill's fees go with its first line


def test_an_over_fill_goes_to_manual() -> None:
    lines = split_fills([Share("S", "X", CORE, Side.SELL, Decimal(2))], [fill(1, Side.SELL, 3)])
    assert [(line.strategy_id, int(line.quantity)) for line in lines] == [(CORE, -2), (MANUAL, -1)]


def test_settle_splits_by_leg_and_symbol_and_books_transfers_only_when_asked() -> None:
    run = StrategyRun((), transfers=tuple(net_orders([order(CORE, Side.BUY, 2), order(ALPHA, Side.SELL, 5)], "S",
                                                     ORDER, PRICE).transfers),
                      shares=(Share("S", "X", ALPHA, Side.SELL, Decimal(3)),))
    assert run.lead("S", "X") == ALPHA
    assert run.lead("B1", "X") is None
    with_transfers = run.settle([fill(1, Side.SELL, 3)], AT, transfers=True)
    assert [(line.strategy_id, int(line.quantity), line.source) for line in with_transfers] == [
        (ALPHA, -2, TRANSFER), (CORE, 2, TRANSFER), (ALPHA, -3, "f1")]
    assert [line.source for line in run.settle([fill(1, Side.SELL, 3)], AT, transfers=False)] == ["f1"]


strategy_ids = st.sampled_from(ORDER)
orders_strategy = st.lists(st.tuples(strategy_ids, st.sampled_from([Side.BUY, Side.SELL]),
                                     st.integers(min_value=1, max_value=50)), max_size=6,
                           unique_by=lambda item: item[0])


@given(orders_strategy, st.lists(st.integers(min_value=1, max_value=20), max_size=8), st.booleans())
def test_split_of_net_fills_gives_each_strategy_its_intent_and_sums_to_the_fills(
        wanted: list[tuple[StrategyId, Side, int]], sizes: list[int], complete: bool) -> None:
    orders = [order(sid, side, quantity) for sid, side, quantity in wanted]
    netting = net_orders(orders, "S", ORDER, PRICE)
    net = netting.net("S").get("X")
    total = Decimal(0) if net is None else net[1]
    fills, left = [], total
    for n, size in enumerate(sizes, start=1):  # fills of the net order, at most what it asked
        quantity = min(Decimal(size), left)
        if quantity > 0 and net is not None:
            fills.append(fill(n, net[0], int(quantity)))
            left -= quantity
    if complete and left > 0 and net is not None:
        fills.append(fill(99, net[0], int(left)))
        left = Decimal(0)
    lines = transfer_lines(netting.transfers, AT) + split_fills(netting.shares, fills)
    signed_fills = sum((f.quantity if f.side is Side.BUY else -f.quantity for f in fills), Decimal(0))
    assert sum((line.quantity for line in lines), Decimal(0)) == signed_fills  # transfers cancel out
    assert all(line.strategy_id != MANUAL for line in lines)
    got: dict[StrategyId, Decimal] = {}
    for line in lines:
        got[line.strategy_id] = got.get(line.strategy_id, Decimal(0)) + line.quantity
    for o in orders:
        intent = o.quantity if o.side is Side.BUY else -o.quantity
        mine = got.get(o.strategy_id, Decimal(0))
        if left == 0:
            assert mine == intent  # fully filled: exactly its intent
        else:
            assert abs(mine) <= abs(intent)  # part filled: never more than it asked, never the other way
            assert mine == 0 or (mine > 0) == (intent > 0)
