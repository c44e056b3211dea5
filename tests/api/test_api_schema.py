"""The API against its own OpenAPI document (schemathesis, bounded for CI: a few examples per operation): no 5xx,
every status documented, every body as declared. Then `trimtab serve` as a process, and a database that cannot be
reached (503)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.core.result import Ok
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.conftest import START, Api, error_of, running_api
from trimtab import bootstrap
from trimtab.application.access import Scope
from trimtab.config import Settings
from trimtab.entrypoints.api.app import create_app
from trimtab_testkit.served import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = 8  # per operation: bounded for CI (seconds, not minutes)
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def served(database_url: str) -> Iterator[tuple[Api, str]]:
    with running_api(database_url) as api:
        token = api.trimtab.create_token(frozenset({Scope.READ, Scope.ADMIN}), "schemathesis").secret
        yield api, token


def test_api_answers_as_its_openapi_document_says(served: tuple[Api, str]) -> None:
    api, token = served
    schema = schemathesis.openapi.from_url(f"{api.url}/openapi.json")
    results = list(schema.get_all_operations())
    operations = [result.ok() for result in results if isinstance(result, Ok)]
    assert len(operations) == len(results)
    assert len(operations) >= 15
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def conforms(case: Any) -> None:
            case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)

        conforms()


def test_trimtab_serve_prints_its_url_and_serves_the_openapi_document(tmp_path: Path) -> None:
    environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
    environment.update({"TRIMTAB_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}", "TRIMTAB_PAPER_START": START})
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", "serve", "--port", "0"]
    server = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,  # noqa: S603
                              cwd=ROOT, env=environment)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        assert line.startswith("trimtab API on http://127.0.0.1:"), line
        url = line.split()[3]
        assert httpx.get(f"{url}/health", timeout=30).json()["status"] == "ok"
        document = httpx.get(f"{url}/openapi.json", timeout=30).json()
        assert {"/accounts", "/accounts/{account_id}/bands", "/drift", "/runs", "/runs/{run_id}",
                "/models/import"} <= set(document["paths"])
        assert document["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
        assert httpx.get(f"{url}/accounts", timeout=30).status_code == 401
        assert server.stdout.readline() == f"dashboard on {url}/ui/ (log in with a token from trimtab tokens create)\n"
        login = httpx.get(f"{url}/", timeout=30, follow_redirects=True)  # / leads to the dashboard, then its login
        assert (login.status_code, login.url.path) == (200, "/ui/login")
        assert not any(path.startswith("/ui") for path in document["paths"])
    finally:
        server.terminate()
        server.communicate(timeout=30)
    assert server.returncode in (0, -15)


def test_api_database_unreachable_is_503_in_one_line() -> None:
    trimtab = bootstrap.build(Settings(database_url="postgresql://postgres@127.0.0.1:9/unreachable"))
    with serve_in_thread(create_app(trimtab)) as url:
        response = httpx.get(f"{url}/accounts", headers={"Authorization": "Bearer ttk_" + "x" * 43}, timeout=60)
    assert response.status_code == 503
    assert error_of(response)["code"] == "storage_unavailable"
    assert "Traceback" not in response.text
    assert "\n" not in error_of(response)["message"]


def test_api_cors_and_host_checks_are_off_by_default_and_on_when_asked(api: Api) -> None:
    origin = {"Origin": "https://desk.example", "Host": "evil.example"}
    with api.client("read", headers=origin) as client:
        default = client.get("/accounts")
    assert default.status_code == 200
    assert "access-control-allow-origin" not in default.headers
    guarded = create_app(api.trimtab, cors_origins=["https://desk.example"], allowed_hosts=["127.0.0.1"])
    with serve_in_thread(guarded) as url:
        token = {"Authorization": f"Bearer {api.tokens['read']}"}
        allowed = httpx.get(f"{url}/accounts", headers={**token, "Origin": "https://desk.example"}, timeout=60)
        assert allowed.headers["access-control-allow-origin"] == "https://desk.example"
        assert httpx.get(f"{url}/health", headers={"Host": "evil.example"}, timeout=60).status_code == 400
