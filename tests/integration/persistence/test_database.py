"""Engines and the default database location."""

from __future__ import annotations

import shutil
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
from trimtab.domain.errors import StorageUnavailable


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


def test_sqlite_engine_enables_foreign_keys_rollback_journal_and_busy_timeout(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    try:
        with engine.connect() as connection:
            pragmas = [connection.execute(text(f"PRAGMA {name}")).scalar_one()
                       for name in ("foreign_keys", "journal_mode", "busy_timeout")]
        assert pragmas == [1, "truncate", 30000]  # not WAL: see database.py (SIGBUS on a read-only file)
    finally:
        engine.dispose()


def test_plain_postgresql_url_gets_psycopg_driver() -> None:
    assert normalise_url("postgresql://postgres@127.0.0.1/test").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_unreachable_postgresql_raises_storage_unavailable_without_password() -> None:
    with pytest.raises(StorageUnavailable, match=r"PostgreSQL database test at 127\.0\.0\.1:1: ") as raised:
        migrate("postgresql://postgres:s3cret@127.0.0.1:1/test")
    assert "s3cret" not in str(raised.value)
    assert "\n" not in str(raised.value)


def test_sqlite_in_a_missing_folder_raises_storage_unavailable(tmp_path: Path) -> None:
    with pytest.raises(StorageUnavailable, match="unable to open database file"):
        migrate(f"sqlite:///{tmp_path / 'missing' / 'trimtab.db'}")


@pytest.mark.parametrize("replace", [False, True])
def test_sqlite_file_deleted_or_replaced_while_open_stops_the_next_transaction(tmp_path: Path, replace: bool) -> None:
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'trimtab.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            connection.execute(text("SELECT count(*) FROM accounts"))
        shutil.rmtree(folder)
        if replace:  # a restored backup in its place is another file: not the one this process had open
            folder.mkdir()
            migrate(url)
        with pytest.raises(StorageUnavailable, match="deleted or replaced"), engine.begin() as connection:
            connection.execute(text("INSERT INTO accounts VALUES ('A', 'A', 'KRW', 'paper', '2026-01-01')"))
    finally:
        engine.dispose()


def test_sqlite_file_deleted_inside_a_transaction_is_named_as_such_not_as_a_driver_error(tmp_path: Path) -> None:
    """The file goes between BEGIN and the write (the race a run can hit): SQLite then reports a read-only
    database or a file it cannot open; trimtab still says what happened."""
    folder = tmp_path / "data"
    folder.mkdir()
    url = f"sqlite:///{folder / 'trimtab.db'}"
    migrate(url)
    engine = make_engine(url)
    try:
        def write_after_the_file_went() -> None:
            with engine.begin() as connection:
                connection.execute(text("SELECT count(*) FROM accounts"))
                shutil.rmtree(folder)
                connection.execute(text("INSERT INTO accounts VALUES ('A', 'A', 'KRW', 'paper', '2026-01-01')"))

        with pytest.raises(StorageUnavailable, match="deleted or replaced") as stopped:
            write_after_the_file_went()
        assert "nothing more is written" in str(stopped.value)
    finally:
        engine.dispose()
