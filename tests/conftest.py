"""Shared test set-up: trap float leaks into Decimal arithmetic; databases for tests that need one.

Database tests run on SQLite (a file in tmp_path) and on PostgreSQL (a fresh schema per test) at
127.0.0.1:5432 (user postgres, trust auth, database test). Without a server there, the PostgreSQL cases
skip, unless TRIMTAB_REQUIRE_POSTGRES=1 (as in CI) turns the skip into a failure.
"""

from __future__ import annotations

import decimal
import os
import secrets
import socket
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from hypothesis import settings
from psycopg import sql
from sqlalchemy import Engine

from trimtab.adapters.persistence.database import make_engine, migrate
from trimtab_testkit.smtp import Inbox
from trimtab_testkit.smtp import smtp_inbox as serve_inbox


@pytest.fixture(autouse=True)
def _trap_float_operations() -> None:
    decimal.getcontext().traps[decimal.FloatOperation] = True


POSTGRES_HOST, POSTGRES_PORT = "127.0.0.1", 5432
POSTGRES_URL = f"postgresql+psycopg://postgres@{POSTGRES_HOST}:{POSTGRES_PORT}/test"
POSTGRES_CONNINFO = f"host={POSTGRES_HOST} port={POSTGRES_PORT} user=postgres dbname=test"
REQUIRE_POSTGRES = "TRIMTAB_REQUIRE_POSTGRES"

# CI (which sets TRIMTAB_REQUIRE_POSTGRES=1) draws Hypothesis's examples from a fixed seed: a property that
# breaks still fails there, every time, but a rare example found by chance cannot turn one submission red and
# the next green. Runs elsewhere keep exploring new examples (and Hypothesis keeps what fails in .hypothesis/).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get(REQUIRE_POSTGRES) == "1":
    settings.load_profile("ci")


def _postgres_answers() -> bool:
    try:
        with socket.create_connection((POSTGRES_HOST, POSTGRES_PORT), timeout=2):
            return True
    except OSError:
        return False


def _require_postgres() -> None:
    if _postgres_answers():
        return
    reason = f"no PostgreSQL server answers at {POSTGRES_HOST}:{POSTGRES_PORT}"
    if os.environ.get(REQUIRE_POSTGRES) == "1":
        pytest.fail(f"{reason} and {REQUIRE_POSTGRES}=1")
    pytest.skip(f"{reason} (set {REQUIRE_POSTGRES}=1 to fail instead of skipping)")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Give the URL of an empty database: a SQLite file, or a new PostgreSQL schema dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'trimtab.db'}"
        return
    yield from postgres_schema_url()


def postgres_schema_url() -> Iterator[str]:
    """Yield the URL of a fresh PostgreSQL schema, dropped afterwards (skip or fail without a server)."""
    _require_postgres()
    schema = f"t_{secrets.token_hex(8)}"
    with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(POSTGRES_CONNINFO, autocommit=True) as connection:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    """Give an engine on a database migrated to head."""
    migrate(database_url)
    engine = make_engine(database_url)
    try:
        yield engine
    finally:
        engine.dispose()


@pytest.fixture
def smtp_inbox() -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 keeping what it receives (notification tests)."""
    with serve_inbox() as inbox:
        yield inbox
