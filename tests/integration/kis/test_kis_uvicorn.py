"""KisClient over real HTTP: the KIS fake served by uvicorn on 127.0.0.1, on the real clock."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr
from starlette.applications import Starlette

from tests.integration.kis.conftest import make_holdings
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.parse import BrokerBalance, parse_balance
from trimtab_testkit.kis.app import BALANCE_PATH, FakeKisConfig, fake_state, make_fake_kis
from trimtab_testkit.served import serve_in_thread

ACCOUNT = {"CANO": "50000000", "ACNT_PRDT_CD": "01", "INQR_DVSN": "02", "PRCS_DVSN": "00"}


@pytest.fixture
def served_fake() -> Iterator[tuple[str, FakeKisConfig, Starlette]]:
    config = FakeKisConfig(
        app_key="PS" + uuid.uuid4().hex, app_secret=uuid.uuid4().hex, holdings=make_holdings(23, sold_out=2),
    )
    app = make_fake_kis(config)
    with serve_in_thread(app) as url:
        yield url, config, app


def test_uvicorn_fake_virtual_balance_across_pages_over_real_http(
    served_fake: tuple[str, FakeKisConfig, Starlette], tmp_path: Path,
) -> None:
    base_url, config, app = served_fake
    client = KisClient(
        base_url=base_url, environment="virtual", app_key=SecretStr(config.app_key),
        app_secret=SecretStr(config.app_secret), token_cache_path=tmp_path / "tokens.json",
    )

    async def scenario() -> BrokerBalance:
        async with client:
            return parse_balance(await client.paginate(BALANCE_PATH, "VTTC8434R", ACCOUNT))

    balance = asyncio.run(asyncio.wait_for(scenario(), timeout=10))
    assert len(balance.holdings) == 23
    state = fake_state(app)
    assert (state.issuances, state.api_calls, state.rate_limited) == (1, 2, 0)
