"""Alembic environment: migrate the tables' metadata on a given connection or URL.

The database comes from, in order: ``config.attributes["connection"]`` (an open connection, used by
``database.migrate``), ``config.attributes["url"]``, ``sqlalchemy.url`` in alembic.ini, the
``TRIMTAB_DATABASE_URL`` variable, then the default SQLite file.
"""

from __future__ import annotations

from logging.config import fileConfig

from alembic import context
from sqlalchemy import Connection

from trimtab.adapters.persistence.database import default_database_url, make_engine
from trimtab.adapters.persistence.tables import Base

config = context.config
target_metadata = Base.metadata


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters tables by copying them
        compare_type=True,
        user_module_prefix="column_types.",  # script.py.mako imports the persistence types under this name
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    return str(config.attributes.get("url") or config.get_main_option("sqlalchemy.url") or default_database_url())


def run_migrations_offline() -> None:
    """Emit the migration SQL without a database."""
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      dialect_opts={"paramstyle": "named"}, render_as_batch=_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Migrate through the given connection, or a new engine for the configured URL."""
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    if config.config_file_name is not None:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    engine = make_engine(_url())
    try:
        with engine.begin() as new_connection:
            _run(new_connection)
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
