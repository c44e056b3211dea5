"""The local KIS fake's order endpoints (BROKERS.md §1.5): order-cash, order-rvsecncl and inquire-psbl-order
(inquire-daily-ccld lives in history.py).

Request bodies carry UPPER-CASE keys with every value a string; answers use the rt_cd/msg_cd/msg1 envelope.
Order and cancel answers keep the UPPER-CASE output keys of KIS's documented example; inquiries answer lower case.
Rejections answer rt_cd "7" (FakeKisConfig.rejection_rt_cd) with HTTP 200 and change nothing; the codes are
listed in codes.py. Orders are taken in both single-price auctions and continuous trading (08:30-15:30 KST on
trading days); a cancel of an earlier day's order is refused (its open quantity expired at its close).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from decimal import Decimal
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from trimtab_testkit.kis.account import (
    ORG_NO,
    FakeCancel,
    FakeKisConfig,
    FakeKisState,
    FakeOrder,
    FakeOrderCall,
    Side,
    canonical_number,
)
from trimtab_testkit.kis.codes import (
    BAD_PRICE,
    BAD_QUANTITY,
    BAD_REQUEST,
    CANCEL_QUANTITY,
    HALTED,
    INQUIRY_DONE,
    INSUFFICIENT_CASH,
    MARKET_CLOSED,
    NOT_A_STRING,
    NOT_MODELLED,
    NOTHING_REMAINING,
    OFF_TICK,
    ORDER_SENT,
    ORDER_SENT_MESSAGE,
    OUTSIDE_LIMITS,
    OVERSELL,
    PAST_DAY_ORDER,
    PRODUCT_NOT_FOUND,
    UNKNOWN_ORDER,
    VIRTUAL_NOT_BUSINESS_DAY,
    VIRTUAL_OFF_TICK,
    WRONG_ACCOUNT,
)
from trimtab_testkit.kis.gateway import (
    BUY_TR_IDS,
    check_call,
    envelope_error,
    fake_of,
    num,
    real_form,
)
from trimtab_testkit.kis.market import FakePrice, is_trading_day, kst

ORDER_TYPES = {"00": "지정가", "01": "시장가"}
SIDE_CODES: dict[Side, str] = {"sell": "01", "buy": "02"}
SIDE_NAMES: dict[Side, str] = {"sell": "현금매도", "buy": "현금매수"}
LOST_BODY = "<html><head><title>502 Bad Gateway</title></head><body>502 Bad Gateway</body></html>"
WHOLE = re.compile(r"-?\d+")
NUMBER = re.compile(r"-?\d+(\.\d+)?")
DATE = re.compile(r"\d{8}")


class Rejected(Exception):
    """A request the fake answers with rt_cd "7" (config.rejection_rt_cd, HTTP 200) and no effect."""

    def __init__(self, msg_cd: str, msg1: str) -> None:
        super().__init__(msg_cd, msg1)
        self.msg_cd = msg_cd
        self.msg1 = msg1


# --- parsing ----------------------------------------------------------------------------------------------------


def string_fields(body: object, required: Iterable[str]) -> dict[str, str]:
    """Return the body's fields, all strings; refuse non-objects, non-string values and missing keys."""
    if not isinstance(body, dict):
        raise Rejected(BAD_REQUEST, "body must be a JSON object")
    fields: dict[str, str] = {}
    for key, value in body.items():
        if not isinstance(value, str):
            raise Rejected(NOT_A_STRING, f"{key} must be sent as a string, not {type(value).__name__}")
        fields[str(key)] = value
    missing = [key for key in required if key not in fields]
    if missing:
        raise Rejected(BAD_REQUEST, f"missing {', '.join(missing)}")
    return fields


def whole(fields: Mapping[str, str], key: str) -> int:
    """Return a whole-number field."""
    text = fields.get(key, "").strip()
    if not WHOLE.fullmatch(text):
        raise Rejected(BAD_REQUEST, f"{key} must be a whole number's text, got {text!r}")
    return int(text)


def decimal(fields: Mapping[str, str], key: str) -> Decimal:
    """Return a decimal-number field."""
    text = fields.get(key, "").strip()
    if not NUMBER.fullmatch(text):
        raise Rejected(BAD_REQUEST, f"{key} must be a number's text, got {text!r}")
    return Decimal(text)


def check_account(state: FakeKisState, fields: Mapping[str, str]) -> None:
    """Refuse an account other than the configured one (when one is configured)."""
    account = fields.get("CANO", "") + fields.get("ACNT_PRDT_CD", "")
    if state.config.account is not None and account != state.config.account:
        raise Rejected(WRONG_ACCOUNT, f"account {account!r} is not this fake's account")


def is_numeric_virtual(config: FakeKisConfig) -> bool:
    """Whether refusals use the virtual server's numeric codes."""
    return config.environment == "virtual" and config.numeric_virtual_codes


def check_session(state: FakeKisState) -> None:
    """Refuse orders and cancels outside 08:30-15:30 KST on trading days (the virtual server's own code on
    a day that is no business day)."""
    config = state.config
    now = config.clock()
    if config.session_open(now):
        return
    if is_numeric_virtual(config) and not is_trading_day(kst(now).date(), config.holidays):
        raise Rejected(VIRTUAL_NOT_BUSINESS_DAY, "영업일이 아닙니다.")
    raise Rejected(MARKET_CLOSED, "장운영시간이 아닙니다.")


def instrument_of(state: FakeKisState, symbol: str) -> FakePrice:
    """Return the instrument, or refuse with APBK0656 (unknown) or FAKE0018 (halted)."""
    instrument = state.config.prices.get(symbol)
    if instrument is None:
        raise Rejected(PRODUCT_NOT_FOUND, "주문 가능한 상품이 아닙니다.")  # product not found
    if symbol in state.config.halted_symbols:
        raise Rejected(HALTED, "거래정지 종목입니다.")
    return instrument


def check_exchange(fields: Mapping[str, str]) -> None:
    """Only KRX is modelled (blank means KRX)."""
    if fields.get("EXCG_ID_DVSN_CD", "") not in ("", "KRX"):
        raise Rejected(NOT_MODELLED, "only EXCG_ID_DVSN_CD KRX is modelled")


def ok(output: Mapping[str, str], msg_cd: str = ORDER_SENT, msg1: str = ORDER_SENT_MESSAGE) -> JSONResponse:
    return JSONResponse({"rt_cd": "0", "msg_cd": msg_cd, "msg1": msg1, "output": dict(output)})


def shown_number(config: FakeKisConfig, odno: str, *, pad: bool = False) -> str:
    """An order number as an answer shows it: 10 digits, or with `order_number_quirks` zero-stripped (order and
    cancel answers, orgn_odno) or space-padded (`pad`: daily-ccld's odno), as live clients report (§1.8.9)."""
    if not config.order_number_quirks or not odno:
        return odno
    return odno.ljust(12) if pad else odno.lstrip("0") or "0"


def receipt(config: FakeKisConfig, odno: str, at: float) -> dict[str, str]:
    """Return the order/cancel answer's output: org number, order number, KST time."""
    return {"KRX_FWDG_ORD_ORGNO": ORG_NO, "ODNO": shown_number(config, odno), "ORD_TMD": kst(at).strftime("%H%M%S")}


# --- order-cash ---------------------------------------------------------------------------------------------------


ORDER_KEYS = ("CANO", "ACNT_PRDT_CD", "PDNO", "ORD_DVSN", "ORD_QTY", "ORD_UNPR")


def order_price(config: FakeKisConfig, instrument: FakePrice, ord_dvsn: str, price: Decimal) -> Decimal:
    """Check ORD_UNPR against the order type, tick grid and daily limits; return the price to reserve at."""
    if ord_dvsn == "01":
        if price != 0:
            raise Rejected(BAD_PRICE, "a market order takes ORD_UNPR \"0\"")
        return instrument.upper_limit
    if price <= 0 or price != price.to_integral_value():
        raise Rejected(BAD_PRICE, "a limit order takes a whole ORD_UNPR above 0")
    if not instrument.on_grid(price):
        code = VIRTUAL_OFF_TICK if is_numeric_virtual(config) else OFF_TICK
        raise Rejected(code, f"ORD_UNPR {price} is off the tick grid ({instrument.tick_at(price)})")
    if not instrument.lower_limit <= price <= instrument.upper_limit:
        limits = f"{instrument.lower_limit}..{instrument.upper_limit}"
        raise Rejected(OUTSIDE_LIMITS, f"ORD_UNPR {price} is outside the daily limits {limits}")
    return price


def place_order(state: FakeKisState, side: Side, body: object) -> FakeOrder:
    """Validate an order-cash body and record the order, or raise Rejected."""
    fields = string_fields(body, ORDER_KEYS)
    check_account(state, fields)
    check_session(state)
    ord_dvsn = fields["ORD_DVSN"]
    if ord_dvsn not in ORDER_TYPES:
        raise Rejected(NOT_MODELLED, f"ORD_DVSN {ord_dvsn!r} is not modelled (00 limit, 01 market)")
    check_exchange(fields)
    if side == "sell" and fields.get("SLL_TYPE", "") not in ("", "01"):
        raise Rejected(NOT_MODELLED, "only SLL_TYPE 01 (normal sell) is modelled")
    symbol = fields["PDNO"]
    instrument = instrument_of(state, symbol)
    quantity = whole(fields, "ORD_QTY")
    if quantity <= 0:
        raise Rejected(BAD_QUANTITY, "ORD_QTY must be above 0")
    price = decimal(fields, "ORD_UNPR")
    reserve = order_price(state.config, instrument, ord_dvsn, price)
    if side == "buy" and state.buy_need(reserve * quantity) > state.orderable_cash():
        raise Rejected(INSUFFICIENT_CASH, "주문가능금액을 초과 했습니다.")
    if side == "sell" and quantity > state.orderable_quantity(symbol):
        raise Rejected(OVERSELL, "주문가능수량을 초과 했습니다.")
    holding = state.position(symbol)
    name = instrument.name or (holding.name if holding is not None else symbol)
    order = FakeOrder(
        state.next_number(), ORG_NO, side, symbol, name, instrument.kind, ord_dvsn, quantity, price, reserve,
        state.config.clock(), fields.get("EXCG_ID_DVSN_CD", "") or "KRX",
    )
    state.orders.append(order)
    state.catch_up()  # fills at acceptance when fill_interval_seconds is 0
    return order


async def order_cash(request: Request) -> Response:
    """POST trading/order-cash."""

    def handle(state: FakeKisState, body: object) -> JSONResponse:
        side: Side = "buy" if real_form(request.headers.get("tr_id", "")) in BUY_TR_IDS else "sell"
        order = place_order(state, side, body)
        return ok(receipt(state.config, order.odno, order.accepted_at))

    state = fake_of(request)
    return await order_call(request, state.order_calls, handle)


# --- order-rvsecncl -----------------------------------------------------------------------------------------------


CANCEL_KEYS = ("CANO", "ACNT_PRDT_CD", "KRX_FWDG_ORD_ORGNO", "ORGN_ODNO", "ORD_DVSN", "RVSE_CNCL_DVSN_CD",
               "ORD_QTY", "ORD_UNPR", "QTY_ALL_ORD_YN")


def cancel_quantity(fields: Mapping[str, str], remaining: int) -> int:
    """Return how many units to cancel: the whole remainder for QTY_ALL_ORD_YN Y, else ORD_QTY units."""
    every = fields["QTY_ALL_ORD_YN"]
    if every == "Y":
        return remaining
    if every != "N":
        raise Rejected(BAD_REQUEST, "QTY_ALL_ORD_YN must be Y or N")
    quantity = whole(fields, "ORD_QTY")
    if not 0 < quantity <= remaining:
        raise Rejected(CANCEL_QUANTITY, f"ORD_QTY {quantity} is not within the remainder {remaining}")
    return quantity


def place_cancel(state: FakeKisState, body: object) -> FakeCancel:
    """Validate an order-rvsecncl body and record the cancel, or raise Rejected."""
    fields = string_fields(body, CANCEL_KEYS)
    check_account(state, fields)
    check_session(state)
    action = fields["RVSE_CNCL_DVSN_CD"]
    if action == "01":
        raise Rejected(NOT_MODELLED, "revisions (RVSE_CNCL_DVSN_CD 01) are not modelled; cancel and order anew")
    if action != "02":
        raise Rejected(BAD_REQUEST, "RVSE_CNCL_DVSN_CD must be 01 or 02")
    if fields["ORD_DVSN"] not in ORDER_TYPES:
        raise Rejected(NOT_MODELLED, f"ORD_DVSN {fields['ORD_DVSN']!r} is not modelled (00 limit, 01 market)")
    check_exchange(fields)
    if decimal(fields, "ORD_UNPR") != 0:
        raise Rejected(BAD_PRICE, "a cancel takes ORD_UNPR \"0\"")
    original = state.find_order(fields["ORGN_ODNO"])
    if original is None or original.org_no != fields["KRX_FWDG_ORD_ORGNO"]:
        raise Rejected(UNKNOWN_ORDER, f"no order {fields['KRX_FWDG_ORD_ORGNO']}/{fields['ORGN_ODNO']}")
    if state.config.refuse_past_day_cancels and kst(original.accepted_at).date() != kst(state.config.clock()).date():
        raise Rejected(PAST_DAY_ORDER, "an order of an earlier day cannot be cancelled (it expired at its close)")
    if original.remaining <= 0:
        raise Rejected(NOTHING_REMAINING, "the order has nothing left to cancel (filled or cancelled)")
    quantity = cancel_quantity(fields, original.remaining)
    original.cancelled += quantity
    cancel = FakeCancel(state.next_number(), original, quantity, fields["ORD_DVSN"], state.config.clock())
    state.cancels.append(cancel)
    return cancel


async def order_rvsecncl(request: Request) -> Response:
    """POST trading/order-rvsecncl (cancel only)."""

    def handle(state: FakeKisState, body: object) -> JSONResponse:
        cancel = place_cancel(state, body)
        return ok(receipt(state.config, cancel.odno, cancel.accepted_at))

    state = fake_of(request)
    return await order_call(request, state.rvsecncl_calls, handle)


# --- shared by the two order endpoints ----------------------------------------------------------------------------


async def read_body(request: Request) -> object:
    """Return the JSON body, or the raw text when it is not JSON."""
    raw = await request.body()
    try:
        body: object = json.loads(raw)
    except ValueError:
        return raw.decode("utf-8", "replace")
    return body


async def order_call(
    request: Request, log: list[FakeOrderCall], handle: Callable[[FakeKisState, object], JSONResponse],
) -> Response:
    """Run one order-endpoint call: gateway checks, the handler, the log, and any injected lost response."""
    state = fake_of(request)
    body = await read_body(request)
    response = check_call(request)
    passed = response is None
    if response is None:
        try:
            response = handle(state, body)
        except Rejected as rejection:
            response = envelope_error(rejection.msg_cd, rejection.msg1, 200, state.config.rejection_rt_cd)
    answer: dict[str, Any] = json.loads(bytes(response.body))
    lost = passed and state.lost_responses > 0
    output = answer.get("output") or {}
    odno = output.get("ODNO")
    log.append(FakeOrderCall(
        request.url.path, request.headers.get("tr_id", ""), body, state.config.clock(), response.status_code,
        str(answer.get("rt_cd", "")), str(answer.get("msg_cd", "")), None if odno is None else canonical_number(odno),
        lost,
    ))
    if lost:
        state.lost_responses -= 1
        return Response(LOST_BODY, status_code=502, media_type="text/html")
    return response


# --- inquire-psbl-order -------------------------------------------------------------------------------------------


def psbl_output(state: FakeKisState, price: Decimal) -> dict[str, str]:
    """Render inquire-psbl-order's output object for a buy at `price`."""
    cash = state.orderable_cash()
    quantity = max(0, math.floor(cash / (price * (1 + state.config.commission_rate)))) if price > 0 else 0
    return {
        "ord_psbl_cash": num(cash), "ord_psbl_sbst": "0", "ruse_psbl_amt": num(state.sold_today()),
        "fund_rpch_chgs": "0", "psbl_qty_calc_unpr": num(price), "nrcvb_buy_amt": num(cash),
        "nrcvb_buy_qty": str(quantity), "max_buy_amt": num(cash), "max_buy_qty": str(quantity),
        "cma_evlu_amt": "0", "ovrs_re_use_amt_wcrc": "0", "ord_psbl_frcr_amt_wcrc": "0",
    }


async def inquire_psbl_order(request: Request) -> JSONResponse:
    """GET trading/inquire-psbl-order."""
    refused = check_call(request)
    if refused is not None:
        return refused
    state = fake_of(request)
    params = request.query_params
    try:
        check_account(state, params)
        instrument = instrument_of(state, params.get("PDNO", ""))
        price = decimal(params, "ORD_UNPR") if params.get("ORD_UNPR", "").strip() else Decimal(0)
    except Rejected as rejection:
        return envelope_error(rejection.msg_cd, rejection.msg1, 200, state.config.rejection_rt_cd)
    if price <= 0 or params.get("ORD_DVSN", "") == "01":
        price = instrument.price
    return ok(psbl_output(state, price), INQUIRY_DONE, "조회가 완료되었습니다")
