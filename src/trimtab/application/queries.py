"""The read-only listings (the AccountQueries port) answered by the repositories, for a facade whose storage
has no faster reader of its own (in-memory storage in tests, an embedding without the SQL adapter)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol

from trimtab.application.records import AccountOverview

if TYPE_CHECKING:
    from trimtab.application.repositories import Storage


class HasStorage(Protocol):
    @property
    def storage(self) -> Storage: ...


class StorageQueries:
    """The listings over the storage's repositories (opened when first read)."""

    def __init__(self, owner: HasStorage) -> None:
        self._owner = owner

    def account_overviews(self) -> list[AccountOverview]:
        storage = self._owner.storage
        return [AccountOverview(account, storage.accounts.assignment(account.account_id),
                                storage.runs.active_run(account.account_id))
                for account in storage.accounts.list()]
