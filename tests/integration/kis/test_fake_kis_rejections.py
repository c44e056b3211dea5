"""The KIS fake's order refusals (BROKERS.md §1): rt_cd 7 with KIS's codes, and nothing changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from tests.integration.kis.conftest import FRIDAY_SESSION, TRADING_ACCOUNT, kst_epoch
from tests.integration.kis.fake_kis_http import TODAY, Kis, run, trading_fake
from trimtab_testkit.kis.app import (
    BAD_QUANTITY,
    BALANCE_PATH,
    DAILY_CCLD_PATH,
    HALTED,
    INSUFFICIENT_CASH,
    MARKET_CLOSED,
    NOT_A_STRING,
    OFF_TICK,
    ORDER_CASH_PATH,
    OUTSIDE_LIMITS,
    OVERSELL,
    PRODUCT_NOT_FOUND,
    PSBL_ORDER_PATH,
    VIRTUAL_NOT_BUSINESS_DAY,
    VIRTUAL_OFF_TICK,
    WRONG_ACCOUNT,
    fake_state,
)

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
