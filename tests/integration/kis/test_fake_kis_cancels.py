"""The KIS fake's cancels (BROKERS.md §1): cancel rows, partial cancels, refusals, hours."""

from __future__ import annotations

from typing import Any

from tests.integration.kis.conftest import TRADING_ACCOUNT, kst_epoch
from tests.integration.kis.fake_kis_http import Kis, run, trading_fake
from trimtab_testkit.kis.app import (
    CANCEL_QUANTITY,
    MARKET_CLOSED,
    NOT_MODELLED,
    NOTHING_REMAINING,
    RVSECNCL_PATH,
    UNKNOWN_ORDER,
)

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
