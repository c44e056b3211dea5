"""Engines as target sources: market data in, a model portfolio out, stored as a new model version on request.

The engine is a pure domain function (`trimtab.domain.engines`); this module gathers its inputs through the
`EngineData` port (files today; a quotations adapter could implement the same port) and, with `import_as`,
stores its model through the same path as `trimtab models import`: accounts and strategies following the
model's latest version move to it, pinned ones stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from trimtab.application.model_import import ModelImportOperations
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from pathlib import Path

    from trimtab.application.model_import import ImportedModel
    from trimtab.domain.engines.kospi_core import EngineResult, IndexClose, KospiCoreParameters, UniverseRow

DEFAULT_MODEL_NAME = "KOSPI-CORE"


class EngineData(Protocol):
    """Market data an engine reads: a universe snapshot and an index's daily closes."""

    def load_universe(self, path: Path) -> tuple[UniverseRow, ...]: ...

    def load_index_closes(self, path: Path) -> tuple[IndexClose, ...]: ...


@dataclass(frozen=True, slots=True)
class EngineRun:
    """What an engine produced and, when it was imported, the stored version."""

    result: EngineResult
    imported: ImportedModel | None = None


class EngineOperations(ModelImportOperations):
    """`run_kospi_core`, and the model imports it stores its models through (mixed into the facade)."""

    if TYPE_CHECKING:
        open_engine_data: Callable[[], EngineData] | None

    def run_kospi_core(self, universe: Path, index: Path, *, as_of: dt.date | None = None,
                       parameters: KospiCoreParameters | None = None, import_as: str | None = None) -> EngineRun:
        """Run the KOSPI core engine on market data files; with `import_as`, store its model under that name.

        `as_of` defaults to the last date of the index file; later closes are ignored.
        """
        from trimtab.domain.engines.kospi_core import run_kospi_core

        if self.open_engine_data is None:
            raise InvalidInput("this installation has no market data source for engines", where="engines")
        data = self.open_engine_data()
        rows = data.load_universe(universe)
        closes = data.load_index_closes(index)
        day = closes[-1].on if as_of is None else as_of
        result = run_kospi_core(rows, closes, as_of=day, name=import_as or DEFAULT_MODEL_NAME,
                                parameters=parameters)
        if import_as is None:
            return EngineRun(result)
        return EngineRun(result, self._import_model(result.model))
