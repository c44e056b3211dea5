"""TWS baskets from a plan: Day 1 MOC whole shares of the larger positions, Day 2 LMT for the rest, on the tick;
the file parsed back is the plan's orders, under exactly the seed's header."""

from __future__ import annotations

import csv
from collections import Counter
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tests.fakes.builders import account, flat, us
from trimtab.adapters.reports.csv_files import write_basket_csv
from trimtab.domain.basket import HEADER, basket_lines, limit_price
from trimtab.domain.errors import DomainError
from trimtab.domain.instruments import Instrument
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.planning import Plan, PlanSettings, plan_rebalance
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.domain.ticks import is_valid_price

SEED_HEADER = ("Action,Quantity,Symbol,SecType,Exchange,Currency,TimeInForce,OrderType,LmtPrice,BasketTag,Account,"
               "UsePriceMgmtAlgo,OrderRef")


def fractional(symbol: str) -> Instrument:
    return replace(us(symbol), lot_size=Decimal("0.001"))


def _plan(order_type: OrderType = OrderType.LIMIT) -> tuple[Plan, AccountSnapshot]:
    model = flat("GTAA+", {"SPMO": "33", "SMH": "32", "IAU": "32", "XLE": "3"})
    snapshot = account("100000", {"SMH": (fractional("SMH"), "150.5", "326.10")},
                       {"SPMO": (fractional("SPMO"), "112.61"), "IAU": (us("IAU"), "61.37"),
                        "XLE": (fractional("XLE"), "88.05")}, currency="USD")
    return plan_rebalance(model, snapshot, PlanSettings(order_type=order_type)), snapshot


def _planned(plan: Plan) -> Counter[tuple[str, Side]]:
    totals: Counter[tuple[str, Side]] = Counter()
    for order in plan.orders:
        totals[order.symbol, order.side] += order.quantity  # type: ignore[assignment]
    return totals


def test_day_1_is_moc_whole_shares_of_the_larger_positions_and_day_2_the_rest_at_tick_limits() -> None:
    plan, snapshot = _plan()
    assert {order.symbol for order in plan.orders} == {"SPMO", "SMH", "IAU", "XLE"}
    day1, day2 = basket_lines(plan, snapshot, 1), basket_lines(plan, snapshot, 2)
    assert {line.symbol for line in day1} == {"SPMO", "SMH", "IAU"}  # XLE weighs 3 %: all of it on day 2
    assert all(line.order_type == "MOC" and line.limit_price is None and line.quantity == int(line.quantity)
               for line in day1)
    assert {line.symbol for line in day2} == {"SPMO", "SMH", "XLE"}  # IAU is whole shares only: nothing left
    for line in day2:
        assert line.order_type == "LMT"
        assert line.limit_price is not None
        assert is_valid_price(line.instrument, line.limit_price)
    assert all(line.quantity < 1 for line in day2 if line.symbol != "XLE")
    assert sum(1 for line in day2 if line.quantity != int(line.quantity)) >= 2  # fractional where allowed
    together: Counter[tuple[str, Side]] = Counter()
    for line in (*day1, *day2):
        together[line.symbol, line.action] += line.quantity  # type: ignore[assignment]
    assert together == _planned(plan)


def test_the_written_csv_parses_back_to_the_plan_under_the_exact_header(tmp_path: Path) -> None:
    plan, snapshot = _plan()
    parsed: Counter[tuple[str, Side]] = Counter()
    for day in (1, 2):
        path = tmp_path / f"day{day}.csv"
        write_basket_csv(basket_lines(plan, snapshot, day), path)
        text = path.read_text(encoding="utf-8")
        assert text.splitlines()[0] == SEED_HEADER == ",".join(HEADER)
        assert ", " not in text  # TWS refuses spaces around commas
        assert "\r" not in text
        for row in csv.DictReader(text.splitlines()):
            assert row["OrderType"] == ("MOC" if day == 1 else "LMT")
            assert row["BasketTag"] == f"EX_20261120_{day}"
            fixed = (row["Account"], row["Currency"], row["Exchange"], row["SecType"], row["TimeInForce"],
                     row["UsePriceMgmtAlgo"])
            assert fixed == ("TEST-1", "USD", "SMART", "STK", "DAY", "1")
            assert row["OrderRef"] == f"TT-20261120-D{day}-TEST-1-{row['Symbol']}-{row['Action'][0]}"
            if day == 2:
                instrument = snapshot.quotes[row["Symbol"]].instrument
                assert is_valid_price(instrument, Decimal(row["LmtPrice"]))
            else:
                assert row["LmtPrice"] == ""
            parsed[row["Symbol"], Side(row["Action"])] += Decimal(row["Quantity"])  # type: ignore[assignment]
    assert parsed == _planned(plan)


def test_a_plan_of_market_orders_still_gets_limit_prices_on_the_tick() -> None:
    plan, snapshot = _plan(OrderType.MARKET)
    lines = basket_lines(plan, snapshot, 2)
    assert lines
    assert all(line.limit_price is not None and is_valid_price(line.instrument, line.limit_price) for line in lines)


def test_limits_round_onto_the_tick_sells_down_buys_up() -> None:
    plan, _ = _plan()
    order = replace(plan.orders[0], limit_price=Decimal("112.615"))
    assert limit_price(replace(order, side=Side.SELL), us("SPMO")) == Decimal("112.61")
    assert limit_price(replace(order, side=Side.BUY), us("SPMO")) == Decimal("112.62")
    assert limit_price(replace(order, side=Side.BUY, limit_price=Decimal("0.51234")), us("X")) == Decimal("0.5124")


def test_a_fractional_quantity_of_a_whole_share_instrument_is_refused() -> None:
    plan, snapshot = _plan()
    iau = next(order for order in plan.orders if order.symbol == "IAU")
    broken = replace(plan, orders=(replace(iau, quantity=iau.quantity + Decimal("0.5")),))
    with pytest.raises(DomainError, match="IAU takes whole shares"):
        basket_lines(broken, snapshot, 2)


def test_only_days_1_and_2_exist() -> None:
    plan, snapshot = _plan()
    with pytest.raises(Exception, match="choose 1 or 2"):
        basket_lines(plan, snapshot, 3)
