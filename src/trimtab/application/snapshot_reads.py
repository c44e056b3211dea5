"""Reading many accounts' snapshots at once: brokers and factories that can, and one at a time for the others.

A broker that reads many accounts in one go implements `SnapshotReader` next to its BrokerPort (the paper
broker: one query for every account's state); `read_snapshots` uses it and asks any other broker one account
at a time. A broker factory that serves many accounts over shared connections implements `ManyConnector`
(the paper broker: one connection per start instant of its simulated market); `read_accounts` connects every
other factory's accounts one at a time, as a single account's read does. Either way each account's result is
its snapshot or the error its own read raised: one account's failure never hides the others'.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

from trimtab.application.brokers import BrokerChoice, BrokerConnection, BrokerFactory
from trimtab.application.ports import BrokerPort
from trimtab.application.progress import Progress, no_progress
from trimtab.application.records import Account
from trimtab.domain.snapshot import AccountSnapshot

Read = AccountSnapshot | Exception  # an account's snapshot, or why it could not be read


@dataclass(frozen=True, slots=True)
class SnapshotRequest:
    """One account to read, and the symbols to quote besides its holdings (get_snapshot's arguments)."""

    account_id: str
    symbols: tuple[str, ...] = ()


@runtime_checkable
class SnapshotReader(Protocol):
    """A broker that reads many accounts' snapshots in one go."""

    async def get_snapshots(self, requests: Sequence[SnapshotRequest]) -> list[AccountSnapshot | Exception]:
        """One result per request, in order: what get_snapshot would return, or the error it would raise."""
        ...


@runtime_checkable
class ManyConnector(Protocol):
    """A broker factory that connects many accounts at once (each connection serving some of them)."""

    def connect_many(self, accounts: Sequence[Account], choice: BrokerChoice, progress: Progress = no_progress,
                     ) -> AbstractAsyncContextManager[list[tuple[BrokerConnection, list[int]]]]:
        """Connections for new reads of `accounts`, each with the positions (in `accounts`) of those it serves;
        every account is served by exactly one, on the clock its own `connect` would give it."""
        ...


async def read_snapshots(broker: BrokerPort, requests: Sequence[SnapshotRequest]) -> list[Read]:
    """Every request's snapshot or error: in one go from a SnapshotReader, else one get_snapshot at a time."""
    if isinstance(broker, SnapshotReader):
        return await broker.get_snapshots(requests)
    results: list[Read] = []
    for request in requests:
        try:
            results.append(await broker.get_snapshot(request.account_id, list(request.symbols)))
        except Exception as error:  # one account's failure is its own result
            results.append(error)
    return results


async def read_accounts(reads: Sequence[tuple[Account, BrokerFactory, SnapshotRequest]], choice: BrokerChoice,
                        progress: Progress = no_progress) -> list[Read]:
    """Each account read from its factory's broker (new reads, not resumed runs), results in the given order."""
    results: list[Read | None] = [None] * len(reads)
    by_factory: dict[int, list[int]] = {}
    for index, (_, factory, _) in enumerate(reads):
        by_factory.setdefault(id(factory), []).append(index)
    for indices in by_factory.values():
        factory = reads[indices[0]][1]
        if isinstance(factory, ManyConnector):
            await _read_together(factory, [reads[index] for index in indices], indices, results, choice, progress)
            continue
        for index in indices:
            account, _, request = reads[index]
            try:
                async with factory.connect(account, choice, None, progress) as connection:
                    results[index] = await connection.broker.get_snapshot(account.account_id,
                                                                          list(request.symbols))
            except Exception as error:  # one account's failure is its own result
                results[index] = error
    return [result if result is not None else RuntimeError("the broker factory did not read the account")
            for result in results]


async def _read_together(factory: ManyConnector, reads: Sequence[tuple[Account, BrokerFactory, SnapshotRequest]],
                         indices: Sequence[int], results: list[Read | None], choice: BrokerChoice,
                         progress: Progress) -> None:
    try:
        async with factory.connect_many([account for account, _, _ in reads], choice, progress) as connections:
            for connection, members in connections:
                found = await read_snapshots(connection.broker, [reads[member][2] for member in members])
                for member, result in zip(members, found, strict=True):
                    results[indices[member]] = result
    except Exception as error:  # the connection failed: every account it was to read that has no result yet
        for index in indices:
            if results[index] is None:
                results[index] = error
