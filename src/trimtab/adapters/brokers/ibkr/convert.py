"""The edge between ib_async's floats and trimtab's Decimals: every number crosses here through its text."""

from __future__ import annotations

import math
from decimal import Decimal

from ib_async import Fill as IbFill
from ib_async import Trade

from trimtab.domain.errors import DomainError
from trimtab.domain.execution import Fill, OrderReport, OrderStatus
from trimtab.domain.orders import Side

UNSET_DOUBLE = 1.7976931348623157e308
ZERO = Decimal(0)
# IB error codes that end an order the broker never accepted (201 rejected, 110 off the price grid, 10243
# fractional, 200 no such contract, 436 no account, 103 duplicate id, 321 bad request)
REJECTIONS = frozenset({103, 110, 200, 201, 321, 436, 10243})
PAPER_PREFIXES = ("DU", "DF")  # IBKR paper trading accounts (DF: a paper advisor master)


def to_decimal(value: float | int | str | Decimal | None) -> Decimal | None:
    """A float from ib_async as the Decimal of its shortest text; None when unset, NaN or infinite."""
    if value is None or value == "":
        return None
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value) or value >= UNSET_DOUBLE):
        return None
    return Decimal(str(value))


def to_wire(value: Decimal, what: str) -> float:
    """A Decimal as the float ib_async sends, refused unless it reads back exactly (no silent rounding)."""
    number = float(value)
    if Decimal(str(number)) != value:
        raise DomainError(f"{what} {value} cannot be sent exactly")
    return number


def is_paper(account: str) -> bool:
    return account.startswith(PAPER_PREFIXES)


def rejection(trade: Trade) -> tuple[str, str] | None:
    """The (code, message) of the error that ended a never-accepted order, if one did."""
    for entry in reversed(trade.log):
        if entry.errorCode in REJECTIONS:
            text = entry.message.split(": ", 1)[1] if ": " in entry.message else entry.message
            return str(entry.errorCode), text
    if trade.orderStatus.status == "Inactive":
        return "Inactive", getattr(trade.orderStatus, "whyHeld", "") or "order inactive at IBKR"
    return None


def fill_of(fill: IbFill, client_order_id: str) -> Fill:
    execution = fill.execution
    quantity = to_decimal(execution.shares) or ZERO
    price = to_decimal(execution.price) or ZERO
    commission = to_decimal(fill.commissionReport.commission) or ZERO
    return Fill(fill_id=execution.execId, client_order_id=client_order_id, symbol=fill.contract.symbol,
                side=Side.BUY if execution.side == "BOT" else Side.SELL, quantity=quantity, price=price,
                commission=commission, tax=ZERO, filled_at=execution.time)


def status_of(trade: Trade, filled: Decimal) -> OrderStatus:
    """trimtab's status of an IB order, from its status and the quantity its executions filled."""
    status = trade.orderStatus.status
    if status == "Filled" or (filled and filled >= (to_decimal(trade.order.totalQuantity) or ZERO)):
        return OrderStatus.FILLED
    if status in {"Cancelled", "ApiCancelled", "Inactive"}:
        return OrderStatus.REJECTED if (not filled and rejection(trade)) else OrderStatus.CANCELLED
    if status == "PendingCancel":
        return OrderStatus.PENDING_CANCEL
    if status in {"PendingSubmit", "ApiPending"} and not trade.order.permId:
        return OrderStatus.INTENDED
    return OrderStatus.PARTIALLY_FILLED if filled else OrderStatus.ACCEPTED


def report_of(trade: Trade, client_order_id: str, fills: list[Fill]) -> OrderReport:
    """An OrderReport of an IB trade and the fills of its executions."""
    filled = sum((fill.quantity for fill in fills), ZERO)
    value = sum((fill.quantity * fill.price for fill in fills), ZERO)
    status = status_of(trade, filled)
    code, message = (rejection(trade) or ("", "")) if status is OrderStatus.REJECTED else ("", "")
    order = trade.order
    limit = to_decimal(order.lmtPrice) if order.orderType in {"LMT", "LOC"} else None
    return OrderReport(
        client_order_id=client_order_id, broker_order_id=str(order.permId) if order.permId else "",
        symbol=trade.contract.symbol, side=Side.BUY if order.action == "BUY" else Side.SELL,
        quantity=to_decimal(order.totalQuantity) or ZERO, limit_price=limit, status=status, filled_quantity=filled,
        average_price=(value / filled) if filled else None, reject_code=code, reject_message=message,
    )
