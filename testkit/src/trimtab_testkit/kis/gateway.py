"""The local KIS fake's gateway: paths and tr_ids, the rt_cd envelope, tokens, credentials, rate limit, paging."""

from __future__ import annotations

import hashlib
from decimal import Decimal

from starlette.requests import Request
from starlette.responses import JSONResponse

from trimtab_testkit.kis.account import Environment, FakeKisState, IssuedToken
from trimtab_testkit.kis.codes import TR_ID_MISMATCH
from trimtab_testkit.kis.faults import take_fault
from trimtab_testkit.kis.market import kst_text

TOKEN_LIFETIME_SECONDS = 86_400
SAME_TOKEN_WINDOW_SECONDS = 6 * 3600
ISSUANCE_INTERVAL_SECONDS = 60

BALANCE_PATH = "/uapi/domestic-stock/v1/trading/inquire-balance"
PRICE_PATH = "/uapi/domestic-stock/v1/quotations/inquire-price"
ORDER_CASH_PATH = "/uapi/domestic-stock/v1/trading/order-cash"
RVSECNCL_PATH = "/uapi/domestic-stock/v1/trading/order-rvsecncl"
PSBL_ORDER_PATH = "/uapi/domestic-stock/v1/trading/inquire-psbl-order"
DAILY_CCLD_PATH = "/uapi/domestic-stock/v1/trading/inquire-daily-ccld"
RANKING_PATH = "/uapi/domestic-stock/v1/ranking/market-cap"
INDEX_CHART_PATH = "/uapi/domestic-stock/v1/quotations/inquire-daily-indexchartprice"

# Real-form tr_ids (new and legacy, BROKERS.md §1.5); buys and sells share order-cash.
BUY_TR_IDS = frozenset({"TTTC0012U", "TTTC0802U"})
SELL_TR_IDS = frozenset({"TTTC0011U", "TTTC0801U"})
# Real-form tr_ids per path; the virtual form swaps the first letter for V (BROKERS.md §1.5).
TR_IDS: dict[str, frozenset[str]] = {
    BALANCE_PATH: frozenset({"TTTC8434R"}),
    PRICE_PATH: frozenset({"FHKST01010100"}),
    ORDER_CASH_PATH: BUY_TR_IDS | SELL_TR_IDS,
    RVSECNCL_PATH: frozenset({"TTTC0013U", "TTTC0803U"}),
    PSBL_ORDER_PATH: frozenset({"TTTC8908R"}),
    DAILY_CCLD_PATH: frozenset({"TTTC0081R", "TTTC8001R"}),
    RANKING_PATH: frozenset({"FHPST01740000"}),
    INDEX_CHART_PATH: frozenset({"FHKUP03500100"}),
}
# Quotation tr_ids that are the same on both environments (the ranking is then refused on virtual by its handler).
SHARED_TR_IDS = frozenset({"FHKST01010100", "FHPST01740000", "FHKUP03500100"})


def fake_of(request: Request) -> FakeKisState:
    """Return the state of the fake serving this request."""
    state: FakeKisState = request.app.state.kis
    return state


def envelope_error(msg_cd: str, msg1: str, status: int = 500, rt_cd: str = "1") -> JSONResponse:
    """Answer with the rt_cd envelope carrying an error."""
    return JSONResponse({"rt_cd": rt_cd, "msg_cd": msg_cd, "msg1": msg1}, status_code=status)


def gateway_error(code: str, description: str) -> JSONResponse:
    """Answer the token endpoint's own error shape (error_code/error_description, HTTP 403)."""
    return JSONResponse({"error_code": code, "error_description": description}, status_code=403)


def mint_token(state: FakeKisState, now: float) -> IssuedToken:
    """Return the current token if issued within 6 h and still valid, else a new one."""
    current = state.token
    if (current is not None and now - current.issued_at < SAME_TOKEN_WINDOW_SECONDS and now < current.expires_at
            and current.value not in state.revoked_tokens):
        return current
    seed = f"{state.config.app_key}:{now}:{state.issuances}".encode()
    value = "fake." + hashlib.sha256(seed).hexdigest()
    state.token = IssuedToken(value, now, now + TOKEN_LIFETIME_SECONDS)
    if state.revoke_new_tokens > 0:
        state.revoke_new_tokens -= 1
        state.revoked_tokens[value] = "EGW00121"
    return state.token


async def issue_token(request: Request) -> JSONResponse:
    """POST /oauth2/tokenP."""
    state = fake_of(request)
    config = state.config
    body = await request.json()
    if body.get("appkey") != config.app_key or body.get("appsecret") != config.app_secret:
        return gateway_error("EGW00103", "유효하지 않은 AppKey입니다.")
    if body.get("grant_type") != "client_credentials":
        return gateway_error("EGW00102", "grant_type must be client_credentials")
    now = config.gateway_now()
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


def real_form(tr_id: str) -> str:
    """Return the real-environment form of a domestic trading tr_id (V… → T…)."""
    return "T" + tr_id[1:] if tr_id.startswith("V") else tr_id


def check_auth(request: Request, state: FakeKisState) -> JSONResponse | None:
    """Return an error response when the headers do not carry valid credentials and a live token."""
    config = state.config
    headers = request.headers
    if headers.get("appkey") != config.app_key or headers.get("appsecret") != config.app_secret:
        return envelope_error("EGW00103", "유효하지 않은 AppKey입니다.")
    token = state.token
    if token is None or headers.get("authorization") != f"Bearer {token.value}":
        return envelope_error("EGW00121", "유효하지 않은 token 입니다.")
    if config.gateway_now() >= token.expires_at:
        return envelope_error("EGW00123", "기간이 만료된 token 입니다.")
    revoked = state.revoked_tokens.get(token.value)
    if revoked is not None:  # revoked before its expiry (BROKERS.md §1.8.7): refused like an expired one
        expired = revoked == "EGW00123"
        return envelope_error(revoked, "기간이 만료된 token 입니다." if expired else "유효하지 않은 token 입니다.")
    return None


def check_rate(state: FakeKisState, app_key: str) -> JSONResponse | None:
    """Count the call in its clock second; answer EGW00201 over the bucket or when one was injected."""
    second = int(state.config.gateway_now())
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
    """Run the gateway checks every API call passes: tr_id, credentials and token, rate; then catch up fills."""
    state = fake_of(request)
    state.api_calls += 1
    tr_id = request.headers.get("tr_id", "")
    if tr_id not in expected_tr_ids(request.url.path, state.config.environment):
        return envelope_error(TR_ID_MISMATCH, f"tr_id {tr_id!r} does not fit this path and environment")
    refused = check_auth(request, state) or check_rate(state, request.headers.get("appkey", ""))
    if refused is None:
        fault = take_fault(state.faults, request.url.path, request.headers.get("tr_cont", ""))
        if fault is not None:
            return envelope_error(fault.code, fault.message, fault.status, fault.rt_cd)
        state.catch_up()
    return refused


def page_start(request: Request) -> int:
    """Return the row offset a next-page request asks for (0 on a first call)."""
    if request.headers.get("tr_cont", "") != "N":
        return 0
    parts = request.query_params.get("CTX_AREA_NK100", "").strip().split("^")
    offset = parts[1] if len(parts) > 1 else ""
    return int(offset) if offset.isdigit() else 0


def page_version(request: Request) -> str:
    """Return the data version a next-page request's context carries ("" when none)."""
    parts = request.query_params.get("CTX_AREA_NK100", "").strip().split("^")
    return parts[2] if len(parts) > 2 else ""


def page_flag(start: int, more: bool) -> str:
    """Return the tr_cont response header: F/M when more pages follow, D/E on the last page."""
    if more:
        return "F" if start == 0 else "M"
    return "D" if start == 0 else "E"


def page_context(account: str, end: int, more: bool, version: str = "") -> dict[str, str]:
    """Return the ctx_area_fk100/nk100 keys to echo; nk100 is blank on the last page; `version` (daily-ccld)
    fingerprints the rows so a next page can tell that they changed since the first."""
    suffix = f"^{version}" if version else ""
    return {
        "ctx_area_fk100": f"{account}^".ljust(100),
        "ctx_area_nk100": f"{account}^{end}{suffix}".ljust(100) if more else "".ljust(100),
    }


def num(value: Decimal | int) -> str:
    """Render a number as KIS does: a string, whole numbers without a decimal point."""
    if isinstance(value, int):
        return str(value)
    if value == value.to_integral_value():
        return str(int(value))
    return format(value, "f")
