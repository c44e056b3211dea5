"""The paper broker's factory: a run's paper broker on a simulated market clock inside the market's session."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
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
                 last_runs: Callable[[Sequence[str]], Mapping[str, dt.datetime]]) -> None:
        """`last_runs` gives the last update of each account's newest run (RunRepository.last_updates)."""
        self._store = store
        self.settings = settings
        self._wall = wall
        self._last_runs = last_runs

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
        last = {} if self.settings.start else self._last_runs([account.account_id for account in accounts])
        starts: dict[dt.datetime, list[int]] = {}
        for index, account in enumerate(accounts):
            start = self.settings.start or self._start_after(account, last.get(account.account_id))
            starts.setdefault(start, []).append(index)
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
        return self._start_after(account, self._last_runs([account.account_id]).get(account.account_id))

    def _start_after(self, account: Account, last: dt.datetime | None) -> dt.datetime:
        start = self._wall.now()
        if last is not None:
            start = max(start, last + dt.timedelta(seconds=1))
        market = DEFAULT_MARKET_BY_CURRENCY.get(account.currency, Market.KRX)
        opening = next_open(market, start)
        return (opening or start) + dt.timedelta(minutes=1)
