"""What orders and fills do to the money: spot balances (free and locked) and futures margin and positions."""

from __future__ import annotations

from decimal import Decimal

from trimtab_testkit.binance.model import ZERO, Balance, ExchangeConfig, ExchangeError, FakeMarket, Order, Position


class SpotLedger:
    """Spot balances: an open buy locks quantity × limit of the quote asset, an open sell its base quantity."""

    def __init__(self, config: ExchangeConfig) -> None:
        self.balances = {asset: Balance(amount) for asset, amount in config.spot_balances.items()}
        self.rate = config.spot_commission

    def balance(self, asset: str) -> Balance:
        return self.balances.setdefault(asset, Balance())

    def reserve(self, order: Order, market: FakeMarket) -> None:
        asset, amount = (market.quote, order.quantity * order.price) if order.side == "BUY" else \
            (market.base, order.quantity)
        balance = self.balance(asset)
        if balance.free < amount:
            raise ExchangeError(-2010, "Account has insufficient balance for requested action.")
        balance.free -= amount
        balance.locked += amount

    def fill(self, order: Order, market: FakeMarket, quantity: Decimal, price: Decimal) -> tuple[Decimal, str]:
        """Move the money of one fill; return the commission and its asset (the quote asset here)."""
        base, quote = self.balance(market.base), self.balance(market.quote)
        value = quantity * price
        commission = value * self.rate
        if order.side == "BUY":
            quote.locked -= quantity * order.price
            quote.free += quantity * (order.price - price) - commission
            base.free += quantity
        else:
            base.locked -= quantity
            quote.free += value - commission
        return commission, market.quote

    def release(self, order: Order, market: FakeMarket) -> None:
        """Unlock what a closed order still held."""
        asset, amount = (market.quote, order.remaining * order.price) if order.side == "BUY" else \
            (market.base, order.remaining)
        balance = self.balance(asset)
        balance.locked -= amount
        balance.free += amount


class FuturesLedger:
    """USDT-margined, one-way, cross, leverage 1: available = wallet + unrealised PnL − initial margin.

    Initial margin counts positions at the mark price and open position-increasing orders at their limit.
    """

    def __init__(self, config: ExchangeConfig) -> None:
        self.wallet = config.futures_wallet
        self.rate = config.futures_commission
        self.positions: dict[str, Position] = {}
        for symbol, amount in config.futures_positions.items():
            market = config.market(symbol)
            if market is not None:
                self.positions[symbol] = Position(amount, market.price, int(config.clock() * 1000))

    def unrealized(self, prices: dict[str, Decimal]) -> Decimal:
        return sum(((prices[s] - p.entry_price) * p.amount for s, p in self.positions.items()), ZERO)

    def initial_margin(self, prices: dict[str, Decimal], open_orders: list[Order]) -> Decimal:
        held = sum((abs(p.amount) * prices[s] for s, p in self.positions.items()), ZERO)
        ordered = sum((o.remaining * o.price for o in open_orders if not o.reduce_only and o.side == "BUY"), ZERO)
        return held + ordered

    def available(self, prices: dict[str, Decimal], open_orders: list[Order]) -> Decimal:
        return self.wallet + self.unrealized(prices) - self.initial_margin(prices, open_orders)

    def reserve(self, order: Order, prices: dict[str, Decimal], open_orders: list[Order]) -> None:
        if order.reduce_only:
            held = self.positions.get(order.symbol, Position()).amount
            selling = sum((o.remaining for o in open_orders if o.symbol == order.symbol and o.reduce_only), ZERO)
            if order.side != "SELL" or order.quantity > held - selling:
                raise ExchangeError(-2022, "ReduceOnly Order is rejected.")
            return
        if order.side == "BUY" and order.quantity * order.price > self.available(prices, open_orders):
            raise ExchangeError(-2019, "Margin is insufficient.")

    def fill(self, order: Order, quantity: Decimal, price: Decimal, at_ms: int) -> tuple[Decimal, Decimal]:
        """Apply one fill to the position and the wallet; return the commission and the realised PnL."""
        position = self.positions.setdefault(order.symbol, Position())
        commission = quantity * price * self.rate
        signed = quantity if order.side == "BUY" else -quantity
        realized = ZERO
        if position.amount == 0 or (position.amount > 0) == (signed > 0):
            total = position.amount + signed
            position.entry_price = (position.entry_price * abs(position.amount) + price * quantity) / abs(total)
            position.amount = total
        else:
            closing = min(quantity, abs(position.amount))
            realized = (price - position.entry_price) * closing * (1 if position.amount > 0 else -1)
            position.amount += signed
            if position.amount == 0:
                position.entry_price = ZERO
        position.update_time = at_ms
        self.wallet += realized - commission
        return commission, realized
