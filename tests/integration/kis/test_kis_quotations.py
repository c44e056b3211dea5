"""KIS quotations for the KOSPI core engine, against the local KIS: the market-cap ranking (real server only),
each name's exclusions from inquire-price, the KOSPI's closes walked back window by window, and the whole
`trimtab engines run kospi-core --source kis` over real HTTP."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import uuid
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from decimal import Decimal
from pathlib import Path

import pytest
from starlette.applications import Starlette

from tests.e2e.cli_process import run_cli
from tests.integration.kis.conftest import ManualClock, make_client
from tests.unit.test_facade import _facade
from trimtab.adapters.brokers.kis.client import KisClient
from trimtab.adapters.brokers.kis.quotations import KisEngineQuotes
from trimtab.adapters.files.engine_inputs import EngineFiles
from trimtab.application.brokers import BrokerChoice
from trimtab.domain.errors import InvalidInput
from trimtab_testkit.kis.app import Environment, FakeKisConfig, FakeListing, FakeQuotations, fake_state, make_fake_kis
from trimtab_testkit.kis.codes import NOT_ON_VIRTUAL
from trimtab_testkit.kis.quotations import CHART_ROWS, RANKING_ROWS
from trimtab_testkit.served import serve_in_thread

THROUGH = dt.date(2026, 11, 20)  # a Friday


def listings() -> list[FakeListing]:
    """Fourteen KOSPI names (one managed, one under a market warning, one halted by the config) and one KOSDAQ
    giant; market caps fall with the symbol's rank."""
    names = [FakeListing(f"{100000 + rank:06d}", f"KOSPI {rank}", "KOSPI", 1_000_000_000 - rank * 50_000_000,
                         Decimal(50_000)) for rank in range(14)]
    names[2] = FakeListing(names[2].symbol, "Managed Co", "KOSPI", names[2].listed_shares, Decimal(50_000),
                           managed=True)
    names[4] = FakeListing(names[4].symbol, "Warned Co", "KOSPI", names[4].listed_shares, Decimal(50_000),
                           warning="02")
    return [FakeListing("247540", "KOSDAQ Giant", "KOSDAQ", 5_000_000_000, Decimal(90_000)), *names]


def kospi_closes(days: int = 300) -> list[tuple[dt.date, Decimal]]:
    """`days` weekday closes up to THROUGH, rising gently with a small zigzag: risk-on."""
    out: list[tuple[dt.date, Decimal]] = []
    day = THROUGH
    while len(out) < days:
        if day.weekday() < 5:
            out.append((day, Decimal(0)))
        day -= dt.timedelta(days=1)
    out.reverse()
    return [(day, Decimal(2000) + Decimal(i) + (Decimal(3) if i % 2 else Decimal(0))) for i, (day, _) in
            enumerate(out)]


def fake(environment: Environment = "real", clock: ManualClock | None = None) -> tuple[Starlette, FakeKisConfig]:
    config = FakeKisConfig(app_key="PS" + uuid.uuid4().hex, app_secret="SECRET" + uuid.uuid4().hex * 4,
                           environment=environment, requests_per_second=1000, halted_symbols=frozenset({"100006"}))
    if clock is not None:
        config.clock = clock
    return make_fake_kis(config, FakeQuotations(listings(), {"0001": kospi_closes()})), config


def test_the_universe_is_the_ranking_with_each_names_exclusions(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake("real", clock)

    async def scenario() -> None:
        async with make_client(app, config, clock, tmp_path / "tokens.json") as client:
            rows = await KisEngineQuotes(client).universe("KOSPI")
            assert [row.symbol for row in rows] == [f"{100000 + rank:06d}" for rank in range(14)]  # no KOSDAQ
            first = rows[0]
            assert (first.name, first.price, first.market) == ("KOSPI 0", Decimal(50_000), "KOSPI")
            assert first.market_cap == Decimal(500_000) * 100_000_000  # 억원 → won
            excluded = {row.symbol: row.excluded for row in rows if row.excluded}
            assert excluded == {"100002": "managed (관리종목)", "100004": "market warning 02", "100006": "halted"}
            kosdaq = await KisEngineQuotes(client).universe("KOSDAQ")
            assert [row.symbol for row in kosdaq] == ["247540"]
            with pytest.raises(InvalidInput, match="market"):
                await KisEngineQuotes(client).universe("NASDAQ")

    asyncio.run(scenario())
    assert fake_state(app).api_calls == 1 + 14 + 1 + 1  # a ranking, 14 prices, a ranking, a price


def test_the_ranking_answers_one_page_and_not_on_the_virtual_server(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake("real", clock)
    many = [FakeListing(f"{200000 + i:06d}", f"N{i}", "KOSPI", 1_000_000 + i * 100_000, Decimal(100_000))
            for i in range(40)]
    app.state.quotations.listings = many

    async def ranking(client: KisClient) -> list[dict[str, str]]:
        params = {"fid_cond_mrkt_div_code": "J", "fid_cond_scr_div_code": "20174", "fid_div_cls_code": "0",
                  "fid_input_iscd": "0001", "fid_trgt_cls_code": "0", "fid_trgt_exls_cls_code": "0"}
        response = await client.request("GET", "/uapi/domestic-stock/v1/ranking/market-cap", "FHPST01740000",
                                        params=params)
        rows: list[dict[str, str]] = response.body["output"]
        return rows

    async def real() -> list[dict[str, str]]:
        async with make_client(app, config, clock, tmp_path / "tokens.json") as client:
            return await ranking(client)

    rows = asyncio.run(real())
    assert len(rows) == RANKING_ROWS
    assert rows[0]["mksc_shrn_iscd"] == "200039"  # the largest first
    assert all(isinstance(value, str) for row in rows for value in row.values())

    virtual_app, virtual_config = fake("virtual", clock)

    async def virtual() -> None:
        async with make_client(virtual_app, virtual_config, clock, tmp_path / "virtual.json") as client:
            with pytest.raises(InvalidInput, match="real server only"):
                await KisEngineQuotes(client).universe("KOSPI")
            with pytest.raises(Exception, match=NOT_ON_VIRTUAL):
                await ranking(client)

    asyncio.run(virtual())


def test_the_index_closes_are_walked_back_window_by_window(tmp_path: Path) -> None:
    clock = ManualClock()
    app, config = fake("virtual", clock)  # the index chart is on both servers

    async def scenario() -> None:
        async with make_client(app, config, clock, tmp_path / "tokens.json") as client:
            closes = await KisEngineQuotes(client).index_closes("KOSPI", THROUGH, 260)
            expected = kospi_closes()
            assert len(closes) >= 260
            assert [(c.on, c.close) for c in closes] == expected[-len(closes):]  # oldest first, none missing
            early = await KisEngineQuotes(client).index_closes("KOSPI", dt.date(2026, 1, 9), 260)
            assert early[-1].on == dt.date(2026, 1, 9)
            assert len(early) < 260  # the history ends: the walk stops instead of asking forever
            assert early[0].on == expected[0][0]

    asyncio.run(scenario())
    assert fake_state(app).api_calls > 260 // CHART_ROWS  # more than one window was read


@asynccontextmanager
async def _quotes(client: KisClient) -> AsyncIterator[KisEngineQuotes]:
    async with client:
        yield KisEngineQuotes(client)


def test_engine_run_on_kis_quotations_through_the_cli(tmp_path: Path) -> None:
    app, config = fake("real")
    database = f"sqlite:///{tmp_path / 'trimtab.db'}"
    settings = {"TRIMTAB_KIS_APP_KEY": config.app_key, "TRIMTAB_KIS_APP_SECRET": config.app_secret,
                "TRIMTAB_KIS_ACCOUNT": "5000000001", "TRIMTAB_KIS_TOKEN_CACHE": str(tmp_path / "tokens.json")}
    with serve_in_thread(app) as url:
        settings["TRIMTAB_KIS_BASE_URL"] = url
        done = run_cli(database, "2026-11-23T00:30:00+00:00", "engines", "run", "kospi-core", "--source", "kis",
                       "--env", "real", "--as-of", THROUGH.isoformat(), "--import-as", "KOSPI-CORE", "--json",
                       env=settings)
        assert done.returncode == 0, done.stderr
        model = json.loads(done.stdout)
        assert model["risk_on"] is True
        eligible = [f"{100000 + rank:06d}" for rank in range(14) if rank not in (2, 4, 6)][:10]
        assert sorted(model["weights"]) == sorted(eligible)
        assert (model["imported"]["version"], model["version"]) == ("1", THROUGH.isoformat())
        virtual = run_cli(database, "2026-11-23T00:30:00+00:00", "engines", "run", "kospi-core", "--source", "kis",
                          "--env", "virtual", env=settings)
        assert virtual.returncode == 2
        assert "market-cap ranking on the real server only" in virtual.stderr
        assert config.app_secret not in virtual.stderr + done.stdout + done.stderr
    both = run_cli(database, "2026-11-23T00:30:00+00:00", "engines", "run", "kospi-core", "--source", "kis",
                   "--universe", "u.csv")
    assert both.returncode == 2
    assert "--source kis reads no files" in both.stderr
    files = run_cli(database, "2026-11-23T00:30:00+00:00", "engines", "run", "kospi-core")
    assert files.returncode == 2
    assert "--source files needs --universe FILE and --index FILE" in files.stderr


def test_the_facade_reads_both_through_one_connection(tmp_path: Path) -> None:
    """run_kospi_core_quoted with an EngineQuotes on the local KIS: the choice reaches the source."""
    clock = ManualClock()
    app, config = fake("real", clock)
    chosen: list[BrokerChoice] = []

    class Sources(EngineFiles):
        def quotes(self, choice: BrokerChoice) -> AbstractAsyncContextManager[KisEngineQuotes]:
            chosen.append(choice)
            return _quotes(make_client(app, config, clock, tmp_path / "tokens.json"))

    trimtab, _ = _facade()
    trimtab.open_engine_data = Sources
    done = asyncio.run(trimtab.run_kospi_core_quoted(BrokerChoice("kis", "real"), as_of=THROUGH))
    assert chosen == [BrokerChoice("kis", "real")]
    assert done.result.regime.as_of == THROUGH
    assert "100002" not in done.result.weights
