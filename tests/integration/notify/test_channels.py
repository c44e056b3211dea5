"""Each notification channel against a real local server: what arrives, retries, and no secret anywhere."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import logging

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from trimtab.adapters.notify.chat import SlackWebhook, TelegramBot
from trimtab.adapters.notify.email import SmtpChannel
from trimtab.application.notifications import Announcer, Notice, NoticeKind, NotificationFailed
from trimtab_testkit.smtp import Inbox, free_port

AT = dt.datetime(2026, 11, 23, 0, 30, tzinfo=dt.UTC)
NOTICE = Notice(NoticeKind.RUN_NEEDS_ATTENTION, "trimtab: run abc on ACC needs attention",
                ("account: ACC", "reason: B rejected"), AT)
TOKEN = "123456:SECRET-bot-token"  # noqa: S105


def test_email_arrives_with_subject_body_and_recipients(smtp_inbox: Inbox) -> None:
    channel = SmtpChannel(smtp_inbox.host, smtp_inbox.port, "desk@example.com", ("a@example.com", "b@example.com"))
    asyncio.run(channel.send(NOTICE))
    [message] = smtp_inbox.messages
    assert message["Subject"] == NOTICE.subject
    assert message["To"] == "a@example.com, b@example.com"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert body.decode().splitlines() == ["account: ACC", "reason: B rejected"]
    assert smtp_inbox.envelopes == [("desk@example.com", ["a@example.com", "b@example.com"])]


def test_email_to_a_closed_port_fails_after_its_attempts_naming_the_server() -> None:
    port = free_port()
    channel = SmtpChannel("127.0.0.1", port, "desk@example.com", ("a@example.com",), password="hunter2-secret")  # noqa: S106
    with pytest.raises(NotificationFailed, match=f"SMTP 127.0.0.1:{port}: ConnectionRefusedError") as raised:
        asyncio.run(channel.send(NOTICE))
    assert "hunter2" not in str(raised.value)


def test_slack_webhook_receives_the_text(httpserver: HTTPServer) -> None:
    httpserver.expect_oneshot_request("/services/T0/B0/secret-path", method="POST").respond_with_data("ok")
    asyncio.run(SlackWebhook(httpserver.url_for("/services/T0/B0/secret-path")).send(NOTICE))
    [(request, _response)] = httpserver.log
    assert json.loads(request.get_data()) == {"text": NOTICE.text}


def test_slack_retries_a_server_error_then_delivers(httpserver: HTTPServer) -> None:
    path = "/hook/secret-path"
    httpserver.expect_ordered_request(path, method="POST").respond_with_data("busy", status=503)
    httpserver.expect_ordered_request(path, method="POST").respond_with_data("ok")
    asyncio.run(SlackWebhook(httpserver.url_for(path)).send(NOTICE))
    assert [response.status_code for _request, response in httpserver.log] == [503, 200]


def test_slack_refusal_is_reported_without_the_webhook_address(httpserver: HTTPServer) -> None:
    path = "/hook/secret-path"
    url = httpserver.url_for(path)
    httpserver.expect_request(path, method="POST").respond_with_data(f"no such hook {url}", status=404)
    with pytest.raises(NotificationFailed, match="HTTP 404") as raised:
        asyncio.run(SlackWebhook(url).send(NOTICE))
    assert "secret-path" not in str(raised.value)


def test_telegram_send_message_body_and_token_kept_out_of_errors_and_logs(
        httpserver: HTTPServer, caplog: pytest.LogCaptureFixture) -> None:
    seen: list[dict[str, object]] = []

    def answer(request: Request) -> Response:
        seen.append(json.loads(request.get_data()))
        return Response(json.dumps({"ok": True, "result": {"message_id": 1}}), content_type="application/json")

    httpserver.expect_request(f"/bot{TOKEN}/sendMessage", method="POST").respond_with_handler(answer)
    caplog.set_level(logging.DEBUG)
    asyncio.run(TelegramBot(TOKEN, "-1001", api_url=httpserver.url_for("/")).send(NOTICE))
    assert seen == [{"chat_id": "-1001", "text": NOTICE.text, "disable_web_page_preview": True}]
    ours = [record.getMessage() for record in caplog.records
            if record.name.startswith(("httpx", "httpcore", "trimtab"))]  # not the local server's own log
    assert any("/bot***/sendMessage" in message for message in ours)  # httpx logged the request, token masked
    assert all(TOKEN not in message for message in ours)


def test_telegram_refusal_names_status_and_description_not_the_token(httpserver: HTTPServer) -> None:
    refusal = {"ok": False, "error_code": 400, "description": f"Bad Request: chat not found for {TOKEN}"}
    httpserver.expect_request(f"/bot{TOKEN}/sendMessage").respond_with_json(refusal, status=400)
    with pytest.raises(NotificationFailed, match="HTTP 400 Bad Request: chat not found") as raised:
        asyncio.run(TelegramBot(TOKEN, "42", api_url=httpserver.url_for("/")).send(NOTICE))
    assert TOKEN not in str(raised.value)


def test_announcer_keeps_going_when_one_channel_fails_and_filters_kinds(
        smtp_inbox: Inbox, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/hook", method="POST").respond_with_data("gone", status=410)
    email = SmtpChannel(smtp_inbox.host, smtp_inbox.port, "desk@example.com", ("a@example.com",))
    announcer = Announcer([SlackWebhook(httpserver.url_for("/hook")), email],
                          kinds=frozenset({NoticeKind.RUN_NEEDS_ATTENTION}))
    deliveries = asyncio.run(announcer.announce(NOTICE))
    assert [(d.channel, d.delivered) for d in deliveries] == [("slack", False), ("email", True)]
    assert deliveries[0].error.startswith("HTTP 410")
    completed = Notice(NoticeKind.RUN_COMPLETED, "trimtab: run abc on ACC completed")
    assert asyncio.run(announcer.announce(completed)) == []  # not a wanted kind
    assert len(smtp_inbox.messages) == 1
