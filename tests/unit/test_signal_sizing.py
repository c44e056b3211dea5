"""Sizing a strategy's signal from its capital, position and cash reservation (issue 13 item 5)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from trimtab.domain.errors import InvalidInput
from trimtab.domain.orders import Side
from trimtab.domain.signal_sizing import (
    InstrumentFilters,
    SignalQuantity,
    SizedOrder,
    SizingRefusal,
    StrategySlice,
    common_step,
    opened_quantity,
    read_signal_quantity,
    size_signal,
)

D = Decimal
STOCK = InstrumentFilters()
BTC = InstrumentFilters(lot_size=D("0.0001"), amount_precision=D("0.001"), min_notional=D("5"))


def strategy(capital: str | None = "10000000", *, leverage: str = "1", position: str = "0",
             reservation: str = "10000000", can_short: bool = False) -> StrategySlice:
    return StrategySlice("core", None if capital is None else D(capital), D(leverage), D(position), D(reservation),
                         can_short)


def sized(result: SizedOrder | SizingRefusal) -> SizedOrder:
    assert isinstance(result, SizedOrder), result
    return result


def refused(result: SizedOrder | SizingRefusal) -> SizingRefusal:
    assert isinstance(result, SizingRefusal), result
    return result


def test_size_signal_positive_percent_buys_share_of_capital_rounded_down() -> None:
    # 10 % of 10,000,000 = 1,000,000 won at 71,500 = 13.98... shares -> 13
    order = sized(size_signal("005930", SignalQuantity(percent=D(10)), D(71500), strategy(), STOCK))
    assert (order.side, order.quantity, order.notional, order.margin) == (Side.BUY, D(13), D(929500), D(929500))


def test_size_signal_leverage_multiplies_quantity_and_margin_is_notional_over_leverage() -> None:
    # 10 % of 1,000 USDT x 5 = 500 USDT at 25,000 = 0.02 BTC; margin 500 / 5 = 100
    order = sized(size_signal("BTC/USDT", SignalQuantity(percent=D(10)), D(25000),
                              strategy("1000", leverage="5", reservation="100"), BTC))
    assert (order.quantity, order.notional, order.margin) == (D("0.020"), D("500.000"), D("100"))


def test_size_signal_margin_above_reservation_is_refused_not_shrunk() -> None:
    refusal = refused(size_signal("BTC/USDT", SignalQuantity(percent=D(10)), D(25000),
                                  strategy("1000", leverage="5", reservation="99.99"), BTC))
    assert (refusal.field, refusal.value) == ("cash_reservation", "99.99")
    assert "needs 100" in refusal.reason


def test_size_signal_without_capital_refuses_naming_capital() -> None:
    refusal = refused(size_signal("005930", SignalQuantity(percent=D(10)), D(71500), strategy(None), STOCK))
    assert (refusal.field, refusal.value) == ("capital", "none")


def test_size_signal_negative_percent_closes_share_of_position() -> None:
    order = sized(size_signal("005930", SignalQuantity(percent=D(-50)), D(71500), strategy(position="15"), STOCK))
    assert (order.side, order.quantity, order.margin) == (Side.SELL, D(7), D(0))


def test_size_signal_closing_needs_no_capital() -> None:
    order = sized(size_signal("005930", SignalQuantity(percent=D(-100)), D(71500),
                              strategy(None, position="15", reservation="0"), STOCK))
    assert order.quantity == D(15)


def test_size_signal_closing_a_short_buys() -> None:
    order = sized(size_signal("BTC/USDT", SignalQuantity(percent=D(-100)), D(25000),
                              strategy(position="-0.0123", reservation="0", can_short=True), BTC))
    assert (order.side, order.quantity, order.margin) == (Side.BUY, D("0.012"), D(0))


def test_size_signal_closing_nothing_refuses_naming_position() -> None:
    refusal = refused(size_signal("005930", SignalQuantity(percent=D(-100)), D(71500), strategy(), STOCK))
    assert (refusal.field, refusal.value) == ("position", "0")


def test_size_signal_absolute_quantity_taken_as_shares() -> None:
    order = sized(size_signal("005930", SignalQuantity(quantity=D(3)), D(71500), strategy(), STOCK))
    assert (order.side, order.quantity) == (Side.BUY, D(3))
    order = sized(size_signal("005930", SignalQuantity(quantity=D(-3)), D(71500), strategy(position="5"), STOCK))
    assert (order.side, order.quantity) == (Side.SELL, D(3))


def test_size_signal_absolute_sell_beyond_position_refused_unless_short_allowed() -> None:
    refusal = refused(size_signal("005930", SignalQuantity(quantity=D(6), side=Side.SELL), D(71500),
                                  strategy(position="5"), STOCK))
    assert (refusal.field, refusal.value) == ("qty", "6")
    # futures: 0.5 closes the long, 0.3 opens a short whose margin is 0.3 x 100 / 2 = 15
    order = sized(size_signal("ETH/USDT:USDT", SignalQuantity(quantity=D("-0.8")), D(100),
                              strategy(position="0.5", leverage="2", reservation="15", can_short=True), BTC))
    assert (order.side, order.quantity, order.margin) == (Side.SELL, D("0.8"), D("15"))


def test_size_signal_rounding_to_zero_is_refused() -> None:
    refusal = refused(size_signal("005930", SignalQuantity(percent=D("0.1")), D(71500), strategy("1000000"), STOCK))
    assert (refusal.field, refusal.value) == ("quantity", "0")


def test_size_signal_below_min_notional_is_refused() -> None:
    refusal = refused(size_signal("BTC/USDT", SignalQuantity(quantity=D("0.001")), D(4000), strategy("1000"), BTC))
    assert (refusal.field, refusal.value) == ("min_notional", "5")


def test_size_signal_fees_count_against_reservation() -> None:
    filters = InstrumentFilters(fee_rate=D("0.001"))
    refusal = refused(size_signal("X", SignalQuantity(quantity=D(10)), D(100), strategy(reservation="1000"), filters))
    assert refusal.field == "cash_reservation"
    assert sized(size_signal("X", SignalQuantity(quantity=D(10)), D(100), strategy(reservation="1001"),
                             filters)).margin == D("1001.000")


@pytest.mark.parametrize(("payload", "field"), [
    ({"qty_per": "10", "qty": "3"}, "qty_per"),
    ({}, "qty_per"),
    ({"qty_per": "-101"}, "qty_per"),
    ({"qty_per": "0"}, "qty_per"),
    ({"qty": "0"}, "qty"),
    ({"qty": "-3", "side": "buy"}, "side"),
    ({"qty": "3", "side": "hold"}, "side"),
    ({"qty": "three"}, "qty"),
])
def test_read_signal_quantity_malformed_names_field(payload: dict[str, object], field: str) -> None:
    with pytest.raises(InvalidInput) as error:
        read_signal_quantity(payload)
    assert error.value.field == field


def test_read_signal_quantity_reads_text_numbers_and_side() -> None:
    assert read_signal_quantity({"qty_per": "-50", "side": "sell"}) == SignalQuantity(D(-50), None, Side.SELL)
    assert read_signal_quantity({"qty": 2}) == SignalQuantity(None, D(2), None)


def test_size_signal_price_not_above_zero_is_invalid() -> None:
    with pytest.raises(InvalidInput, match="price"):
        size_signal("X", SignalQuantity(quantity=D(1)), D(0), strategy(), STOCK)


def test_common_step_and_opened_quantity() -> None:
    assert common_step(D("0.3"), D("0.5")) == D("1.5")
    assert common_step(D("0.0001"), D("0.001")) == D("0.001")
    assert opened_quantity(D(5), D(3)) == D(3)
    assert opened_quantity(D(5), D(-3)) == D(0)
    assert opened_quantity(D(5), D(-8)) == D(3)
    assert opened_quantity(D(-2), D(2)) == D(0)


steps = st.sampled_from([D(1), D(10), D("0.001"), D("0.0001"), D("0.5")])
amounts = st.decimals(min_value=D("0.01"), max_value=D("1e9"), places=2)
percents = st.decimals(min_value=D("0.01"), max_value=D(300), places=2)
leverages = st.sampled_from([D(1), D(2), D(3), D(10), D("1.5")])


@given(amounts, percents, amounts, leverages, amounts, steps, st.sampled_from([None, D("0.001"), D("0.01")]))
def test_opening_never_exceeds_reservation_and_is_a_multiple_of_the_lot(
        capital: Decimal, percent: Decimal, price: Decimal, leverage: Decimal, reservation: Decimal,
        lot: Decimal, precision: Decimal | None) -> None:
    filters = InstrumentFilters(lot_size=lot, amount_precision=precision, fee_rate=D("0.0015"))
    result = size_signal("X", SignalQuantity(percent=percent), price,
                         StrategySlice("s", capital, leverage, D(0), reservation), filters)
    if isinstance(result, SizedOrder):
        assert result.margin <= reservation
        assert result.quantity > 0
        assert result.quantity % lot == 0
        assert precision is None or result.quantity % precision == 0
        assert result.quantity * price <= capital * percent / 100 * leverage
    else:
        assert result.field in {"quantity", "cash_reservation"}


@given(st.decimals(min_value=D("0.0001"), max_value=D("1e7"), places=4), st.booleans(),
       st.decimals(min_value=D("-100"), max_value=D("-0.01"), places=2), steps, amounts)
def test_closing_never_sells_more_than_held(held: Decimal, short: bool, percent: Decimal, lot: Decimal,
                                           price: Decimal) -> None:
    position = -held if short else held
    result = size_signal("X", SignalQuantity(percent=percent), price,
                         StrategySlice("s", None, D(1), position, D(0), can_short=short), InstrumentFilters(lot))
    if isinstance(result, SizedOrder):
        assert result.quantity <= held
        assert result.quantity % lot == 0
        assert result.side is (Side.BUY if short else Side.SELL)
        assert result.margin == 0
    else:
        assert (result.field, result.value) == ("quantity", "0")


@given(st.decimals(min_value=D(-1000), max_value=D(1000), places=3).filter(lambda q: q != 0),
       st.decimals(min_value=D(0), max_value=D(1000), places=3), steps)
def test_absolute_sell_never_exceeds_long_position(quantity: Decimal, held: Decimal, lot: Decimal) -> None:
    result = size_signal("X", SignalQuantity(quantity=quantity), D(10),
                         StrategySlice("s", None, D(1), held, D("1e9")), InstrumentFilters(lot))
    if isinstance(result, SizedOrder):
        assert result.quantity % lot == 0
        assert result.quantity <= abs(quantity)
        if result.side is Side.SELL:
            assert result.quantity <= held
