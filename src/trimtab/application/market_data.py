"""The market-data cache: every snapshot read from a broker is kept; `--cached` reads the last one instead.

Mixed into the facade (`Trimtab` inherits `MarketDataOperations`). Holdings, plans, report positions and runs
all read an account through `read_account` (or keep what a run read with `remember`), so the cache always
holds the last snapshot trimtab saw, with the instant it was read and the broker it came from. A cached read
never contacts the broker: it refuses an account never read, and prices older than the policy's maximum.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from trimtab.application.brokers import BrokerChoice, BrokerFactory
from trimtab.application.progress import Progress, no_progress

if TYPE_CHECKING:
    from trimtab.application.ports import Clock
    from trimtab.application.records import Account
    from trimtab.application.repositories import Storage
    from trimtab.domain.positions_report import AccountReading
    from trimtab.domain.price_age import StoredSnapshot
    from trimtab.domain.snapshot import AccountSnapshot

DEFAULT_MAX_AGE = dt.timedelta(hours=24)  # one trading day


@dataclass(frozen=True, slots=True)
class PricePolicy:
    """How old cached prices (and daily summaries) may be, and the zone times are shown in."""

    max_age: dt.timedelta = DEFAULT_MAX_AGE
    zone: dt.tzinfo = field(default=dt.UTC)
    summary_max_age_days: int = 1  # trading days a daily summary may stand in for a live balance (capital)


class MarketDataOperations:
    """Reads through the cache (mixed into the facade)."""

    if TYPE_CHECKING:
        clock: Clock
        open_price_policy: Callable[[], PricePolicy]

        @property
        def storage(self) -> Storage: ...

        def _factory_for(self, account: Account, choice: BrokerChoice) -> BrokerFactory: ...

    @property
    def price_policy(self) -> PricePolicy:
        """The maximum age of cached prices and the zone times are shown in (read from the settings)."""
        return self.open_price_policy()

    async def read_account(self, account: Account, symbols: Sequence[str] = (), *, cached: bool = False,
                           choice: BrokerChoice | None = None, progress: Progress = no_progress) -> AccountReading:
        """An account's snapshot: live from its broker (and kept), or with `cached` the last one kept.

        A cached read of an account never read is InvalidInput naming it; so are cached prices older than the
        policy's maximum age, with their age.
        """
        from trimtab.domain.positions_report import AccountReading

        if cached:
            stored = self.cached_snapshot(account.account_id)
            return AccountReading(stored.snapshot, stored.read_at, cached=True)
        choice = choice or BrokerChoice()
        async with self._factory_for(account, choice).connect(account, choice, None, progress) as connection:
            snapshot = await connection.broker.get_snapshot(account.account_id, list(symbols))
        read_at = self.remember(account, snapshot)
        return AccountReading(snapshot, read_at)

    def cached_snapshot(self, account_id: str) -> StoredSnapshot:
        """The last snapshot kept for an account, if young enough (else InvalidInput stating its age)."""
        from trimtab.domain.price_age import nothing_stored, require_young

        stored = self.storage.market_data.latest(account_id)
        if stored is None:
            raise nothing_stored(account_id)
        require_young(stored, self.clock.now(), self.price_policy.max_age)
        return stored

    def remember(self, account: Account, snapshot: AccountSnapshot) -> dt.datetime:
        """Keep a snapshot just read from the account's broker; return the instant it was read."""
        from trimtab.domain.price_age import StoredSnapshot

        read_at = self.clock.now()
        self.storage.market_data.store([StoredSnapshot(snapshot, account.broker, read_at)])
        return read_at

    def remember_many(self, read: Sequence[tuple[Account, AccountSnapshot, dt.datetime]]) -> None:
        """Keep snapshots read from brokers at the instants given, in one transaction (a batch's accounts)."""
        from trimtab.domain.price_age import StoredSnapshot

        self.storage.market_data.store([StoredSnapshot(snapshot, account.broker, read_at)
                                        for account, snapshot, read_at in read])

    def describe_age(self, reading: AccountReading) -> str:
        """``prices read 2026-12-01 06:31 +08, 3 h 12 min old (cached)``, in the policy's zone."""
        from trimtab.domain import price_age

        return price_age.describe_age(reading.read_at, self.clock.now(), self.price_policy.zone, cached=reading.cached)
