"""Reading a batch's accounts (`read_accounts`): the paper factory connects them together, each account on the
clock its own connection would have, and gives what one connection per account gives; other factories are
connected one account at a time; one account's failure is its own result."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import AsyncIterator, Sequence
from decimal import Decimal

from tests.contract.clocks import FixedClock
from tests.contract.harness import run
from trimtab.adapters.brokers.paper.broker import PaperBroker
from trimtab.adapters.brokers.paper.factory import PaperBrokerFactory, PaperSettings
from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.application.snapshot_reads import ManyConnector, Read, SnapshotRequest, read_accounts
from trimtab.domain.errors import BrokerUnavailable, InvalidInput
from trimtab.domain.snapshot import AccountSnapshot
from trimtab_testkit.memory import InMemoryPaperStateStore

WALL = dt.datetime(2026, 11, 21, 3, 0, tzinfo=dt.UTC)  # a Saturday: the next sessions are Monday's
LATER_RUN = dt.datetime(2026, 11, 24, 22, 0, tzinfo=dt.UTC)  # US-RAN's last run: after Monday's US session
CHOICE = BrokerChoice()


def _account(account_id: str, currency: str) -> Account:
    return Account(account_id, account_id, currency, "paper", WALL)


ACCOUNTS = [_account("KR-1", "KRW"), _account("US-1", "USD"), _account("GONE", "USD"), _account("US-RAN", "USD"),
            _account("US-CASH", "USD")]
SYMBOLS = {"KRW": ("069500", "005930"), "USD": ("SPMO", "SMH", "IAU")}


def _factory(start: dt.datetime | None = None) -> PaperBrokerFactory:
    store = InMemoryPaperStateStore()
    opener = PaperBroker(store, FixedClock(WALL))
    opener.open_account("KR-1", "KRW", Decimal(9_000_000), {"069500": Decimal(40)})
    opener.open_account("US-1", "USD", Decimal(5_000), {"SPMO": Decimal(10), "IAU": Decimal(3)})
    opener.open_account("US-RAN", "USD", Decimal(2_000), {"SMH": Decimal(7)})
    opener.open_account("US-CASH", "USD", Decimal(100_000))  # GONE has no paper account
    runs = {"US-RAN": LATER_RUN}

    def last_runs(account_ids: Sequence[str]) -> dict[str, dt.datetime]:
        return {account_id: runs[account_id] for account_id in account_ids if account_id in runs}

    return PaperBrokerFactory(lambda: store, PaperSettings(seed=7, start=start), FixedClock(WALL), last_runs)


def _reads(factory: BrokerFactory) -> list[tuple[Account, BrokerFactory, SnapshotRequest]]:
    return [(account, factory, SnapshotRequest(account.account_id, SYMBOLS[account.currency]))
            for account in ACCOUNTS]


async def _each(factory: PaperBrokerFactory) -> list[Read]:
    results: list[Read] = []
    for account in ACCOUNTS:
        async with factory.connect(account, CHOICE, None) as connection:
            try:
                results.append(await connection.broker.get_snapshot(account.account_id,
                                                                    SYMBOLS[account.currency]))
            except InvalidInput as error:
                results.append(error)
    return results


def _same(together: list[Read], each: list[Read]) -> None:
    for account, got, expected in zip(ACCOUNTS, together, each, strict=True):
        if account.account_id == "GONE":
            assert isinstance(got, InvalidInput)
            assert str(got) == str(expected)
            assert "GONE" in str(got)
        else:
            assert isinstance(got, AccountSnapshot)
            assert got == expected, account.account_id


class OneByOne:
    """A factory without connect_many (as KIS and IBKR are): read_accounts connects each account alone."""

    def __init__(self, factory: PaperBrokerFactory, refused: str = "") -> None:
        self.factory, self.refused = factory, refused

    @contextlib.asynccontextmanager
    async def connect(self, account: Account, choice: BrokerChoice, resume_from: dt.datetime | None,
                      progress: Progress = no_progress) -> AsyncIterator[BrokerConnection]:
        if account.account_id == self.refused:
            raise BrokerUnavailable(f"no route to {account.account_id}")
        async with self.factory.connect(account, choice, resume_from, progress) as connection:
            yield connection


def test_paper_accounts_read_together_on_their_own_clocks_equal_one_connection_each() -> None:
    factory = _factory()
    assert isinstance(factory, ManyConnector)

    async def connected() -> list[tuple[dt.datetime, list[int]]]:
        async with factory.connect_many(ACCOUNTS, CHOICE) as connections:
            return [(connection.clock.now(), members) for connection, members in connections]

    starts = {factory.market_start(account) for account in ACCOUNTS}
    assert len(starts) == 3  # KRX's Monday, the US Monday, and after US-RAN's last run
    assert sorted(run(connected())) == sorted(
        (start, [index for index, account in enumerate(ACCOUNTS) if factory.market_start(account) == start])
        for start in starts)

    together = run(read_accounts(_reads(factory), CHOICE))

    _same(together, run(_each(_factory())))
    us_1, us_ran = together[1], together[3]
    assert isinstance(us_1, AccountSnapshot)
    assert isinstance(us_ran, AccountSnapshot)
    assert us_ran.as_of > us_1.as_of  # read on its own, later clock


def test_a_pinned_start_is_one_connection_and_factories_without_connect_many_read_one_by_one() -> None:
    pinned = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
    factory = _factory(pinned)

    async def connected() -> list[tuple[dt.datetime, list[int]]]:
        async with factory.connect_many(ACCOUNTS, CHOICE) as connections:
            return [(connection.clock.now(), members) for connection, members in connections]

    assert run(connected()) == [(pinned, list(range(len(ACCOUNTS))))]
    each = run(_each(_factory(pinned)))
    _same(run(read_accounts(_reads(factory), CHOICE)), each)
    plain = OneByOne(_factory(pinned), refused="US-1")
    assert not isinstance(plain, ManyConnector)

    alone = run(read_accounts(_reads(plain), CHOICE))

    assert isinstance(alone[1], BrokerUnavailable)
    assert "US-1" in str(alone[1])
    _same([*alone[:1], each[1], *alone[2:]], each)
