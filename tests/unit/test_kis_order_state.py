"""KIS cumulative order rows become stored fills: ids, quantities, prices and costs telescope exactly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trimtab.adapters.brokers.kis import order_state as state
from trimtab.adapters.brokers.kis.parse import KisOrderRow
from trimtab.application.ports import BrokerOrderRecord
from trimtab.domain.execution import OrderRequest
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
