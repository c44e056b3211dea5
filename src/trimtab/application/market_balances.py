"""Live balances per market type: an optional broker capability, and the functions capital and runs read through.

An account may span market types: a crypto account holds a spot wallet and a USDT-margined futures wallet, each
with its own equity and free cash. A broker that knows this implements `MarketBalanceSource` (the ccxt adapter,
the paper broker) and `MarketSnapshotReader` (one market type's slice of the account). Any other broker reports
one balance, its snapshot's, which is the `securities` market type (KIS, IBKR): `read_market_balances` and
`read_market_snapshot` fall back to it, so callers have one path whatever the broker.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol, runtime_checkable

from trimtab.application.ports import BrokerPort
from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot
from trimtab.domain.strategies import MarketType


@dataclass(frozen=True, slots=True)
class MarketBalance:
    """One market type's live balance in the account's currency."""

    equity: Decimal  # what its strategies share: cash and holdings at their prices (futures: margin balance)
    free_cash: Decimal  # what new orders of this market type may spend now


@runtime_checkable
class MarketBalanceSource(Protocol):
    """A broker that reports an account's balance per market type."""

    async def equity_by_market_type(self, account_id: str) -> dict[MarketType, MarketBalance]:
        """Each market type the account trades, with its equity and free cash (read live)."""
        ...


@runtime_checkable
class MarketSnapshotReader(Protocol):
    """A broker that reads one market type's slice of an account."""

    async def get_market_snapshot(self, account_id: str, market_type: MarketType,
                                  symbols: Sequence[str]) -> AccountSnapshot:
        """get_snapshot restricted to one market type: its holdings, its own free cash, quotes for `symbols`."""
        ...


def balance_of(snapshot: AccountSnapshot) -> MarketBalance:
    """A snapshot's balance: orderable cash plus holdings at their quotes, and the cash as free cash."""
    return MarketBalance(snapshot.cash + sum((h.value for h in snapshot.holdings), ZERO), snapshot.cash)


async def read_market_balances(broker: BrokerPort, account_id: str,
                               ) -> tuple[dict[MarketType, MarketBalance], AccountSnapshot | None]:
    """The account's live balance per market type, and the snapshot read for it when the broker reports one
    balance only (then the `securities` market type is that snapshot's)."""
    if isinstance(broker, MarketBalanceSource):
        return await broker.equity_by_market_type(account_id), None
    snapshot = await broker.get_snapshot(account_id, [])
    return {MarketType.SECURITIES: balance_of(snapshot)}, snapshot


async def read_market_snapshot(broker: BrokerPort, account_id: str, market_type: MarketType,
                               symbols: Sequence[str] = ()) -> AccountSnapshot:
    """One market type's slice of an account (what a strategy of that market type rebalances within): its
    holdings and its own free cash. A broker with one balance has only `securities`."""
    if isinstance(broker, MarketSnapshotReader):
        return await broker.get_market_snapshot(account_id, market_type, symbols)
    if market_type is not MarketType.SECURITIES:
        raise InvalidInput("the account's broker reports no balance of this market type",
                           where=f"account '{account_id}'", field="market_type", value=market_type.value)
    return await broker.get_snapshot(account_id, symbols)
