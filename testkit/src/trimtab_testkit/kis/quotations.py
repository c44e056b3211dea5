"""The local KIS's quotations for engines: the market-cap ranking and an index's daily chart.

Built from KIS's official samples (koreainvestment/open-trading-api, examples_llm/domestic_stock/market_cap and
inquire_daily_indexchartprice), not from trimtab's adapter:

- GET ``/uapi/domestic-stock/v1/ranking/market-cap``, tr_id FHPST01740000 (국내주식 시가총액 상위). Query
  ``fid_cond_mrkt_div_code`` J, ``fid_cond_scr_div_code`` 20174, ``fid_div_cls_code`` 0 all / 1 common /
  2 preferred, ``fid_input_iscd`` 0000 all / 0001 KOSPI (거래소) / 1001 KOSDAQ / 2001 KOSPI200, ``fid_trgt_cls_code``
  and ``fid_trgt_exls_cls_code`` 0. Rows ``mksc_shrn_iscd, data_rank, hts_kor_isnm, stck_prpr, lstn_stcn,
  stck_avls`` (market cap, 억원), largest first. The sample has no virtual form (its other quotation samples take
  ``env_dv``): on the virtual server the fake refuses it (FAKE0019). KIS ranking screens answer one page of
  rows; the fake answers at most ``RANKING_ROWS`` (30) and tr_cont D.
- GET ``/uapi/domestic-stock/v1/quotations/inquire-daily-indexchartprice``, tr_id FHKUP03500100 on both
  environments. Query ``FID_COND_MRKT_DIV_CODE`` U, ``FID_INPUT_ISCD`` (0001 KOSPI composite), ``FID_INPUT_DATE_1``
  and ``_2`` (YYYYMMDD, inclusive), ``FID_PERIOD_DIV_CODE`` D. ``output1`` is the index now, ``output2`` the
  days, newest first, at most ``CHART_ROWS`` (50, the fake's setting: how many KIS answers per call is not
  written in shared/), so a caller walks back by dates.

Every number is a string, as everywhere in KIS.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal

from starlette.requests import Request
from starlette.responses import JSONResponse

from trimtab_testkit.kis.codes import BAD_DATE, BAD_REQUEST, NORMAL, NOT_ON_VIRTUAL
from trimtab_testkit.kis.gateway import INDEX_CHART_PATH, RANKING_PATH, check_call, envelope_error, fake_of, num

__all__ = ["INDEX_CHART_PATH", "RANKING_PATH", "FakeListing", "FakeQuotations", "index_chart", "ranking_market_cap"]

RANKING_TR_ID = "FHPST01740000"
INDEX_CHART_TR_ID = "FHKUP03500100"
RANKING_ROWS = 30
CHART_ROWS = 50
HUNDRED_MILLION = Decimal(100_000_000)  # 억
MARKETS = {"0000": None, "0001": "KOSPI", "2001": "KOSPI", "1001": "KOSDAQ"}


@dataclass(frozen=True, slots=True)
class FakeListing:
    """A listed company as the quotations know it; its price is the fake's FakePrice when it has one."""

    symbol: str
    name: str
    market: str  # KOSPI or KOSDAQ
    listed_shares: int
    price: Decimal
    preferred: bool = False
    managed: bool = False  # 관리종목: inquire-price answers mang_issu_cls_code Y
    warning: str = "00"  # mrkt_warn_cls_code: 00 none, 01 caution, 02 warning, 03 danger


@dataclass
class FakeQuotations:
    """The listings and index histories the fake's quotations answer from."""

    listings: list[FakeListing] = field(default_factory=list)
    index_closes: dict[str, list[tuple[dt.date, Decimal]]] = field(default_factory=dict)  # code -> days

    def listing(self, symbol: str) -> FakeListing | None:
        return next((listing for listing in self.listings if listing.symbol == symbol), None)


def quotations_of(request: Request) -> FakeQuotations:
    quotations: FakeQuotations = request.app.state.quotations
    return quotations


def market_cap(listing: FakeListing, price: Decimal) -> Decimal:
    """Market cap in 억원, cut to whole 억 as KIS shows it."""
    return (price * listing.listed_shares / HUNDRED_MILLION).to_integral_value(ROUND_DOWN)


async def ranking_market_cap(request: Request) -> JSONResponse:
    """GET ranking/market-cap: the largest companies of a market, one page."""
    refused = check_call(request)
    if refused is not None:
        return refused
    state = fake_of(request)
    if state.config.environment == "virtual":
        return envelope_error(NOT_ON_VIRTUAL, "모의투자에서는 해당업무가 제공되지 않습니다.", 200)
    query = request.query_params
    scope = query.get("fid_input_iscd", "")
    kind = query.get("fid_div_cls_code", "")
    if (query.get("fid_cond_mrkt_div_code") != "J" or query.get("fid_cond_scr_div_code") != "20174"
            or scope not in MARKETS or kind not in {"0", "1", "2"}):
        return envelope_error(BAD_REQUEST, f"bad ranking query {dict(query)!r}", 200)
    rows = []
    for listing in quotations_of(request).listings:
        if MARKETS[scope] not in (None, listing.market) or (kind == "1" and listing.preferred) or (
                kind == "2" and not listing.preferred):
            continue
        quoted = state.config.prices.get(listing.symbol)
        price = listing.price if quoted is None else quoted.price
        rows.append((market_cap(listing, price), listing, price))
    rows.sort(key=lambda row: (-row[0], row[1].symbol))
    output = [{"mksc_shrn_iscd": listing.symbol, "data_rank": str(rank), "hts_kor_isnm": listing.name,
               "stck_prpr": num(price), "prdy_vrss": "0", "prdy_vrss_sign": "3", "prdy_ctrt": "0.00",
               "acml_vol": "0", "lstn_stcn": str(listing.listed_shares), "stck_avls": num(cap),
               "mrkt_whol_avls_rlim": "0.00"}
              for rank, (cap, listing, price) in enumerate(rows[:RANKING_ROWS], start=1)]
    body = {"output": output, "rt_cd": "0", "msg_cd": NORMAL, "msg1": "정상처리 되었습니다."}
    return JSONResponse(body, headers={"tr_cont": "D"})


def _day(text: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(text, "%Y%m%d").replace(tzinfo=dt.UTC).date()
    except ValueError:
        return None


async def index_chart(request: Request) -> JSONResponse:
    """GET quotations/inquire-daily-indexchartprice: an index's days between two dates, newest first."""
    refused = check_call(request)
    if refused is not None:
        return refused
    query = request.query_params
    first, last = _day(query.get("FID_INPUT_DATE_1", "")), _day(query.get("FID_INPUT_DATE_2", ""))
    if first is None or last is None or first > last:
        return envelope_error(BAD_DATE, "FID_INPUT_DATE_1/2 must be YYYYMMDD, the first not after the second", 200)
    code = query.get("FID_INPUT_ISCD", "")
    if query.get("FID_COND_MRKT_DIV_CODE") != "U" or query.get("FID_PERIOD_DIV_CODE") != "D":
        return envelope_error(BAD_REQUEST, "the fake models daily (D) charts of sector indices (U) only", 200)
    history = quotations_of(request).index_closes.get(code)
    if history is None:
        return envelope_error(BAD_REQUEST, f"unknown index {code!r}", 200)
    days = sorted((row for row in history if first <= row[0] <= last), reverse=True)[:CHART_ROWS]
    latest = max(history)[1] if history else Decimal(0)
    output2 = [{"stck_bsop_date": day.strftime("%Y%m%d"), "bstp_nmix_prpr": num(close),
                "bstp_nmix_oprc": num(close), "bstp_nmix_hgpr": num(close), "bstp_nmix_lwpr": num(close),
                "acml_vol": "0", "acml_tr_pbmn": "0", "mod_yn": "N"} for day, close in days]
    body = {"output1": {"bstp_nmix_prpr": num(latest), "bstp_cls_code": code, "hts_kor_isnm": "종합"},
            "output2": output2, "rt_cd": "0", "msg_cd": NORMAL, "msg1": "정상처리 되었습니다."}
    return JSONResponse(body)
