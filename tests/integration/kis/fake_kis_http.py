"""Raw HTTP to the local KIS on a manual clock: the `Kis` caller, `run` and `trading_fake`, shared by its tests."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import httpx

from tests.integration.kis.conftest import BASE_URL, FRIDAY_SESSION, TRADING_ACCOUNT, ManualClock, make_trading_config
from trimtab_testkit.kis.app import (
    BALANCE_PATH,
    DAILY_CCLD_PATH,
    ORDER_CASH_PATH,
    PSBL_ORDER_PATH,
    RVSECNCL_PATH,
    FakeKisConfig,
    make_fake_kis,
)

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
