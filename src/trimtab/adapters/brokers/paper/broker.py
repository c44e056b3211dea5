"""PaperBroker: BrokerPort over the simulated paper exchange, with state in a PaperStateStore.

Every call loads the account's document from the store, lets the exchange catch up to the clock (fills owed
so far), acts, and saves the document before returning when anything changed; nothing is cached in memory,
so a new PaperBroker over the same store continues where the last one stopped.

Faults for crash tests: each call first waits `latency_seconds`; a call that records something (a new order,
a cancel) may then lose its response at `drop_response_rate`: the state is saved, but the caller gets
BrokerUnavailable, exactly like a reply lost on the network. A retry with the same client order id finds it.

Paper orders are good till cancelled (they do not expire at the close; fills wait for the next session when
the calendar check is on), and list_orders returns every order of the account, rejected ones included.
Unknown accounts raise InvalidInput (open them first); cancelling an unknown order raises OrderRejected.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from trimtab.adapters.brokers.paper import futures
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.brokers.paper.draws import uniform
from trimtab.adapters.brokers.paper.exchange import PaperExchange, account_market
from trimtab.adapters.brokers.paper.futures import is_futures
from trimtab.adapters.brokers.paper.prices import PriceSource
from trimtab.adapters.brokers.paper.reports import build_snapshot, order_report
from trimtab.adapters.brokers.paper.state import AccountState
from trimtab.adapters.clock import SystemClock
from trimtab.adapters.marketdata.demo import DemoMarketData
from trimtab.application.market_balances import MarketBalance, balance_of
from trimtab.application.ports import Clock, PaperStateStore
from trimtab.application.snapshot_reads import SnapshotRequest
from trimtab.domain.errors import BrokerUnavailable, InvalidInput, OrderRejected
from trimtab.domain.execution import Fill, OrderReport, OrderRequest
from trimtab.domain.instruments import Market
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot, CostSettings, Quote
from trimtab.domain.strategies import MarketType


class PaperBroker:
    """The embedded paper broker (never live): deterministic under its seed and the clock's instants."""

    def __init__(
        self,
        store: PaperStateStore,
        clock: Clock | None = None,
        config: PaperConfig | None = None,
        prices: PriceSource | None = None,
    ) -> None:
        self.config = config or PaperConfig()
        self.clock: Clock = clock or SystemClock()
        self.prices: PriceSource = prices or DemoMarketData(
            seed=self.config.seed, steps_per_day=self.config.steps_per_day,
        )
        self.exchange = PaperExchange(self.config, self.prices)
        self._store = store

    @property
    def is_live(self) -> bool:
        return False

    def open_account(
        self, account_id: str, currency: str, cash: Decimal, positions: Mapping[str, Decimal] | None = None,
        *, costs: CostSettings | None = None, reset: bool = False, futures_cash: Decimal = ZERO,
    ) -> bool:
        """Seed a paper account; return False (and change nothing) when it exists and `reset` is not set.

        Commission settings are copied into the account: `costs`, else PaperConfig.costs_for(account_id). A
        crypto account (USDT) may also fund its futures wallet with `futures_cash` (paper/futures.py).
        """
        if not reset and self._store.load(account_id) is not None:
            return False
        state = self.exchange.open_account(account_id, currency, cash, positions or {}, costs, futures_cash)
        self._store.save(account_id, state.to_json())
        return True

    def deposit(self, account_id: str, amount: Decimal) -> Decimal:
        """Add cash to an account (a negative amount withdraws what is not held back by open buys)."""
        if not amount.is_finite():
            raise InvalidInput("must be a finite amount", where=f"paper account {account_id}", field="amount",
                               value=str(amount))
        state, before = self._load(account_id)
        if self.exchange.orderable_cash(state) + amount < 0:
            raise InvalidInput("withdraws more than the orderable cash", where=f"paper account {account_id}",
                               field="amount", value=str(amount))
        state.cash += amount
        self._save(state, before)
        return state.cash

    def close_account(self, account_id: str) -> None:
        """Forget an account's paper state."""
        self._store.delete(account_id)

    async def get_snapshot(self, account_id: str, symbols: Sequence[str]) -> AccountSnapshot:
        """Holdings, orderable cash and quantities, and quotes for held symbols plus `symbols`."""
        await self._wait()
        now = self._now()
        state, before = self._load(account_id)
        self.exchange.settle(state, now)
        self._save(state, before)
        return build_snapshot(self.exchange, state, symbols, now)

    async def get_market_snapshot(self, account_id: str, market_type: MarketType,
                                  symbols: Sequence[str]) -> AccountSnapshot:
        """One market type's slice: a crypto account's spot or futures positions and that wallet's cash; any
        other account's whole snapshot as `securities`."""
        where = f"paper account {account_id}"
        await self._wait()
        now = self._now()
        state = self._caught_up(account_id, now)
        wanted = _market_types(state)
        if market_type not in wanted:
            raise InvalidInput(f"trades {', '.join(wanted)}", where=where, field="market_type",
                               value=market_type.value)
        only_futures = None if market_type is MarketType.SECURITIES else market_type is MarketType.FUTURES
        for symbol in symbols:
            if only_futures is not None and is_futures(symbol) != only_futures:
                raise InvalidInput(f"is not a {market_type.value} symbol", where=where, field="symbols", value=symbol)
        return build_snapshot(self.exchange, state, symbols, now, only_futures=only_futures)

    async def equity_by_market_type(self, account_id: str) -> dict[MarketType, MarketBalance]:
        """Each market type's equity and free cash: a crypto account's spot wallet (cash, open buys' reservations
        included, and coins at their price) and futures wallet (margin balance); any other account's snapshot
        (orderable cash and holdings) as `securities`."""
        await self._wait()
        now = self._now()
        state = self._caught_up(account_id, now)
        if MarketType.SECURITIES in _market_types(state):
            return {MarketType.SECURITIES: balance_of(build_snapshot(self.exchange, state, (), now))}
        spot = build_snapshot(self.exchange, state, (), now, only_futures=False)
        def price(symbol: str) -> Decimal:
            return self.exchange.current_price(symbol, now)

        held = sum((h.value for h in spot.holdings), ZERO)
        return {MarketType.SPOT: MarketBalance(state.cash + held, spot.cash),
                MarketType.FUTURES: MarketBalance(futures.equity(state, price), futures.available(state))}

    async def get_snapshots(self, requests: Sequence[SnapshotRequest]) -> list[AccountSnapshot | Exception]:
        """get_snapshot for many accounts at once (one call: the latency is waited once): their states read in
        one query, the changed ones (fills owed so far) saved in one transaction; each result is the snapshot or
        the error get_snapshot would raise."""
        await self._wait()
        now = self._now()
        documents = self._store.load_many([request.account_id for request in requests])
        results: list[AccountSnapshot | Exception] = []
        changed: dict[str, dict[str, Any]] = {}
        quoted: dict[str, Quote] = {}  # the quotes at `now`, the same for every account
        for request in requests:
            try:
                state, before = self._state_of(request.account_id, documents.get(request.account_id))
                self.exchange.settle(state, now)
                if (after := state.to_json()) != before:
                    changed[state.account_id] = documents[state.account_id] = after
                results.append(build_snapshot(self.exchange, state, request.symbols, now, quoted))
            except Exception as error:  # one account's failure is its own result
                results.append(error)
        self._store.save_many(changed)
        return results

    async def submit(self, request: OrderRequest) -> OrderReport:
        """Send an order. Idempotent: a client order id seen before returns that order, never a new one."""
        await self._wait()
        now = self._now()
        state, before = self._load(request.account_id)
        is_new = request.client_order_id not in state.orders
        order = self.exchange.submit(state, request, now)
        self._save(state, before)
        if is_new:
            self._maybe_drop(state, request.client_order_id, "submit")
        return order_report(order)

    async def cancel(self, account_id: str, client_order_id: str) -> OrderReport:
        """Cancel what remains of an order; filled quantity stays filled. A closed order comes back unchanged."""
        await self._wait()
        now = self._now()
        state, before = self._load(account_id)
        was_open = client_order_id in state.orders and state.orders[client_order_id].status.is_open
        order = self.exchange.cancel(state, client_order_id, now)
        self._save(state, before)
        if order is None:
            raise OrderRejected(f"paper account {account_id} has no order {client_order_id}", code="UNKNOWN_ORDER")
        if was_open:
            self._maybe_drop(state, client_order_id, "cancel")
        return order_report(order)

    async def get_order(self, account_id: str, client_order_id: str) -> OrderReport | None:
        """The order's current state, or None when the broker never received it."""
        await self._wait()
        state = self._caught_up(account_id)
        order = state.orders.get(client_order_id)
        return None if order is None else order_report(order)

    async def list_orders(self, account_id: str) -> list[OrderReport]:
        """Every order of the account, open and closed, in submission order (paper orders never expire)."""
        await self._wait()
        state = self._caught_up(account_id)
        return [order_report(order) for order in state.orders.values()]

    async def get_fills(self, account_id: str, client_order_id: str) -> list[Fill]:
        """Every fill of one order so far, oldest first."""
        await self._wait()
        state = self._caught_up(account_id)
        return [record.fill for record in state.fills if record.fill.client_order_id == client_order_id]

    def _caught_up(self, account_id: str, now: dt.datetime | None = None) -> AccountState:
        state, before = self._load(account_id)
        self.exchange.settle(state, now or self._now())
        self._save(state, before)
        return state

    async def _wait(self) -> None:
        if self.config.latency_seconds > 0:
            await asyncio.sleep(self.config.latency_seconds)

    def _now(self) -> dt.datetime:
        now = self.clock.now()
        if now.tzinfo is None or now.utcoffset() is None:
            raise ValueError(f"the clock must return aware instants, got {now!r}")
        return now.astimezone(dt.UTC)

    def _load(self, account_id: str) -> tuple[AccountState, dict[str, Any]]:
        return self._state_of(account_id, self._store.load(account_id))

    @staticmethod
    def _state_of(account_id: str, document: dict[str, Any] | None) -> tuple[AccountState, dict[str, Any]]:
        if document is None:
            raise InvalidInput("unknown paper account; open it first", where="paper broker", field="account_id",
                               value=account_id)
        return AccountState.from_json(document), document

    def _save(self, state: AccountState, before: dict[str, Any]) -> None:
        document = state.to_json()
        if document != before:
            self._store.save(state.account_id, document)

    def _maybe_drop(self, state: AccountState, client_order_id: str, operation: str) -> None:
        rate = self.config.drop_response_rate
        draw = uniform(self.config.seed, "drop", operation, state.account_id, client_order_id, state.event_counter)
        if rate > 0 and draw < rate:
            raise BrokerUnavailable(f"paper broker: the response to {operation} {client_order_id} was lost "
                                    "(simulated); the order was recorded, retry with the same client order id")


def _market_types(state: AccountState) -> tuple[MarketType, ...]:
    """A crypto account (a currency without a home stock market) has spot and futures; others securities."""
    if account_market(state.currency) is Market.CRYPTO:
        return MarketType.SPOT, MarketType.FUTURES
    return (MarketType.SECURITIES,)
