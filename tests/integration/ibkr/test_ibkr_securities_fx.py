"""IBKR's own data for the desk, on the local IB Gateway: ISINs described by contract details (the security
master's lookup) and FX rates from the accounts' ExchangeRate values (source "IBKR", with the time read)."""

from __future__ import annotations

import asyncio
import datetime as dt
from decimal import Decimal

from tests.integration.ibkr.gateway_kit import START, HandClock, desk, running
from tests.integration.ibkr.test_ibkr_adapter import account, factory
from trimtab.application.brokers import BrokerChoice
from trimtab.application.desk import FxRateSource
from trimtab.application.securities import SecurityLookup
from trimtab.domain.fx import FxRate, FxRates
from trimtab.domain.securities import Security

READ_AT = dt.datetime.fromtimestamp(START, dt.UTC)


def test_isins_are_described_by_ibkr_contract_details_and_unknown_ones_left_out() -> None:
    async def scenario() -> list[Security]:
        async with running(desk(HandClock())) as gateway:
            ibkr = factory(gateway.port)
            assert isinstance(ibkr, SecurityLookup)
            found = await ibkr.look_up_isins(BrokerChoice(), ["US46138E3378", "SG9999006225"])
            asked = [fields for fields in gateway.received if fields[0] == "9"]
            assert [fields[16:18] for fields in asked] == [["ISIN", "US46138E3378"], ["ISIN", "SG9999006225"]]
            return found

    [spmo] = asyncio.run(scenario())
    assert spmo == Security(isin="US46138E3378", symbol="SPMO", currency="USD", exchange="SMART", con_id=1001,
                            min_tick=Decimal("0.01"), name="SPMO", source="IBKR", updated_at=READ_AT)


def test_fx_rates_come_from_the_account_s_exchange_rate_values_with_source_and_time() -> None:
    async def scenario() -> tuple[list[FxRate], list[FxRate], list[FxRate]]:
        async with running(desk(HandClock())) as gateway:
            ibkr = factory(gateway.port)
            async with ibkr.connect(account("DU111"), BrokerChoice(), None) as connected:
                broker = connected.broker
                assert isinstance(broker, FxRateSource)
                sgd_base = await broker.get_fx_rates("SGD", ["USD", "SGD"])
                usd_base = await broker.get_fx_rates("USD", ["SGD"])  # the account's base is the currency
                crossed = await broker.get_fx_rates("KRW", ["USD"])  # neither side is DU111's base: none
            return sgd_base, usd_base, crossed

    sgd_base, usd_base, crossed = asyncio.run(scenario())
    [usd_sgd] = sgd_base
    # the gateway values 1 USD at 1 / 0.75 SGD, written 1.3333333; the rate is the Decimal of that text
    assert (usd_sgd.pair, usd_sgd.rate, usd_sgd.source, usd_sgd.as_of) == ("USD/SGD", Decimal("1.3333333"), "IBKR",
                                                                            READ_AT)
    [sgd_usd] = usd_base
    assert sgd_usd.pair == "USD/SGD"
    assert crossed == []
    table = FxRates([usd_sgd])
    assert table.conversion("USD", "SGD").apply(Decimal(75)) == Decimal("100.00")  # 99.9999975, to the cent
