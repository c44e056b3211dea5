"""A paper crypto account on both market types: a spot wallet and a separate futures wallet, perpetuals
(BTC/USDT:USDT) routed by their symbol's form, linear USDT-margined positions at leverage 1 with exact money,
and each strategy's capital from the live balance of its market type."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

import pytest

from tests.contract.clocks import FixedClock
from tests.contract.harness import run
from tests.integration.paper.conftest import order
from tests.unit.test_facade import _facade
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.brokers.paper.factory import PaperBrokerFactory, PaperSettings
from trimtab.application.market_balances import MarketBalance, read_market_snapshot
from trimtab.application.strategy_operations import NewStrategy
from trimtab.domain.costs import commission
from trimtab.domain.errors import InvalidInput
from trimtab.domain.execution import OrderStatus
from trimtab.domain.orders import Side
from trimtab.domain.snapshot import CostSettings
from trimtab.domain.strategies import MarketType
from trimtab_testkit.memory import InMemoryPaperStateStore

START = dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC)
COSTS = CostSettings(Decimal("0.001"))
ACCOUNT = "PC"
SPOT = {"BTC/USDT": Decimal("0.05"), "ETH/USDT": Decimal(1)}


def _broker(store: InMemoryPaperStateStore) -> tuple[PaperBroker, FixedClock]:
    clock = FixedClock(START)
    broker = PaperBroker(store, clock, PaperConfig(seed=7, default_costs=COSTS))
    broker.open_account(ACCOUNT, "USDT", Decimal(10_000), SPOT, futures_cash=Decimal(20_000))
    return broker, clock


def _price(broker: PaperBroker, symbol: str, at: dt.datetime) -> Decimal:
    return broker.exchange.current_price(symbol, at)


def test_futures_trade_from_their_own_wallet_with_partial_fills_and_exact_money() -> None:
    store = InMemoryPaperStateStore()
    broker, clock = _broker(store)
    btc = _price(broker, "BTC/USDT", START)
    assert _price(broker, "BTC/USDT:USDT", START) == btc  # the perpetual follows its pair's path
    spot_value = Decimal("0.05") * btc + _price(broker, "ETH/USDT", START)
    assert run(broker.equity_by_market_type(ACCOUNT)) == {
        MarketType.SPOT: MarketBalance(Decimal(10_000) + spot_value, Decimal(10_000)),
        MarketType.FUTURES: MarketBalance(Decimal(20_000), Decimal(20_000))}
    assert run(broker.get_snapshot(ACCOUNT, [])).cash == Decimal(30_000)  # both wallets' free cash

    limit = btc + 100
    run(broker.submit(order("perp-buy", "BTC/USDT:USDT", Side.BUY, "0.1", str(limit), account_id=ACCOUNT)))
    reserved = limit * Decimal("0.1") + commission(limit * Decimal("0.1"), COSTS, "USDT")
    assert run(broker.get_snapshot(ACCOUNT, [])).cash == Decimal(30_000) - reserved  # the futures wallet holds it
    clock.advance(10)
    partial = run(broker.get_order(ACCOUNT, "perp-buy"))
    assert partial is not None
    assert (partial.status, partial.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, Decimal("0.05"))
    clock.advance(10)
    fills = run(broker.get_fills(ACCOUNT, "perp-buy"))
    assert [f.quantity for f in fills] == [Decimal("0.05"), Decimal("0.05")]
    cost = sum((f.quantity * f.price for f in fills), Decimal(0))
    fees = sum((f.commission for f in fills), Decimal(0))

    futures = run(read_market_snapshot(broker, ACCOUNT, MarketType.FUTURES))
    spot = run(read_market_snapshot(broker, ACCOUNT, MarketType.SPOT))
    assert {h.symbol: h.quantity for h in futures.holdings} == {"BTC/USDT:USDT": Decimal("0.1")}
    assert futures.cash == Decimal(20_000) - fees - cost  # available at leverage 1: wallet - positions' cost
    assert ({h.symbol: h.quantity for h in spot.holdings}, spot.cash) == (SPOT, Decimal(10_000))  # untouched
    mark = _price(broker, "BTC/USDT:USDT", clock.now())
    balances = run(broker.equity_by_market_type(ACCOUNT))
    assert balances[MarketType.FUTURES] == MarketBalance(Decimal(20_000) - fees + Decimal("0.1") * mark - cost,
                                                         futures.cash)

    run(broker.submit(order("perp-sell", "BTC/USDT:USDT", Side.SELL, "0.03", None, account_id=ACCOUNT)))
    clock.advance(30)
    sells = run(broker.get_fills(ACCOUNT, "perp-sell"))
    proceeds = sum((f.quantity * f.price for f in sells), Decimal(0))
    sell_fees = sum((f.commission for f in sells), Decimal(0))
    document = store.load(ACCOUNT)  # the wallet: realised PnL (proceeds - the cost taken out) less commissions
    assert document is not None
    left = Decimal(document["futures_costs"]["BTC/USDT:USDT"])
    assert Decimal(document["futures_wallet"]) == Decimal(20_000) - fees - sell_fees + proceeds - (cost - left)
    assert Decimal(document["positions"]["BTC/USDT:USDT"]) == Decimal("0.07")
    assert left == (cost * Decimal("0.07") / Decimal("0.1")).quantize(Decimal("0.00000001"))


def test_futures_buys_cannot_spend_the_spot_wallet_and_sells_cannot_open_shorts() -> None:
    broker, _ = _broker(InMemoryPaperStateStore())
    btc = _price(broker, "BTC/USDT", START)
    too_big = run(broker.submit(order("big", "BTC/USDT:USDT", Side.BUY, "0.3", str(btc), account_id=ACCOUNT)))
    short = run(broker.submit(order("short", "ETH/USDT:USDT", Side.SELL, "1", None, account_id=ACCOUNT)))
    spot_ok = run(broker.submit(order("spot", "ETH/USDT", Side.SELL, "1", None, account_id=ACCOUNT)))
    assert (too_big.status, too_big.reject_code) == (OrderStatus.REJECTED, "INSUFFICIENT_CASH")  # 27,000 > 20,000
    assert (short.status, short.reject_code) == (OrderStatus.REJECTED, "INSUFFICIENT_QUANTITY")
    assert spot_ok.status is OrderStatus.ACCEPTED
    with pytest.raises(InvalidInput, match="not a spot symbol"):
        run(broker.get_market_snapshot(ACCOUNT, MarketType.SPOT, ["BTC/USDT:USDT"]))
    with pytest.raises(InvalidInput, match="trades spot, futures"):
        run(broker.get_market_snapshot(ACCOUNT, MarketType.SECURITIES, []))


def test_only_crypto_accounts_have_a_futures_wallet_and_other_documents_are_unchanged() -> None:
    store = InMemoryPaperStateStore()
    broker = PaperBroker(store, FixedClock(START), PaperConfig(seed=7))
    with pytest.raises(InvalidInput, match="futures_cash"):
        broker.open_account("KR", "KRW", Decimal(1000), {}, futures_cash=Decimal(1))
    with pytest.raises(InvalidInput, match="opened by trading"):
        broker.open_account("PC", "USDT", Decimal(1000), {"BTC/USDT:USDT": Decimal(1)})
    broker.open_account("KR", "KRW", Decimal(1_000_000), {"005930": Decimal(2)})
    document = store.load("KR")
    assert document is not None
    assert "futures_wallet" not in document
    assert set(run(broker.equity_by_market_type("KR"))) == {MarketType.SECURITIES}
    rejected = run(broker.submit(order("x", "BTC/USDT:USDT", Side.BUY, "0.001", "90000.00", account_id="KR")))
    assert rejected.reject_code == "CURRENCY_MISMATCH"


def test_capital_of_spot_and_futures_strategies_from_the_paper_balances() -> None:
    store = InMemoryPaperStateStore()
    broker, _ = _broker(store)
    expected = run(broker.equity_by_market_type(ACCOUNT))
    trimtab, _ = _facade()
    trimtab.brokers = {"paper": PaperBrokerFactory(lambda: store, PaperSettings(seed=7, start=START), FixedClock(START),
                                                   lambda _accounts: {})}
    trimtab.add_account(ACCOUNT, name="", currency="USDT", broker="paper")
    trimtab.add_strategy(ACCOUNT, NewStrategy("core", Decimal(3), market_type="spot"))
    trimtab.add_strategy(ACCOUNT, NewStrategy("alt", Decimal(1), market_type="spot"))
    trimtab.add_strategy(ACCOUNT, NewStrategy("perp", Decimal(1), market_type="futures"))
    report = asyncio.run(trimtab.capital(ACCOUNT))
    capital = {str(c.strategy.strategy_id): (c.capital, c.is_stale) for c in report.allocations}
    spot = expected[MarketType.SPOT].equity
    assert capital["perp"] == (Decimal(20_000), False)
    assert capital["core"][0] is not None
    assert capital["alt"][0] is not None
    assert capital["core"][0] + capital["alt"][0] == spot
    assert abs(capital["core"][0] - spot * 3 / 4) <= Decimal("0.00000001")
