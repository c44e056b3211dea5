"""`trimtab tokens create|list|revoke` and `trimtab serve`'s refusals, as a user types them."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from tests.e2e.cli_process import run_cli, run_ok

START = "2026-11-23T01:30:00+00:00"


def test_cli_tokens_create_shows_the_secret_once_list_never_and_revoke_stops_it(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    created = run_ok(database, START, "tokens", "create", "--scope", "read,trade", "--name", "bot")
    secret = created.splitlines()[-1]
    assert secret.startswith("ttk_")
    assert len(secret) > 40
    listed = json.loads(run_ok(database, START, "tokens", "list", "--json"))["tokens"]
    assert [(t["name"], t["scopes"], t["revoked_at"]) for t in listed] == [("bot", ["read", "trade"], None)]
    assert secret not in json.dumps(listed)
    assert secret not in run_ok(database, START, "tokens", "list")
    token_id = listed[0]["token_id"]
    assert f"token {token_id} revoked" in run_ok(database, START, "tokens", "revoke", token_id)
    assert json.loads(run_ok(database, START, "tokens", "list", "--json"))["tokens"][0]["revoked_at"] is not None


def test_cli_tokens_bad_scope_and_unknown_id_exit_2_in_one_line(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 't.db'}"
    bad = run_cli(database, START, "tokens", "create", "--scope", "root")
    assert (bad.returncode, bad.stderr.strip()) == (2, "error: --scope root: unknown scope (choose read, trade, "
                                                       "admin or signal)")
    unknown = run_cli(database, START, "tokens", "revoke", "abcdef12")
    assert unknown.returncode == 2
    assert "unknown token 'abcdef12'" in unknown.stderr
    assert len(unknown.stderr.strip().splitlines()) == 1


def test_cli_serve_on_a_port_in_use_exits_3_in_one_line(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        result = run_cli(f"sqlite:///{tmp_path / 't.db'}", START, "serve", "--port", str(port))
    assert result.returncode == 3, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
