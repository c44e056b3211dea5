"""A strategy's slice of an account: its holdings (the ledger's), its cash reservation, as a snapshot to plan on.

Reservation: each strategy claims its capital (`allocate_capital`) less the market value of its ledger holdings,
never below 0. When the claims of all the account's strategies add up to more than the account's real cash
(ownerless shares, MANUAL or REB_, sit in the equity the capital is cut from; or a strategy holds more than its
capital), every claim is cut to claim x cash / sum of claims, rounded down to the currency's minor unit: the
reservations then never add up to more than the cash, and two strategies never spend the same won. A strategy
outside the run still claims its part, so a run of one strategy cannot spend another's cash.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from decimal import ROUND_FLOOR, Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import ZERO
from trimtab.domain.snapshot import AccountSnapshot, Holding
from trimtab.domain.strategies import StrategyId


def claim(capital: Decimal | None, holdings_value: Decimal) -> Decimal:
    """What a strategy may claim of the account's cash: its capital less its holdings' value, at least 0."""
    if capital is None:
        return ZERO
    return max(ZERO, capital - holdings_value)


def reserve_cash(claims: Mapping[StrategyId, Decimal], cash: Decimal, quantum: Decimal) -> dict[StrategyId, Decimal]:
    """Each strategy's cash reservation: its claim, cut in proportion when the claims exceed the cash (module)."""
    for strategy, amount in claims.items():
        if amount < ZERO:
            raise InvalidInput("must not be negative", where=f"claim of strategy '{strategy}'", field="claim",
                               value=str(amount))
    total = sum(claims.values(), ZERO)
    available = max(cash, ZERO)
    if total <= available:
        return dict(claims)
    return {strategy: (amount * available / total).quantize(quantum, rounding=ROUND_FLOOR)
            for strategy, amount in claims.items()}


def holdings_value(quantities: Mapping[str, Decimal], account: AccountSnapshot) -> Decimal:
    """The market value of some quantities at the account snapshot's quotes."""
    return sum((quantity * _price(account, symbol) for symbol, quantity in quantities.items()), ZERO)


def oversold(ledger_totals: Mapping[str, Decimal], account: AccountSnapshot) -> dict[str, tuple[Decimal, Decimal]]:
    """Symbols the ledger gives the strategies more of than the broker holds: (ledger, broker) quantities."""
    result = {}
    for symbol, quantity in ledger_totals.items():
        holding = account.holding(symbol)
        held = ZERO if holding is None else holding.quantity
        if quantity > held:
            result[symbol] = (quantity, held)
    return result


def slice_snapshot(account: AccountSnapshot, quantities: Mapping[str, Decimal], cash: Decimal) -> AccountSnapshot:
    """The account as one strategy sees it: its ledger quantities (sellable up to the broker's orderable quantity),
    its reserved cash, and the account's quotes, costs and exclusions."""
    holdings = []
    for symbol, quantity in sorted(quantities.items()):
        if quantity <= ZERO:
            continue
        broker = account.holding(symbol)
        quote = broker.quote if broker is not None else account.quote(symbol)
        if quote is None:
            raise InvalidInput("no quote for a symbol the strategy holds", where=f"account '{account.account_id}'",
                               field="symbol", value=symbol)
        orderable = ZERO if broker is None else min(quantity, broker.orderable_quantity)
        holdings.append(Holding(quote, quantity, orderable))
    return replace(account, cash=cash, holdings=tuple(holdings))


def _price(account: AccountSnapshot, symbol: str) -> Decimal:
    holding = account.holding(symbol)
    quote = holding.quote if holding is not None else account.quote(symbol)
    if quote is None:
        raise InvalidInput("no quote for a symbol the strategy holds", where=f"account '{account.account_id}'",
                           field="symbol", value=symbol)
    return quote.price
