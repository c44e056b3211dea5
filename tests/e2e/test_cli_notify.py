"""Notifications from the command line: a rebalance announces itself by email and webhook; notify test."""

from __future__ import annotations

import json

from pytest_httpserver import HTTPServer

from tests.e2e.cli_process import run_cli, run_ok
from trimtab_testkit.smtp import Inbox

START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul
TOKEN = "987654:SECRET-token-of-the-bot"  # noqa: S105


def _channels(inbox: Inbox, server: HTTPServer) -> dict[str, str]:
    return {"TRIMTAB_SMTP_HOST": inbox.host, "TRIMTAB_SMTP_PORT": str(inbox.port),
            "TRIMTAB_NOTIFY_EMAIL_TO": "desk@example.com", "TRIMTAB_SLACK_WEBHOOK_URL": server.url_for("/hook/S3CRET"),
            "TRIMTAB_TELEGRAM_BOT_TOKEN": TOKEN, "TRIMTAB_TELEGRAM_CHAT_ID": "-100",
            "TRIMTAB_TELEGRAM_API_URL": server.url_for("/")}


def test_an_executed_rebalance_is_announced_on_every_channel(tmp_path: object, smtp_inbox: Inbox,
                                                             httpserver: HTTPServer) -> None:
    database = f"sqlite:///{tmp_path}/notify.db"
    httpserver.expect_request("/hook/S3CRET", method="POST").respond_with_data("ok")
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_json({"ok": True})
    run_ok(database, START, "init", "--demo")
    env = _channels(smtp_inbox, httpserver)
    dry = run_cli(database, START, "rebalance", "DEMO-KR", env=env)
    assert dry.returncode == 0, dry.stderr
    assert smtp_inbox.messages == []
    assert httpserver.log == []
    done = run_cli(database, START, "rebalance", "DEMO-KR", "--execute", env=env)
    assert done.returncode == 0, done.stderr
    [message] = smtp_inbox.messages
    assert message["Subject"].startswith("trimtab: run ")
    assert message["Subject"].endswith(" on DEMO-KR completed")
    bodies = [json.loads(request.get_data()) for request, _response in httpserver.log]
    assert [body["text"].splitlines()[0] for body in bodies] == [message["Subject"]] * 2
    assert TOKEN not in done.stdout + done.stderr
    assert "S3CRET" not in done.stdout + done.stderr


def test_notify_test_reports_each_channel_and_fails_when_one_does(tmp_path: object, smtp_inbox: Inbox,
                                                                  httpserver: HTTPServer) -> None:
    database = f"sqlite:///{tmp_path}/notify.db"
    httpserver.expect_request("/hook/S3CRET", method="POST").respond_with_data("ok")
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_json(
        {"ok": False, "description": "Forbidden: bot was blocked by the user"}, status=403)
    result = run_cli(database, START, "notify", "test", "--json", env=_channels(smtp_inbox, httpserver))
    assert result.returncode == 1, result.stderr
    assert json.loads(result.stdout) == [
        {"channel": "email", "delivered": True, "error": ""},
        {"channel": "slack", "delivered": True, "error": ""},
        {"channel": "telegram", "delivered": False, "error": "HTTP 403 Forbidden: bot was blocked by the user"}]
    assert smtp_inbox.messages[0]["Subject"] == "trimtab: test notification"
    assert TOKEN not in result.stdout + result.stderr


def test_an_unknown_event_name_is_refused_naming_the_setting(tmp_path: object) -> None:
    database = f"sqlite:///{tmp_path}/notify.db"
    result = run_cli(database, START, "notify", "test", env={
        "TRIMTAB_NOTIFY_EVENTS": "run_completed,run_exploded", "TRIMTAB_SLACK_WEBHOOK_URL": "http://127.0.0.1:9/x"})
    assert result.returncode == 2
    assert "setting TRIMTAB_NOTIFY_EVENTS" in result.stderr
    assert "unknown event 'run_exploded'" in result.stderr
    missing = run_cli(database, START, "notify", "test", env={"TRIMTAB_TELEGRAM_BOT_TOKEN": TOKEN})
    assert missing.returncode == 2
    assert "TRIMTAB_TELEGRAM_CHAT_ID" in missing.stderr
    assert TOKEN not in missing.stderr
