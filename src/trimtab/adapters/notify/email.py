"""Email over SMTP (the standard library's smtplib, run in a worker thread), with a few retries."""

from __future__ import annotations

import asyncio
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from tenacity import retry, retry_if_exception_type, stop_after_attempt, wait_exponential

from trimtab.application.notifications import Notice, NotificationFailed


class _Transient(Exception):
    """A failure worth trying again (connection refused or dropped, a 4xx answer)."""


@dataclass(frozen=True)
class SmtpChannel:
    """Sends each notice as one plain-text email to the configured recipients."""

    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    username: str | None = None
    password: str | None = None  # never logged or put in an error
    starttls: bool = False
    use_ssl: bool = False
    timeout_seconds: float = 10.0
    attempts: int = 3
    name: str = "email"

    async def send(self, notice: Notice) -> None:
        message = EmailMessage()
        message["Subject"], message["From"], message["To"] = notice.subject, self.sender, ", ".join(self.recipients)
        message["Date"], message["Message-ID"] = formatdate(localtime=False), make_msgid(domain="trimtab")
        message.set_content("\n".join(notice.lines) + "\n")
        try:
            await asyncio.to_thread(self._send_with_retries, message)
        except (_Transient, smtplib.SMTPException, OSError) as error:
            cause = error.__cause__ if isinstance(error, _Transient) and error.__cause__ else error
            raise NotificationFailed(f"SMTP {self.host}:{self.port}: {_describe(cause)}") from None

    def _send_with_retries(self, message: EmailMessage) -> None:
        @retry(stop=stop_after_attempt(self.attempts), wait=wait_exponential(multiplier=0.2, max=2),
               retry=retry_if_exception_type(_Transient), reraise=True)
        def attempt() -> None:
            try:
                self._send_once(message)
            except (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, TimeoutError) as error:
                raise _Transient() from error
            except smtplib.SMTPResponseException as error:
                if 400 <= error.smtp_code < 500:
                    raise _Transient() from error
                raise

        attempt()

    def _send_once(self, message: EmailMessage) -> None:
        context = ssl.create_default_context()
        client = (smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout_seconds, context=context)
                  if self.use_ssl else smtplib.SMTP(self.host, self.port, timeout=self.timeout_seconds))
        with client:
            if self.starttls:
                client.starttls(context=context)
            if self.username:
                client.login(self.username, self.password or "")
            client.send_message(message)


def _describe(error: BaseException) -> str:
    if isinstance(error, smtplib.SMTPResponseException):
        text = error.smtp_error.decode("utf-8", "replace") if isinstance(error.smtp_error, bytes) else str(
            error.smtp_error)
        return f"the server answered {error.smtp_code} {text}"[:200]
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return "every recipient was refused"
    return f"{type(error).__name__}: {error}"[:200]
