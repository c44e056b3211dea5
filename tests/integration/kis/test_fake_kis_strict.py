"""The local KIS's strict behaviours (BROKERS.md §1.8.7-9), seen through raw HTTP on a manual clock."""

from __future__ import annotations

from typing import Any

from tests.integration.kis.conftest import FRIDAY_SESSION, kst_epoch
from tests.integration.kis.fake_kis_http import Kis, run, trading_fake
from trimtab_testkit.kis.app import (
    DATA_CHANGED,
    HALTED,
    ORDER_CASH_PATH,
    PAST_DAY_ORDER,
    PSBL_ORDER_PATH,
    FakeKisState,
    fake_state,
)

ACCOUNT = {"CANO": "50000000", "ACNT_PRDT_CD": "01"}


def test_opening_auction_fills_marketable_orders_at_0900_at_one_price() -> None:
    app, config, clock = trading_fake(kst_epoch(2026, 11, 20, 8, 40))
    state = fake_state(app)

    async def steps(kis: Kis) -> list[tuple[str, str]]:
        await kis.order("buy", "005930", 8, 71700)
        seen = []
        for at, price in ((kst_epoch(2026, 11, 20, 8, 59, 59), 71600), (kst_epoch(2026, 11, 20, 9, 0, 1), None)):
            if price is not None:
                state.set_price("005930", price)
            clock.now = at
            row = await kis.row("0000000001")
            seen.append((row["tot_ccld_qty"], row["tot_ccld_amt"]))
        return seen

    # Nothing fills during the auction's order taking; all 8 at 09:00 at the one price then in force.
    assert run(app, config, steps) == [("0", "0"), ("8", "572800")]


def test_closing_auction_stops_continuous_fills_at_1520_and_fills_at_1530() -> None:
    app, config, clock = trading_fake(kst_epoch(2026, 11, 20, 15, 19, 55))

    async def steps(kis: Kis) -> list[str]:
        await kis.order("buy", "000660", 8, 190000)  # 2 per 10 s step in continuous trading
        seen = []
        for at in (kst_epoch(2026, 11, 20, 15, 29, 59), kst_epoch(2026, 11, 20, 15, 30)):
            clock.now = at
            seen.append((await kis.row("0000000001"))["tot_ccld_qty"])
        return seen

    assert run(app, config, steps) == ["0", "8"]  # the 15:20:05 step falls in the auction: one fill at 15:30


def test_day_order_expires_at_the_close_and_cannot_be_cancelled_the_next_day() -> None:
    app, config, clock = trading_fake()
    kept_app, kept_config, kept_clock = trading_fake(expired_rows_keep_remaining=False)

    def steps(moved: Any, state: FakeKisState) -> Any:
        async def inner(kis: Kis) -> tuple[str, str, str, str]:
            await kis.order("buy", "005930", 5, 71000)  # rests below 71,700
            moved.now = kst_epoch(2026, 11, 23, 10)  # Monday; the price comes down to the order
            state.set_price("005930", 70900)
            moved.now += 60
            body = {"grant_type": "client_credentials", "appkey": kis.config.app_key,
                    "appsecret": kis.config.app_secret}
            kis.token = (await kis.http.post("/oauth2/tokenP", json=body)).json()["access_token"]  # 3 days on
            row = await kis.rows(INQR_STRT_DT="20261120", INQR_END_DT="20261120")
            answer = await kis.cancel("0000000001")
            return row[0]["tot_ccld_qty"], row[0]["rmn_qty"], answer["rt_cd"], answer["msg_cd"]
        return inner

    assert run(app, config, steps(clock, fake_state(app))) == ("0", "5", "7", PAST_DAY_ORDER)  # row keeps it
    assert run(kept_app, kept_config, steps(kept_clock, fake_state(kept_app))) == ("0", "0", "7", PAST_DAY_ORDER)
    assert [order.remaining for order in fake_state(app).orders] == [0]


def test_output2_of_an_order_number_query_sums_the_whole_day() -> None:
    app, config, _ = trading_fake(fill_interval_seconds=0)
    strict_app, strict_config, _ = trading_fake(fill_interval_seconds=0, costs_ignore_order_filter=False)

    async def steps(kis: Kis) -> tuple[str, str]:
        await kis.order("sell", "005930", 10, 71700)  # costs 100 + 1434
        await kis.order("sell", "069500", 4, 35000)  # costs 19, no tax on an ETF
        totals = (await kis.ccld(ODNO="0000000002")).json()["output2"]
        return totals["tot_ord_qty"], totals["prsm_tlex_smtl"]

    assert run(app, config, steps) == ("14", "1553")
    assert run(strict_app, strict_config, steps) == ("4", "19")


def test_cancel_row_shape_with_the_original_remainder_kept() -> None:
    app, config, clock = trading_fake(cancel_rows_keep_remaining=True)

    async def steps(kis: Kis) -> list[tuple[str, ...]]:
        await kis.order("buy", "005930", 20, 71700)
        clock.advance(10)
        await kis.cancel("0000000001")
        clock.advance(60)
        return [(row["odno"], row["orgn_odno"], row["tot_ccld_qty"], row["cnc_cfrm_qty"], row["rmn_qty"])
                for row in await kis.rows(INQR_DVSN="01")]

    assert run(app, config, steps) == [("0000000001", "", "5", "0", "15"),
                                       ("0000000002", "0000000001", "0", "15", "0")]
    assert fake_state(app).orders[0].remaining == 0  # what KIS holds: nothing left working


def test_order_numbers_come_zero_stripped_and_space_padded() -> None:
    app, config, _ = trading_fake(order_number_quirks=True)

    async def steps(kis: Kis) -> tuple[str, str, list[tuple[str, str]], str]:
        placed = await kis.order("buy", "005930", 20, 71000)
        cancelled = await kis.cancel("1")  # KIS takes the number in the form it gave it
        rows = [(row["odno"], row["orgn_odno"]) for row in await kis.rows(INQR_DVSN="01")]
        filtered = (await kis.rows(ODNO="1"))[0]["odno"]
        return placed["output"]["ODNO"], cancelled["output"]["ODNO"], rows, filtered

    assert run(app, config, steps) == ("1", "2", [("0000000001  ", ""), ("0000000002  ", "1")], "0000000001  ")


def test_next_page_after_the_rows_changed_answers_sydb0050() -> None:
    app, config, clock = trading_fake()
    state = fake_state(app)

    async def steps(kis: Kis) -> tuple[str, str]:
        for _ in range(16):
            await kis.order("sell", "005930", 1, 80000)  # rest above the market
        first = await kis.ccld()
        state.set_price("005930", 80000)
        clock.advance(10)  # every sell fills: the rows changed since the first page
        stale = await kis.ccld(tr_cont="N", nk=first.json()["ctx_area_nk100"])
        return first.headers["tr_cont"], stale.json()["msg_cd"]

    assert run(app, config, steps) == ("F", DATA_CHANGED)


def test_psbl_order_for_a_halted_symbol_answers_rt_cd_7() -> None:
    app, config, _ = trading_fake(halted_symbols=frozenset({"005930"}))

    async def steps(kis: Kis) -> tuple[dict[str, Any], dict[str, Any]]:
        params = {**ACCOUNT, "PDNO": "005930", "ORD_UNPR": "0", "ORD_DVSN": "01"}
        halted = await kis.http.get(PSBL_ORDER_PATH, params=params, headers=kis.headers("VTTC8908R"))
        other = await kis.http.get(PSBL_ORDER_PATH, params={**params, "PDNO": "069500"},
                                   headers=kis.headers("VTTC8908R"))
        return halted.json(), other.json()

    halted, other = run(app, config, steps)
    assert (halted["rt_cd"], halted["msg_cd"]) == ("7", HALTED)
    assert other["output"]["ord_psbl_cash"] == "10000000"


def test_injected_rate_limit_at_http_200_on_order_cash_places_nothing() -> None:
    app, config, _ = trading_fake(start=FRIDAY_SESSION)
    state = fake_state(app)
    state.inject_fault("EGW00201", "초당 거래건수를 초과하였습니다.", path=ORDER_CASH_PATH, status=200)

    async def steps(kis: Kis) -> tuple[dict[str, Any], dict[str, Any]]:
        return await kis.order("buy", "005930", 1, 71700), await kis.order("buy", "005930", 1, 71700)

    refused, placed = run(app, config, steps)
    assert (refused["rt_cd"], refused["msg_cd"]) == ("1", "EGW00201")
    assert placed["output"]["ODNO"] == "0000000001"
    assert len(state.orders) == 1


def test_revoked_token_is_refused_before_its_expiry_and_a_new_one_is_issued() -> None:
    app, config, clock = trading_fake()
    state = fake_state(app)

    async def steps(kis: Kis) -> tuple[str, str, bool]:
        state.revoke_token("EGW00123")
        refused = (await kis.balance())["msg_cd"]
        clock.advance(61)
        body = {"grant_type": "client_credentials", "appkey": config.app_key, "appsecret": config.app_secret}
        renewed = (await kis.http.post("/oauth2/tokenP", json=body)).json()["access_token"]
        kis.token = renewed
        return refused, (await kis.balance())["rt_cd"], renewed != next(iter(state.revoked_tokens))

    assert run(app, config, steps) == ("EGW00123", "0", True)

