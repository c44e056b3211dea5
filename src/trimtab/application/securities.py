"""The security master's operations: import a file, list, look ISINs up at a broker, resolve models.

They are methods of the facade (`Trimtab` inherits `SecurityOperations`). A model line that names only an ISIN
(MP_Master.csv rows without a Ticker) is planned under the symbol the master gives it; an ISIN the master does
not know stops planning with one line naming it and how to add it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from trimtab.application.brokers import BrokerChoice, BrokerFactory
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from trimtab.application.repositories import ModelFiles, Storage
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.securities import Security


@runtime_checkable
class SecurityLookup(Protocol):
    """A broker factory that describes securities by ISIN without an account (IBKR's contract details)."""

    async def look_up_isins(self, choice: BrokerChoice, isins: Sequence[str]) -> list[Security]:
        """The securities the broker knows among `isins` (unknown ones are left out)."""
        ...


@dataclass(frozen=True, slots=True)
class LookupResult:
    """What a broker said about some ISINs: those it described (now stored) and those it did not know."""

    found: tuple[Security, ...]
    missing: tuple[str, ...]


class SecurityOperations:
    """The security master (mixed into the facade)."""

    if TYPE_CHECKING:
        brokers: Mapping[str, BrokerFactory]
        @property
        def storage(self) -> Storage: ...

        @property
        def files(self) -> ModelFiles: ...

        def _require_broker(self, name: str, *, field_name: str) -> BrokerFactory: ...

    def import_securities(self, path: Path) -> list[Security]:
        """Store every security of a file (CSV or YAML); a known ISIN is replaced."""
        securities = self.files.load_securities(path)
        self.storage.securities.upsert(securities)
        return securities

    def securities(self) -> list[Security]:
        """Every security of the master, by ISIN."""
        return self.storage.securities.list()

    async def look_up_securities(self, isins: Sequence[str], *, broker: str = "ibkr",
                                 choice: BrokerChoice | None = None) -> LookupResult:
        """Ask a broker to describe ISINs (all unresolved ISINs of the stored models when none are given) and
        store what it knows."""
        from trimtab.domain.securities import check_isin

        factory = self._require_broker(broker, field_name="broker")
        if not isinstance(factory, SecurityLookup):
            raise InvalidInput("this broker cannot look up ISINs", where="command line", field="broker",
                               value=broker)
        wanted = [check_isin(isin, where="command line") for isin in isins] or self.unresolved_isins()
        if not wanted:
            return LookupResult((), ())
        found = await factory.look_up_isins(choice or BrokerChoice(broker=broker), list(dict.fromkeys(wanted)))
        self.storage.securities.upsert(found)
        known = {security.isin for security in found}
        return LookupResult(tuple(found), tuple(isin for isin in dict.fromkeys(wanted) if isin not in known))

    def unresolved_isins(self) -> list[str]:
        """ISINs that the latest versions of the stored models name and the master does not know."""
        from trimtab.domain.isin import model_isins

        storage = self.storage
        names = dict.fromkeys(info.name for info in storage.models.list())
        isins = dict.fromkeys(isin for name in names for isin in model_isins(storage.models.get(name)))
        known = storage.securities.find(isins)
        return [isin for isin in isins if isin not in known]

    def resolve_model(self, model: ModelPortfolio) -> ModelPortfolio:
        """The model with its ISIN lines under their symbols (the database is read only when it has ISINs)."""
        from trimtab.application.file_plans import resolve_isins

        return resolve_isins(model, lambda: self.storage.securities)
