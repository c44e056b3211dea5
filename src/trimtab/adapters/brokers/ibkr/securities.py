"""IBKR's own data for the desk: securities described by ISIN (contract details) and FX rates (account values).

An ISIN is looked up with `reqContractDetails` on a contract that names only `secIdType='ISIN'` and `secId`;
the first stock listing IBKR returns is kept (routed SMART). FX rates are the `ExchangeRate` values of an
account's `$LEDGER:ALL` summary: one unit of each currency in the account's base currency, as IBKR values the
account now. They are recorded with source "IBKR" and the time they were read; nothing is crossed through a
third currency.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Sequence

from ib_async import IB, Contract

from trimtab.adapters.brokers.ibkr.convert import to_decimal
from trimtab.domain.errors import BrokerUnavailable
from trimtab.domain.fx import FxRate
from trimtab.domain.securities import Security

SOURCE = "IBKR"


async def look_up_isins(ib: IB, isins: Sequence[str], now: dt.datetime, seconds: float) -> list[Security]:
    """The securities IBKR describes among `isins` (an ISIN it does not know is left out)."""
    found = []
    for isin in isins:
        try:
            details = await asyncio.wait_for(ib.reqContractDetailsAsync(Contract(secIdType="ISIN", secId=isin)),
                                             seconds)
        except TimeoutError as problem:
            raise BrokerUnavailable(f"IBKR did not describe {isin} in time") from problem
        stocks = [d for d in details if d.contract is not None and d.contract.secType in {"STK", ""}]
        if not stocks or stocks[0].contract is None:
            continue
        contract = stocks[0].contract
        found.append(Security(isin=isin, symbol=contract.symbol, currency=contract.currency,
                              exchange=contract.exchange or "SMART", con_id=contract.conId or None,
                              min_tick=to_decimal(stocks[0].minTick) or None, name=stocks[0].longName,
                              source=SOURCE, updated_at=now))
    return found


def exchange_rates(ib: IB, account: str, base: str, currencies: Sequence[str], now: dt.datetime) -> list[FxRate]:
    """Rates between `base` and each of `currencies` from the account's ExchangeRate values (read beforehand).

    IBKR gives one unit of each currency in the account's base currency, so a pair is known when the report's
    base or the currency itself is the account's base currency; other pairs are left out.
    """
    rows = [value for (code, tag, _), value in ib.wrapper.acctSummary.items() if code == account]
    account_base = next((row.currency for row in rows if row.tag == "NetLiquidation"), "")
    in_base = {row.currency: to_decimal(row.value) for row in rows if row.tag == "ExchangeRate"
               and row.currency != "BASE"}
    rates = []
    for currency in dict.fromkeys(currencies):
        if currency == base:
            continue
        if account_base == base:
            rate, pair = in_base.get(currency), (currency, base)
        elif account_base == currency:
            rate, pair = in_base.get(base), (base, currency)
        else:
            continue
        if rate is not None and rate > 0:
            rates.append(FxRate(pair[0], pair[1], rate, SOURCE, now))
    return rates
