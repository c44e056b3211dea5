"""The KIS fake's order-cash (BROKERS.md §1): acceptance, tr_ids, order types, the tick grid, lost replies."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx
import pytest

from tests.integration.kis.conftest import FRIDAY_SESSION, TRADING_ACCOUNT
from tests.integration.kis.fake_kis_http import Kis, run, trading_fake
from trimtab_testkit.kis.app import (
    BAD_PRICE,
    NOT_MODELLED,
    ORDER_CASH_PATH,
    PRICE_PATH,
    RVSECNCL_PATH,
    TR_ID_MISMATCH,
    VIRTUAL_OFF_TICK,
    FakePrice,
    fake_state,
)

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
