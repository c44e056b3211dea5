"""KisClient against the in-process KIS fake: paging, token cache and renewal, rate limits, secrecy."""

from __future__ import annotations

import asyncio
import logging
import stat
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from tests.integration.kis.conftest import ManualClock, fake_for, make_client, make_holdings
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.parse import BrokerBalance, BrokerQuote, parse_balance, parse_quote
from trimtab.domain.errors import AuthenticationFailed, BrokerUnavailable
from trimtab_testkit.kis.app import BALANCE_PATH, PRICE_PATH, fake_state

ACCOUNT = {"CANO": "50000000", "ACNT_PRDT_CD": "01", "AFHR_FLPR_YN": "N", "OFL_YN": "", "INQR_DVSN": "02",
           "UNPR_DVSN": "01", "FUND_STTL_ICLD_YN": "N", "FNCG_AMT_AUTO_RDPT_YN": "N", "PRCS_DVSN": "00"}
PRICE_QUERY = {"FID_COND_MRKT_DIV_CODE": "J", "FID_INPUT_ISCD": "005930"}


async def fetch_balance(client: KisClient) -> BrokerBalance:
    tr_id = "TTTC8434R" if client.environment == "real" else "VTTC8434R"
    return parse_balance(await client.paginate(BALANCE_PATH, tr_id, ACCOUNT))


async def fetch_quote(client: KisClient) -> BrokerQuote:
    return parse_quote("005930", (await client.request("GET", PRICE_PATH, "FHKST01010100", params=PRICE_QUERY)).body)


def test_balance_virtual_45_holdings_across_pages_complete_and_sold_out_dropped(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock, holdings=make_holdings(45, sold_out=3))
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerBalance:
        async with client:
            return await fetch_balance(client)

    balance = asyncio.run(scenario())
    assert [h.symbol for h in balance.holdings] == [h.symbol for h in config.holdings[:45]]
    assert balance.holdings[44].quantity == Decimal(54)
    assert balance.cash == Decimal(4_500_000)
    assert balance.deposit == Decimal(5_000_000)
    assert fake_state(app).api_calls == 3  # 20 + 20 + 8 rows


def test_balance_real_120_holdings_across_pages_complete(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock, environment="real", holdings=make_holdings(120, sold_out=1))
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerBalance:
        async with client:
            return await fetch_balance(client)

    balance = asyncio.run(scenario())
    assert len(balance.holdings) == 120
    assert len({h.symbol for h in balance.holdings}) == 120
    assert fake_state(app).api_calls == 3  # 50 + 50 + 21 rows


def test_quote_parsed_as_decimals_with_tick_and_limits(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerQuote:
        async with client:
            return await fetch_quote(client)

    quote = asyncio.run(scenario())
    assert (quote.price, quote.base_price, quote.tick) == (Decimal(71500), Decimal(71000), Decimal(100))
    assert (quote.upper_limit, quote.lower_limit) == (Decimal(92300), Decimal(49700))


def test_token_second_client_same_cache_file_reuses_token(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    cache = tmp_path / "tokens.json"

    async def scenario() -> None:
        async with make_client(app, config, clock, cache) as first:
            await fetch_quote(first)
        clock.advance(5)
        async with make_client(app, config, clock, cache) as second:
            await fetch_quote(second)

    asyncio.run(scenario())
    assert fake_state(app).issuances == 1
    assert stat.S_IMODE(cache.stat().st_mode) == 0o600
    assert config.app_key not in cache.read_text()


def test_token_issuance_refused_egw00133_client_waits_a_minute_and_succeeds(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)

    async def scenario() -> None:
        async with make_client(app, config, clock, tmp_path / "a.json") as first:
            await fetch_quote(first)
        async with make_client(app, config, clock, tmp_path / "b.json") as second:  # knows nothing of the first
            await fetch_quote(second)

    asyncio.run(scenario())
    assert fake_state(app).issuances == 2
    assert 60 in clock.slept


def test_token_issuance_refused_egw00133_without_wait_raises_broker_unavailable(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)

    async def scenario() -> None:
        async with make_client(app, config, clock, tmp_path / "a.json") as first:
            await fetch_quote(first)
        async with make_client(app, config, clock, tmp_path / "b.json", max_issuance_wait_seconds=0) as second:
            await fetch_quote(second)

    with pytest.raises(BrokerUnavailable, match="EGW00133"):
        asyncio.run(scenario())
    assert fake_state(app).issuances == 1


def test_token_expired_at_kis_renewed_once_and_call_succeeds(tmp_path: Path) -> None:
    server_clock, client_clock = ManualClock(), ManualClock()
    app, config = fake_for(server_clock)
    client = make_client(app, config, client_clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerQuote:
        async with client:
            await fetch_quote(client)
            server_clock.advance(86_401)  # KIS thinks the token expired; the client's clock does not
            return await fetch_quote(client)

    assert asyncio.run(scenario()).price == Decimal(71500)
    assert fake_state(app).issuances == 2
    assert fake_state(app).api_calls == 3


def test_rate_limit_burst_of_10_on_virtual_stays_within_2_per_second(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> list[BrokerQuote]:
        async with client:
            return await asyncio.gather(*(fetch_quote(client) for _ in range(10)))

    assert len(asyncio.run(scenario())) == 10
    state = fake_state(app)
    assert state.rate_limited == 0
    assert state.max_requests_in_one_second() == 2
    assert state.api_calls == 10


@pytest.mark.parametrize("status", [500, 200])
def test_rate_limit_injected_egw00201_is_retried(tmp_path: Path, status: int) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    config.rate_limit_status = status
    fake_state(app).inject_rate_limit(2)
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerQuote:
        async with client:
            return await fetch_quote(client)

    assert asyncio.run(scenario()).price == Decimal(71500)
    assert fake_state(app).rate_limited == 2
    assert fake_state(app).api_calls == 3


def test_rate_limit_persistent_egw00201_raises_broker_unavailable_after_bounded_attempts(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    fake_state(app).inject_rate_limit(100)
    client = make_client(app, config, clock, tmp_path / "tokens.json", max_attempts=3)

    async def scenario() -> BrokerQuote:
        async with client:
            return await fetch_quote(client)

    with pytest.raises(BrokerUnavailable):
        asyncio.run(scenario())
    assert fake_state(app).api_calls == 3


def test_secrets_never_in_logs_or_error_messages(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    clock = ManualClock()
    app, config = fake_for(clock)
    fake_state(app).inject_rate_limit(5)
    errors: list[Exception] = []

    async def scenario() -> str:
        async with make_client(app, config, clock, tmp_path / "tokens.json", max_attempts=3) as client:
            try:
                await fetch_quote(client)
            except BrokerUnavailable as error:
                errors.append(error)
            await fetch_quote(client)
            errors.append(AssertionError(repr(client)))
            return await client.access_token()

    token = asyncio.run(scenario())
    clock.advance(61)
    wrong = make_client(app, replace(config, app_secret="WRONG-" + config.app_secret), clock, tmp_path / "b.json")
    with pytest.raises(AuthenticationFailed) as refused:
        asyncio.run(fetch_quote(wrong))
    asyncio.run(wrong.aclose())
    texts = [caplog.text, str(refused.value), *map(str, errors)]
    for secret in (config.app_key, config.app_secret, "WRONG-" + config.app_secret, token):
        assert not any(secret in text for text in texts)
    assert "EGW00201" in caplog.text


@pytest.mark.parametrize(("code", "status"), [
    ("EGW00215", 500), ("EGW00316", 500), ("SYDB0050", 200), ("90020000", 200), ("EGW00201", 200),
])
def test_transient_code_is_retried_with_backoff_whatever_the_status(tmp_path: Path, code: str, status: int) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    config.requests_per_second = 1000
    fake_state(app).inject_fault(code, path=BALANCE_PATH, status=status, count=2)
    client = make_client(app, config, clock, tmp_path / "tokens.json", requests_per_second=1000)

    async def scenario() -> BrokerBalance:
        async with client:
            return await fetch_balance(client)

    assert asyncio.run(scenario()).cash == Decimal(4_500_000)
    assert fake_state(app).api_calls == 3
    assert clock.slept == pytest.approx([0.1, 0.2])  # exponential backoff on the shared clock


def test_transient_code_past_the_budget_raises_broker_unavailable(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    config.requests_per_second = 1000
    fake_state(app).inject_fault("EGW00215", path=BALANCE_PATH, count=100)
    client = make_client(app, config, clock, tmp_path / "tokens.json", requests_per_second=1000, max_attempts=5)

    async def scenario() -> BrokerBalance:
        async with client:
            return await fetch_balance(client)

    with pytest.raises(BrokerUnavailable, match="EGW00215"):
        asyncio.run(scenario())
    assert fake_state(app).api_calls == 5
    assert clock.slept == pytest.approx([0.1, 0.2, 0.4, 0.8])


def test_token_revoked_before_its_expiry_is_renewed_once_and_the_call_succeeds(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerQuote:
        async with client:
            await fetch_quote(client)
            clock.advance(3600)  # valid for 23 more hours, then revoked
            fake_state(app).revoke_token("EGW00121")
            return await fetch_quote(client)

    assert asyncio.run(scenario()).price == Decimal(71500)
    assert fake_state(app).issuances == 2
    assert fake_state(app).api_calls == 3


def test_token_refused_again_after_its_renewal_stops_without_looping(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake_for(clock)
    client = make_client(app, config, clock, tmp_path / "tokens.json")

    async def scenario() -> BrokerQuote:
        async with client:
            await fetch_quote(client)
            clock.advance(3600)
            fake_state(app).revoke_token("EGW00123")
            fake_state(app).revoke_new_tokens = 5  # every token issued from now on is refused too
            return await fetch_quote(client)

    with pytest.raises(AuthenticationFailed, match="EGW00121"):
        asyncio.run(scenario())
    assert fake_state(app).issuances == 2  # one renewal, no more
    assert fake_state(app).api_calls == 3
