"""Where engines read market data: files (`--universe`, `--index`) and KIS quotations (`--source kis`)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import TYPE_CHECKING

from trimtab.adapters.brokers.kis.factory import KisSettings, engine_quotes
from trimtab.adapters.brokers.kis.quotations import KisEngineQuotes
from trimtab.adapters.files.engine_inputs import EngineFiles
from trimtab.application.brokers import BrokerChoice

if TYPE_CHECKING:
    from trimtab.config import Settings


class EngineSources(EngineFiles):
    """The files, plus KIS quotations on the KIS settings read when first asked (QuotedEngineData)."""

    def __init__(self, settings: Callable[[], Settings]) -> None:
        self._settings = settings

    def quotes(self, choice: BrokerChoice) -> AbstractAsyncContextManager[KisEngineQuotes]:
        return engine_quotes(KisSettings.of(self._settings()), choice)
