"""The KIS fake's orders behave as BROKERS.md §1 describes, seen through raw HTTP on a manual clock."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import select
import subprocess
import sys
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any, TypeVar

import httpx
import pytest

from tests.integration.kis.conftest import (
    BASE_URL,
    FRIDAY_SESSION,
    TRADING_ACCOUNT,
    ManualClock,
    kst_epoch,
    make_trading_config,
)
from trimtab_testkit.kis.app import (
    BAD_PRICE,
    BAD_QUANTITY,
    BALANCE_PATH,
    CANCEL_QUANTITY,
    DAILY_CCLD_PATH,
    HALTED,
    INSUFFICIENT_CASH,
    MARKET_CLOSED,
    NOT_A_STRING,
    NOT_MODELLED,
    NOTHING_REMAINING,
    OFF_TICK,
    ORDER_CASH_PATH,
    OUTSIDE_LIMITS,
    OVERSELL,
    PRICE_PATH,
    PRODUCT_NOT_FOUND,
    PSBL_ORDER_PATH,
    RVSECNCL_PATH,
    TR_ID_MISMATCH,
    UNKNOWN_ORDER,
    VIRTUAL_NOT_BUSINESS_DAY,
    VIRTUAL_OFF_TICK,
    WRONG_ACCOUNT,
    FakeKisConfig,
    FakePrice,
    fake_state,
    make_fake_kis,
)
from trimtab_testkit.kis.serve import DEMO_ACCOUNT_FILE, load_account_file

T = TypeVar("T")
TODAY = "20261120"


class Kis:
    """Raw HTTP calls to the fake with a token, virtual tr_ids by default."""

    def __init__(self, http: httpx.AsyncClient, config: FakeKisConfig, token: str) -> None:
        self.http = http
        self.config = config
        self.token = token

    def headers(self, tr_id: str, tr_cont: str = "") -> dict[str, str]:
        return {
            "authorization": f"Bearer {self.token}", "appkey": self.config.app_key,
            "appsecret": self.config.app_secret, "tr_id": tr_id, "custtype": "P", "tr_cont": tr_cont,
        }

    def tr(self, real: str) -> str:
        return real if self.config.environment == "real" else "V" + real[1:]

    async def post(self, path: str, tr_id: str, body: dict[str, Any]) -> httpx.Response:
        return await self.http.post(path, json=body, headers=self.headers(tr_id))

    async def order(
        self, side: str, symbol: str, quantity: int | str, price: int | str, dvsn: str = "00", **extra: Any,
    ) -> dict[str, Any]:
        tr_id = self.tr("TTTC0012U" if side == "buy" else "TTTC0011U")
        body = {**TRADING_ACCOUNT, "PDNO": symbol, "ORD_DVSN": dvsn, "ORD_QTY": str(quantity),
                "ORD_UNPR": str(price), "EXCG_ID_DVSN_CD": "KRX", **extra}
        response = await self.post(ORDER_CASH_PATH, tr_id, body)
        assert response.status_code == 200
        answer: dict[str, Any] = response.json()
        return answer

    async def cancel(self, odno: str, quantity: int | None = None) -> dict[str, Any]:
        body = {
            **TRADING_ACCOUNT, "KRX_FWDG_ORD_ORGNO": "91252", "ORGN_ODNO": odno, "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": "02", "ORD_QTY": "0" if quantity is None else str(quantity), "ORD_UNPR": "0",
            "QTY_ALL_ORD_YN": "Y" if quantity is None else "N", "EXCG_ID_DVSN_CD": "KRX",
        }
        response = await self.post(RVSECNCL_PATH, self.tr("TTTC0013U"), body)
        assert response.status_code == 200
        answer: dict[str, Any] = response.json()
        return answer

    async def balance(self) -> dict[str, Any]:
        params = {**TRADING_ACCOUNT, "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02", "UNPR_DVSN": "01",
                  "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N", "PRCS_DVSN": "00",
                  "CTX_AREA_FK100": "", "CTX_AREA_NK100": ""}
        response = await self.http.get(BALANCE_PATH, params=params, headers=self.headers(self.tr("TTTC8434R")))
        answer: dict[str, Any] = response.json()
        return answer

    async def holding(self, symbol: str) -> dict[str, str]:
        rows: list[dict[str, str]] = (await self.balance())["output1"]
        return next(row for row in rows if row["pdno"] == symbol)

    async def summary(self) -> dict[str, str]:
        summary: dict[str, str] = (await self.balance())["output2"][0]
        return summary

    async def psbl(self, symbol: str = "005930", price: str = "0", dvsn: str = "01") -> dict[str, str]:
        params = {**TRADING_ACCOUNT, "PDNO": symbol, "ORD_UNPR": price, "ORD_DVSN": dvsn,
                  "CMA_EVLU_AMT_ICLD_YN": "N", "OVRS_ICLD_YN": "N"}
        response = await self.http.get(PSBL_ORDER_PATH, params=params, headers=self.headers(self.tr("TTTC8908R")))
        output: dict[str, str] = response.json()["output"]
        return output

    async def ccld(self, tr_cont: str = "", nk: str = "", **filters: str) -> httpx.Response:
        params = {**TRADING_ACCOUNT, "INQR_STRT_DT": TODAY, "INQR_END_DT": TODAY, "SLL_BUY_DVSN_CD": "00",
                  "INQR_DVSN": "00", "PDNO": "", "CCLD_DVSN": "00", "ORD_GNO_BRNO": "", "ODNO": "",
                  "INQR_DVSN_3": "00", "INQR_DVSN_1": "", "EXCG_ID_DVSN_CD": "KRX", "CTX_AREA_FK100": "",
                  "CTX_AREA_NK100": nk, **filters}
        return await self.http.get(DAILY_CCLD_PATH, params=params, headers=self.headers(self.tr("TTTC0081R"), tr_cont))

    async def rows(self, **filters: str) -> list[dict[str, str]]:
        rows: list[dict[str, str]] = (await self.ccld(**filters)).json()["output1"]
        return rows

    async def row(self, odno: str) -> dict[str, str]:
        return next(row for row in await self.rows() if row["odno"] == odno)


def run(app: Any, config: FakeKisConfig, steps: Callable[[Kis], Awaitable[T]]) -> T:
    """Get a token from the fake, then run `steps` against it."""

    async def scenario() -> T:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            body = {"grant_type": "client_credentials", "appkey": config.app_key, "appsecret": config.app_secret}
            token = (await http.post("/oauth2/tokenP", json=body)).json()["access_token"]
            return await steps(Kis(http, config, token))

    return asyncio.run(scenario())


def trading_fake(start: float = FRIDAY_SESSION, **options: Any) -> tuple[Any, FakeKisConfig, ManualClock]:
    clock = ManualClock(start)
    config = make_trading_config(clock, **options)
    return make_fake_kis(config), config, clock


# --- order-cash acceptance ------------------------------------------------------------------------------------------


def test_limit_buy_is_accepted_with_order_number_org_number_and_kst_time() -> None:
    app, config, _ = trading_fake(FRIDAY_SESSION + 3725)  # 11:02:05 KST

    async def steps(kis: Kis) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
        first = await kis.order("buy", "005930", 10, 71000)
        second = await kis.order("buy", "005930", 1, 71000)
        return first, second, await kis.row("0000000001")

    first, second, row = run(app, config, steps)
    assert first == {
        "rt_cd": "0", "msg_cd": "APBK0013", "msg1": "주문 전송 완료 되었습니다.",
        "output": {"KRX_FWDG_ORD_ORGNO": "91252", "ODNO": "0000000001", "ORD_TMD": "110205"},
    }
    assert second["output"]["ODNO"] == "0000000002"
    assert row == {
        "ord_dt": "20261120", "ord_gno_brno": "91252", "odno": "0000000001", "orgn_odno": "",
        "ord_dvsn_name": "지정가", "ord_dvsn_cd": "00", "sll_buy_dvsn_cd": "02", "sll_buy_dvsn_cd_name": "현금매수",
        "pdno": "005930", "prdt_name": "삼성전자", "ord_qty": "10", "ord_unpr": "71000", "ord_tmd": "110205",
        "tot_ccld_qty": "0", "avg_prvs": "0", "tot_ccld_amt": "0", "cncl_yn": "N", "cnc_cfrm_qty": "0",
        "rmn_qty": "10", "rjct_qty": "0", "excg_id_dvsn_Cd": "KRX",
    }
    calls = fake_state(app).order_calls
    assert [(call.tr_id, call.rt_cd, call.odno) for call in calls] == [
        ("VTTC0012U", "0", "0000000001"), ("VTTC0012U", "0", "0000000002"),
    ]
    assert isinstance(calls[0].body, dict)
    assert calls[0].body["ORD_QTY"] == "10"


@pytest.mark.parametrize(("environment", "tr_id", "accepted"), [
    ("virtual", "VTTC0012U", True), ("virtual", "VTTC0802U", True), ("virtual", "VTTC0011U", True),
    ("virtual", "VTTC0801U", True), ("virtual", "TTTC0012U", False), ("virtual", "TTTC0802U", False),
    ("real", "TTTC0012U", True), ("real", "TTTC0802U", True), ("real", "TTTC0801U", True),
    ("real", "VTTC0012U", False), ("virtual", "VTTC0013U", False),
])
def test_order_cash_accepts_new_and_legacy_tr_ids_of_its_environment_only(
    environment: str, tr_id: str, accepted: bool,
) -> None:
    app, config, _ = trading_fake(environment=environment)

    async def steps(kis: Kis) -> httpx.Response:
        body = {**TRADING_ACCOUNT, "PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "1", "ORD_UNPR": "71700"}
        return await kis.post(ORDER_CASH_PATH, tr_id, body)

    response = run(app, config, steps)
    state = fake_state(app)
    if accepted:
        assert response.json()["rt_cd"] == "0"
        assert len(state.orders) == 1
        assert state.orders[0].side == ("buy" if tr_id[-4:] in ("012U", "802U") else "sell")
    else:
        assert (response.status_code, response.json()["msg_cd"]) == (500, TR_ID_MISMATCH)
        assert state.orders == []


def test_market_order_needs_ord_unpr_zero_and_reserves_at_the_upper_limit() -> None:
    app, config, _ = trading_fake()

    async def steps(kis: Kis) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any], dict[str, str]]:
        priced = await kis.order("buy", "005930", 1, 71700, dvsn="01")
        limit_zero = await kis.order("buy", "005930", 1, 0, dvsn="00")
        market = await kis.order("buy", "005930", 10, 0, dvsn="01")
        return priced, limit_zero, market, await kis.psbl()

    priced, limit_zero, market, psbl = run(app, config, steps)
    assert (priced["rt_cd"], priced["msg_cd"]) == ("7", BAD_PRICE)
    assert (limit_zero["rt_cd"], limit_zero["msg_cd"]) == ("7", BAD_PRICE)
    assert market["output"]["ODNO"] == "0000000001"
    # 10 × 92,900 (upper limit) + floor(929,000 × 0.00014) = 929,130 held back from 10,000,000.
    assert psbl["ord_psbl_cash"] == "9070870"


def test_other_order_types_exchanges_and_sell_types_are_refused_as_not_modelled() -> None:
    app, config, _ = trading_fake()

    async def steps(kis: Kis) -> list[str]:
        return [
            (await kis.order("buy", "005930", 1, 71700, dvsn="03"))["msg_cd"],
            (await kis.order("buy", "005930", 1, 71700, EXCG_ID_DVSN_CD="NXT"))["msg_cd"],
            (await kis.order("sell", "005930", 1, 71700, SLL_TYPE="05"))["msg_cd"],
            (await kis.order("sell", "005930", 1, 71700, SLL_TYPE="01"))["rt_cd"],
        ]

    assert run(app, config, steps) == [NOT_MODELLED, NOT_MODELLED, NOT_MODELLED, "0"]


# --- rejections -----------------------------------------------------------------------------------------------------


REJECTIONS: list[tuple[str, float, dict[str, Any], str]] = [
    ("saturday", kst_epoch(2026, 11, 21, 10), {}, VIRTUAL_NOT_BUSINESS_DAY),
    ("saturday on real", kst_epoch(2026, 11, 21, 10), {"REAL": True}, MARKET_CLOSED),
    ("after close", kst_epoch(2026, 11, 20, 15, 31), {}, MARKET_CLOSED),
    ("at 15:30 sharp", kst_epoch(2026, 11, 20, 15, 30), {}, MARKET_CLOSED),
    ("before the opening auction", kst_epoch(2026, 11, 20, 8, 29, 59), {}, MARKET_CLOSED),
    ("unknown symbol", FRIDAY_SESSION, {"PDNO": "123456"}, PRODUCT_NOT_FOUND),
    ("halted symbol", FRIDAY_SESSION, {"HALTED": True, "PDNO": "000660", "ORD_UNPR": "190000"}, HALTED),
    ("off tick", FRIDAY_SESSION, {"ORD_UNPR": "71550"}, VIRTUAL_OFF_TICK),
    ("off tick on real", FRIDAY_SESSION, {"ORD_UNPR": "71550", "REAL": True}, OFF_TICK),
    ("above the upper limit", FRIDAY_SESSION, {"ORD_UNPR": "93000"}, OUTSIDE_LIMITS),
    ("below the lower limit", FRIDAY_SESSION, {"ORD_UNPR": "50000"}, OUTSIDE_LIMITS),
    ("insufficient cash", FRIDAY_SESSION, {"ORD_QTY": "140", "ORD_UNPR": "71500"}, INSUFFICIENT_CASH),
    ("market buy over cash at the upper limit", FRIDAY_SESSION,
     {"ORD_DVSN": "01", "ORD_QTY": "108", "ORD_UNPR": "0"}, INSUFFICIENT_CASH),
    ("oversell", FRIDAY_SESSION, {"SELL": True, "ORD_QTY": "101"}, OVERSELL),
    ("sell of a symbol not held", FRIDAY_SESSION, {"SELL": True, "PDNO": "000660", "ORD_UNPR": "190000"}, OVERSELL),
    ("quantity zero", FRIDAY_SESSION, {"ORD_QTY": "0"}, BAD_QUANTITY),
    ("quantity sent as a JSON number", FRIDAY_SESSION, {"ORD_QTY": 1}, NOT_A_STRING),
    ("price sent as a JSON number", FRIDAY_SESSION, {"ORD_UNPR": 71500}, NOT_A_STRING),
]


@pytest.mark.parametrize(("start", "change", "code"), [case[1:] for case in REJECTIONS],
                         ids=[case[0] for case in REJECTIONS])
def test_rejected_order_answers_rt_cd_7_and_changes_nothing(start: float, change: dict[str, Any], code: str) -> None:
    fields = dict(change)
    sell = fields.pop("SELL", False)
    options: dict[str, Any] = {"environment": "real"} if fields.pop("REAL", False) else {}
    if fields.pop("HALTED", False):
        options["halted_symbols"] = frozenset({"000660"})
    app, config, clock = trading_fake(start, **options)

    async def steps(kis: Kis) -> tuple[Any, ...]:
        before = (await kis.balance(), await kis.psbl(), (await kis.ccld()).json())
        body = {**TRADING_ACCOUNT, "PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "1", "ORD_UNPR": "71500", **fields}
        response = await kis.post(ORDER_CASH_PATH, kis.tr("TTTC0011U" if sell else "TTTC0012U"), body)
        clock.advance(60)
        after = (await kis.balance(), await kis.psbl(), (await kis.ccld()).json())
        return response, before, after

    response, before, after = run(app, config, steps)
    assert response.status_code == 200
    assert response.json()["rt_cd"] == "7"
    assert response.json()["msg_cd"] == code
    assert "output" not in response.json()
    assert after == before
    state = fake_state(app)
    assert (state.orders, state.last_number) == ([], 0)
    assert [(call.rt_cd, call.msg_cd, call.odno) for call in state.order_calls] == [("7", code, None)]


def test_buy_up_to_orderable_cash_is_accepted_one_more_is_refused() -> None:
    app, config, _ = trading_fake()

    async def steps(kis: Kis) -> tuple[dict[str, str], str, str, dict[str, str]]:
        psbl = await kis.psbl("005930", "71500", "00")
        over = (await kis.order("buy", "005930", 140, 71500))["msg_cd"]
        exact = (await kis.order("buy", "005930", 139, 71500))["rt_cd"]
        return psbl, over, exact, await kis.psbl("005930", "71500", "00")

    before, over, exact, after = run(app, config, steps)
    # floor(10,000,000 / (71,500 × 1.00014)) = 139; 139 × 71,500 + floor(9,938,500 × 0.00014) = 9,939,891.
    assert before == {
        "ord_psbl_cash": "10000000", "ord_psbl_sbst": "0", "ruse_psbl_amt": "0", "fund_rpch_chgs": "0",
        "psbl_qty_calc_unpr": "71500", "nrcvb_buy_amt": "10000000", "nrcvb_buy_qty": "139",
        "max_buy_amt": "10000000", "max_buy_qty": "139", "cma_evlu_amt": "0", "ovrs_re_use_amt_wcrc": "0",
        "ord_psbl_frcr_amt_wcrc": "0",
    }
    assert (over, exact) == (INSUFFICIENT_CASH, "0")
    assert (after["ord_psbl_cash"], after["max_buy_qty"]) == ("60109", "0")


def test_wrong_account_is_refused_on_every_account_endpoint() -> None:
    app, config, _ = trading_fake(account="5000000001")
    other = {"CANO": "50000000", "ACNT_PRDT_CD": "02"}

    async def steps(kis: Kis) -> list[str]:
        order = await kis.post(ORDER_CASH_PATH, "VTTC0012U", {
            **other, "PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "1", "ORD_UNPR": "71700"})
        headers = kis.headers
        balance = await kis.http.get(BALANCE_PATH, params=other, headers=headers("VTTC8434R"))
        psbl = await kis.http.get(PSBL_ORDER_PATH, params={**other, "PDNO": "005930", "ORD_UNPR": "0"},
                                  headers=headers("VTTC8908R"))
        ccld = await kis.http.get(DAILY_CCLD_PATH, params={
            **other, "INQR_STRT_DT": TODAY, "INQR_END_DT": TODAY}, headers=headers("VTTC0081R"))
        right = await kis.order("buy", "005930", 1, 71700)
        return [r.json()["msg_cd"] for r in (order, balance, psbl, ccld)] + [right["rt_cd"]]

    assert run(app, config, steps) == [WRONG_ACCOUNT] * 4 + ["0"]


def test_holiday_closes_a_weekday_and_enforce_hours_off_opens_a_saturday() -> None:
    holiday = trading_fake(holidays=frozenset({dt.date(2026, 11, 20)}))
    saturday = trading_fake(kst_epoch(2026, 11, 21, 3), enforce_hours=False, fill_interval_seconds=0)

    async def order(kis: Kis) -> tuple[dict[str, Any], dict[str, str]]:
        answer = await kis.order("buy", "069500", 2, 35000)
        return answer, await kis.holding("069500")

    closed, _ = run(holiday[0], holiday[1], order)
    opened, row = run(saturday[0], saturday[1], order)
    assert closed["msg_cd"] == VIRTUAL_NOT_BUSINESS_DAY
    assert opened["rt_cd"] == "0"
    assert row["hldg_qty"] == "52"


# --- fills over time, costs and cash --------------------------------------------------------------------------------


def test_buy_fills_in_steps_and_commission_is_on_the_cumulative_amount() -> None:
    app, config, clock = trading_fake()
    seen: list[tuple[str, ...]] = []

    async def steps(kis: Kis) -> None:
        await kis.order("buy", "000660", 4, 190000)  # one unit per step: max(1, ceil(4 × 0.25))
        for _ in range(5):
            row, summary, psbl = await kis.row("0000000001"), await kis.summary(), await kis.psbl("000660")
            rows = {r["pdno"]: r for r in (await kis.balance())["output1"]}
            held = rows["000660"]["hldg_qty"] if "000660" in rows else "-"
            total = (await kis.ccld()).json()["output2"]
            seen.append((row["tot_ccld_qty"], row["rmn_qty"], row["tot_ccld_amt"], held, summary["thdt_buy_amt"],
                         summary["thdt_tlex_amt"], summary["prvs_rcdl_excc_amt"], total["prsm_tlex_smtl"],
                         psbl["ord_psbl_cash"]))
            clock.advance(10)

    run(app, config, steps)
    # Commission floor(cum × 0.00014): 26, 53, 79, 106 (per-step floors would total 104).
    assert seen == [
        ("0", "4", "0", "-", "0", "0", "10000000", "0", "9239894"),
        ("1", "3", "190000", "1", "190000", "26", "9809974", "26", "9239894"),
        ("2", "2", "380000", "2", "380000", "53", "9619947", "53", "9239894"),
        ("3", "1", "570000", "3", "570000", "79", "9429921", "79", "9239894"),
        ("4", "0", "760000", "4", "760000", "106", "9239894", "106", "9239894"),
    ]


def test_new_symbol_bought_becomes_a_row_with_average_price_and_todays_quantities() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> tuple[list[dict[str, str]], dict[str, str]]:
        await kis.order("buy", "000660", 2, 190000)
        await kis.order("buy", "005930", 10, 71700)
        return (await kis.balance())["output1"], await kis.summary()

    rows, summary = run(app, config, steps)
    assert [row["pdno"] for row in rows] == ["005930", "069500", "000660"]
    new = rows[2]
    assert (new["prdt_name"], new["hldg_qty"], new["ord_psbl_qty"], new["thdt_buyqty"]) == ("SK하이닉스", "2", "2", "2")
    assert (new["pchs_avg_pric"], new["pchs_amt"], new["prpr"], new["evlu_amt"]) == (
        "190000.0000", "380000", "190000", "380000")
    samsung = rows[0]
    # (100 × 70,000 + 10 × 71,700) / 110 = 70,154.5454…
    assert (samsung["hldg_qty"], samsung["thdt_buyqty"], samsung["pchs_avg_pric"], samsung["pchs_amt"]) == (
        "110", "10", "70154.5455", "7717000")
    # Commission floor(380,000 × 0.00014) = 53 and floor(717,000 × 0.00014) = 100.
    assert (summary["thdt_buy_amt"], summary["thdt_tlex_amt"], summary["prvs_rcdl_excc_amt"]) == (
        "1097000", "153", "8902847")
    assert (summary["dnca_tot_amt"], summary["nxdy_excc_amt"]) == ("10000000", "8902847")


def stock_sell_steps(clock: ManualClock) -> Callable[[Kis], Awaitable[list[tuple[str, ...]]]]:
    async def steps(kis: Kis) -> list[tuple[str, ...]]:
        seen: list[tuple[str, ...]] = []
        await kis.order("sell", "005930", 10, 71700)  # three units per step: ceil(10 × 0.25)
        for _ in range(5):
            held, summary = await kis.holding("005930"), await kis.summary()
            total = (await kis.ccld()).json()["output2"]
            seen.append((held["hldg_qty"], held["ord_psbl_qty"], held["thdt_sll_qty"], summary["thdt_sll_amt"],
                         summary["thdt_tlex_amt"], summary["prvs_rcdl_excc_amt"], total["prsm_tlex_smtl"],
                         (await kis.psbl())["ruse_psbl_amt"]))
            clock.advance(10)
        return seen

    return steps


def test_stock_sell_fills_in_steps_with_tax_and_costs_independent_of_granularity() -> None:
    app, config, clock = trading_fake()
    seen = run(app, config, stock_sell_steps(clock))
    # cum 215,100 / 430,200 / 645,300 / 717,000: commission 30/60/90/100, tax 0.20 % 430/860/1290/1434.
    assert seen == [
        ("100", "90", "0", "0", "0", "10000000", "0", "0"),
        ("97", "90", "3", "215100", "460", "10214640", "460", "215100"),
        ("94", "90", "6", "430200", "920", "10429280", "920", "430200"),
        ("91", "90", "9", "645300", "1380", "10643920", "1380", "645300"),
        ("90", "90", "10", "717000", "1534", "10715466", "1534", "717000"),
    ]
    at_once_app, at_once_config, at_once_clock = trading_fake(fill_interval_seconds=0)
    at_once = run(at_once_app, at_once_config, stock_sell_steps(at_once_clock))
    assert at_once[0] == ("90", "90", "10", "717000", "1534", "10715466", "1534", "717000")


def test_etf_sell_pays_commission_but_no_tax() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> tuple[dict[str, str], dict[str, Any]]:
        await kis.order("sell", "069500", 4, 35000)
        return await kis.summary(), (await kis.ccld()).json()["output2"]

    summary, total = run(app, config, steps)
    # floor(140,000 × 0.00014) = 19; no securities transaction tax on ETFs.
    assert (summary["thdt_sll_amt"], summary["thdt_tlex_amt"], summary["prvs_rcdl_excc_amt"]) == (
        "140000", "19", "10139981")
    assert total == {"tot_ord_qty": "4", "tot_ccld_qty": "4", "tot_ccld_amt": "140000", "prsm_tlex_smtl": "19",
                     "pchs_avg_pric": "35000.0000"}


def test_settled_cash_starts_d2_cash_and_the_deposit_does_not_move_intraday() -> None:
    app, config, _ = trading_fake(settled_cash=Decimal(4_000_000), fill_interval_seconds=0)

    async def steps(kis: Kis) -> tuple[dict[str, str], dict[str, str]]:
        await kis.order("buy", "360750", 10, 22000)
        return await kis.summary(), await kis.psbl("360750")

    summary, psbl = run(app, config, steps)
    # 4,000,000 − 220,000 − floor(30.8) = 3,779,970.
    assert (summary["dnca_tot_amt"], summary["prvs_rcdl_excc_amt"], psbl["ord_psbl_cash"]) == (
        "10000000", "3779970", "3779970")
    # floor(3,779,970 / (22,000 × 1.00014)) = 171
    assert (psbl["psbl_qty_calc_unpr"], psbl["max_buy_qty"], psbl["nrcvb_buy_qty"]) == ("22000", "171", "171")


def test_resting_buy_waits_then_fills_at_the_new_price_after_set_price() -> None:
    app, config, clock = trading_fake()
    state = fake_state(app)
    seen: list[tuple[str, str, str]] = []

    async def steps(kis: Kis) -> str:
        await kis.order("buy", "005930", 10, 71000)  # below 71,700: rests
        clock.advance(60)
        psbl = (await kis.psbl())["ord_psbl_cash"]
        for advance, price in ((5, 71000), (4, None), (1, None), (5, 70900), (5, None)):
            if price is not None:
                state.set_price("005930", Decimal(price))
            clock.advance(advance)
            row = await kis.row("0000000001")
            seen.append((row["tot_ccld_qty"], row["tot_ccld_amt"], row["avg_prvs"]))
        return psbl

    psbl = run(app, config, steps)
    assert psbl == "9289901"  # 10,000,000 − (710,000 + floor(99.4))
    # Marketable from t0+60 on; fill steps stay on the t0 + 10 k grid: t0+70 at 71,000, t0+80 at 70,900.
    assert seen == [("0", "0", "0"), ("0", "0", "0"), ("3", "213000", "71000"), ("3", "213000", "71000"),
                    ("6", "425700", "70950")]


def test_no_fills_after_the_close_without_auctions() -> None:
    app, config, clock = trading_fake(kst_epoch(2026, 11, 20, 15, 29, 55), auctions=False)

    async def steps(kis: Kis) -> tuple[str, str]:
        await kis.order("buy", "000660", 4, 190000)
        clock.advance(20 * 60)
        row = await kis.row("0000000001")
        return row["tot_ccld_qty"], row["rmn_qty"]

    assert run(app, config, steps) == ("0", "4")


# --- cancels --------------------------------------------------------------------------------------------------------


def test_cancel_of_a_partly_filled_order_keeps_fills_adds_a_cancel_row_and_releases_cash() -> None:
    app, config, clock = trading_fake()

    async def steps(kis: Kis) -> tuple[Any, ...]:
        await kis.order("buy", "005930", 20, 71700)
        clock.advance(10)
        before = (await kis.psbl())["ord_psbl_cash"]
        answer = await kis.cancel("0000000001")
        clock.advance(60)
        rows = await kis.rows(INQR_DVSN="01")
        return before, answer, rows, (await kis.psbl())["ord_psbl_cash"], await kis.holding("005930")

    before, answer, rows, after, held = run(app, config, steps)
    assert answer == {"rt_cd": "0", "msg_cd": "APBK0013", "msg1": "주문 전송 완료 되었습니다.",
                      "output": {"KRX_FWDG_ORD_ORGNO": "91252", "ODNO": "0000000002", "ORD_TMD": "100010"}}
    original, cancel = rows
    assert (original["odno"], original["tot_ccld_qty"], original["cnc_cfrm_qty"], original["rmn_qty"],
            original["cncl_yn"]) == ("0000000001", "5", "15", "0", "N")
    assert (cancel["odno"], cancel["orgn_odno"], cancel["cncl_yn"], cancel["ord_qty"], cancel["tot_ccld_qty"],
            cancel["rmn_qty"], cancel["sll_buy_dvsn_cd"], cancel["pdno"], cancel["ord_tmd"]) == (
        "0000000002", "0000000001", "Y", "15", "0", "0", "02", "005930", "100010")
    # D+2: 10,000,000 − 358,500 − floor(50.19) = 9,641,450; reserved: 15 × 71,700 + floor(200.76) − 50 = 1,075,650.
    assert (before, after) == ("8565800", "9641450")
    assert held["hldg_qty"] == "105"


def test_partial_cancel_leaves_the_rest_filling() -> None:
    app, config, clock = trading_fake()

    async def steps(kis: Kis) -> tuple[Any, ...]:
        await kis.order("buy", "005930", 20, 71700)
        clock.advance(10)
        too_many = await kis.cancel("0000000001", 16)
        partial = await kis.cancel("0000000001", 5)
        seen = []
        for _ in range(3):
            clock.advance(10)
            row = await kis.row("0000000001")
            seen.append((row["tot_ccld_qty"], row["cnc_cfrm_qty"], row["rmn_qty"]))
        return too_many["msg_cd"], partial["output"]["ODNO"], seen

    too_many, odno, seen = run(app, config, steps)
    assert (too_many, odno) == (CANCEL_QUANTITY, "0000000002")
    assert seen == [("10", "5", "5"), ("15", "5", "0"), ("15", "5", "0")]


def test_cancels_that_cannot_apply_are_refused() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> list[str]:
        await kis.order("buy", "005930", 2, 71700)  # fills at once
        await kis.order("buy", "005930", 2, 71000)  # rests
        codes = [(await kis.cancel("0000000001"))["msg_cd"], (await kis.cancel("0000000099"))["msg_cd"]]
        revise = await kis.post(RVSECNCL_PATH, "VTTC0013U", {
            **TRADING_ACCOUNT, "KRX_FWDG_ORD_ORGNO": "91252", "ORGN_ODNO": "0000000002", "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": "01", "ORD_QTY": "0", "ORD_UNPR": "71100", "QTY_ALL_ORD_YN": "Y"})
        codes.append(revise.json()["msg_cd"])
        codes.append((await kis.cancel("0000000002"))["msg_cd"])
        codes.append((await kis.cancel("0000000002"))["msg_cd"])  # already cancelled
        return codes

    assert run(app, config, steps) == [NOTHING_REMAINING, UNKNOWN_ORDER, NOT_MODELLED, "APBK0013", NOTHING_REMAINING]


def test_cancel_outside_hours_answers_apbk0919() -> None:
    app, config, clock = trading_fake(kst_epoch(2026, 11, 20, 15, 29))

    async def steps(kis: Kis) -> tuple[str, str]:
        await kis.order("buy", "005930", 2, 71000)
        clock.advance(120)
        answer = await kis.cancel("0000000001")
        return answer["msg_cd"], (await kis.row("0000000001"))["rmn_qty"]

    assert run(app, config, steps) == (MARKET_CLOSED, "2")


# --- daily-ccld -----------------------------------------------------------------------------------------------------


def test_daily_ccld_pages_15_rows_on_virtual_with_totals_over_all_rows() -> None:
    app, config, clock = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> list[httpx.Response]:
        for _ in range(33):
            await kis.order("buy", "360750", 1, 22000)
            clock.advance(1)
        pages = [await kis.ccld()]
        while pages[-1].headers["tr_cont"] in ("F", "M"):
            pages.append(await kis.ccld(tr_cont="N", nk=pages[-1].json()["ctx_area_nk100"]))
        return pages

    pages = run(app, config, steps)
    assert [page.headers["tr_cont"] for page in pages] == ["F", "M", "E"]
    bodies = [page.json() for page in pages]
    assert [len(body["output1"]) for body in bodies] == [15, 15, 3]
    odnos = [row["odno"] for body in bodies for row in body["output1"]]
    assert odnos == [f"{n:010d}" for n in range(33, 0, -1)]  # newest first
    assert bodies[0]["ctx_area_fk100"] == "50000000" + "01" + "^" + " " * 89
    assert bodies[0]["ctx_area_nk100"].strip().startswith("5000000001^15^")  # then the rows' fingerprint
    assert bodies[2]["ctx_area_nk100"].strip() == ""
    # floor(22,000 × 0.00014) = 3 per order.
    totals = {"tot_ord_qty": "33", "tot_ccld_qty": "33", "tot_ccld_amt": "726000", "prsm_tlex_smtl": "99",
              "pchs_avg_pric": "22000.0000"}
    assert all(body["output2"] == totals for body in bodies)
    assert all(isinstance(value, str) for body in bodies for row in body["output1"] for value in row.values())


def test_daily_ccld_oldest_first_and_a_single_page_is_d() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0, ccld_page_size=100)

    async def steps(kis: Kis) -> httpx.Response:
        for _ in range(3):
            await kis.order("buy", "360750", 1, 22000)
        return await kis.ccld(INQR_DVSN="01")

    page = run(app, config, steps)
    assert page.headers["tr_cont"] == "D"
    assert [row["odno"] for row in page.json()["output1"]] == ["0000000001", "0000000002", "0000000003"]


def test_daily_ccld_filters_by_symbol_order_number_side_fill_state_and_date() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> dict[str, list[str]]:
        await kis.order("buy", "005930", 2, 71700)   # 1 filled
        await kis.order("sell", "005930", 3, 71700)  # 2 filled
        await kis.order("buy", "069500", 4, 34000)   # 3 resting
        await kis.order("sell", "069500", 5, 36000)  # 4 resting
        await kis.cancel("0000000004", 2)              # 5 cancel row
        queries = {
            "symbol": {"PDNO": "069500"}, "odno": {"ODNO": "0000000002"}, "sells": {"SLL_BUY_DVSN_CD": "01"},
            "buys": {"SLL_BUY_DVSN_CD": "02"}, "filled": {"CCLD_DVSN": "01"}, "unfilled": {"CCLD_DVSN": "02"},
            "yesterday": {"INQR_STRT_DT": "20261119", "INQR_END_DT": "20261119"},
            "week": {"INQR_STRT_DT": "20261116", "INQR_END_DT": "20261120"},
        }
        return {name: [row["odno"][-1] for row in await kis.rows(**query)] for name, query in queries.items()}

    assert run(app, config, steps) == {
        "symbol": ["5", "4", "3"], "odno": ["2"], "sells": ["5", "4", "2"], "buys": ["3", "1"],
        "filled": ["2", "1"], "unfilled": ["4", "3"], "yesterday": [], "week": ["5", "4", "3", "2", "1"],
    }


def test_daily_ccld_totals_follow_the_filter() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> tuple[dict[str, str], dict[str, str]]:
        await kis.order("buy", "005930", 2, 71700)
        await kis.order("sell", "005930", 10, 71700)
        await kis.order("sell", "069500", 5, 36000)  # rests
        await kis.cancel("0000000003")
        sells = (await kis.ccld(SLL_BUY_DVSN_CD="01")).json()["output2"]
        return sells, (await kis.ccld(PDNO="005930", SLL_BUY_DVSN_CD="02")).json()["output2"]

    sells, buys = run(app, config, steps)
    # Sell 717,000: commission 100, tax 1434; the ETF sell (cancelled, no fills) counts its 5 ordered units only.
    assert sells == {"tot_ord_qty": "15", "tot_ccld_qty": "10", "tot_ccld_amt": "717000", "prsm_tlex_smtl": "1534",
                     "pchs_avg_pric": "71700.0000"}
    assert buys == {"tot_ord_qty": "2", "tot_ccld_qty": "2", "tot_ccld_amt": "143400", "prsm_tlex_smtl": "20",
                    "pchs_avg_pric": "71700.0000"}


def test_daily_ccld_without_dates_is_refused() -> None:
    app, config, _ = trading_fake()

    async def steps(kis: Kis) -> dict[str, Any]:
        answer: dict[str, Any] = (await kis.ccld(INQR_STRT_DT="")).json()
        return answer

    answer = run(app, config, steps)
    assert (answer["rt_cd"], answer["msg_cd"]) == ("7", "FAKE0016")


# --- holdings -------------------------------------------------------------------------------------------------------


def test_holding_sold_to_zero_stays_as_a_row_with_hldg_qty_0() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)

    async def steps(kis: Kis) -> tuple[dict[str, str], str]:
        await kis.order("sell", "005930", 100, 0, dvsn="01")
        again = await kis.order("sell", "005930", 1, 0, dvsn="01")
        return await kis.holding("005930"), again["msg_cd"]

    row, again = run(app, config, steps)
    assert (row["hldg_qty"], row["ord_psbl_qty"], row["thdt_sll_qty"], row["evlu_amt"]) == ("0", "0", "100", "0")
    assert again == OVERSELL


def test_open_sell_holds_back_orderable_quantity() -> None:
    app, config, _ = trading_fake()

    async def steps(kis: Kis) -> tuple[str, str, str]:
        await kis.order("sell", "005930", 60, 80000)  # rests above the market
        held = await kis.holding("005930")
        refused = await kis.order("sell", "005930", 41, 71700)
        return held["hldg_qty"], held["ord_psbl_qty"], refused["msg_cd"]

    assert run(app, config, steps) == ("100", "40", OVERSELL)


# --- instruments ----------------------------------------------------------------------------------------------------


def test_inquire_price_reports_the_tick_of_the_grid_orders_are_checked_against() -> None:
    odd_grid = ((Decimal(0), Decimal(10)), (Decimal(30000), Decimal(50)))
    prices = {
        "069500": FakePrice(Decimal(35000), Decimal(35000), Decimal(45500), Decimal(24500), kind="etf"),
        "069660": FakePrice(Decimal(1500), Decimal(1500), Decimal(1950), Decimal(1050), kind="etf"),
        "000660": FakePrice(Decimal(190000), Decimal(190000), Decimal(247000), Decimal(133000)),
        "005380": FakePrice(Decimal(250000), Decimal(250000), Decimal(325000), Decimal(175000)),
        "229200": FakePrice(Decimal(35000), Decimal(35000), Decimal(45500), Decimal(24500), kind="etf",
                            tick_table=odd_grid),
    }
    app, config, _ = trading_fake(prices=prices)

    async def steps(kis: Kis) -> tuple[list[str], list[str]]:
        units = []
        for symbol in prices:
            params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": symbol}
            response = await kis.http.get(PRICE_PATH, params=params, headers=kis.headers("FHKST01010100"))
            units.append(response.json()["output"]["aspr_unit"])
        codes = [
            (await kis.order("buy", "069500", 1, 35005))["rt_cd"],  # ETF 5-won grid
            (await kis.order("buy", "229200", 1, 35005))["msg_cd"],  # KIS grid says 50
            (await kis.order("buy", "229200", 1, 35050))["rt_cd"],
            (await kis.order("buy", "229200", 1, 29990))["rt_cd"],  # 10 below 30,000
            (await kis.order("buy", "000660", 1, 199900))["rt_cd"],  # band of the order price: 100
            (await kis.order("buy", "000660", 1, 200100))["msg_cd"],  # 500 from 200,000
        ]
        return units, codes

    units, codes = run(app, config, steps)
    assert units == ["5", "1", "100", "500", "50"]
    assert codes == ["0", VIRTUAL_OFF_TICK, "0", "0", "0", VIRTUAL_OFF_TICK]


# --- faults ---------------------------------------------------------------------------------------------------------


def test_lost_order_response_records_the_order_but_answers_502_without_json() -> None:
    app, config, _ = trading_fake()
    state = fake_state(app)
    state.inject_lost_order_response()

    async def steps(kis: Kis) -> tuple[httpx.Response, dict[str, Any], list[dict[str, str]], httpx.Response]:
        body = {**TRADING_ACCOUNT, "PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "3", "ORD_UNPR": "71000"}
        lost = await kis.post(ORDER_CASH_PATH, "VTTC0012U", body)
        after = await kis.order("buy", "005930", 1, 71000)
        rows = await kis.rows(INQR_DVSN="01")
        state.inject_lost_order_response()
        cancel_lost = await kis.post(RVSECNCL_PATH, "VTTC0013U", {
            **TRADING_ACCOUNT, "KRX_FWDG_ORD_ORGNO": "91252", "ORGN_ODNO": "0000000001", "ORD_DVSN": "00",
            "RVSE_CNCL_DVSN_CD": "02", "ORD_QTY": "0", "ORD_UNPR": "0", "QTY_ALL_ORD_YN": "Y"})
        return lost, after, rows, cancel_lost

    lost, after, rows, cancel_lost = run(app, config, steps)
    assert lost.status_code == 502
    with pytest.raises(json.JSONDecodeError):
        lost.json()
    assert after["output"]["ODNO"] == "0000000002"
    assert [(row["odno"], row["ord_qty"]) for row in rows] == [("0000000001", "3"), ("0000000002", "1")]
    assert [(call.odno, call.accepted, call.lost_response) for call in state.order_calls] == [
        ("0000000001", True, True), ("0000000002", True, False)]
    assert cancel_lost.status_code == 502
    assert [(call.odno, call.lost_response) for call in state.rvsecncl_calls] == [("0000000003", True)]
    assert state.orders[0].cancelled == 3


# --- serving --------------------------------------------------------------------------------------------------------


def test_demo_account_file_loads_as_exact_decimals() -> None:
    config = load_account_file(DEMO_ACCOUNT_FILE)
    assert (config.environment, config.account, config.deposit, config.settled_cash) == (
        "virtual", "5000000001", Decimal(10_000_000), None)
    assert (config.commission_rate, config.sell_tax_rate, config.fill_fraction) == (
        Decimal("0.00014"), Decimal("0.0020"), Decimal("0.25"))
    assert config.app_key.startswith("PSDEMO")
    held = {holding.symbol for holding in config.holdings}
    assert held == {"069500", "005930", "000660", "229200", "148070", "114260", "132030"}
    assert set(config.prices) > held
    for price in config.prices.values():
        assert price.lower_limit <= price.price <= price.upper_limit
        assert price.on_grid(price.upper_limit)
        assert price.on_grid(price.lower_limit)
    assert (config.prices["069500"].kind, config.prices["005930"].kind) == ("etf", "stock")


def test_serve_fake_answers_a_token_and_trades_in_the_pinned_session() -> None:
    command = [sys.executable, "-m", "trimtab_testkit.kis.serve", "--port", "0", "--account-file",
               str(DEMO_ACCOUNT_FILE), "--start", "2026-11-20T10:00:00+09:00", "--speed", "10"]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True) as process:  # noqa: S603
        try:
            order = order_through(process)
        finally:
            process.terminate()
    assert order["rt_cd"] == "0", order
    assert order["output"]["ODNO"] == "0000000001"
    assert order["output"]["ORD_TMD"].startswith("100")  # 10:0x KST on the pinned Friday, 10 × real time


def order_through(process: subprocess.Popen[str]) -> dict[str, Any]:
    """Read the served address, get a token, place one demo order; return the order's answer."""
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], 15)
    assert ready, "serve printed nothing within 15 s"
    line = process.stdout.readline().strip()
    assert line.startswith("local KIS listening on http://127.0.0.1:")
    base = line.removeprefix("local KIS listening on ")
    config = load_account_file(DEMO_ACCOUNT_FILE)
    credentials = {"appkey": config.app_key, "appsecret": config.app_secret}
    with httpx.Client(base_url=base, timeout=5) as http:
        token = http.post("/oauth2/tokenP", json={"grant_type": "client_credentials", **credentials})
        assert token.status_code == 200
        headers = {"authorization": f"Bearer {token.json()['access_token']}", **credentials,
                   "tr_id": "VTTC0012U", "custtype": "P"}
        body = {"CANO": "50000000", "ACNT_PRDT_CD": "01", "PDNO": "005930", "ORD_DVSN": "00", "ORD_QTY": "1",
                "ORD_UNPR": "71500", "EXCG_ID_DVSN_CD": "KRX"}
        answer: dict[str, Any] = http.post(ORDER_CASH_PATH, json=body, headers=headers).json()
    return answer
