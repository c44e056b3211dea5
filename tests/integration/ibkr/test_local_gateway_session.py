"""ib_async (unmodified) against the local IB Gateway: handshake, accounts, positions, summaries, quotes."""

from __future__ import annotations

import asyncio
import struct
from decimal import Decimal

import pytest
from ib_async import IB, Stock

from tests.integration.ibkr.gateway_kit import HandClock, desk, running
from trimtab_testkit.ibgw.wire import SERVER_VERSION


def test_connect_handshakes_at_server_version_178_and_lists_managed_accounts() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ib = IB()
            await ib.connectAsync("127.0.0.1", gateway.port, clientId=7, timeout=5)
            try:
                assert ib.client.serverVersion() == SERVER_VERSION
                assert ib.managedAccounts() == ["DU111", "DU222"]
                requested = {int(fields[0]) for fields in gateway.received}
                assert {71, 61, 5, 99, 76, 7} <= requested  # startApi, positions, orders, accounts, executions
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_farm_messages_are_warnings_not_errors() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ib = IB()
            errors: list[int] = []
            ib.errorEvent += lambda req_id, code, text, contract: errors.append(code)
            await ib.connectAsync("127.0.0.1", gateway.port, clientId=1, timeout=5)
            try:
                assert ib.isConnected()
                assert set(errors) <= {2104, 2106, 2158}
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_positions_and_account_values_in_several_currencies() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ib = IB()
            await ib.connectAsync("127.0.0.1", gateway.port, clientId=2, timeout=5)
            try:
                [position] = ib.positions()
                assert (position.account, position.contract.symbol, position.position) == ("DU111", "SPMO", 10)
                assert position.contract.conId == 1001
                values = {(v.account, v.tag, v.currency): v.value for v in ib.accountValues()}
                assert values["DU111", "CashBalance", "USD"] == "50000.00"
                assert values["DU111", "CashBalance", "SGD"] == "1000.00"
                # 50,000 USD at 0.75 USD per SGD, plus 1,000 SGD; 10 × 101.23 USD of SPMO
                assert values["DU111", "TotalCashValue", "SGD"] == "67666.67"
                assert values["DU111", "NetLiquidation", "SGD"] == "69016.40"
                summary = await ib.accountSummaryAsync()
                rows = {(s.account, s.tag, s.currency): s.value for s in summary}
                assert rows["DU222", "NetLiquidation", "USD"] == "20000.00"
                assert rows["DU111", "CashBalance", "USD"] == "50000.00"
                assert rows["DU111", "CashBalance", "BASE"] == "67666.67"
                assert rows["DU111", "AccountType", ""] == "INDIVIDUAL"
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_contract_details_and_snapshot_quotes() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ib = IB()
            await ib.connectAsync("127.0.0.1", gateway.port, clientId=3, timeout=5)
            try:
                [details] = await ib.reqContractDetailsAsync(Stock("SPMO", "SMART", "USD"))
                assert details.contract is not None
                assert (details.contract.conId, details.minTick, details.stockType) == (1001, 0.01, "ETF")
                assert [(tag.tag, tag.value) for tag in details.secIdList] == [("ISIN", "US46138E3378")]
                [by_isin] = await ib.reqContractDetailsAsync(Stock(secIdType="ISIN", secId="US46138E3378"))
                assert by_isin.contract is not None
                assert by_isin.contract.symbol == "SPMO"
                [smh] = await ib.qualifyContractsAsync(Stock("SMH", "SMART", "USD"))
                assert isinstance(smh, Stock)
                [ticker] = await ib.reqTickersAsync(smh)
                assert Decimal(str(ticker.last)) == Decimal("250.10")
                assert Decimal(str(ticker.close)) == Decimal("248.00")
                assert await ib.reqContractDetailsAsync(Stock("NOPE", "SMART", "USD")) == []
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_a_client_id_in_use_is_refused_and_a_reconnect_works() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            first = IB()
            await first.connectAsync("127.0.0.1", gateway.port, clientId=5, timeout=5)
            second = IB()
            with pytest.raises((ConnectionError, TimeoutError)):
                await second.connectAsync("127.0.0.1", gateway.port, clientId=5, timeout=2)
            gateway.drop_clients()
            for _ in range(50):
                if not first.isConnected():
                    break
                await asyncio.sleep(0.02)
            assert not first.isConnected()
            await first.connectAsync("127.0.0.1", gateway.port, clientId=5, timeout=5)
            assert first.isConnected()
            assert gateway.connections == 2
            first.disconnect()

    asyncio.run(scenario())


def test_not_an_api_client_is_dropped() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            writer.write(b"GET / HTTP/1.1\r\n\r\n")
            await writer.drain()
            assert await reader.read() == b""
            writer.close()
            reader, writer = await asyncio.open_connection("127.0.0.1", gateway.port)
            body = b"v100..150"
            writer.write(b"API\0" + struct.pack(">I", len(body)) + body)
            await writer.drain()
            assert await reader.read() == b""  # no common version
            writer.close()

    asyncio.run(scenario())
