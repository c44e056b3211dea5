"""Importing a model file: its models (new versions when changed) and its account mappings (assignments).

A file's `account_mappings` (account id -> model, as model_portfolios.yaml has them) assign the models to the
accounts that exist. An account the database does not know is reported and left alone — a mapping does not
say on which broker, or in which currency, an account is — unless the import is told how to create such
accounts (`NewAccounts`: broker and currency), then it is added and assigned. A mapping to a model that is
neither in the file nor stored refuses the whole import before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from trimtab.application.brokers import BrokerFactory
    from trimtab.application.records import Account
    from trimtab.application.repositories import ModelFiles, Storage
    from trimtab.domain.models import ModelPortfolio


@dataclass(frozen=True, slots=True)
class ImportedModel:
    """One model of an imported file: its version, whether that version is new, who now follows it."""

    name: str
    version: str
    new: bool
    moved: tuple[str, ...] = ()  # accounts on the model's latest version: they follow the new one from now on


class Mapping(StrEnum):
    """What a file's mapping did to an account."""

    ASSIGNED = "assigned"  # followed no model, now follows the mapped one
    REASSIGNED = "reassigned"  # followed another model
    UNCHANGED = "unchanged"  # already followed the mapped model (a pinned version stays pinned)
    CREATED = "created"  # unknown, added on the broker asked for and assigned
    UNKNOWN = "unknown account"  # not in the database: reported, not created


@dataclass(frozen=True, slots=True)
class MappedAccount:
    """One line of a file's account_mappings and what the import did with it."""

    account_id: str
    model: str
    outcome: Mapping
    previous: str | None = None  # the model followed before a reassignment


@dataclass(frozen=True, slots=True)
class NewAccounts:
    """How to create the accounts a file maps but the database does not know."""

    broker: str
    currency: str


@dataclass(frozen=True, slots=True)
class ModelImport:
    """What an import did: the models stored and the accounts assigned."""

    models: tuple[ImportedModel, ...]
    mappings: tuple[MappedAccount, ...] = ()

    @property
    def unknown_accounts(self) -> tuple[str, ...]:
        return tuple(line.account_id for line in self.mappings if line.outcome is Mapping.UNKNOWN)


class ModelImportOperations:
    """`import_models` (mixed into the facade)."""

    if TYPE_CHECKING:

        @property
        def storage(self) -> Storage: ...

        @property
        def files(self) -> ModelFiles: ...

        def add_account(self, account_id: str, *, name: str, currency: str, broker: str) -> Account: ...

        def _require_broker(self, name: str, *, field_name: str) -> BrokerFactory: ...

    def import_models(self, path: Path, *, create: NewAccounts | None = None) -> ModelImport:
        """Import every model of a file, then assign the models its account_mappings name.

        Changed content makes a new version, which the accounts following the model's latest version follow
        from now on (they are named in the result; pinned ones stay).
        """
        from trimtab.domain.instruments import parse_currency

        models = self.files.load_models(path)
        mappings = self.files.load_account_mappings(path)
        storage = self.storage
        names = {model.name for model in models}
        for account_id, model_name in mappings.items():
            if model_name not in names and not storage.models.list(model_name):
                raise InvalidInput(f"maps account '{account_id}' to a model neither in the file nor stored",
                                   where=f"{path}, account_mappings", field="model", value=model_name)
        if create is not None and any(storage.accounts.find(account) is None for account in mappings):
            self._require_broker(create.broker.strip().lower(), field_name="broker")
            create = NewAccounts(create.broker.strip().lower(), parse_currency(create.currency,
                                                                               where="command line"))
        imported = tuple(self._import_model(model) for model in models)
        return ModelImport(imported, tuple(self._map(account_id, model_name, create)
                                           for account_id, model_name in mappings.items()))

    def _import_model(self, model: ModelPortfolio) -> ImportedModel:
        storage = self.storage
        before = {info.version for info in storage.models.list(model.name)}
        version = storage.models.import_model(model)
        moved: tuple[str, ...] = ()
        if before and version not in before:
            moved = tuple(account.account_id for account in storage.accounts.list()
                          if (assignment := storage.accounts.assignment(account.account_id)) is not None
                          and assignment.model_name == model.name and assignment.pinned_version is None)
        return ImportedModel(model.name, version, version not in before, moved)

    def _map(self, account_id: str, model_name: str, create: NewAccounts | None) -> MappedAccount:
        accounts = self.storage.accounts
        if accounts.find(account_id) is None:
            if create is None:
                return MappedAccount(account_id, model_name, Mapping.UNKNOWN)
            self.add_account(account_id, name=account_id, currency=create.currency, broker=create.broker)
            accounts.assign_model(account_id, model_name)
            return MappedAccount(account_id, model_name, Mapping.CREATED)
        current = accounts.assignment(account_id)
        if current is not None and current.model_name == model_name:
            return MappedAccount(account_id, model_name, Mapping.UNCHANGED)
        accounts.assign_model(account_id, model_name)
        if current is None:
            return MappedAccount(account_id, model_name, Mapping.ASSIGNED)
        return MappedAccount(account_id, model_name, Mapping.REASSIGNED, current.model_name)
