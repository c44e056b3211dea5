"""Engines as target sources: market data in, a model portfolio out, stored as a new model version on request.

The engine is a pure domain function (`trimtab.domain.engines`); this module gathers its inputs through the
`EngineData` port (files; and, where the composition root offers it, KIS quotations through the optional
`QuotedEngineData` capability) and, with `import_as`,
stores its model through the same path as `trimtab models import`: accounts and strategies following the
model's latest version move to it, pinned ones stay.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from trimtab.application.model_import import ModelImportOperations
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    import datetime as dt
    from collections.abc import Callable
    from contextlib import AbstractAsyncContextManager
    from pathlib import Path

    from trimtab.application.brokers import BrokerChoice
    from trimtab.application.model_import import ImportedModel
    from trimtab.application.ports import Clock
    from trimtab.domain.engines.kospi_core import EngineResult, IndexClose, KospiCoreParameters, UniverseRow

DEFAULT_MODEL_NAME = "KOSPI-CORE"
INDEX_CLOSES_READ = 260  # about a year of sessions: the regime filter needs 200, the rest is margin


class EngineData(Protocol):
    """Market data an engine reads: a universe snapshot and an index's daily closes."""

    def load_universe(self, path: Path) -> tuple[UniverseRow, ...]: ...

    def load_index_closes(self, path: Path) -> tuple[IndexClose, ...]: ...


class EngineQuotes(Protocol):
    """Market data an engine reads from a broker's quotations (KIS), live."""

    async def universe(self, market: str) -> tuple[UniverseRow, ...]: ...

    async def index_closes(self, index: str, through: dt.date, count: int) -> tuple[IndexClose, ...]: ...


@runtime_checkable
class QuotedEngineData(Protocol):
    """An engine data source that can also read quotations (optional: files alone are enough)."""

    def quotes(self, choice: BrokerChoice) -> AbstractAsyncContextManager[EngineQuotes]: ...


@dataclass(frozen=True, slots=True)
class EngineRun:
    """What an engine produced and, when it was imported, the stored version."""

    result: EngineResult
    imported: ImportedModel | None = None


class EngineOperations(ModelImportOperations):
    """`run_kospi_core`, and the model imports it stores its models through (mixed into the facade)."""

    if TYPE_CHECKING:
        open_engine_data: Callable[[], EngineData] | None
        clock: Clock

    def run_kospi_core(self, universe: Path, index: Path, *, as_of: dt.date | None = None,
                       parameters: KospiCoreParameters | None = None, import_as: str | None = None) -> EngineRun:
        """Run the KOSPI core engine on market data files; with `import_as`, store its model under that name.

        `as_of` defaults to the last date of the index file; later closes are ignored.
        """
        data = self._engine_data()
        rows = data.load_universe(universe)
        closes = data.load_index_closes(index)
        return self._run_kospi_core(rows, closes, as_of, parameters, import_as)

    async def run_kospi_core_quoted(self, choice: BrokerChoice, *, as_of: dt.date | None = None,
                                    parameters: KospiCoreParameters | None = None,
                                    import_as: str | None = None) -> EngineRun:
        """Run the KOSPI core engine on KIS quotations: the largest KOSPI companies now and the KOSPI's closes up
        to `as_of` (default: today in Seoul); with `import_as`, store its model under that name."""
        from trimtab.domain.market_time import zone_for

        data = self._engine_data()
        if not isinstance(data, QuotedEngineData):
            raise InvalidInput("this installation reads engine data from files only", where="engines",
                               field="source", value="kis")
        through = as_of or self.clock.now().astimezone(zone_for(currency="KRW")).date()
        async with data.quotes(choice) as quotes:
            rows = await quotes.universe("KOSPI")  # first: a server without the ranking is refused at once
            closes = await quotes.index_closes("KOSPI", through, INDEX_CLOSES_READ)
        return self._run_kospi_core(rows, closes, as_of, parameters, import_as)

    def _engine_data(self) -> EngineData:
        if self.open_engine_data is None:
            raise InvalidInput("this installation has no market data source for engines", where="engines")
        return self.open_engine_data()

    def _run_kospi_core(self, rows: tuple[UniverseRow, ...], closes: tuple[IndexClose, ...], as_of: dt.date | None,
                        parameters: KospiCoreParameters | None, import_as: str | None) -> EngineRun:
        from trimtab.domain.engines.kospi_core import run_kospi_core

        if not closes:
            raise InvalidInput("no index closes to run the engine on", where="engines", field="index")
        day = closes[-1].on if as_of is None else as_of
        result = run_kospi_core(rows, closes, as_of=day, name=import_as or DEFAULT_MODEL_NAME,
                                parameters=parameters)
        if import_as is None:
            return EngineRun(result)
        return EngineRun(result, self._import_model(result.model))
