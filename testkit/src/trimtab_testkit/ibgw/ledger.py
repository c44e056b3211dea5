"""Account figures as TWS reports them: per-currency ledger rows and base-currency totals."""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

from trimtab_testkit.ibgw.model import ZERO, FakeAccount, FakeOrder, GatewayConfig

CENT = Decimal("0.01")
RATE_PLACES = Decimal("0.0000001")
SUMMARY_TAGS = ("AccountType", "NetLiquidation", "TotalCashValue", "SettledCash", "AvailableFunds", "BuyingPower",
                "GrossPositionValue", "EquityWithLoanValue", "ExcessLiquidity", "InitMarginReq", "MaintMarginReq",
                "FullInitMarginReq", "FullMaintMarginReq", "Cushion", "Leverage")
LEDGER_TAGS = ("CashBalance", "TotalCashBalance", "StockMarketValue", "NetLiquidationByCurrency", "ExchangeRate")


def money(value: Decimal) -> Decimal:
    return value.quantize(CENT, ROUND_HALF_EVEN)


class Ledger:
    """Reads an account's figures from the gateway's state (the open orders reserve funds)."""

    def __init__(self, config: GatewayConfig) -> None:
        self.config = config

    def stock_value(self, account: FakeAccount, currency: str) -> Decimal:
        total = ZERO
        for symbol, quantity in account.positions.items():
            item = self.config.instrument(symbol)
            if item is not None and item.currency == currency:
                total += quantity * item.price
        return total

    def currencies(self, account: FakeAccount) -> list[str]:
        held = {item.currency for symbol in account.positions if (item := self.config.instrument(symbol))}
        return sorted({*account.cash, *held})

    def in_base(self, account: FakeAccount, amounts: dict[str, Decimal]) -> Decimal:
        return sum((self.config.convert(value, currency, account.base_currency) for currency, value in
                    amounts.items()), ZERO)

    def reserved(self, account: FakeAccount, orders: list[FakeOrder]) -> Decimal:
        """What open buys of the account hold back, in its base currency."""
        total = ZERO
        for order in orders:
            if order.is_open and order.account == account.account_id and order.action == "BUY":
                value = order.remaining * order.reserve_price()
                total += self.config.convert(value, order.instrument.currency, account.base_currency)
        return total

    def base_values(self, account: FakeAccount, orders: list[FakeOrder]) -> dict[str, str]:
        """The summary tags in the base currency (AccountType as text)."""
        cash = self.in_base(account, account.cash)
        stocks = self.in_base(account, {c: self.stock_value(account, c) for c in self.currencies(account)})
        available = cash - self.reserved(account, orders)
        net = cash + stocks
        values = {"NetLiquidation": net, "TotalCashValue": cash, "SettledCash": cash, "AvailableFunds": available,
                  "BuyingPower": available, "GrossPositionValue": stocks, "EquityWithLoanValue": net,
                  "ExcessLiquidity": available, "InitMarginReq": ZERO, "MaintMarginReq": ZERO,
                  "FullInitMarginReq": ZERO, "FullMaintMarginReq": ZERO, "Cushion": Decimal(1), "Leverage": ZERO}
        rows = {tag: format(money(value), "f") for tag, value in values.items()}
        rows["AccountType"] = "INDIVIDUAL"
        return rows

    def ledger_rows(self, account: FakeAccount, currency: str) -> dict[str, str]:
        """The $LEDGER rows of one currency ('BASE' sums every currency in the base currency)."""
        if currency == "BASE":
            cash = self.in_base(account, account.cash)
            stocks = self.in_base(account, {c: self.stock_value(account, c) for c in self.currencies(account)})
            rate = Decimal(1)
        else:
            cash = account.cash.get(currency, ZERO)
            stocks = self.stock_value(account, currency)
            # TWS writes the rate with a handful of decimals ("1.2987013"), not a long quotient
            rate = self.config.convert(Decimal(1), currency, account.base_currency).quantize(RATE_PLACES,
                                                                                             ROUND_HALF_EVEN)
        values = {"CashBalance": money(cash), "TotalCashBalance": money(cash), "StockMarketValue": money(stocks),
                  "NetLiquidationByCurrency": money(cash + stocks), "ExchangeRate": rate.normalize()}
        return {tag: format(value, "f") for tag, value in values.items()}

    def summary(self, account: FakeAccount, orders: list[FakeOrder], tags: list[str]) -> list[tuple[str, str, str]]:
        """(tag, value, currency) rows for an accountSummary request's tag list."""
        base = self.base_values(account, orders)
        rows = [(tag, base[tag], "" if tag == "AccountType" else account.base_currency) for tag in tags if tag in base]
        ledgers = [tag for tag in tags if tag.startswith("$LEDGER")]
        for ledger in ledgers:
            scope = ledger.partition(":")[2]
            currencies = ["BASE", *self.currencies(account)] if scope == "ALL" else [scope or "BASE"]
            for currency in currencies:
                label = account.base_currency if currency == "BASE" and scope != "ALL" else currency
                rows += [(tag, value, label) for tag, value in self.ledger_rows(account, currency).items()]
        return rows

    def account_values(self, account: FakeAccount, orders: list[FakeOrder]) -> list[tuple[str, str, str]]:
        """(key, value, currency) rows of reqAccountUpdates: base totals, then every currency's ledger and BASE."""
        base = self.base_values(account, orders)
        rows = [(tag, value, "" if tag == "AccountType" else account.base_currency) for tag, value in base.items()]
        for currency in ["BASE", *self.currencies(account)]:
            rows += [(tag, value, currency) for tag, value in self.ledger_rows(account, currency).items()]
        rows.append(("AccountCode", account.account_id, ""))
        rows.append(("Currency", account.base_currency, account.base_currency))
        return rows
