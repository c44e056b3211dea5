"""A local fake of the KIS Open API, built from BROKERS.md §1 (not from our client).

What it models (BROKERS.md §1.8): token issuance at most once a minute (403 EGW00133), the same token within
6 hours, expiry answered with EGW00123; tr_id checked against path and environment; a per-app-key
per-second bucket answering EGW00201; inquire-balance pages (50 real / 20 virtual) with the `tr_cont` response
header and echoed `ctx_area_*` keys; inquire-price. Every number is a string. Orders are not modelled yet.

Codes prefixed `FAKE` are the fake's own: BROKERS.md names no real code for those cases.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

Environment = Literal["real", "virtual"]
KST = dt.timezone(dt.timedelta(hours=9))
TOKEN_LIFETIME_SECONDS = 86_400
SAME_TOKEN_WINDOW_SECONDS = 6 * 3600
ISSUANCE_INTERVAL_SECONDS = 60
BALANCE_PATH = "/uapi/domestic-stock/v1/trading/inquire-balance"
PRICE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"
# Real-form tr_ids per path; the virtual form swaps the first letter for V (BROKERS.md §1.5).
TR_IDS: dict[str, frozenset[str]] = {
    BALANCE_PATH: frozenset({"TTTC8434R"}),
    PRICE_PATH: frozenset({"FHKST01010100"}),
}
# Quotation tr_ids that are the same on both environments.
SHARED_TR_IDS = frozenset({"FHKST01010100"})
TR_ID_MISMATCH = "FAKE0001"
UNKNOWN_SYMBOL = "FAKE0002"


@dataclass(frozen=True, slots=True)
class FakeHolding:
    """One row of the fake account; `quantity` 0 models a holding sold out today."""

    symbol: str
    name: str
    quantity: int
    price: Decimal
    orderable_quantity: int | None = None


@dataclass(frozen=True, slots=True)
class FakePrice:
    """What inquire-price answers for one symbol."""

    price: Decimal
    base_price: Decimal
    upper_limit: Decimal
    lower_limit: Decimal
    tick: Decimal


@dataclass(slots=True)
class FakeKisConfig:
    """State and behaviour of the fake. `clock` returns epoch seconds and may be a test's manual clock."""

    app_key: str
    app_secret: str
    environment: Environment = "virtual"
    holdings: list[FakeHolding] = field(default_factory=list)
    deposit: Decimal = Decimal(0)
    settled_cash: Decimal | None = None
    prices: dict[str, FakePrice] = field(default_factory=dict)
    clock: Callable[[], float] = time.time
    requests_per_second: int | None = None
    rate_limit_status: int = 500
    page_size: int | None = None

    @property
    def bucket_size(self) -> int:
        """Return the per-second request allowance (20 real, 2 virtual unless configured)."""
        if self.requests_per_second is not None:
            return self.requests_per_second
        return 20 if self.environment == "real" else 2

    @property
    def rows_per_page(self) -> int:
        """Return the balance page size (50 real, 20 virtual unless configured)."""
        if self.page_size is not None:
            return self.page_size
        return 50 if self.environment == "real" else 20


@dataclass(slots=True)
class IssuedToken:
    value: str
    issued_at: float
    expires_at: float


@dataclass(slots=True)
class FakeKisState:
    """What the fake remembers and counts, for tests to inspect and steer."""

    config: FakeKisConfig
    issuances: int = 0
    token: IssuedToken | None = None
    last_issuance_at: float | None = None
    requests_per_second_seen: Counter[tuple[str, int]] = field(default_factory=Counter)
    rate_limited: int = 0
    injected_rate_limits: int = 0
    api_calls: int = 0

    def inject_rate_limit(self, count: int = 1) -> None:
        """Make the next `count` API calls answer EGW00201 whatever the bucket says."""
        self.injected_rate_limits += count

    def max_requests_in_one_second(self) -> int:
        """Return the largest number of API calls one app key made within one clock second."""
        return max(self.requests_per_second_seen.values(), default=0)


def envelope_error(msg_cd: str, msg1: str, status: int = 500) -> JSONResponse:
    """Answer with the rt_cd envelope carrying an error."""
    return JSONResponse({"rt_cd": "1", "msg_cd": msg_cd, "msg1": msg1}, status_code=status)


def gateway_error(code: str, description: str) -> JSONResponse:
    """Answer the token endpoint's own error shape (error_code/error_description, HTTP 403)."""
    return JSONResponse({"error_code": code, "error_description": description}, status_code=403)


def kst_text(epoch: float) -> str:
    """Format an epoch instant as KIS's KST `YYYY-MM-DD HH:MM:SS`."""
    return dt.datetime.fromtimestamp(epoch, KST).strftime("%Y-%m-%d %H:%M:%S")


def mint_token(state: FakeKisState, now: float) -> IssuedToken:
    """Return the current token if issued within 6 h and still valid, else a new one."""
    current = state.token
    if current is not None and now - current.issued_at < SAME_TOKEN_WINDOW_SECONDS and now < current.expires_at:
        return current
    seed = f"{state.config.app_key}:{now}:{state.issuances}".encode()
    value = "fake." + hashlib.sha256(seed).hexdigest()
    state.token = IssuedToken(value, now, now + TOKEN_LIFETIME_SECONDS)
    return state.token


async def issue_token(request: Request) -> JSONResponse:
    """POST /oauth2/tokenP."""
    state: FakeKisState = request.app.state.kis
    config = state.config
    body = await request.json()
    if body.get("appkey") != config.app_key or body.get("appsecret") != config.app_secret:
        return gateway_error("EGW00103", "유효하지 않은 AppKey입니다.")
    if body.get("grant_type") != "client_credentials":
        return gateway_error("EGW00102", "grant_type must be client_credentials")
    now = config.clock()
    if state.last_issuance_at is not None and now - state.last_issuance_at < ISSUANCE_INTERVAL_SECONDS:
        return gateway_error("EGW00133", "접근토큰 발급 잠시 후 다시 시도하세요(1분당 1회)")
    state.last_issuance_at = now
    state.issuances += 1
    token = mint_token(state, now)
    return JSONResponse({
        "access_token": token.value,
        "token_type": "Bearer",
        "expires_in": str(int(token.expires_at - now)),
        "access_token_token_expired": kst_text(token.expires_at),
    })


def expected_tr_ids(path: str, environment: Environment) -> frozenset[str]:
    """Return the tr_ids the path accepts on this environment."""
    real = TR_IDS.get(path, frozenset())
    if environment == "real":
        return real
    return frozenset(tr if tr in SHARED_TR_IDS else "V" + tr[1:] for tr in real)


def check_auth(request: Request, state: FakeKisState) -> JSONResponse | None:
    """Return an error response when the headers do not carry valid credentials and a live token."""
    config = state.config
    headers = request.headers
    if headers.get("appkey") != config.app_key or headers.get("appsecret") != config.app_secret:
        return envelope_error("EGW00103", "유효하지 않은 AppKey입니다.")
    token = state.token
    if token is None or headers.get("authorization") != f"Bearer {token.value}":
        return envelope_error("EGW00121", "유효하지 않은 token 입니다.")
    if config.clock() >= token.expires_at:
        return envelope_error("EGW00123", "기간이 만료된 token 입니다.")
    return None


def check_rate(state: FakeKisState, app_key: str) -> JSONResponse | None:
    """Count the call in its clock second; answer EGW00201 over the bucket or when one was injected."""
    second = int(state.config.clock())
    state.requests_per_second_seen[(app_key, second)] += 1
    over = state.requests_per_second_seen[(app_key, second)] > state.config.bucket_size
    if state.injected_rate_limits > 0:
        state.injected_rate_limits -= 1
        over = True
    if not over:
        return None
    state.rate_limited += 1
    return envelope_error("EGW00201", "초당 거래건수를 초과하였습니다.", state.config.rate_limit_status)


def check_call(request: Request) -> JSONResponse | None:
    """Run the gateway checks every API call passes: tr_id, credentials and token, rate."""
    state: FakeKisState = request.app.state.kis
    state.api_calls += 1
    tr_id = request.headers.get("tr_id", "")
    if tr_id not in expected_tr_ids(request.url.path, state.config.environment):
        return envelope_error(TR_ID_MISMATCH, f"tr_id {tr_id!r} does not fit this path and environment")
    return check_auth(request, state) or check_rate(state, request.headers.get("appkey", ""))


def holding_row(holding: FakeHolding) -> dict[str, str]:
    """Render one holding as an output1 row; numbers as strings."""
    orderable = holding.quantity if holding.orderable_quantity is None else holding.orderable_quantity
    value = holding.price * holding.quantity
    return {
        "pdno": holding.symbol, "prdt_name": holding.name, "trad_dvsn_name": "현금",
        "bfdy_buy_qty": "0", "bfdy_sll_qty": "0", "thdt_buyqty": "0", "thdt_sll_qty": "0",
        "hldg_qty": str(holding.quantity), "ord_psbl_qty": str(orderable),
        "pchs_avg_pric": f"{holding.price:.4f}", "pchs_amt": str(value), "prpr": str(holding.price),
        "evlu_amt": str(value), "evlu_pfls_amt": "0", "evlu_pfls_rt": "0.00", "evlu_erng_rt": "0.00000000",
        "loan_dt": "", "loan_amt": "0", "fltt_rt": "0.00000000", "bfdy_cprs_icdc": "0", "sbst_pric": "0",
    }


def summary_row(config: FakeKisConfig) -> dict[str, str]:
    """Render output2's one object: deposit, D+1 and D+2 cash, valuation."""
    settled = config.deposit if config.settled_cash is None else config.settled_cash
    securities = sum((h.price * h.quantity for h in config.holdings), Decimal(0))
    return {
        "dnca_tot_amt": str(config.deposit), "nxdy_excc_amt": str(settled), "prvs_rcdl_excc_amt": str(settled),
        "cma_evlu_amt": "0", "bfdy_buy_amt": "0", "thdt_buy_amt": "0", "bfdy_sll_amt": "0", "thdt_sll_amt": "0",
        "thdt_tlex_amt": "0", "scts_evlu_amt": str(securities), "tot_evlu_amt": str(securities + settled),
        "nass_amt": str(securities + settled), "pchs_amt_smtl_amt": str(securities),
        "evlu_amt_smtl_amt": str(securities), "evlu_pfls_smtl_amt": "0", "bfdy_tot_asst_evlu_amt": "0",
        "asst_icdc_amt": "0", "asst_icdc_erng_rt": "0.00000000",
    }


def page_start(request: Request) -> int:
    """Return the row offset a next-page request asks for (0 on a first call)."""
    if request.headers.get("tr_cont", "") != "N":
        return 0
    context = request.query_params.get("CTX_AREA_NK100", "").strip()
    _, _, offset = context.partition("^")
    return int(offset) if offset.isdigit() else 0


async def inquire_balance(request: Request) -> JSONResponse:
    """GET trading/inquire-balance, paged with tr_cont and ctx_area_*."""
    refused = check_call(request)
    if refused is not None:
        return refused
    config: FakeKisConfig = request.app.state.kis.config
    account = request.query_params.get("CANO", "") + request.query_params.get("ACNT_PRDT_CD", "")
    start = page_start(request)
    end = start + config.rows_per_page
    more = end < len(config.holdings)
    context = f"{account}^{end}".ljust(100) if more else "".ljust(100)
    body = {
        "ctx_area_fk100": f"{account}^".ljust(100), "ctx_area_nk100": context,
        "output1": [holding_row(h) for h in config.holdings[start:end]],
        "output2": [summary_row(config)],
        "rt_cd": "0", "msg_cd": "KIOK0510", "msg1": "조회가 완료되었습니다",
    }
    flag = ("F" if start == 0 else "M") if more else ("D" if start == 0 else "E")
    return JSONResponse(body, headers={"tr_cont": flag})


def price_output(price: FakePrice) -> dict[str, str]:
    """Render inquire-price's output object; numbers as strings."""
    return {
        "stck_prpr": str(price.price), "stck_sdpr": str(price.base_price), "stck_mxpr": str(price.upper_limit),
        "stck_llam": str(price.lower_limit), "aspr_unit": str(price.tick), "hts_deal_qty_unit_val": "1",
        "temp_stop_yn": "N", "iscd_stat_cls_code": "55", "mrkt_warn_cls_code": "00", "sltr_yn": "N",
        "mang_issu_cls_code": "N", "rprs_mrkt_kor_name": "KOSPI200",
    }


async def inquire_price(request: Request) -> JSONResponse:
    """GET quotations/inquire-price."""
    refused = check_call(request)
    if refused is not None:
        return refused
    config: FakeKisConfig = request.app.state.kis.config
    symbol = request.query_params.get("FID_INPUT_ISCD", "")
    price = config.prices.get(symbol)
    if price is None:
        return envelope_error(UNKNOWN_SYMBOL, f"unknown symbol {symbol!r}", 200)
    body = {"output": price_output(price), "rt_cd": "0", "msg_cd": "MCA00000", "msg1": "정상처리 되었습니다."}
    return JSONResponse(body)


def make_fake_kis(config: FakeKisConfig) -> Starlette:
    """Build the fake as an ASGI app; its state is `fake_state(app)`."""
    app = Starlette(routes=[
        Route("/oauth2/tokenP", issue_token, methods=["POST"]),
        Route(BALANCE_PATH, inquire_balance, methods=["GET"]),
        Route(PRICE_PATH, inquire_price, methods=["GET"]),
    ])
    app.state.kis = FakeKisState(config)
    return app


def fake_state(app: Starlette) -> FakeKisState:
    """Return the state of a fake built by make_fake_kis."""
    state: FakeKisState = app.state.kis
    return state
