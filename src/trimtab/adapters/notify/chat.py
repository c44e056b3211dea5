"""Chat webhooks: a Slack-compatible incoming webhook, and the Telegram Bot API's sendMessage.

Both addresses hold a secret (the webhook's path, the bot token). They are never put in an error or a log line:
errors name the channel and the HTTP status, and `hide_in_logs` keeps them out of httpx's request log.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from trimtab.application.notifications import Notice, NotificationFailed

SECRET_MASK = "***"  # noqa: S105 (the mask written in place of a secret)


class _Transient(Exception):
    """Worth another try: the network failed, or the server answered 429 or 5xx."""

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class _HideSecrets(logging.Filter):
    """Replaces the given secrets in a log record's message and arguments."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: set[str] = set()

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            message = record.getMessage()
            for secret in self.secrets:
                message = message.replace(secret, SECRET_MASK)
            record.msg, record.args = message, None
        return True


_FILTER = _HideSecrets()


def hide_in_logs(secret: str) -> None:
    """Keep a secret out of httpx's and httpcore's log records (they log every request's address)."""
    if not _FILTER.secrets:
        for name in ("httpx", "httpcore"):
            logging.getLogger(name).addFilter(_FILTER)
    _FILTER.secrets.add(secret)


@dataclass(frozen=True)
class _Poster:
    url: str
    secret: str  # the part of the address to keep out of the logs
    timeout_seconds: float
    attempts: int

    async def post(self, body: dict[str, Any]) -> httpx.Response:
        hide_in_logs(self.secret)

        @retry(stop=stop_after_attempt(self.attempts), wait=wait_exponential(multiplier=0.2, max=2),
               retry=retry_if_exception_type(_Transient), reraise=True)
        async def attempt(client: httpx.AsyncClient) -> httpx.Response:
            try:
                response = await client.post(self.url, json=body)
            except httpx.HTTPError as error:
                raise _Transient(f"{type(error).__name__}") from None
            if response.status_code == 429 or response.status_code >= 500:
                raise _Transient(f"HTTP {response.status_code}")
            return response

        try:
            async with httpx.AsyncClient(timeout=self.timeout_seconds) as client:
                return await attempt(client)
        except _Transient as error:
            raise NotificationFailed(f"{error.description} after {self.attempts} attempts") from None


@dataclass(frozen=True)
class SlackWebhook:
    """Posts `{"text": …}` to an incoming webhook (Slack, Mattermost, Rocket.Chat and others accept it)."""

    url: str
    timeout_seconds: float = 10.0
    attempts: int = 3
    name: str = "slack"

    async def send(self, notice: Notice) -> None:
        response = await _Poster(self.url, self.url, self.timeout_seconds, self.attempts).post({"text": notice.text})
        if response.status_code >= 300:
            raise NotificationFailed(f"HTTP {response.status_code} {_short(response.text, self.url)}")


@dataclass(frozen=True)
class TelegramBot:
    """Sends the notice with the Bot API's sendMessage to one chat."""

    token: str
    chat_id: str
    api_url: str = "https://api.telegram.org"
    timeout_seconds: float = 10.0
    attempts: int = 3
    name: str = "telegram"

    async def send(self, notice: Notice) -> None:
        url = f"{self.api_url.rstrip('/')}/bot{self.token}/sendMessage"
        body = {"chat_id": self.chat_id, "text": notice.text, "disable_web_page_preview": True}
        response = await _Poster(url, self.token, self.timeout_seconds, self.attempts).post(body)
        try:
            answer = response.json()
        except ValueError:
            answer = {}
        if response.status_code >= 300 or not isinstance(answer, dict) or answer.get("ok") is not True:
            description = answer.get("description", "") if isinstance(answer, dict) else ""
            said = _short(str(description), self.token)
            raise NotificationFailed(f"HTTP {response.status_code} {said}".rstrip())


def _short(text: str, *secrets: str) -> str:
    """A server's answer on one line, shortened, with the channel's secrets masked (should it echo them)."""
    for secret in secrets:
        text = text.replace(secret, SECRET_MASK)
    return " ".join(text.split())[:120]
