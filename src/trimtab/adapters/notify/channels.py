"""The notification channels the settings ask for (bootstrap's `announcer` reads them through here)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from trimtab.application.notifications import DEFAULT_KINDS, Announcer, Channel, NoticeKind
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from trimtab.config import Settings


def announcer_of(settings: Settings) -> Announcer:
    """The notification channels of the settings (none unless configured), sending the events asked for."""
    def setting_error(name: str, problem: str, value: str | None) -> InvalidInput:
        return InvalidInput(problem, where=f"setting TRIMTAB_{name.upper()}", value=value)

    kinds = DEFAULT_KINDS
    if settings.notify_events:
        names = [name.strip() for name in settings.notify_events.split(",") if name.strip()]
        unknown = [name for name in names if name not in NoticeKind.__members__.values()]
        if unknown:
            choices = ", ".join(kind.value for kind in NoticeKind if kind is not NoticeKind.TEST)
            raise setting_error("notify_events", f"unknown event '{unknown[0]}' (choose from {choices})",
                                settings.notify_events)
        kinds = frozenset(NoticeKind(name) for name in names)
    channels: list[Channel] = []
    if settings.smtp_host:
        from trimtab.adapters.notify.email import SmtpChannel

        recipients = tuple(r.strip() for r in (settings.notify_email_to or "").split(",") if r.strip())
        if not recipients:
            raise setting_error("notify_email_to", "is needed with TRIMTAB_SMTP_HOST (comma list of addresses)",
                                settings.notify_email_to)
        password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
        channels.append(SmtpChannel(settings.smtp_host, settings.smtp_port, settings.notify_email_from, recipients,
                                    settings.smtp_username, password, settings.smtp_starttls, settings.smtp_ssl))
    if settings.slack_webhook_url or settings.telegram_bot_token:
        from trimtab.adapters.notify.chat import SlackWebhook, TelegramBot

        if settings.slack_webhook_url:
            channels.append(SlackWebhook(settings.slack_webhook_url.get_secret_value()))
        if settings.telegram_bot_token:
            if not settings.telegram_chat_id:
                raise setting_error("telegram_chat_id", "is needed with TRIMTAB_TELEGRAM_BOT_TOKEN", None)
            channels.append(TelegramBot(settings.telegram_bot_token.get_secret_value(), settings.telegram_chat_id,
                                        settings.telegram_api_url))
    return Announcer(channels, kinds)
