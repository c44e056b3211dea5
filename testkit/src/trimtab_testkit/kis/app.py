"""A local fake of the KIS Open API, built from BROKERS.md §1 (not from our client).

What it models (BROKERS.md §1.8): token issuance at most once a minute (403 EGW00133), the same token within
6 hours, expiry answered with EGW00123; tr_id checked against path and environment (new and legacy order tr_ids,
V… forms on virtual); a per-app-key per-second bucket answering EGW00201; inquire-balance pages (50 real /
20 virtual) with the `tr_cont` response header and echoed `ctx_area_*` keys; inquire-price; and orders:
order-cash (limit 00 / market 01), order-rvsecncl (cancel), inquire-psbl-order and inquire-daily-ccld (pages
100 real / 15 virtual), with fills over time, commission and sell tax, D+2 cash and mutable holdings; and, for
engines, the market-cap ranking and daily index charts (quotations.py). Every number is a string.

Modules: market (instruments, KRX ticks, session), account (config, holdings, orders, fills, cash),
gateway (tr_ids, envelope, tokens, rate limit, paging), orders (order endpoints), history (inquire-daily-ccld),
codes (codes); serve.py serves it over HTTP.

Strictness (BROKERS.md §1.8.7-9), each a FakeKisConfig switch: refusals with rt_cd "7" and the real codes
(APBK0952, APBK0400, APBK0919; 40030000/40100000 on virtual); the two single-price auctions; day orders that
expire at 15:30 and cannot be cancelled later; output2 totals that ignore the ODNO filter; both cancel row
shapes; zero-stripped and space-padded order numbers; SYDB0050 when daily-ccld's rows change between pages;
halted symbols (rt_cd 7 on psbl-order); and, on demand (FakeKisState.inject_fault, revoke_token), transient
codes on any path and tokens revoked before their expiry.

Codes prefixed `FAKE` are the fake's own, for cases BROKERS.md names no real code for (see codes.py):
FAKE0001 tr_id mismatch, FAKE0002 unknown symbol on inquire-price, FAKE0003 malformed request, FAKE0004 value
not a string, FAKE0005 wrong account, FAKE0006 not modelled (ORD_DVSN, exchange, SLL_TYPE, revise), FAKE0007
quantity <= 0, FAKE0008 bad ORD_UNPR for the order type, FAKE0009 off tick (real server), FAKE0010 outside the
daily limits, FAKE0013 unknown original order, FAKE0014 nothing left to cancel, FAKE0015 cancel quantity not
within the remainder, FAKE0016 bad inquiry dates, FAKE0017 cancel of an earlier day's order, FAKE0018 halted.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from trimtab_testkit.kis.account import (
    Environment,
    FakeCancel,
    FakeFill,
    FakeHolding,
    FakeKisConfig,
    FakeKisState,
    FakeOrder,
    FakeOrderCall,
    FakePosition,
    IssuedToken,
)
from trimtab_testkit.kis.codes import (
    BAD_DATE,
    BAD_PRICE,
    BAD_QUANTITY,
    BAD_REQUEST,
    CANCEL_QUANTITY,
    DATA_CHANGED,
    FAKE_CODES,
    GATEWAY_BUSY,
    HALTED,
    INSUFFICIENT_CASH,
    LEDGER_RATE_LIMITED,
    MARKET_CLOSED,
    NOT_A_STRING,
    NOT_MODELLED,
    NOTHING_REMAINING,
    OFF_TICK,
    ORDER_SENT,
    OUTSIDE_LIMITS,
    OVERSELL,
    PAST_DAY_ORDER,
    PRODUCT_NOT_FOUND,
    TR_ID_MISMATCH,
    UNKNOWN_ORDER,
    UNKNOWN_SYMBOL,
    VIRTUAL_DELAYED,
    VIRTUAL_NOT_BUSINESS_DAY,
    VIRTUAL_OFF_TICK,
    WRONG_ACCOUNT,
)
from trimtab_testkit.kis.gateway import (
    BALANCE_PATH,
    DAILY_CCLD_PATH,
    ISSUANCE_INTERVAL_SECONDS,
    ORDER_CASH_PATH,
    PRICE_PATH,
    PSBL_ORDER_PATH,
    RVSECNCL_PATH,
    SAME_TOKEN_WINDOW_SECONDS,
    SHARED_TR_IDS,
    TOKEN_LIFETIME_SECONDS,
    TR_IDS,
    check_auth,
    check_call,
    check_rate,
    envelope_error,
    expected_tr_ids,
    fake_of,
    gateway_error,
    issue_token,
    mint_token,
    num,
    page_context,
    page_flag,
    page_start,
)
from trimtab_testkit.kis.history import inquire_daily_ccld
from trimtab_testkit.kis.market import KST, FakePrice, kst_text
from trimtab_testkit.kis.orders import (
    Rejected,
    check_account,
    inquire_psbl_order,
    order_cash,
    order_rvsecncl,
)
from trimtab_testkit.kis.quotations import (
    INDEX_CHART_PATH,
    RANKING_PATH,
    FakeListing,
    FakeQuotations,
    index_chart,
    quotations_of,
    ranking_market_cap,
)

__all__ = [
    "BAD_DATE",
    "BAD_PRICE",
    "BAD_QUANTITY",
    "BAD_REQUEST",
    "BALANCE_PATH",
    "CANCEL_QUANTITY",
    "DAILY_CCLD_PATH",
    "DATA_CHANGED",
    "FAKE_CODES",
    "GATEWAY_BUSY",
    "HALTED",
    "INSUFFICIENT_CASH",
    "ISSUANCE_INTERVAL_SECONDS",
    "KST",
    "LEDGER_RATE_LIMITED",
    "MARKET_CLOSED",
    "NOTHING_REMAINING",
    "NOT_A_STRING",
    "NOT_MODELLED",
    "OFF_TICK",
    "ORDER_CASH_PATH",
    "ORDER_SENT",
    "OUTSIDE_LIMITS",
    "OVERSELL",
    "PAST_DAY_ORDER",
    "PRICE_PATH",
    "PRODUCT_NOT_FOUND",
    "PSBL_ORDER_PATH",
    "RVSECNCL_PATH",
    "SAME_TOKEN_WINDOW_SECONDS",
    "SHARED_TR_IDS",
    "TOKEN_LIFETIME_SECONDS",
    "TR_IDS",
    "TR_ID_MISMATCH",
    "UNKNOWN_ORDER",
    "UNKNOWN_SYMBOL",
    "VIRTUAL_DELAYED",
    "VIRTUAL_NOT_BUSINESS_DAY",
    "VIRTUAL_OFF_TICK",
    "WRONG_ACCOUNT",
    "Environment",
    "FakeCancel",
    "FakeFill",
    "FakeHolding",
    "FakeKisConfig",
    "FakeKisState",
    "FakeListing",
    "FakeOrder",
    "FakeOrderCall",
    "FakePosition",
    "FakePrice",
    "FakeQuotations",
    "IssuedToken",
    "check_auth",
    "check_call",
    "check_rate",
    "envelope_error",
    "expected_tr_ids",
    "fake_state",
    "gateway_error",
    "holding_row",
    "inquire_balance",
    "inquire_price",
    "issue_token",
    "kst_text",
    "make_fake_kis",
    "mint_token",
    "page_start",
    "price_output",
    "summary_row",
]


def holding_row(state: FakeKisState, holding: FakePosition) -> dict[str, str]:
    """Render one holding as an output1 row; numbers as strings."""
    instrument = state.config.prices.get(holding.symbol)
    price = holding.last_price if instrument is None else instrument.price
    value = price * holding.quantity
    cost = (holding.average_price * holding.quantity).quantize(Decimal(1), ROUND_HALF_UP)
    profit = value - cost
    rate = profit / cost * 100 if cost else Decimal(0)
    return {
        "pdno": holding.symbol, "prdt_name": holding.name, "trad_dvsn_name": "현금",
        "bfdy_buy_qty": "0", "bfdy_sll_qty": "0", "thdt_buyqty": str(holding.bought_today),
        "thdt_sll_qty": str(holding.sold_today), "hldg_qty": str(holding.quantity),
        "ord_psbl_qty": str(state.orderable_quantity(holding.symbol)),
        "pchs_avg_pric": f"{holding.average_price:.4f}", "pchs_amt": num(cost), "prpr": num(price),
        "evlu_amt": num(value), "evlu_pfls_amt": num(profit), "evlu_pfls_rt": f"{rate:.2f}",
        "evlu_erng_rt": f"{rate:.8f}", "loan_dt": "", "loan_amt": "0", "fltt_rt": "0.00000000",
        "bfdy_cprs_icdc": "0", "sbst_pric": "0",
    }


def summary_row(state: FakeKisState) -> dict[str, str]:
    """Render output2's one object: deposit, D+1 and D+2 cash, today's trades and costs, valuation."""
    rows = [holding_row(state, holding) for holding in state.positions]
    securities = sum((Decimal(row["evlu_amt"]) for row in rows), Decimal(0))
    cost = sum((Decimal(row["pchs_amt"]) for row in rows), Decimal(0))
    cash = state.d2_cash()
    return {
        "dnca_tot_amt": num(state.config.deposit), "nxdy_excc_amt": num(cash), "prvs_rcdl_excc_amt": num(cash),
        "cma_evlu_amt": "0", "bfdy_buy_amt": "0", "thdt_buy_amt": num(state.bought_today()), "bfdy_sll_amt": "0",
        "thdt_sll_amt": num(state.sold_today()), "thdt_tlex_amt": num(state.costs_today()),
        "scts_evlu_amt": num(securities), "tot_evlu_amt": num(securities + cash), "nass_amt": num(securities + cash),
        "pchs_amt_smtl_amt": num(cost), "evlu_amt_smtl_amt": num(securities),
        "evlu_pfls_smtl_amt": num(securities - cost), "bfdy_tot_asst_evlu_amt": "0", "asst_icdc_amt": "0",
        "asst_icdc_erng_rt": "0.00000000",
    }


async def inquire_balance(request: Request) -> JSONResponse:
    """GET trading/inquire-balance, paged with tr_cont and ctx_area_*."""
    refused = check_call(request)
    if refused is not None:
        return refused
    state = fake_of(request)
    try:
        check_account(state, request.query_params)
    except Rejected as rejection:
        return envelope_error(rejection.msg_cd, rejection.msg1, 200, state.config.rejection_rt_cd)
    account = request.query_params.get("CANO", "") + request.query_params.get("ACNT_PRDT_CD", "")
    start = page_start(request)
    end = start + state.config.rows_per_page
    more = end < len(state.positions)
    body = {
        **page_context(account, end, more),
        "output1": [holding_row(state, holding) for holding in state.positions[start:end]],
        "output2": [summary_row(state)],
        "rt_cd": "0", "msg_cd": "KIOK0510", "msg1": "조회가 완료되었습니다",
    }
    return JSONResponse(body, headers={"tr_cont": page_flag(start, more)})


def price_output(price: FakePrice) -> dict[str, str]:
    """Render inquire-price's output object; numbers as strings; aspr_unit from the instrument's own grid."""
    return {
        "stck_prpr": num(price.price), "stck_sdpr": num(price.base_price), "stck_mxpr": num(price.upper_limit),
        "stck_llam": num(price.lower_limit), "aspr_unit": num(price.tick_at(price.price)),
        "hts_deal_qty_unit_val": "1", "temp_stop_yn": "N", "iscd_stat_cls_code": "55", "mrkt_warn_cls_code": "00",
        "sltr_yn": "N", "mang_issu_cls_code": "N", "rprs_mrkt_kor_name": "KOSPI200",
    }


async def inquire_price(request: Request) -> JSONResponse:
    """GET quotations/inquire-price."""
    refused = check_call(request)
    if refused is not None:
        return refused
    config = fake_of(request).config
    symbol = request.query_params.get("FID_INPUT_ISCD", "")
    listing = quotations_of(request).listing(symbol)
    price = config.prices.get(symbol)
    if price is None and listing is not None:  # a listed company the account never trades: ±30 % limits
        price = FakePrice(listing.price, listing.price, listing.price * Decimal("1.3"), listing.price * Decimal("0.7"))
    if price is None:
        return envelope_error(UNKNOWN_SYMBOL, f"unknown symbol {symbol!r}", 200, config.rejection_rt_cd)
    output = price_output(price)
    if symbol in config.halted_symbols:
        output["temp_stop_yn"] = "Y"
    if listing is not None:
        output["mang_issu_cls_code"] = "Y" if listing.managed else "N"
        output["mrkt_warn_cls_code"] = listing.warning
        output["rprs_mrkt_kor_name"] = listing.market
    body = {"output": output, "rt_cd": "0", "msg_cd": "MCA00000", "msg1": "정상처리 되었습니다."}
    return JSONResponse(body)


def make_fake_kis(config: FakeKisConfig, quotations: FakeQuotations | None = None) -> Starlette:
    """Build the fake as an ASGI app; its state is `fake_state(app)`; `quotations` feed the engines' quotations
    (the market-cap ranking, index charts; see quotations.py)."""
    app = Starlette(routes=[
        Route("/oauth2/tokenP", issue_token, methods=["POST"]),
        Route(BALANCE_PATH, inquire_balance, methods=["GET"]),
        Route(PRICE_PATH, inquire_price, methods=["GET"]),
        Route(ORDER_CASH_PATH, order_cash, methods=["POST"]),
        Route(RVSECNCL_PATH, order_rvsecncl, methods=["POST"]),
        Route(PSBL_ORDER_PATH, inquire_psbl_order, methods=["GET"]),
        Route(DAILY_CCLD_PATH, inquire_daily_ccld, methods=["GET"]),
        Route(RANKING_PATH, ranking_market_cap, methods=["GET"]),
        Route(INDEX_CHART_PATH, index_chart, methods=["GET"]),
    ])
    app.state.kis = FakeKisState(config)
    app.state.quotations = quotations or FakeQuotations()
    return app


def fake_state(app: Starlette) -> FakeKisState:
    """Return the state of a fake built by make_fake_kis."""
    state: FakeKisState = app.state.kis
    return state
