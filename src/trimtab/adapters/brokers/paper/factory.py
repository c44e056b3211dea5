"""The paper broker's factory: a run's paper broker on a simulated market clock inside the market's session."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass

from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.config import PaperConfig
from trimtab.adapters.marketdata.calendars import next_open
from trimtab.adapters.simclock import FastForwardClock
from trimtab.application.brokers import BrokerChoice, BrokerConnection
from trimtab.application.ports import Clock, PaperStateStore
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.instruments import DEFAULT_MARKET_BY_CURRENCY, Market


@dataclass(frozen=True, slots=True)
class PaperSettings:
    """The paper market's seed, a pinned start instant (tests), and the real time each call takes (tests)."""

    seed: int = 7
    start: dt.datetime | None = None
    latency_seconds: float = 0.0


class PaperBrokerFactory:
    """Connects paper accounts: a new run starts at the market's next session; a resumed one where it stopped."""

    def __init__(self, store: Callable[[], PaperStateStore], settings: PaperSettings, wall: Clock,
                 last_run_at: Callable[[str], dt.datetime | None]) -> None:
        self._store = store
        self.settings = settings
        self._wall = wall
        self._last_run_at = last_run_at

    def broker(self, clock: Clock) -> PaperBroker:
        """The paper broker over the stored paper accounts, on `clock`."""
        return PaperBroker(self._store(), clock, self._config())

    def _config(self) -> PaperConfig:
        return PaperConfig(seed=self.settings.seed, latency_seconds=self.settings.latency_seconds)

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        """A paper run's connection: a resumed run continues from the instant it last saved, on the same grid
        of polls and with its saved deadlines, so its simulated market carries on where it was. The paper
        market never makes anyone wait (its clock jumps), so it has no progress to report."""
        clock = FastForwardClock(resume_from or self.settings.start or self.market_start(account))
        yield BrokerConnection(self.broker(clock), "paper", clock, clock.sleep)

    @contextlib.asynccontextmanager
    async def connect_many(self, accounts: Sequence[Account], choice: BrokerChoice,
                           progress: Progress = no_progress,
                           ) -> AsyncIterator[list[tuple[BrokerConnection, list[int]]]]:
        """New reads of many accounts: one connection (over one store) per start instant, each account on the
        clock `connect` would give it; with a pinned start, one connection for all of them."""
        starts: dict[dt.datetime, list[int]] = {}
        for index, account in enumerate(accounts):
            starts.setdefault(self.settings.start or self.market_start(account), []).append(index)
        store = self._store()
        config = self._config()
        connections = []
        for start, members in starts.items():
            clock = FastForwardClock(start)
            connections.append((BrokerConnection(PaperBroker(store, clock, config), "paper", clock, clock.sleep),
                                members))
        yield connections

    def market_start(self, account: Account) -> dt.datetime:
        """A minute into the next session of the account's market, after any earlier run of the account."""
        start = self._wall.now()
        last = self._last_run_at(account.account_id)
        if last is not None:
            start = max(start, last + dt.timedelta(seconds=1))
        market = DEFAULT_MARKET_BY_CURRENCY.get(account.currency, Market.KRX)
        opening = next_open(market, start)
        return (opening or start) + dt.timedelta(minutes=1)
