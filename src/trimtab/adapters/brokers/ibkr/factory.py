"""The IBKR broker's factory and its settings: one ib_async connection per run, closed when the run's block ends."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from trimtab.adapters.brokers.ibkr.broker import IbkrBroker, IbkrBrokerConfig
from trimtab.adapters.brokers.ibkr.connection import IbkrConnectionSettings, connect
from trimtab.adapters.brokers.ibkr.convert import is_paper
from trimtab.adapters.brokers.ibkr.securities import look_up_isins
from trimtab.application.brokers import BrokerChoice, BrokerConnection, ConnectionCheck, LoginAccount
from trimtab.application.ports import Clock
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.securities import Security
from trimtab.domain.snapshot import CostSettings


@dataclass(frozen=True, slots=True)
class IbkrSettings:
    """Everything the IBKR adapter reads from settings (no secrets: TWS / IB Gateway holds the login)."""

    host: str = "127.0.0.1"
    port: int | None = None  # None: discover 4001 → 4002 → 7497 → 7496
    client_id: int = 17
    timeout_seconds: float = 10.0
    accounts: Mapping[str, str] = field(default_factory=dict)  # trimtab account id → IBKR account code
    market_order_type: str = "MKT"  # or MOC
    commission_rate: Decimal = Decimal("0.0005")
    commission_minimum: Decimal = Decimal(1)

    def ib_account(self, account_id: str) -> str:
        """The IBKR account code of a trimtab account (its own id unless mapped)."""
        return self.accounts.get(account_id, account_id)


class IbkrBrokerFactory:
    """Connects IBKR accounts: many accounts share one TWS / IB Gateway login, each run its own connection."""

    def __init__(self, settings: IbkrSettings, clock: Clock, sleep: Callable[[float], Awaitable[None]]) -> None:
        self.settings = settings
        self._clock = clock
        self._sleep = sleep

    def connection_settings(self, choice: BrokerChoice) -> IbkrConnectionSettings:
        settings = self.settings
        host, port = settings.host, settings.port
        if choice.base_url:
            host, port = _address(choice.base_url, host)
        return IbkrConnectionSettings(host=host, port=port, client_id=settings.client_id,
                                      timeout_seconds=settings.timeout_seconds)

    async def check_connection(self, choice: BrokerChoice) -> ConnectionCheck:
        """Connect (discovering the port unless one is set), read the managed accounts and the server version."""
        settings = replace(self.connection_settings(choice), readonly=True)
        ib, port = await connect(settings)
        try:
            accounts = tuple(LoginAccount(code, is_paper(code)) for code in ib.managedAccounts())
            return ConnectionCheck("ibkr", f"{settings.host}:{port}", str(ib.client.serverVersion()), accounts)
        finally:
            ib.disconnect()

    async def look_up_isins(self, choice: BrokerChoice, isins: Sequence[str]) -> list[Security]:
        """Describe ISINs with IBKR's contract details over a read-only connection (unknown ones left out)."""
        settings = replace(self.connection_settings(choice), readonly=True)
        ib, _ = await connect(settings)
        try:
            return await look_up_isins(ib, isins, self._clock.now(), settings.timeout_seconds)
        finally:
            ib.disconnect()

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        """An IBKR connection on the system clock (or the simulated one shared with a local gateway)."""
        ib, _ = await connect(self.connection_settings(choice))
        try:
            code = self.settings.ib_account(account.account_id)
            managed = ib.managedAccounts()
            if code not in managed:
                raise InvalidInput(f"this login manages {', '.join(managed) or 'no account'}",
                                   where=f"account '{account.account_id}'", field="IBKR account", value=code)
            config = IbkrBrokerConfig(
                account.account_id, code, currency=account.currency,
                costs=CostSettings(self.settings.commission_rate, self.settings.commission_minimum),
                market_order_type=self.settings.market_order_type)
            yield BrokerConnection(IbkrBroker(ib, config, self._clock), "ibkr", self._clock, self._sleep)
        finally:
            ib.disconnect()


def _address(address: str, host: str) -> tuple[str, int]:
    """Host and port from `PORT`, `HOST:PORT` or `tcp://HOST:PORT` (the command line's --base-url)."""
    text = address.split("://", 1)[-1].strip("/")
    given, _, tail = text.rpartition(":")
    if not tail.isdigit():
        raise InvalidInput("give the TWS / IB Gateway address as PORT or HOST:PORT", where="command line",
                           field="base-url", value=address)
    return given or host, int(tail)
