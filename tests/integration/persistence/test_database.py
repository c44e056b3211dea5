"""Engines and the default database location."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from trimtab.adapters.persistence.database import (
    DATABASE_URL_VARIABLE,
    default_database_url,
    make_engine,
    migrate,
    normalise_url,
)


def test_default_database_url_without_variable_is_sqlite_file_in_created_folder(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATABASE_URL_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    folder = tmp_path / ".local" / "share" / "trimtab"
    assert default_database_url() == f"sqlite:///{folder / 'trimtab.db'}"
    assert folder.is_dir()


def test_default_database_url_with_variable_returns_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(DATABASE_URL_VARIABLE, "postgresql+psycopg://u@db/trimtab")
    assert default_database_url() == "postgresql+psycopg://u@db/trimtab"


def test_migrate_without_url_uses_variable(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'from-env.db'}"
    monkeypatch.setenv(DATABASE_URL_VARIABLE, url)
    monkeypatch.chdir(tmp_path)  # the migrations are found next to the package, not in the working folder
    migrate()
    engine = make_engine(url)
    try:
        assert "rebalancing_runs" in inspect(engine).get_table_names()
    finally:
        engine.dispose()


def test_sqlite_engine_enables_foreign_keys_wal_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            pragmas = [connection.execute(text(f"PRAGMA {name}")).scalar_one()
                       for name in ("foreign_keys", "journal_mode", "busy_timeout")]
        assert pragmas == [1, "wal", 30000]
    finally:
        engine.dispose()


def test_plain_postgresql_url_gets_psycopg_driver() -> None:
    assert normalise_url("postgresql://postgres@127.0.0.1/test").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"
