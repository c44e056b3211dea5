"""The KIS fake itself behaves as BROKERS.md §1 describes, seen through raw HTTP."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx

from tests.integration.kis.conftest import BASE_URL, ManualClock, fake_for, make_holdings
from trimtab_testkit.kis.app import BALANCE_PATH, PRICE_PATH, FakeKisConfig, fake_state


def token_body(config: FakeKisConfig) -> dict[str, str]:
    return {"grant_type": "client_credentials", "appkey": config.app_key, "appsecret": config.app_secret}


def api_headers(config: FakeKisConfig, token: str, tr_id: str, tr_cont: str = "") -> dict[str, str]:
    return {
        "authorization": f"Bearer {token}", "appkey": config.app_key, "appsecret": config.app_secret,
        "tr_id": tr_id, "custtype": "P", "tr_cont": tr_cont,
    }


def test_fake_token_second_issuance_within_a_minute_is_refused_with_egw00133() -> None:
    clock = ManualClock()
    app, config = fake_for(clock)

    async def scenario() -> tuple[httpx.Response, httpx.Response, httpx.Response]:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            first = await http.post("/oauth2/tokenP", json=token_body(config))
            clock.advance(30)
            second = await http.post("/oauth2/tokenP", json=token_body(config))
            clock.advance(31)
            third = await http.post("/oauth2/tokenP", json=token_body(config))
            return first, second, third

    first, second, third = asyncio.run(scenario())
    assert first.status_code == 200
    assert first.json()["token_type"] == "Bearer"  # noqa: S105
    assert first.json()["expires_in"] == "86400"
    assert second.status_code == 403
    assert second.json()["error_code"] == "EGW00133"
    assert third.json()["access_token"] == first.json()["access_token"]  # same token within 6 hours
    assert fake_state(app).issuances == 2


def test_fake_token_unknown_app_key_is_refused_with_egw00103() -> None:
    app, config = fake_for(ManualClock())

    async def scenario() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            return await http.post("/oauth2/tokenP", json={**token_body(config), "appkey": "PSnope"})

    response = asyncio.run(scenario())
    assert response.status_code == 403
    assert response.json()["error_code"] == "EGW00103"


def call_balance(
    config: FakeKisConfig, app: Any, tr_id: str, *, advance: float = 0.0, clock: ManualClock | None = None,
) -> httpx.Response:
    async def scenario() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            token = (await http.post("/oauth2/tokenP", json=token_body(config))).json()["access_token"]
            if clock is not None:
                clock.advance(advance)
            params = {"CANO": "50000000", "ACNT_PRDT_CD": "01"}
            return await http.get(BALANCE_PATH, params=params, headers=api_headers(config, token, tr_id))

    return asyncio.run(scenario())


def test_fake_balance_real_tr_id_on_virtual_is_refused() -> None:
    app, config = fake_for(ManualClock())
    response = call_balance(config, app, "TTTC8434R")
    assert response.json()["rt_cd"] == "1"
    other_app, other_config = fake_for(ManualClock())
    assert call_balance(other_config, other_app, "VTTC8434R").json()["rt_cd"] == "0"


def test_fake_balance_expired_token_answers_egw00123() -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    response = call_balance(config, app, "VTTC8434R", advance=86_401, clock=clock)
    assert response.status_code == 500
    assert response.json()["msg_cd"] == "EGW00123"


def test_fake_balance_first_virtual_page_has_20_rows_strings_and_more_flag() -> None:
    app, config = fake_for(ManualClock(), holdings=make_holdings(25))
    response = call_balance(config, app, "VTTC8434R")
    body = response.json()
    assert response.headers["tr_cont"] == "F"
    assert len(body["output1"]) == 20
    assert isinstance(body["output2"], list)
    assert all(isinstance(value, str) for value in body["output1"][0].values())
    assert body["ctx_area_nk100"].strip()


def test_fake_price_answers_numbers_as_strings() -> None:
    app, config = fake_for(ManualClock())

    async def scenario() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=BASE_URL) as http:
            token = (await http.post("/oauth2/tokenP", json=token_body(config))).json()["access_token"]
            params = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}
            return await http.get(PRICE_PATH, params=params, headers=api_headers(config, token, "FHKST01010100"))

    output = asyncio.run(scenario()).json()["output"]
    assert output["aspr_unit"] == "100"
    assert output["stck_prpr"] == "71500"
