"""Migrations build the whole schema on an empty database, and it matches the tables' metadata."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

from trimtab.adapters.persistence.database import alembic_config, make_engine, migrate
from trimtab.adapters.persistence.tables import Base

TABLES = {
    "accounts", "model_portfolios", "account_assignments", "rebalancing_config", "rebalancing_runs",
    "rebalancing_trades", "fills", "active_runs", "daily_account_summaries", "paper_accounts", "broker_orders",
    "strategies", "ledger_entries", "performance_snapshots",
}


def _head() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def test_migrate_empty_database_creates_every_table_at_head(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        assert set(inspect(engine).get_table_names()) >= TABLES
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == _head()
    finally:
        engine.dispose()


def test_migrate_twice_changes_nothing(database_url: str) -> None:
    migrate(database_url)
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
    finally:
        engine.dispose()


def test_migrated_schema_matches_table_metadata(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def test_downgrade_to_base_then_upgrade_restores_schema(database_url: str) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.downgrade(config, "base")
        assert not TABLES & set(inspect(engine).get_table_names())
        migrate(database_url)
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()


def test_schema_head_constant_is_the_newest_migration() -> None:
    from trimtab.adapters.persistence.database import SCHEMA_HEAD

    assert _head() == SCHEMA_HEAD  # open_database skips Alembic only for a database at this revision


def test_open_database_migrates_a_new_database_and_recognises_a_current_one(database_url: str) -> None:
    from trimtab.adapters.persistence.database import SCHEMA_HEAD, open_database

    engine = open_database(database_url)
    try:
        with engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == SCHEMA_HEAD
        assert set(inspect(engine).get_table_names()) >= TABLES
    finally:
        engine.dispose()
    open_database(database_url).dispose()  # at head: opened as it is


def test_a_database_from_a_newer_trimtab_is_refused_in_one_line_and_left_alone(database_url: str) -> None:
    import pytest

    from trimtab.adapters.persistence.database import known_revisions, make_engine, open_database
    from trimtab.domain.errors import StorageUnavailable

    assert _head() in known_revisions()
    open_database(database_url).dispose()
    engine = make_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = '0099'"))
    with pytest.raises(StorageUnavailable, match="revision 0099, which this trimtab does not know"):
        open_database(database_url)
    with engine.connect() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == "0099"
    engine.dispose()
