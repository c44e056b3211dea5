"""KIS quotations for engines: the KOSPI universe by market cap and an index's daily closes.

Read with the same client as orders (token cache, rate limit, retries), never placing anything:

- the **universe**: ``ranking/market-cap`` (FHPST01740000, 국내주식 시가총액 상위, real server only: the official
  sample offers no virtual form) gives the largest companies of a market, one page (about 30 rows); each is then
  asked of ``quotations/inquire-price`` for what may keep it out of a model: halted (``temp_stop_yn``), 관리종목
  (``mang_issu_cls_code``), a market warning (``mrkt_warn_cls_code`` other than 00). Market caps come in 억원 and
  are turned into won (× 10^8); the engine ranks by them, so the unit changes no model.
- the **index closes**: ``quotations/inquire-daily-indexchartprice`` (FHKUP03500100, both servers) answers the
  days between two dates, newest first, a limited number per call; this walks back window by window until it has
  the closes asked for or a year of windows brings nothing more.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.endpoints import PRICE, PRICE_TR_ID, STOCK
from trimtab.adapters.brokers.kis.parse import lower_keys, to_decimal
from trimtab.domain.engines.kospi_core import IndexClose, UniverseRow
from trimtab.domain.errors import BrokerUnavailable, InvalidInput

RANKING = f"{STOCK}/ranking/market-cap"
RANKING_TR_ID = "FHPST01740000"
INDEX_CHART = f"{STOCK}/quotations/inquire-daily-indexchartprice"
INDEX_CHART_TR_ID = "FHKUP03500100"
MARKET_SCOPES = {"KOSPI": "0001", "KOSDAQ": "1001"}  # fid_input_iscd of the ranking
INDEX_CODES = {"KOSPI": "0001", "KOSDAQ": "1001"}  # FID_INPUT_ISCD of the index chart (U: sector indices)
WON_PER_EOK = Decimal(100_000_000)
WINDOW_DAYS = 90  # calendar days asked per index call
MAX_EMPTY_WINDOWS = 4  # a year of windows with nothing: the index has no older history


class KisEngineQuotes:
    """The engine's market data from KIS quotations (the EngineQuotes port)."""

    def __init__(self, client: KisClient) -> None:
        self._client = client

    async def universe(self, market: str) -> tuple[UniverseRow, ...]:
        """The market's largest companies (common and preferred shares), each with why it may not be held."""
        scope = MARKET_SCOPES.get(market)
        if scope is None:
            raise InvalidInput(f"choose one of {', '.join(MARKET_SCOPES)}", where="KIS universe", field="market",
                               value=market)
        if self._client.environment != "real":
            raise InvalidInput("KIS offers the market-cap ranking on the real server only (quotations place no "
                               "order: use --env real)", where="KIS universe", field="env",
                               value=self._client.environment)
        params = {"fid_cond_mrkt_div_code": "J", "fid_cond_scr_div_code": "20174", "fid_div_cls_code": "0",
                  "fid_input_iscd": scope, "fid_trgt_cls_code": "0", "fid_trgt_exls_cls_code": "0",
                  "fid_input_price_1": "", "fid_input_price_2": "", "fid_vol_cnt": ""}
        response = await self._client.request("GET", RANKING, RANKING_TR_ID, params=params)
        rows = response.body.get("output")
        if not isinstance(rows, list):
            raise BrokerUnavailable("KIS market-cap ranking answered without an output list")
        universe = []
        for raw in rows:
            row = lower_keys(raw)
            symbol = str(row.get("mksc_shrn_iscd", "")).strip()
            price_body = (await self._client.request(
                "GET", PRICE, PRICE_TR_ID, params={"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol})).body
            universe.append(UniverseRow(symbol=symbol, name=str(row.get("hts_kor_isnm", "")).strip(),
                                        market_cap=to_decimal(row, "stck_avls") * WON_PER_EOK,
                                        price=to_decimal(row, "stck_prpr"), market=market,
                                        excluded=exclusion(price_body)))
        return tuple(universe)

    async def index_closes(self, index: str, through: dt.date, count: int) -> tuple[IndexClose, ...]:
        """At least `count` daily closes of the index up to `through` (fewer when it has no more), oldest first."""
        code = INDEX_CODES.get(index)
        if code is None:
            raise InvalidInput(f"choose one of {', '.join(INDEX_CODES)}", where="KIS index", field="index",
                               value=index)
        closes: dict[dt.date, Decimal] = {}
        end, empty = through, 0
        while len(closes) < count and empty < MAX_EMPTY_WINDOWS:
            start = end - dt.timedelta(days=WINDOW_DAYS)
            params = {"FID_COND_MRKT_DIV_CODE": "U", "FID_INPUT_ISCD": code, "FID_INPUT_DATE_1": _kis_date(start),
                      "FID_INPUT_DATE_2": _kis_date(end), "FID_PERIOD_DIV_CODE": "D"}
            body = (await self._client.request("GET", INDEX_CHART, INDEX_CHART_TR_ID, params=params)).body
            days = [_index_close(row) for row in body.get("output2") or [] if lower_keys(row).get("stck_bsop_date")]
            days = [day for day in days if day.on <= end]
            if not days:
                empty += 1
                end = start - dt.timedelta(days=1)
                continue
            empty = 0
            closes.update((day.on, day.close) for day in days)
            end = min(day.on for day in days) - dt.timedelta(days=1)
        return tuple(IndexClose(day, closes[day]) for day in sorted(closes))


def exclusion(price_body: Mapping[str, Any]) -> str:
    """Why inquire-price says a name may not be held, or "" when nothing does."""
    output = price_body.get("output")
    row = lower_keys(output) if isinstance(output, Mapping) else {}
    reasons = []
    if str(row.get("temp_stop_yn", "")).strip() == "Y":
        reasons.append("halted")
    if str(row.get("mang_issu_cls_code", "")).strip() == "Y":
        reasons.append("managed (관리종목)")
    warning = str(row.get("mrkt_warn_cls_code", "") or "00").strip()
    if warning not in {"", "00"}:
        reasons.append(f"market warning {warning}")
    return ", ".join(reasons)


def _index_close(raw: Mapping[str, Any]) -> IndexClose:
    row = lower_keys(raw)
    text = str(row.get("stck_bsop_date", "")).strip()
    try:
        day = dt.datetime.strptime(text, "%Y%m%d").replace(tzinfo=dt.UTC).date()
    except ValueError:
        raise BrokerUnavailable(f"KIS index chart: bad stck_bsop_date {text!r}") from None
    return IndexClose(day, to_decimal(row, "bstp_nmix_prpr"))


def _kis_date(day: dt.date) -> str:
    return day.strftime("%Y%m%d")
