"""The KIS fake's fills over time, costs, cash and holdings (BROKERS.md §1), seen through raw HTTP."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

from tests.integration.kis.conftest import ManualClock, kst_epoch
from tests.integration.kis.fake_kis_http import Kis, run, trading_fake
from trimtab_testkit.kis.app import OVERSELL, fake_state

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
