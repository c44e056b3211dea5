"""What every command used to rebuild or recompile (issue 9): the exchange sessions (XKRX took ~1 s per process)
and the installed libraries' bytecode (recompiled on every start under PYTHONDONTWRITEBYTECODE=1)."""

from __future__ import annotations

import datetime as dt
import importlib.util
from pathlib import Path

import pytest

from trimtab.adapters.marketdata import calendars
from trimtab.domain.instruments import Market

DAY = dt.date(2026, 6, 3)  # the election day exchange_calendars misses: the override must survive the cache


@pytest.fixture
def empty_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(calendars, "_sessions", {})
    return tmp_path / ".cache" / "trimtab" / "calendars"


def test_sessions_are_built_once_then_read_from_the_cache_folder(empty_cache: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    built = calendars.session_on(Market.KOSPI, dt.date(2026, 6, 2))
    assert built is not None
    assert calendars.session_on(Market.KOSPI, DAY) is None
    assert len(list(empty_cache.glob("*.json"))) == 1

    monkeypatch.setattr(calendars, "_sessions", {})  # a new process
    monkeypatch.setattr(calendars, "_build_sessions", _must_not_build)
    assert calendars.session_on(Market.KOSPI, dt.date(2026, 6, 2)) == built
    assert calendars.session_on(Market.KOSPI, DAY) is None


def test_a_damaged_cache_file_is_rebuilt(empty_cache: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    expected = calendars.session_on(Market.KOSPI, dt.date(2026, 6, 2))
    for damaged in ("{", "[[1, 2]]", '[["2026-06-02", "x", "y"]]'):
        for file in empty_cache.glob("*.json"):
            file.write_text(damaged)
        monkeypatch.setattr(calendars, "_sessions", {})
        assert calendars.session_on(Market.KOSPI, dt.date(2026, 6, 2)) == expected


def test_installed_libraries_were_compiled_at_install() -> None:
    # A module nothing in trimtab or its tests imports: its bytecode exists only if the installer compiled it.
    spec = importlib.util.find_spec("sqlalchemy.dialects.mssql.information_schema")
    assert spec is not None
    assert spec.origin is not None
    assert Path(importlib.util.cache_from_source(spec.origin)).exists()


def _must_not_build(name: str) -> object:
    raise AssertionError(f"calendar {name} built again")
