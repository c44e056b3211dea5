"""Several strategies trading in one run: their orders netted per symbol, and the fills split back by strategy.

Netting (per symbol, strategies in run order, i.e. by id): the buyers' and the sellers' quantities cross
first, as internal transfers from seller to buyer at the run's quote (no broker, no fee); matching walks both
sides in strategy order, so the smaller side is matched in full and the larger side's earlier strategies cross
first. What is left (on the larger side) is one order to the market, and each strategy's part of it is a
`Share`, in strategy order.

Splitting (per leg and symbol): the market fills, in the order they happened, go to the shares in strategy
order, each share taking up to its quantity before the next gets anything. Fully filled, every strategy has
exactly its intent (transfer + share); part filled, the later strategies are the ones left short, never a
pro-rata spread. A fill's fees go with its first line. A fill beyond every share (a broker over-fill: it cannot
happen with trimtab's orders) goes to MANUAL.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from trimtab.domain.numbers import ZERO
from trimtab.domain.orders import Side
from trimtab.domain.signal_sizing import SignalQuantity
from trimtab.domain.strategies import MANUAL, StrategyId

TRANSFER = "transfer"  # the source of a split line that no fill paid for


@dataclass(frozen=True, slots=True)
class StrategyOrder:
    """What one strategy's plan wants of one symbol."""

    strategy_id: StrategyId
    symbol: str
    side: Side
    quantity: Decimal  # > 0


@dataclass(frozen=True, slots=True)
class Transfer:
    """Shares passed from one strategy to another inside the account, at the run's quote."""

    symbol: str
    seller: StrategyId
    buyer: StrategyId
    quantity: Decimal
    price: Decimal


@dataclass(frozen=True, slots=True)
class Share:
    """One strategy's part of the market order of a leg (S, B1, B2, ...) in one symbol."""

    leg: str
    symbol: str
    strategy_id: StrategyId
    side: Side
    quantity: Decimal


@dataclass(frozen=True, slots=True)
class Netting:
    """The transfers and the shares of the market orders of a set of strategy orders."""

    transfers: tuple[Transfer, ...]
    shares: tuple[Share, ...]

    def net(self, leg: str) -> dict[str, tuple[Side, Decimal]]:
        """The market order of each symbol of a leg: its side and quantity (the sum of its shares)."""
        result: dict[str, tuple[Side, Decimal]] = {}
        for share in self.shares:
            if share.leg == leg:
                side, quantity = result.get(share.symbol, (share.side, ZERO))
                result[share.symbol] = (side, quantity + share.quantity)
        return result


@dataclass(frozen=True, slots=True)
class FillPart:
    """A fill as the split needs it."""

    fill_id: str
    symbol: str
    side: Side
    quantity: Decimal
    price: Decimal
    fees: Decimal
    filled_at: dt.datetime
    client_order_id: str = ""


@dataclass(frozen=True, slots=True)
class SplitLine:
    """One strategy's signed quantity of one symbol from one fill or transfer (+ bought, - sold)."""

    strategy_id: StrategyId
    symbol: str
    quantity: Decimal
    price: Decimal
    source: str  # a fill id, or "transfer"
    fees: Decimal = ZERO
    counterpart: str = ""  # the other strategy of a transfer
    occurred_at: dt.datetime | None = None
    note: str = ""


def net_orders(orders: Sequence[StrategyOrder], leg: str, order: Sequence[StrategyId],
               prices: Mapping[str, Decimal]) -> Netting:
    """Cross the strategies' buys and sells of each symbol, leaving one market order per symbol (see module)."""
    rank = {strategy: index for index, strategy in enumerate(order)}
    transfers: list[Transfer] = []
    shares: list[Share] = []
    for symbol in dict.fromkeys(o.symbol for o in orders):
        mine = sorted((o for o in orders if o.symbol == symbol), key=lambda o: (rank.get(o.strategy_id, len(rank)),
                                                                                o.strategy_id))
        buyers = [o.strategy_id for o in mine if o.side is Side.BUY and o.quantity > ZERO]
        bought = [o.quantity for o in mine if o.side is Side.BUY and o.quantity > ZERO]
        sellers = [o.strategy_id for o in mine if o.side is Side.SELL and o.quantity > ZERO]
        sold = [o.quantity for o in mine if o.side is Side.SELL and o.quantity > ZERO]
        b = s = 0
        while b < len(buyers) and s < len(sellers):
            quantity = min(bought[b], sold[s])
            transfers.append(Transfer(symbol, sellers[s], buyers[b], quantity, prices[symbol]))
            bought[b] -= quantity
            sold[s] -= quantity
            b += bought[b] == ZERO
            s += sold[s] == ZERO
        for side, ids, rest in ((Side.BUY, buyers, bought), (Side.SELL, sellers, sold)):
            shares.extend(Share(leg, symbol, sid, side, quantity)
                          for sid, quantity in zip(ids, rest, strict=True) if quantity > ZERO)
    return Netting(tuple(transfers), tuple(shares))


def split_fills(shares: Sequence[Share], fills: Sequence[FillPart]) -> list[SplitLine]:
    """Give each fill of one leg and symbol to the shares in strategy order (see module); signed lines."""
    left = [share.quantity for share in shares]
    lines: list[SplitLine] = []
    for fill in sorted(fills, key=lambda f: (f.filled_at, f.fill_id)):
        sign = Decimal(1) if fill.side is Side.BUY else Decimal(-1)
        rest, fees = fill.quantity, fill.fees
        for index, share in enumerate(shares):
            taken = min(left[index], rest)
            if taken > ZERO:
                lines.append(SplitLine(share.strategy_id, fill.symbol, sign * taken, fill.price, fill.fill_id, fees,
                                       occurred_at=fill.filled_at, note=fill.client_order_id))
                left[index] -= taken
                rest, fees = rest - taken, ZERO
        if rest > ZERO:
            lines.append(SplitLine(MANUAL, fill.symbol, sign * rest, fill.price, fill.fill_id, fees,
                                   occurred_at=fill.filled_at, note=f"{fill.client_order_id}: beyond every share"))
    return lines


def transfer_lines(transfers: Sequence[Transfer], occurred_at: dt.datetime) -> list[SplitLine]:
    """Each transfer as two lines: the seller's shares out, the buyer's in, at the transfer's price."""
    lines: list[SplitLine] = []
    for transfer in transfers:
        lines.append(SplitLine(transfer.seller, transfer.symbol, -transfer.quantity, transfer.price, TRANSFER,
                               counterpart=transfer.buyer, occurred_at=occurred_at))
        lines.append(SplitLine(transfer.buyer, transfer.symbol, transfer.quantity, transfer.price, TRANSFER,
                               counterpart=transfer.seller, occurred_at=occurred_at))
    return lines


@dataclass(frozen=True, slots=True)
class SliceRecord:
    """A strategy of a run: its model, capital, cash reservation, and why it does not trade (empty if it does)."""

    strategy_id: StrategyId
    model_name: str
    model_version: str
    capital: Decimal | None
    holdings_value: Decimal
    reservation: Decimal | None
    reason: str = ""

    @property
    def trades(self) -> bool:
        return not self.reason


@dataclass(frozen=True, slots=True)
class SignalRequest:
    """A signal a run trades for one strategy: the symbol and how much (sized when the run plans)."""

    strategy_id: StrategyId
    symbol: str
    wanted: SignalQuantity
    signal_id: str = ""


@dataclass(frozen=True, slots=True)
class StrategyRun:
    """What a run of strategies' slices decided and how its fills were split (stored with the run)."""

    strategies: tuple[SliceRecord, ...]
    transfers: tuple[Transfer, ...] = ()
    shares: tuple[Share, ...] = ()
    split: tuple[SplitLine, ...] = ()  # as of the run's last settlement
    buy_slices: tuple[SliceRecord, ...] = ()  # the slices when the buys were last planned
    orders: tuple[StrategyOrder, ...] = field(default=())  # each strategy's own planned orders (first plan)
    signal: SignalRequest | None = None  # a signal's run: one strategy, one symbol, sized from its slice

    @property
    def order(self) -> tuple[StrategyId, ...]:
        return tuple(s.strategy_id for s in self.strategies)

    def lead(self, leg: str, symbol: str) -> StrategyId | None:
        """The strategy a leg's order of a symbol names in its client order id: its first share's."""
        for share in self.shares:
            if share.leg == leg and share.symbol == symbol:
                return share.strategy_id
        return None

    def settle(self, fills: Sequence[FillPart], occurred_at: dt.datetime, *, transfers: bool) -> tuple[SplitLine, ...]:
        """Every line of the run: its transfers (when they took effect) and its fills split by leg and symbol."""
        lines = transfer_lines(self.transfers, occurred_at) if transfers else []
        groups: dict[tuple[str, str], list[Share]] = {}
        for share in self.shares:
            groups.setdefault((share.leg, share.symbol), []).append(share)
        for key in dict.fromkeys((_leg_of(f.client_order_id), f.symbol) for f in fills):
            lines.extend(split_fills(groups.get(key, []), [f for f in fills
                                                           if (_leg_of(f.client_order_id), f.symbol) == key]))
        return tuple(lines)


def _leg_of(client_order_id: str) -> str:
    parts = client_order_id.split("-")
    return parts[1] if len(parts) > 1 else ""
