"""Bearer tokens: no token, a bad or a revoked one is 401; a token without the scope is 403; secrets stay secret."""

from __future__ import annotations

import logging
from decimal import Decimal

import pytest

from tests.api.conftest import Api, error_of


def test_api_health_needs_no_token_and_everything_else_needs_one(api: Api) -> None:
    with api.client(None) as client:
        assert client.get("/health").json()["status"] == "ok"
        refused = client.get("/accounts")
    assert refused.status_code == 401
    assert refused.headers["WWW-Authenticate"] == "Bearer"
    assert error_of(refused)["code"] == "not_authenticated"


def test_api_bad_token_is_401_without_echoing_it(api: Api) -> None:
    for header in ["Bearer ttk_not-a-token", "Bearer nonsense", "Basic dXNlcjpwYXNz", "Bearer", "ttk_raw"]:
        with api.client(None, headers={"Authorization": header}) as client:
            response = client.get("/accounts")
        assert response.status_code == 401, header
        credentials = header.partition(" ")[2]
        assert not credentials or credentials not in response.text


def test_api_revoked_token_is_401_at_once(api: Api) -> None:
    token = api.trimtab.tokens()[0]
    with api.client("read") as client:
        assert client.get("/accounts").status_code == 200
        api.trimtab.revoke_token(token.token_id)
        assert client.get("/accounts").status_code == 401


MISSING_SCOPE = [
    ("read", "PUT", "/accounts/DEMO-KR/bands", {"class_band": "0.04"}, "admin"),
    ("trade", "PUT", "/accounts/DEMO-KR/assignment", {"model": "GTAA"}, "admin"),
    ("read", "DELETE", "/accounts/DEMO-KR/assignment", None, "admin"),
    ("trade", "POST", "/models/import", {"filename": "m.yaml", "content": ""}, "admin"),
    ("read", "POST", "/runs", {"account_id": "DEMO-KR"}, "trade"),
    ("admin", "POST", "/runs", {"account_id": "DEMO-KR", "execute": True}, "trade"),
    ("admin", "POST", "/runs/abcd1234/resume", None, "trade"),
]


def test_api_token_without_the_scope_is_403(api: Api) -> None:
    for scope, method, path, body, needed in MISSING_SCOPE:
        with api.client(scope) as client:
            response = client.request(method, path, json=body)
        assert response.status_code == 403, (method, path, response.text)
        assert error_of(response) == {"code": "scope_missing", "message": f"this token lacks the '{needed}' scope"}
    assert api.trimtab.runs() == []
    assert api.trimtab.bands("DEMO-KR").class_band == Decimal("0.03")
    assert api.trimtab.account("DEMO-KR").assignment is not None


def test_api_every_token_reads(api: Api) -> None:
    for scope in ("read", "trade", "admin"):
        with api.client(scope) as client:
            assert client.get("/accounts/DEMO-KR/bands").status_code == 200


def test_api_token_secrets_are_stored_as_digests_and_never_logged(api: Api,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    with api.client("admin") as client:
        client.get("/accounts")
        client.get("/runs/nope1234")
    listed = repr(api.trimtab.tokens())
    for secret in api.tokens.values():
        assert secret not in listed
        assert secret not in caplog.text
        assert api.trimtab.storage.tokens.find_by_digest(secret) is None  # looked up by digest only
