"""Strategies (sleeves) sharing one account, and the one rule that gives each its capital.

Capital of an active strategy = the equity of its market type x its weight / the sum of the weights of the
active strategies of that market type. The equity is the live balance; a cached daily summary stands in only
when it is recent enough (its market date on or after `oldest_usable`), and every allocation made from it is
marked stale. No usable balance: the strategy gets no capital and the reason says why.

Rounding: each share is cut down to the quantum (the currency's minor unit, or the equity's own finer digits),
and the quanta left over go one each to the largest remainders, ties to the strategy id that sorts first
(largest-remainder method). The allocations of a market type therefore add up to its equity exactly.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from typing import NewType

from trimtab.domain.errors import InvalidInput
from trimtab.domain.instruments import minor_unit
from trimtab.domain.numbers import ONE, ZERO

StrategyId = NewType("StrategyId", str)

MANUAL = StrategyId("MANUAL")  # shares no strategy can be shown to own (bought by hand, or untraceable)
REBALANCE_PREFIX = "REB_"  # REB_YYYYMMDD: shares an account-level rebalance on that market date holds
RESERVED = frozenset({MANUAL})
MAX_STRATEGY_ID_LENGTH = 16  # client order ids carry it, and brokers limit their length
_STRATEGY_ID = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,15}")
_REBALANCE_ID = re.compile(r"REB_(\d{8})")


class MarketType(StrEnum):
    """Which balance of an account a strategy draws on (the market types of the daily summaries)."""

    SECURITIES = "securities"  # stocks and ETFs: KIS (KRX stocks), IBKR, paper
    SPOT = "spot"
    FUTURES = "futures"


class BalanceSource(StrEnum):
    LIVE = "live"
    CACHED = "cached"
    NONE = "none"


def parse_strategy_id(value: object, *, where: str = "strategy") -> StrategyId:
    """Check a strategy id: a letter, then letters, digits or '_' (at most 16); no '-' or '.' (order ids)."""
    text = str(value).strip() if value is not None else ""
    if not _STRATEGY_ID.fullmatch(text):
        raise InvalidInput("a strategy id is a letter then letters, digits or '_', at most 16 characters",
                           where=where, field="strategy", value=value)
    return StrategyId(text)


def rebalance_bucket(market_date: dt.date) -> StrategyId:
    """The bucket of shares an account-level rebalance holds: REB_YYYYMMDD."""
    return StrategyId(f"{REBALANCE_PREFIX}{market_date:%Y%m%d}")


def is_rebalance_bucket(strategy_id: str) -> bool:
    """Whether an id is exactly REB_ followed by a real date (REB_20251224 is no strategy '2')."""
    match = _REBALANCE_ID.fullmatch(strategy_id)
    if match is None:
        return False
    try:
        dt.datetime.strptime(match.group(1), "%Y%m%d")  # noqa: DTZ007 - a date, not an instant
    except ValueError:
        return False
    return True


def is_bucket(strategy_id: str) -> bool:
    """Whether an id names an ownerless bucket (MANUAL, REB_YYYYMMDD) rather than a strategy people made."""
    return strategy_id in RESERVED or is_rebalance_bucket(strategy_id)


@dataclass(frozen=True, slots=True)
class Strategy:
    """A sleeve of an account: its share of a market type's capital and where its targets come from."""

    account_id: str
    strategy_id: StrategyId
    weight: Decimal
    market_type: MarketType
    leverage: Decimal = ONE
    active: bool = True
    target: str | None = None  # a model portfolio's name (engines and signals come later)

    def __post_init__(self) -> None:
        where = f"strategy '{self.strategy_id}' of account '{self.account_id}'"
        if is_bucket(self.strategy_id):
            raise InvalidInput("is reserved for the ledger's ownerless buckets", where=where, field="strategy",
                               value=self.strategy_id)
        if not self.weight.is_finite() or self.weight <= ZERO:
            raise InvalidInput("must be above 0", where=where, field="weight", value=str(self.weight))
        if not self.leverage.is_finite() or self.leverage < ONE:
            raise InvalidInput("must be 1 or more", where=where, field="leverage", value=str(self.leverage))


@dataclass(frozen=True, slots=True)
class CachedBalance:
    """The latest daily summary of a market type: its market date and equity."""

    trade_date: dt.date
    equity: Decimal


@dataclass(frozen=True, slots=True)
class MarketReading:
    """What is known of one market type's equity: live (or why not), and the latest cached summary."""

    currency: str
    live: Decimal | None = None
    live_error: str = "no live balance for this market type"
    cached: CachedBalance | None = None


@dataclass(frozen=True, slots=True)
class MarketEquity:
    """The equity a market type's strategies share, where it came from, and whether it is stale."""

    market_type: MarketType
    currency: str
    equity: Decimal | None
    source: BalanceSource
    as_of: dt.date | None
    reason: str  # why this source: "live", "cached summary of ... (live: ...)", why none

    @property
    def is_stale(self) -> bool:
        """Whether the equity is a cached summary's rather than the live balance."""
        return self.source is BalanceSource.CACHED


@dataclass(frozen=True, slots=True)
class StrategyCapital:
    """One strategy's capital: None (and the reason) when it does not trade."""

    strategy: Strategy
    share: Decimal  # weight / sum of the active weights of its market type (0 when inactive)
    capital: Decimal | None
    market: MarketEquity | None
    reason: str = ""

    @property
    def is_stale(self) -> bool:
        return self.market is not None and self.market.is_stale

    @property
    def can_trade(self) -> bool:
        return self.capital is not None and self.capital > ZERO


def choose_equity(market_type: MarketType, reading: MarketReading | None, oldest_usable: dt.date) -> MarketEquity:
    """The equity of a market type: live, else a cached summary dated `oldest_usable` or later, else none."""
    if reading is None:
        return MarketEquity(market_type, "", None, BalanceSource.NONE, None, "no balance for this market type")
    if reading.live is not None:
        return MarketEquity(market_type, reading.currency, reading.live, BalanceSource.LIVE, None, "live")
    cached = reading.cached
    if cached is None:
        return MarketEquity(market_type, reading.currency, None, BalanceSource.NONE, None,
                            f"{reading.live_error}; no cached summary")
    if cached.trade_date < oldest_usable:
        return MarketEquity(market_type, reading.currency, None, BalanceSource.NONE, cached.trade_date,
                            f"{reading.live_error}; the cached summary of {cached.trade_date} is older than "
                            f"{oldest_usable}")
    return MarketEquity(market_type, reading.currency, cached.equity, BalanceSource.CACHED, cached.trade_date,
                        f"STALE: cached summary of {cached.trade_date} ({reading.live_error})")


def allocate_capital(strategies: Sequence[Strategy], readings: Mapping[MarketType, MarketReading],
                     oldest_usable: dt.date) -> list[StrategyCapital]:
    """Give each strategy its capital from its market type's equity (the one allocation rule; see the module)."""
    result: dict[StrategyId, StrategyCapital] = {}
    for market_type in sorted({s.market_type for s in strategies}):
        market = choose_equity(market_type, readings.get(market_type), oldest_usable)
        members = [s for s in strategies if s.market_type is market_type]
        active = sorted((s for s in members if s.active), key=lambda s: s.strategy_id)
        total_weight = sum((s.weight for s in active), ZERO)
        for strategy in members:
            if not strategy.active:
                result[strategy.strategy_id] = StrategyCapital(strategy, ZERO, None, market, "inactive")
        if not active:
            continue
        if market.equity is None:
            for strategy in active:
                result[strategy.strategy_id] = StrategyCapital(strategy, strategy.weight / total_weight, None,
                                                               market, market.reason)
            continue
        amounts = split_exactly(market.equity, [s.weight for s in active], _quantum(market.currency, market.equity))
        for strategy, amount in zip(active, amounts, strict=True):
            reason = market.reason if market.is_stale else ""
            reason = reason if market.equity > ZERO else "the market type's equity is not above 0"
            result[strategy.strategy_id] = StrategyCapital(strategy, strategy.weight / total_weight,
                                                           amount if market.equity > ZERO else None, market, reason)
    return [result[s.strategy_id] for s in strategies]


def split_exactly(amount: Decimal, weights: Sequence[Decimal], quantum: Decimal) -> list[Decimal]:
    """Split `amount` by `weights` in multiples of `quantum`, adding up to `amount` exactly (largest remainders;
    ties to the earlier weight). `amount` must be a multiple of `quantum`; a negative amount is not split."""
    if amount <= ZERO:
        return [ZERO for _ in weights]
    units = int(amount / quantum)
    if Decimal(units) * quantum != amount:
        raise InvalidInput("is not a multiple of its quantum", where="capital", field="amount", value=str(amount))
    total = sum((Fraction(weight) for weight in weights), Fraction(0))
    exact = [units * Fraction(weight) / total for weight in weights]  # exact: no rounding before the split
    floors = [value.numerator // value.denominator for value in exact]
    left = units - sum(floors)
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for index in by_remainder[:left]:
        floors[index] += 1
    return [Decimal(count) * quantum for count in floors]


def _quantum(currency: str, equity: Decimal) -> Decimal:
    """The currency's minor unit, or finer when the equity itself carries more digits."""
    unit = minor_unit(currency) if currency else ONE
    exponent = equity.as_tuple().exponent
    own = ONE.scaleb(exponent) if isinstance(exponent, int) else unit
    return min(unit, own)
