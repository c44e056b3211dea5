"""Outgoing TWS API messages at server version 178, field by field as ib_async's decoder reads them."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from trimtab_testkit.ibgw.model import FakeExecution, FakeInstrument, FakeOrder
from trimtab_testkit.ibgw.wire import Field

Message = list[Field]
UNSET = ""  # the wire's "no value"


def ib_time(epoch: float) -> str:
    """An instant as TWS writes it: 'YYYYMMDD HH:MM:SS UTC'."""
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y%m%d %H:%M:%S UTC")


def contract_fields(item: FakeInstrument, exchange: str = "SMART") -> list[Field]:
    """conId, symbol, secType, lastTradeDate, strike, right, multiplier, exchange, currency, localSymbol,
    tradingClass: the contract as position, execDetails and openOrder messages carry it."""
    return [item.con_id, item.symbol, "STK", "", "0", "", "", exchange, item.currency, item.symbol, item.symbol]


def next_valid_id(order_id: int) -> Message:
    return [9, 1, order_id]


def managed_accounts(accounts: list[str]) -> Message:
    return [15, 1, ",".join(accounts)]


def error(req_id: int, code: int, text: str) -> Message:
    return [4, 2, req_id, code, text, ""]


def current_time(epoch: float) -> Message:
    return [49, 1, int(epoch)]


def position(account: str, item: FakeInstrument, quantity: Decimal, average_cost: Decimal) -> Message:
    return [61, 3, account, *contract_fields(item, ""), quantity, average_cost]


def position_end() -> Message:
    return [62, 1]


def account_summary(req_id: int, account: str, tag: str, value: Field, currency: str) -> Message:
    return [63, 1, req_id, account, tag, value, currency]


def account_summary_end(req_id: int) -> Message:
    return [64, 1, req_id]


def account_value(key: str, value: Field, currency: str, account: str) -> Message:
    return [6, 2, key, value, currency, account]


def portfolio_value(account: str, item: FakeInstrument, quantity: Decimal, average_cost: Decimal) -> Message:
    fields = contract_fields(item)
    # updatePortfolio carries primaryExchange where the others carry exchange
    contract = [*fields[:7], item.primary_exchange, *fields[8:]]
    value = quantity * item.price
    unrealized = value - quantity * average_cost
    return [7, 8, *contract, quantity, item.price, value, average_cost, unrealized, 0, account]


def account_time(epoch: float) -> Message:
    return [8, 1, dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%H:%M")]


def account_download_end(account: str) -> Message:
    return [54, 1, account]


def account_update_multi(req_id: int, account: str, key: str, value: Field, currency: str) -> Message:
    return [73, 1, req_id, account, "", key, value, currency]


def account_update_multi_end(req_id: int) -> Message:
    return [74, 1, req_id]


def tick_price(req_id: int, tick_type: int, price: Decimal, size: Decimal) -> Message:
    return [1, 6, req_id, tick_type, price, size, 0]


def tick_snapshot_end(req_id: int) -> Message:
    return [57, 1, req_id]


def contract_details(req_id: int, item: FakeInstrument) -> Message:
    sec_ids: list[Field] = [1, "ISIN", item.isin] if item.isin else [0]
    return [10, req_id, item.symbol, "STK", "", "0", "", "SMART", item.currency, item.symbol, item.symbol,
            item.symbol, item.con_id, item.min_tick, "", "ACTIVETIM,LMT,MKT,MOC,LOC", f"SMART,{item.primary_exchange}",
            1, 0, item.long_name or item.symbol, item.primary_exchange, "", "", "", "", "US/Eastern", "", "", "",
            "", *sec_ids, 1, "", "", "26", "", item.stock_type, 1, 1, 1]


def contract_details_end(req_id: int) -> Message:
    return [52, 1, req_id]


def order_status(order: FakeOrder) -> Message:
    last = order.executions[-1].price if order.executions else Decimal(0)
    return [3, order.order_id, order.status, order.filled, order.remaining, order.average, order.perm_id, 0, last,
            order.client_id, "", 0]


def execution(req_id: int, fill: FakeExecution) -> Message:
    order = fill.order
    side = "BOT" if order.action == "BUY" else "SLD"
    return [11, req_id, order.order_id, *contract_fields(order.instrument, order.instrument.primary_exchange),
            fill.exec_id, ib_time(fill.at), order.account, order.instrument.primary_exchange, side, fill.shares,
            fill.price, order.perm_id, order.client_id, 0, fill.cum_qty, fill.avg_price, order.order_ref, "", "", "",
            1, 0]


def execution_end(req_id: int) -> Message:
    return [55, 1, req_id]


def commission_report(fill: FakeExecution) -> Message:
    return [59, 1, fill.exec_id, fill.commission, fill.order.instrument.currency, "", "", ""]


def _order_head(order: FakeOrder) -> list[Field]:
    """action … faPercentage: the common head of openOrder and completedOrder (without ids)."""
    return [order.action, order.quantity, order.order_type, order.limit, "", order.tif, "", order.account, "", 0,
            order.order_ref]


def open_order(order: FakeOrder, *, what_if: bool = False, state: list[Field] | None = None) -> Message:
    """openOrder: the order, then its state (status, margins, commission) and the fields of version 178."""
    item = order.instrument
    margin = state or [order.status, *[UNSET] * 9, UNSET, UNSET, UNSET, "", ""]
    return [
        5, order.order_id, *contract_fields(item), *_order_head(order), order.client_id, order.perm_id, 0, 0, 0, "",
        "", "", "", "",  # ... discretionaryAmt, goodAfterTime, sharesAllocation, faGroup, faMethod, faPercentage
        "", "", "", "", "", "", "", "",  # modelCode, goodTillDate, rule80A, percentOffset, settlingFirm .. exemptCode
        "", "", "", "", "", "", "", 0, 0, 0, "",  # auctionStrategy .. minQty
        "", 0, 0, "", 0, 0, "", "", "",  # ocaType .. deltaNeutralOrderType
        "", 0, 0, "", "", "", "", "",  # deltaNeutralAuxPrice, continuousUpdate .. comboLegsDescrip
        0, 0, 0, "", "", "", "",  # legs, order legs, params, scale sizes, increment, hedgeType
        0, "", "", 0, 0, "",  # optOutSmartRouting, clearing account/intent, notHeld, dncPresent, algoStrategy
        0, what_if, *margin, 0, 0,  # solicited, whatIf, state, randomizeSize, randomizePrice
        0,  # conditions
        "", "", "", "", "", "", "", "", "", "", "", "", 0, 0, "", "",  # adjusted* .. usePriceMgmtAlgo
        "", 0, 0,  # duration, postToAts, autoCancelParent
        "", "", "", "", "",  # minTradeQty .. midOffsetAtHalf
    ]


def open_order_end() -> Message:
    return [53, 1]


def completed_order(order: FakeOrder) -> Message:
    """completedOrder: like openOrder without order and client ids, ending with the completion time."""
    item = order.instrument
    completed = ib_time(order.completed_at or order.placed_at)
    return [
        101, *contract_fields(item), *_order_head(order), order.perm_id, 0, 0, "", "", "", "", "",
        "", "", "", "", "", "", "", "",  # modelCode .. exemptCode
        "", "", "", "", "", "", 0, 0, "", "", "", "", "", "", "",  # startingPrice .. deltaNeutralAuxPrice
        0, 0, "", "", "",  # continuousUpdate .. comboLegsDescrip
        0, 0, 0, "", "", "", "",  # legs, order legs, params, scale sizes, increment, hedgeType
        "", "", 0, 0, "",  # clearing account/intent, notHeld, dncPresent, algoStrategy
        0, order.status, 0, 0,  # solicited, status, randomizeSize, randomizePrice
        0,  # conditions
        "", "", "", 0, 0, "", order.filled, 0, 0, "", 0, 0, "", completed, order.why or order.status,
        "", "", "", "", "",
    ]


def completed_orders_end() -> Message:
    return [102]
