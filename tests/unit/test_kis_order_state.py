"""KIS cumulative order rows become stored fills: ids, quantities, prices and costs telescope exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trimtab.adapters.brokers.kis import order_state as state
from trimtab.adapters.brokers.kis.parse import KisOrderRow, KisOrderTotals, normalise_order_number
from trimtab.application.ports import BrokerOrderRecord
from trimtab.domain.execution import OrderRequest, OrderStatus
from trimtab.domain.instruments import InstrumentType
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings

AT = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)


def _record(side: Side) -> BrokerOrderRecord:
    request = OrderRequest("r1-S-005930-0", "ACC", "005930", side, Decimal(10), OrderType.LIMIT, Decimal(71500))
    record = state.new_record(state.Sent(request, Decimal(71500), InstrumentType.STOCK), AT)
    return state.with_fields(record, "0000000007", state=state.SENT)


def _row(filled: int, amount: int) -> KisOrderRow:
    zero = Decimal(0)
    return KisOrderRow("20261120", "91252", "0000000007", "", "01", "005930", Decimal(10), Decimal(71500),
                       "100000", Decimal(filled), Decimal(amount), zero, Decimal(10 - filled), zero, "00")


def test_each_increase_becomes_one_fill_and_totals_equal_kis_costs() -> None:
    record = _record(Side.SELL)
    record = state.absorb_row(record, _row(4, 286_000), Decimal(612), AT)
    assert state.absorb_row(record, _row(4, 286_000), Decimal(612), AT) is record  # nothing new: no fill
    record = state.absorb_row(record, _row(10, 715_000), Decimal(1530), AT)

    fills = state.fills_of(record)
    assert [(f.fill_id, f.quantity, f.price) for f in fills] == [
        ("0000000007:4", Decimal(4), Decimal(71500)), ("0000000007:10", Decimal(6), Decimal(71500))]
    assert sum(f.commission + f.tax for f in fills) == Decimal(1530)
    assert sum(f.tax for f in fills) == Decimal(1430)  # 0.20 % of 715,000: the rest is commission
    assert all(f.commission >= 0 for f in fills)


def test_without_a_kis_estimate_costs_are_commission_plus_sell_tax() -> None:
    sell, buy = _record(Side.SELL), _record(Side.BUY)
    on = AT.date()

    assert state.estimated_costs(sell, Decimal(715_000), on, CostSettings(Decimal("0.00014"))) == Decimal(1531)
    assert state.estimated_costs(buy, Decimal(715_000), on, CostSettings(Decimal("0.00014"))) == Decimal(101)


def _cancel_row(number: str, original: str, cancelled: int) -> KisOrderRow:
    zero = Decimal(0)
    return KisOrderRow("20261120", "91252", number, original, "01", "005930", Decimal(cancelled), zero, "100100",
                       zero, zero, Decimal(cancelled), zero, zero, "00")


def _partly_filled(cancelled: int, remaining: int) -> KisOrderRow:
    zero = Decimal(0)
    return KisOrderRow("20261120", "91252", "0000000007", "", "01", "005930", Decimal(10), Decimal(71500),
                       "100000", Decimal(4), Decimal(286_000), Decimal(cancelled), Decimal(remaining), zero, "00")


def test_cancel_rows_fold_into_the_true_remainder_in_both_row_shapes() -> None:
    cancel = _cancel_row("0000000008", "0000000007", 6)
    dropped = state.combine([_partly_filled(6, 0), cancel], "0000000007")
    kept = state.combine([_partly_filled(0, 6), cancel], "0000000007")

    assert dropped is not None
    assert kept is not None
    assert (dropped.cancelled_quantity, dropped.remaining) == (Decimal(6), Decimal(0))
    assert (kept.cancelled_quantity, kept.remaining) == (Decimal(6), Decimal(0))
    assert state.status_of(kept) is OrderStatus.CANCELLED
    assert state.combine([cancel], "0000000007") is None  # a cancel row is never the order itself


def test_open_quantity_after_the_orders_day_closed_is_expired() -> None:
    grace = dt.timedelta(minutes=10)
    open_row, dropped = _partly_filled(0, 6), _partly_filled(0, 0)
    kst = dt.timezone(dt.timedelta(hours=9))
    before, after = dt.datetime(2026, 11, 20, 15, 39, tzinfo=kst), dt.datetime(2026, 11, 20, 15, 40, tzinfo=kst)

    assert not state.day_is_over(open_row, before, grace)
    assert state.day_is_over(open_row, after, grace)
    assert state.status_of(open_row, day_over=False) is OrderStatus.PARTIALLY_FILLED
    assert state.status_of(open_row, day_over=True) is OrderStatus.EXPIRED
    assert state.status_of(dropped, day_over=True) is OrderStatus.EXPIRED  # no cancel: it lapsed
    assert state.status_of(_partly_filled(6, 0), day_over=True) is OrderStatus.CANCELLED


def test_kis_cost_total_is_charged_only_when_output2_is_this_orders_alone() -> None:
    row = _row(10, 715_000)
    alone = KisOrderTotals(Decimal(10), Decimal(10), Decimal(715_000), Decimal(1530))
    day = KisOrderTotals(Decimal(15), Decimal(15), Decimal(1_072_500), Decimal(2295))

    assert state.attributable_costs(row, alone) == Decimal(1530)
    assert state.attributable_costs(row, day) is None
    assert state.attributable_costs(row, None) is None


def test_order_numbers_read_in_any_form_become_ten_zero_padded_digits() -> None:
    assert [normalise_order_number(text) for text in ("117057", "0000117057", "    117057", "117057  ", "0")] == [
        "0000117057", "0000117057", "0000117057", "0000117057", "0000000000"]
