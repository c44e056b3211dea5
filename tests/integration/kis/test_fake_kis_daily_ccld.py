"""The KIS fake's daily-ccld (BROKERS.md §1): paging, order, filters and totals."""

from __future__ import annotations

from typing import Any

import httpx

from tests.integration.kis.fake_kis_http import Kis, run, trading_fake

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
