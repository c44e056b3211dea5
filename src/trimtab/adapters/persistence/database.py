"""Engines, the default database location, and migrations run from Python (SQLAlchemy Core only: a command
that only reads, such as `trimtab accounts`, never loads the ORM).

SQLite connections run with foreign keys on, a rollback journal (TRUNCATE), a 30 s busy timeout and
``BEGIN IMMEDIATE`` transactions: a transaction takes the write lock when it starts, so two writers queue
instead of one failing on an upgrade from a read lock (https://www.sqlite.org/lang_transaction.html).

Not WAL: WAL keeps its index in a memory-mapped ``-shm`` file, and a database made read-only under a running
process (a read-only remount, an immutable file) then kills the process with SIGBUS in the middle of a write.
With a rollback journal the same event is an ordinary error (StorageUnavailable), at ~2 ms more per commit.
Every transaction also checks that the file it opened is still there (see ``_on_begin``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.exc import ArgumentError, InterfaceError, OperationalError

from trimtab.adapters.persistence.location import DATABASE_URL_VARIABLE as DATABASE_URL_VARIABLE
from trimtab.adapters.persistence.location import default_database_url as default_database_url
from trimtab.domain.errors import InvalidInput, StorageUnavailable

if TYPE_CHECKING:
    from alembic.config import Config

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
BUSY_TIMEOUT_SECONDS = 30
SCHEMA_HEAD = "0015"  # the newest migration; tests check it against the migration scripts


def normalise_url(url: str | URL) -> URL:
    """Parse a database URL; plain ``postgresql://`` gets the psycopg 3 driver."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed


def make_engine(url: str | URL, **options: Any) -> Engine:
    """Create an engine: SQLite with foreign keys, WAL and a busy timeout; PostgreSQL through psycopg 3."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        connect_args = {"timeout": BUSY_TIMEOUT_SECONDS, **options.pop("connect_args", {})}
        engine = create_engine(parsed, connect_args=connect_args, **options)
        _configure_sqlite(engine)
    else:
        engine = create_engine(parsed, pool_pre_ping=True, **options)
    _translate_storage_errors(engine)
    return engine


def describe(url: str | URL) -> str:
    """Name a database for a message: backend and place, never a password."""
    parsed = normalise_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite database {parsed.database or ':memory:'}"
    return f"PostgreSQL database {parsed.database} at {parsed.host or 'localhost'}:{parsed.port or 5432}"


def _translate_storage_errors(engine: Engine) -> None:
    """A database that cannot be reached, read or written becomes StorageUnavailable, in one line.

    Unreachable servers, cut connections, read-only or full disks and missing folders come from the driver as
    OperationalError or InterfaceError; constraint violations (IntegrityError) and programming errors pass
    through unchanged, as the repositories rely on them.
    """
    where = describe(engine.url)
    path = _sqlite_path(engine)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        error = context.sqlalchemy_exception
        if isinstance(error, OperationalError | InterfaceError):
            if _replaced(path, context.connection):  # the driver's words for it vary with the moment it noticed
                raise StorageUnavailable(_REPLACED.format(where=where)) from None
            detail = str(getattr(error, "orig", error)).strip().splitlines()
            raise StorageUnavailable(f"{where}: {detail[0] if detail else type(error).__name__}") from None


_REPLACED = "{where} was deleted or replaced while in use; nothing more is written"


def _sqlite_path(engine: Engine) -> str | None:
    """The file of a SQLite database (None: not SQLite, or in memory)."""
    if engine.url.get_backend_name() != "sqlite":
        return None
    database = engine.url.database
    return None if database in (None, "", ":memory:") or database.startswith("file:") else database


def _replaced(path: str | None, connection: Any) -> bool:
    """Whether the SQLite file a connection opened is no longer the one at its path (deleted or replaced)."""
    if path is None or connection is None:
        return False
    expected = connection.info.get("file_identity")
    return expected is not None and _file_identity(path) != expected


def _file_identity(path: str) -> tuple[int, int] | None:
    """The file's device and inode, or None when it is gone."""
    try:
        status = os.stat(path)
    except OSError:
        return None
    return status.st_dev, status.st_ino


def _configure_sqlite(engine: Engine) -> None:
    path = _sqlite_path(engine)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_SECONDS * 1000}")
            if path is not None:
                cursor.execute("PRAGMA journal_mode=TRUNCATE")
        finally:
            cursor.close()
        if path is not None:
            record.info["file_identity"] = _file_identity(path)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        # An open SQLite file keeps working after it was deleted (or its folder was): writes would succeed
        # into a file nobody will ever read again. Every transaction first checks that the path still names
        # the file this connection opened, so such a run stops loudly instead of finishing silently.
        if _replaced(path, connection):
            raise StorageUnavailable(_REPLACED.format(where=describe(engine.url)))
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def open_database(url: str) -> Engine:
    """An engine on the database at `url`, migrated to the latest schema when it is behind.

    A database already at the newest revision is recognised with one query, without loading Alembic.
    """
    try:
        engine = make_engine(url)
    except ArgumentError:
        raise InvalidInput("not a database URL (sqlite:///PATH or postgresql://USER@HOST/DB)",
                           where=f"setting {DATABASE_URL_VARIABLE}", value=url[:60]) from None
    revision = _revision(engine)
    if revision != SCHEMA_HEAD:
        if revision is not None and revision not in known_revisions():
            engine.dispose()
            raise StorageUnavailable(
                f"the database's schema is at revision {revision}, which this trimtab does not know (its newest is "
                f"{SCHEMA_HEAD}): a newer trimtab made it; upgrade trimtab, or set {DATABASE_URL_VARIABLE} to "
                "another database")
        migrate(url)
    return engine


def known_revisions() -> frozenset[str]:
    """The revisions of the packaged migrations, from their file names (NNNN_what.py), without Alembic."""
    return frozenset(path.name.split("_", 1)[0] for path in (MIGRATIONS / "versions").glob("[0-9]*_*.py"))


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if not inspect(connection).has_table("alembic_version"):
            return None
        return connection.execute(text("SELECT version_num FROM alembic_version")).scalar()


def alembic_config(url: str | URL | None = None) -> Config:
    """Build an Alembic configuration for the packaged migrations, independent of the working folder."""
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("path_separator", "os")
    if url is not None:
        config.attributes["url"] = normalise_url(url).render_as_string(hide_password=False)
    return config


def migrate(url: str | URL | None = None, revision: str = "head") -> None:
    """Upgrade the database at url (default: default_database_url()) to the given revision."""
    from alembic import command

    engine = make_engine(url if url is not None else default_database_url())
    try:
        with engine.begin() as connection:
            config = alembic_config()
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
    finally:
        engine.dispose()
