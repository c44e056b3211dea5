"""What the KIS adapter keeps per order in the BrokerOrderBook, and how KIS's rows become reports and fills.

KIS reports an order's cumulative filled quantity and amount (inquire-daily-ccld), not single executions.
Each increase seen becomes one Fill whose id is `ODNO:cumulative quantity`, stored before it is returned, so
a fill once reported keeps its id, quantity and price across processes and restarts. Costs come from KIS's
estimate (output2.prsm_tlex_smtl, cumulative) only when output2 provably covers this one order (its totals equal
the order's row: KIS may sum the whole day whatever the filter, BROKERS.md §1.8.9), else from the account's
commission and the sell tax; the tax part is the sell-tax estimate capped by the total.

A cancel is its own row (orgn_odno = the original). KIS either drops the original row's remainder to 0 (with
cnc_cfrm_qty) or leaves it and lets the cancel row carry the quantity: `combine` folds the cancel rows in, so the
cancelled and remaining quantities are true in both shapes. KRX orders are day orders: an order whose day closed
(15:30 KST, plus a grace for the closing auction's results) with quantity still open is EXPIRED, whether KIS's
row still shows that remainder or dropped it without a cancel.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import Any

from trimtab.adapters.brokers.kis.parse import KisOrderRow, KisOrderTotals
from trimtab.application.ports import BrokerOrderRecord
from trimtab.domain.costs import commission, sell_tax, sell_tax_rate
from trimtab.domain.execution import Fill, OrderReport, OrderRequest, OrderStatus
from trimtab.domain.instruments import Instrument, InstrumentType, Market
from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import OrderType, Side
from trimtab.domain.snapshot import CostSettings

BROKER = "kis"
KST = dt.timezone(dt.timedelta(hours=9))
SENDING, SENT, REJECTED = "sending", "sent", "rejected"
SIDE_CODES = {Side.SELL: "01", Side.BUY: "02"}
DAY_CLOSE = dt.time(15, 30)  # KRX's close: the closing auction's price, then day orders lapse (BROKERS.md §2.2)


@dataclass(frozen=True, slots=True)
class Sent:
    """The request and what was actually sent for it (the price after correction)."""

    request: OrderRequest
    price: Decimal | None  # None for a market order
    instrument_type: InstrumentType


def new_record(sent: Sent, recorded_at: dt.datetime) -> BrokerOrderRecord:
    """The record written before an order is sent."""
    request = sent.request
    document: dict[str, Any] = {
        "state": SENDING, "symbol": request.symbol, "side": request.side.value, "quantity": str(request.quantity),
        "order_type": request.order_type.value,
        "requested_price": None if request.limit_price is None else str(request.limit_price),
        "price": None if sent.price is None else str(sent.price), "instrument_type": sent.instrument_type.value,
        "recorded_at": recorded_at.isoformat(), "branch": "", "order_date": "", "order_time": "",
        "reject_code": "", "reject_message": "", "fills": [],
        "seen": {"quantity": "0", "amount": "0", "costs": "0", "tax": "0"},
    }
    return BrokerOrderRecord(BROKER, request.account_id, request.client_order_id, document)


def with_fields(record: BrokerOrderRecord, broker_order_id: str | None = None, **fields: Any) -> BrokerOrderRecord:
    """A copy of the record with document fields (and maybe the broker order number) replaced."""
    document = {**record.document, **fields}
    order_id = record.broker_order_id if broker_order_id is None else broker_order_id
    return replace(record, document=document, broker_order_id=order_id)


def order_day(record: BrokerOrderRecord) -> dt.date:
    """The KST date of the order: KIS's own (ord_dt) once seen or acknowledged, else the day it was recorded."""
    text = record.document.get("order_date") or ""
    if len(text) == 8 and text.isdigit():
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:]))
    return dt.datetime.fromisoformat(record.document["recorded_at"]).astimezone(KST).date()


def sent_price(record: BrokerOrderRecord) -> Decimal | None:
    price = record.document.get("price")
    return None if price is None else Decimal(price)


def side_of(record: BrokerOrderRecord) -> Side:
    return Side(record.document["side"])


def quantity_of(record: BrokerOrderRecord) -> Decimal:
    return Decimal(record.document["quantity"])


def matches(record: BrokerOrderRecord, row: KisOrderRow) -> bool:
    """Whether a day's order row could be this record's order (same symbol, side, quantity and price)."""
    price = sent_price(record)
    return (not row.is_cancel_row and row.symbol == record.document["symbol"]
            and row.side_code == SIDE_CODES[side_of(record)] and row.quantity == quantity_of(record)
            and row.price == (ZERO if price is None else price))


def combine(rows: Sequence[KisOrderRow], number: str) -> KisOrderRow | None:
    """The order's own row with its cancel rows folded in (true cancelled and remaining quantities)."""
    own = next((row for row in rows if row.order_number == number and not row.is_cancel_row), None)
    if own is None:
        return None
    from_cancel_rows = sum((row.cancelled_quantity for row in rows if row.original_order_number == number),
                           ZERO)
    cancelled = max(own.cancelled_quantity, from_cancel_rows)
    left = own.quantity - own.filled_quantity - cancelled - own.rejected_quantity
    return replace(own, cancelled_quantity=cancelled, remaining=max(ZERO, min(own.remaining, left)))


def day_is_over(row: KisOrderRow, now: dt.datetime, grace: dt.timedelta) -> bool:
    """Whether the order's own day (KIS's ord_dt) has closed, its closing auction included, at `now`."""
    text = row.order_date
    if len(text) != 8 or not text.isdigit():
        return False
    close = dt.datetime.combine(dt.date(int(text[:4]), int(text[4:6]), int(text[6:])), DAY_CLOSE, KST)
    return now >= close + grace


def status_of(row: KisOrderRow, *, day_over: bool = False) -> OrderStatus:
    """An order row's status: filled, open, expired (its day closed), rejected by the exchange, or cancelled."""
    if row.filled_quantity >= row.quantity:
        return OrderStatus.FILLED
    if row.remaining > 0:
        if day_over:
            return OrderStatus.EXPIRED
        return OrderStatus.PARTIALLY_FILLED if row.filled_quantity > 0 else OrderStatus.ACCEPTED
    if row.filled_quantity == 0 and row.rejected_quantity > 0 and row.cancelled_quantity == 0:
        return OrderStatus.REJECTED
    if day_over and row.cancelled_quantity == 0:
        return OrderStatus.EXPIRED  # KIS dropped the lapsed remainder without any cancel
    return OrderStatus.CANCELLED


def attributable_costs(row: KisOrderRow, totals: KisOrderTotals | None) -> Decimal | None:
    """KIS's cost estimate when output2 covers this one order alone (its ordered, filled quantity and amount
    equal the row's), else None: a total that may sum other orders is never charged to one."""
    if totals is None or totals.costs is None:
        return None
    if (totals.ordered, totals.filled_quantity, totals.filled_amount) != (
            row.quantity, row.filled_quantity, row.filled_amount):
        return None
    return totals.costs


def report_of(record: BrokerOrderRecord, row: KisOrderRow | None, *, day_over: bool = False) -> OrderReport:
    """The normalised report of a sent order; without a row yet (KIS not showing it) it is accepted, unfilled."""
    document = record.document
    base = OrderReport(
        client_order_id=record.client_order_id, broker_order_id=record.broker_order_id, symbol=document["symbol"],
        side=side_of(record), quantity=quantity_of(record), limit_price=sent_price(record),
        status=OrderStatus.REJECTED if document["state"] == REJECTED else OrderStatus.ACCEPTED,
        reject_code=document["reject_code"], reject_message=document["reject_message"],
    )
    if row is None or document["state"] == REJECTED:
        return base
    average = row.filled_amount / row.filled_quantity if row.filled_quantity > 0 else None
    return replace(base, status=status_of(row, day_over=day_over), filled_quantity=row.filled_quantity,
                   average_price=average)


def _instrument(record: BrokerOrderRecord) -> Instrument:
    document = record.document
    return Instrument(document["symbol"], Market.KRX, InstrumentType(document["instrument_type"]), "KRW")


def estimated_costs(record: BrokerOrderRecord, amount: Decimal, on: dt.date, costs: CostSettings) -> Decimal:
    """Commission plus sell tax on a cumulative amount, when KIS gives no estimate."""
    return commission(amount, costs, "KRW") + estimated_tax(record, amount, on)


def estimated_tax(record: BrokerOrderRecord, amount: Decimal, on: dt.date) -> Decimal:
    if side_of(record) is not Side.SELL:
        return ZERO
    return sell_tax(amount, sell_tax_rate(_instrument(record), on), "KRW")


def absorb_row(record: BrokerOrderRecord, row: KisOrderRow, total_costs: Decimal, at: dt.datetime,
               ) -> BrokerOrderRecord:
    """Turn the increase of the row's cumulative fills since last seen into one new stored fill."""
    seen = record.document["seen"]
    seen_quantity, seen_amount = Decimal(seen["quantity"]), Decimal(seen["amount"])
    if row.filled_quantity <= seen_quantity:
        return record
    quantity = row.filled_quantity - seen_quantity
    amount = row.filled_amount - seen_amount
    costs = max(total_costs - Decimal(seen["costs"]), ZERO)
    tax_total = min(estimated_tax(record, row.filled_amount, at.date()), total_costs)
    tax = min(max(tax_total - Decimal(seen["tax"]), ZERO), costs)
    fill = {
        "fill_id": f"{record.broker_order_id}:{row.filled_quantity}", "quantity": str(quantity),
        "price": str(amount / quantity), "commission": str(costs - tax), "tax": str(tax),
        "filled_at": at.isoformat(),
    }
    new_seen = {"quantity": str(row.filled_quantity), "amount": str(row.filled_amount),
                "costs": str(Decimal(seen["costs"]) + costs), "tax": str(Decimal(seen["tax"]) + tax)}
    return with_fields(record, fills=[*record.document["fills"], fill], seen=new_seen)


def fills_of(record: BrokerOrderRecord) -> list[Fill]:
    """The fills stored for an order, oldest first."""
    side = side_of(record)
    return [
        Fill(fill_id=item["fill_id"], client_order_id=record.client_order_id, symbol=record.document["symbol"],
             side=side, quantity=Decimal(item["quantity"]), price=Decimal(item["price"]),
             commission=Decimal(item["commission"]), tax=Decimal(item["tax"]),
             filled_at=dt.datetime.fromisoformat(item["filled_at"]))
        for item in record.document["fills"]
    ]


def order_type_code(record: BrokerOrderRecord) -> str:
    """ORD_DVSN: 00 limit, 01 market (BROKERS.md §1.5)."""
    return "01" if record.document["order_type"] == OrderType.MARKET.value else "00"
