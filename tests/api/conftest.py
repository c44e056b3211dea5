"""The HTTP API served by uvicorn on 127.0.0.1 (a thread of the test process) over a demo database, SQLite or
PostgreSQL, with one token per scope; clients are httpx over real HTTP."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from trimtab import bootstrap
from trimtab.application.access import Scope
from trimtab.application.facade import Trimtab
from trimtab.config import Settings
from trimtab.entrypoints.api.app import create_app
from trimtab_testkit.served import serve_in_thread

START = "2026-11-23T01:30:00+00:00"  # the paper market's clock starts here (a Monday, 10:30 in Seoul)
START_AT = dt.datetime.fromisoformat(START)


@dataclass(frozen=True)
class Api:
    """A served API: its URL, the facade under it and a token secret per scope."""

    url: str
    trimtab: Trimtab
    tokens: dict[str, str]

    def client(self, scope: str | None = "read", headers: dict[str, str] | None = None) -> httpx.Client:
        """A client sending the token of `scope` (None: no token) and these headers."""
        sent = {} if scope is None else {"Authorization": f"Bearer {self.tokens[scope]}"}
        return httpx.Client(base_url=self.url, headers=sent | (headers or {}), timeout=120)


@contextmanager
def running_api(database_url: str, **settings: Any) -> Iterator[Api]:
    """A demo database (DEMO-KR, DEMO-US on the paper broker) served with these settings."""
    trimtab = bootstrap.build(Settings(database_url=database_url, paper_start=START_AT, **settings))
    trimtab.init(demo=True)
    tokens = {"read": trimtab.create_token(frozenset({Scope.READ}), "reader").secret,
              "trade": trimtab.create_token(frozenset({Scope.TRADE}), "trader").secret,
              "admin": trimtab.create_token(frozenset({Scope.ADMIN}), "admin").secret}
    try:
        with serve_in_thread(create_app(trimtab)) as url:
            yield Api(url, trimtab, tokens)
    finally:
        bootstrap.storage_engine(trimtab).dispose()


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    """The API on a fresh demo database (SQLite, then PostgreSQL)."""
    with running_api(database_url) as served:
        yield served


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The error body of a response (every error is {"error": {...}})."""
    body: dict[str, Any] = response.json()["error"]
    return body
