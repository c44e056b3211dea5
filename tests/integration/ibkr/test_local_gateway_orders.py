"""ib_async (unmodified) placing, filling, cancelling and reconciling orders on the local IB Gateway."""

from __future__ import annotations

import asyncio
from decimal import Decimal

from ib_async import IB, ExecutionFilter, LimitOrder, MarketOrder, Order, Stock, Trade

from tests.integration.ibkr.gateway_kit import HandClock, desk, running
from trimtab_testkit.ibgw.server import LocalGateway


async def connect(gateway: LocalGateway, client_id: int = 9) -> IB:
    ib = IB()
    await ib.connectAsync("127.0.0.1", gateway.port, clientId=client_id, timeout=5)
    return ib


async def settle(ib: IB) -> None:
    """One round trip: everything the gateway sent before its answer has been handled."""
    await ib.reqCurrentTimeAsync()


async def qualified(ib: IB, symbol: str) -> Stock:
    [contract] = await ib.qualifyContractsAsync(Stock(symbol, "SMART", "USD"))
    assert isinstance(contract, Stock)
    return contract


def error_codes(trade: Trade) -> list[int]:
    return [entry.errorCode for entry in trade.log if entry.errorCode]


def test_limit_order_fills_in_parts_with_executions_and_commission_reports() -> None:
    clock = HandClock()

    async def scenario() -> None:
        async with running(desk(clock)) as gateway:
            ib = await connect(gateway)
            try:
                smh = await qualified(ib, "SMH")
                trade = ib.placeOrder(smh, LimitOrder("BUY", 10, 251.0, account="DU222", orderRef="run-1-b1"))
                await settle(ib)
                assert trade.orderStatus.status == "Submitted"
                seen: list[float] = []
                for _ in range(6):
                    clock.advance(10)
                    await settle(ib)
                    seen.append(trade.orderStatus.filled)
                assert seen == [3, 6, 9, 10, 10, 10]
                assert trade.orderStatus.status == "Filled"
                assert [fill.execution.shares for fill in trade.fills] == [3, 3, 3, 1]
                assert all(fill.execution.orderRef == "run-1-b1" for fill in trade.fills)
                assert all(fill.execution.price == 250.10 for fill in trade.fills)
                assert [fill.commissionReport.commission for fill in trade.fills] == [1.0] * 4
                assert len({fill.execution.execId for fill in trade.fills}) == 4
                cash = gateway.config.account("DU222")
                assert cash is not None
                assert cash.cash["USD"] == Decimal(20_000) - Decimal("2501.00") - 4
                assert cash.positions["SMH"] == 10
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_market_and_moc_orders_fill_and_sells_reduce_the_position() -> None:
    clock = HandClock()

    async def scenario() -> None:
        config = desk(clock, fill_fraction=Decimal(1))
        config.close_at = clock.now + 3600
        async with running(config) as gateway:
            ib = await connect(gateway)
            try:
                spmo = await qualified(ib, "SPMO")
                sell = ib.placeOrder(spmo, MarketOrder("SELL", 4, account="DU111", orderRef="s1"))
                moc = ib.placeOrder(spmo, Order(action="SELL", totalQuantity=6, orderType="MOC", tif="DAY",
                                                account="DU111", orderRef="s2"))
                await settle(ib)
                clock.advance(10)
                await settle(ib)
                assert (sell.orderStatus.status, moc.orderStatus.status) == ("Filled", "Submitted")
                clock.advance(3600)
                await settle(ib)
                assert moc.orderStatus.status == "Filled"
                account = gateway.config.account("DU111")
                assert account is not None
                assert account.positions["SPMO"] == 0
                assert account.cash["USD"] == Decimal(50_000) + 10 * Decimal("101.23") - 2
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_rejections_come_back_as_errors_and_cancel_the_trade() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ib = await connect(gateway)
            try:
                smh = await qualified(ib, "SMH")
                cases = {
                    "no-cash": LimitOrder("BUY", 1000, 251.0, account="DU222"),
                    "oversell": LimitOrder("SELL", 11, 90.0, account="DU111"),
                    "off-tick": LimitOrder("BUY", 1, 250.005, account="DU222"),
                    "fraction": LimitOrder("BUY", 0.5, 251.0, account="DU222"),
                    "no-account": LimitOrder("BUY", 1, 251.0),
                }
                contracts = {"oversell": await qualified(ib, "SPMO")}
                trades = {name: ib.placeOrder(contracts.get(name, smh), order) for name, order in cases.items()}
                await settle(ib)
                codes = {name: error_codes(trade) for name, trade in trades.items()}
                assert codes == {"no-cash": [201], "oversell": [201], "off-tick": [110], "fraction": [10243],
                                 "no-account": [436]}
                assert all(trade.orderStatus.status == "Cancelled" for trade in trades.values())
                assert "AVAILABLE FUNDS" in trades["no-cash"].log[-1].message
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_cancel_confirms_with_202_and_refuses_unknown_or_done_orders() -> None:
    clock = HandClock()

    async def scenario() -> None:
        async with running(desk(clock)) as gateway:
            ib = await connect(gateway)
            errors: list[tuple[int, int]] = []
            ib.errorEvent += lambda req_id, code, text, contract: errors.append((req_id, code))
            try:
                smh = await qualified(ib, "SMH")
                resting = ib.placeOrder(smh, LimitOrder("BUY", 5, 240.0, account="DU222", orderRef="rest"))
                clock.advance(30)
                await settle(ib)
                assert resting.orderStatus.status == "Submitted"
                ib.cancelOrder(resting.order)
                await settle(ib)
                assert resting.orderStatus.status == "Cancelled"
                ib.cancelOrder(resting.order)
                ib.client.cancelOrder(987654)  # type: ignore[no-untyped-call]
                await settle(ib)
                assert (resting.order.orderId, 202) in errors
                assert (resting.order.orderId, 10148) in errors
                assert (987654, 10147) in errors
            finally:
                ib.disconnect()

    asyncio.run(scenario())


def test_a_reconnected_client_finds_its_orders_by_order_ref() -> None:
    clock = HandClock()

    async def scenario() -> None:
        async with running(desk(clock)) as gateway:
            ib = await connect(gateway)
            smh = await qualified(ib, "SMH")
            done = ib.placeOrder(smh, LimitOrder("BUY", 2, 251.0, account="DU222", orderRef="r-done"))
            ib.placeOrder(smh, LimitOrder("BUY", 2, 200.0, account="DU222", orderRef="r-open"))
            await settle(ib)
            clock.advance(20)  # two fills of one share
            await settle(ib)
            assert done.orderStatus.status == "Filled"
            gateway.drop_clients()
            await asyncio.sleep(0.05)
            again = await connect(gateway)
            try:
                open_refs = {trade.order.orderRef for trade in again.openTrades()}
                assert open_refs == {"r-open"}
                completed = await again.reqCompletedOrdersAsync(apiOnly=True)
                assert {(t.order.orderRef, t.orderStatus.status) for t in completed} == {("r-done", "Filled")}
                fills = await again.reqExecutionsAsync(ExecutionFilter(acctCode="DU222"))
                assert {fill.execution.orderRef for fill in fills} == {"r-done"}
                by_exec = {fill.execution.execId: fill for fill in again.fills()}
                assert all(by_exec[f.execution.execId].commissionReport.commission == 1.0 for f in fills)
                all_open = await again.reqAllOpenOrdersAsync()
                assert [trade.order.orderRef for trade in all_open] == ["r-open"]
            finally:
                again.disconnect()

    asyncio.run(scenario())


def test_what_if_previews_commission_without_placing() -> None:
    async def scenario() -> None:
        async with running(desk(HandClock())) as gateway:
            ib = await connect(gateway)
            try:
                smh = await qualified(ib, "SMH")
                state = await ib.whatIfOrderAsync(smh, LimitOrder("BUY", 400, 251.0, account="DU222"))
                assert state.commission == 2.0
                assert state.commissionCurrency == "USD"
                assert gateway.engine.orders == []
            finally:
                ib.disconnect()

    asyncio.run(scenario())
