"""The local KIS's order history: inquire-daily-ccld (BROKERS.md §1.5), with the quirks live clients report.

Rows (output1) follow the query's filters; output2 sums them, except that with `costs_ignore_order_filter`
an ODNO-filtered query's output2 sums the whole of its days (§1.8.9). A cancel is its own row pointing at the
original order (orgn_odno); the original row's remainder drops to 0 with cnc_cfrm_qty set, or, with
`cancel_rows_keep_remaining`, keeps its remainder and cnc_cfrm_qty 0 (the cancel row carries the quantity). An
expired day order's row keeps its rmn_qty unless `expired_rows_keep_remaining` is off. With
`order_number_quirks` odno comes space-padded and orgn_odno (like the order answers) zero-stripped. With
`detect_changes_between_pages` the context of a next page fingerprints the rows, and a next page whose rows
changed answers SYDB0050.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from starlette.requests import Request
from starlette.responses import JSONResponse

from trimtab_testkit.kis.account import FakeCancel, FakeKisConfig, FakeOrder, Side, canonical_number
from trimtab_testkit.kis.codes import BAD_DATE, DATA_CHANGED, DATA_CHANGED_MESSAGE, INQUIRY_DONE
from trimtab_testkit.kis.gateway import (
    check_call,
    envelope_error,
    fake_of,
    num,
    page_context,
    page_flag,
    page_start,
    page_version,
)
from trimtab_testkit.kis.market import kst
from trimtab_testkit.kis.orders import (
    DATE,
    ORDER_TYPES,
    SIDE_CODES,
    SIDE_NAMES,
    Rejected,
    check_account,
    shown_number,
)


@dataclass(frozen=True, slots=True)
class CcldEntry:
    """One row of inquire-daily-ccld with what its filters and totals need."""

    row: dict[str, str]
    at: float
    odno: str
    side: Side
    symbol: str
    filled: int
    remaining: int
    amount: Decimal
    costs: int
    cancel: bool


def average(amount: Decimal, quantity: int) -> Decimal:
    return amount / quantity if quantity else Decimal(0)


def shown_remaining(config: FakeKisConfig, order: FakeOrder) -> int:
    """rmn_qty as the row shows it: the true remainder, plus what the configured row shapes leave in it."""
    shown = order.remaining
    if config.expired_rows_keep_remaining:
        shown += order.expired
    if config.cancel_rows_keep_remaining:
        shown += order.cancelled
    return shown


def order_entry(config: FakeKisConfig, order: FakeOrder) -> CcldEntry:
    """Render an order as a daily-ccld row."""
    moment = kst(order.accepted_at)
    filled, amount = order.filled, order.filled_amount
    cancelled = 0 if config.cancel_rows_keep_remaining else order.cancelled
    row = {
        "ord_dt": moment.strftime("%Y%m%d"), "ord_gno_brno": order.org_no,
        "odno": shown_number(config, order.odno, pad=True), "orgn_odno": "",
        "ord_dvsn_name": ORDER_TYPES[order.ord_dvsn], "ord_dvsn_cd": order.ord_dvsn,
        "sll_buy_dvsn_cd": SIDE_CODES[order.side], "sll_buy_dvsn_cd_name": SIDE_NAMES[order.side],
        "pdno": order.symbol, "prdt_name": order.name, "ord_qty": str(order.quantity), "ord_unpr": num(order.price),
        "ord_tmd": moment.strftime("%H%M%S"), "tot_ccld_qty": str(filled),
        "avg_prvs": num(average(amount, filled).quantize(Decimal(1), ROUND_HALF_UP)), "tot_ccld_amt": num(amount),
        "cncl_yn": "N", "cnc_cfrm_qty": str(cancelled), "rmn_qty": str(shown_remaining(config, order)),
        "rjct_qty": "0", "excg_id_dvsn_Cd": order.exchange,
    }
    return CcldEntry(row, order.accepted_at, order.odno, order.side, order.symbol, filled, order.remaining, amount,
                     order.costs, cancel=False)


def cancel_entry(config: FakeKisConfig, cancel: FakeCancel) -> CcldEntry:
    """Render a cancel as its own daily-ccld row pointing at the original order."""
    original = cancel.original
    moment = kst(cancel.accepted_at)
    row = {
        "ord_dt": moment.strftime("%Y%m%d"), "ord_gno_brno": original.org_no,
        "odno": shown_number(config, cancel.odno, pad=True), "orgn_odno": shown_number(config, original.odno),
        "ord_dvsn_name": ORDER_TYPES[cancel.ord_dvsn], "ord_dvsn_cd": cancel.ord_dvsn,
        "sll_buy_dvsn_cd": SIDE_CODES[original.side], "sll_buy_dvsn_cd_name": SIDE_NAMES[original.side],
        "pdno": original.symbol, "prdt_name": original.name, "ord_qty": str(cancel.quantity), "ord_unpr": "0",
        "ord_tmd": moment.strftime("%H%M%S"), "tot_ccld_qty": "0", "avg_prvs": "0", "tot_ccld_amt": "0",
        "cncl_yn": "Y", "cnc_cfrm_qty": str(cancel.quantity), "rmn_qty": "0", "rjct_qty": "0",
        "excg_id_dvsn_Cd": original.exchange,
    }
    return CcldEntry(row, cancel.accepted_at, cancel.odno, original.side, original.symbol, 0, 0, Decimal(0), 0,
                     cancel=True)


def date_filter(params: Mapping[str, str]) -> Callable[[CcldEntry], bool]:
    """Return the predicate of the query's dates alone."""
    start, end = params.get("INQR_STRT_DT", ""), params.get("INQR_END_DT", "")
    if not (DATE.fullmatch(start) and DATE.fullmatch(end)):
        raise Rejected(BAD_DATE, "INQR_STRT_DT and INQR_END_DT must be YYYYMMDD")
    return lambda entry: start <= entry.row["ord_dt"] <= end


def ccld_filter(params: Mapping[str, str]) -> Callable[[CcldEntry], bool]:
    """Return the predicate the query's date, side, symbol, fill state, order number and branch ask for."""
    in_dates = date_filter(params)
    side = {"01": "sell", "02": "buy"}.get(params.get("SLL_BUY_DVSN_CD", "00"))
    symbol = params.get("PDNO", "").strip()
    odno = canonical_number(params.get("ODNO", "")) if params.get("ODNO", "").strip() else ""
    branch = params.get("ORD_GNO_BRNO", "").strip()
    exchange = params.get("EXCG_ID_DVSN_CD", "").strip()
    fill_state = params.get("CCLD_DVSN", "00")

    def keep(entry: CcldEntry) -> bool:
        row = entry.row
        return all((
            in_dates(entry), side is None or entry.side == side, not symbol or entry.symbol == symbol,
            not odno or entry.odno == odno, not branch or row["ord_gno_brno"] == branch,
            exchange in ("", "ALL") or row["excg_id_dvsn_Cd"] == exchange,
            fill_state != "01" or entry.filled > 0, fill_state != "02" or entry.remaining > 0,
        ))

    return keep


def ccld_totals(entries: list[CcldEntry]) -> dict[str, str]:
    """Render output2 over every given row (all pages); cancel rows add no ordered quantity."""
    ordered = sum(int(entry.row["ord_qty"]) for entry in entries if not entry.cancel)
    filled = sum(entry.filled for entry in entries)
    amount = sum((entry.amount for entry in entries), Decimal(0))
    return {
        "tot_ord_qty": str(ordered), "tot_ccld_qty": str(filled), "tot_ccld_amt": num(amount),
        "prsm_tlex_smtl": str(sum(entry.costs for entry in entries)),
        "pchs_avg_pric": f"{average(amount, filled):.4f}",
    }


def fingerprint(entries: list[CcldEntry]) -> str:
    """A short digest of the rows a query sees: it changes when an order, fill or cancel changes them."""
    text = "|".join(f"{entry.odno}:{entry.filled}:{entry.remaining}:{entry.row['rmn_qty']}" for entry in entries)
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def history_entries(request: Request) -> tuple[list[CcldEntry], list[CcldEntry]]:
    """The rows the query asks for (in its order) and the rows its output2 sums."""
    state = fake_of(request)
    params = request.query_params
    check_account(state, params)
    keep = ccld_filter(params)
    every = [order_entry(state.config, order) for order in state.orders]
    every += [cancel_entry(state.config, cancel) for cancel in state.cancels]
    entries = sorted(filter(keep, every), key=lambda entry: (entry.at, entry.odno))
    if params.get("INQR_DVSN", "00") != "01":
        entries.reverse()
    summed = entries
    if state.config.costs_ignore_order_filter and params.get("ODNO", "").strip():
        summed = list(filter(date_filter(params), every))  # the reported quirk: the day's total, not the order's
    return entries, summed


async def inquire_daily_ccld(request: Request) -> JSONResponse:
    """GET trading/inquire-daily-ccld, paged with tr_cont and ctx_area_*."""
    refused = check_call(request)
    if refused is not None:
        return refused
    state = fake_of(request)
    try:
        entries, summed = history_entries(request)
    except Rejected as rejection:
        return envelope_error(rejection.msg_cd, rejection.msg1, 200, state.config.rejection_rt_cd)
    version = fingerprint(entries) if state.config.detect_changes_between_pages else ""
    start = page_start(request)
    if start and version and page_version(request) != version:
        return envelope_error(DATA_CHANGED, DATA_CHANGED_MESSAGE, 200)
    end = start + state.config.ccld_rows_per_page
    more = end < len(entries)
    params = request.query_params
    account = params.get("CANO", "") + params.get("ACNT_PRDT_CD", "")
    body = {
        **page_context(account, end, more, version),
        "output1": [entry.row for entry in entries[start:end]],
        "output2": ccld_totals(summed),
        "rt_cd": "0", "msg_cd": INQUIRY_DONE, "msg1": "조회가 완료되었습니다",
    }
    return JSONResponse(body, headers={"tr_cont": page_flag(start, more)})
