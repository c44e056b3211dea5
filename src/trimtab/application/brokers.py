"""How the application reaches a broker: a factory per broker, each giving a connection for one account's run.

A connection carries the broker port and the clock its run lives on: the paper broker's simulated market
clock (which moves only while the run waits), a real broker's system clock, or a clock shared with a local
broker in tests and demos. Each broker package contributes its factory; the composition root picks them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from trimtab.application.progress import Progress, no_progress

if TYPE_CHECKING:
    from trimtab.application.ports import BrokerPort, Clock
    from trimtab.application.records import Account

Sleep = Callable[[float], Awaitable[None]]
SIMULATED_CLOCK_BROKERS = frozenset({"paper"})  # their runs and snapshots live on a simulated market clock


@dataclass(frozen=True, slots=True)
class BrokerChoice:
    """A command line's say about the broker: its name (must match the account's), environment and address."""

    broker: str | None = None
    environment: str | None = None  # "virtual" or "real" for KIS
    base_url: str | None = None


@dataclass(frozen=True, slots=True)
class BrokerConnection:
    """A broker for one account's run, on the run's clock."""

    broker: BrokerPort
    name: str
    clock: Clock
    sleep: Sleep


class BrokerFactory(Protocol):
    """Connects one account to its broker."""

    def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                progress: Progress = no_progress) -> AbstractAsyncContextManager[BrokerConnection]:
        """A connection for a run: a new one (`resume_from` None) or one resumed from the run's saved instant.

        The broker reports its own waits over a second (quotes read one call at a time, tokens) to `progress`.
        """
        ...


@dataclass(frozen=True, slots=True)
class LoginAccount:
    """An account a broker login can trade, and whether it is a paper (simulated) account."""

    code: str
    paper: bool


@dataclass(frozen=True, slots=True)
class ConnectionCheck:
    """What a broker login answered when asked, without trading: where, which protocol, which accounts."""

    broker: str
    address: str
    server_version: str
    accounts: tuple[LoginAccount, ...]


@runtime_checkable
class ConnectionChecker(Protocol):
    """A broker factory that can check its login without an account (`trimtab ibkr test-connection`)."""

    async def check_connection(self, choice: BrokerChoice) -> ConnectionCheck:
        """Connect, read what the login offers, disconnect; BrokerUnavailable when nothing answers."""
        ...
