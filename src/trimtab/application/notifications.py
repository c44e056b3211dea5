"""Telling people what happened: a run completed, needs attention or failed, a band was breached, a schedule
was missed.

A notice is plain text built from what trimtab recorded (account, run, status, reason, orders): it never
holds a setting, so no secret can reach a message. Channels (email, chat webhooks) are adapters behind the
`Channel` port. A channel that fails is logged and counted, never raised: a run's outcome does not depend on
whether an email went out. Which events are sent is a setting (`TRIMTAB_NOTIFY_EVENTS`).
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

from trimtab.domain.errors import InvalidInput, TrimtabError

if TYPE_CHECKING:
    import datetime as dt

    from trimtab.application.facade import RunSettings
    from trimtab.application.ports import Clock, RunRecord

logger = logging.getLogger(__name__)


class NoticeKind(enum.StrEnum):
    RUN_COMPLETED = "run_completed"
    RUN_NEEDS_ATTENTION = "run_needs_attention"
    RUN_FAILED = "run_failed"
    DRIFT_BREACHED = "drift_breached"
    SCHEDULE_MISSED = "schedule_missed"
    TEST = "test"


DEFAULT_KINDS = frozenset(NoticeKind)  # every kind; TRIMTAB_NOTIFY_EVENTS narrows it


@dataclass(frozen=True, slots=True)
class Notice:
    """One message: a subject line and body lines, in words a person reads."""

    kind: NoticeKind
    subject: str
    lines: tuple[str, ...] = ()
    at: dt.datetime | None = None

    @property
    def text(self) -> str:
        return "\n".join((self.subject, *self.lines))


class NotificationFailed(TrimtabError):
    """A channel could not deliver; the message names the channel and the cause, never an address's secret."""


class Channel(Protocol):
    """Somewhere a notice can be sent (an SMTP server, a chat webhook)."""

    @property
    def name(self) -> str:
        """What the channel is called in reports and logs (never its address)."""
        ...

    async def send(self, notice: Notice) -> None:
        """Deliver the notice or raise NotificationFailed."""
        ...


@dataclass(frozen=True, slots=True)
class Delivery:
    """What became of one notice on one channel."""

    channel: str
    delivered: bool
    error: str = ""


@dataclass
class Announcer:
    """Sends each notice of a wanted kind to every channel; failures are logged and reported, not raised."""

    channels: Sequence[Channel] = ()
    kinds: frozenset[NoticeKind] = DEFAULT_KINDS
    sent: list[Delivery] = field(default_factory=list)  # this process's deliveries, newest last

    async def announce(self, notice: Notice) -> list[Delivery]:
        if notice.kind not in self.kinds and notice.kind is not NoticeKind.TEST:
            return []
        results = []
        for channel in self.channels:
            try:
                await channel.send(notice)
                results.append(Delivery(channel.name, delivered=True))
            except NotificationFailed as error:
                logger.warning("notification %s not sent by %s: %s", notice.kind.value, channel.name, error)
                results.append(Delivery(channel.name, delivered=False, error=str(error)))
        self.sent.extend(results)
        return results

    async def announce_run(self, run: RunRecord) -> None:
        notice = run_notice(run)
        if notice is not None:
            await self.announce(notice)


async def no_announcement(_run: RunRecord) -> None:
    """The runner's default: nobody is told."""


def run_notice(run: RunRecord) -> Notice | None:
    """The notice for a run that stopped: completed, needs attention or failed (None for other outcomes)."""
    from trimtab.application.ports import RunStatus

    kinds = {RunStatus.COMPLETED: (NoticeKind.RUN_COMPLETED, "completed"),
             RunStatus.NEEDS_ATTENTION: (NoticeKind.RUN_NEEDS_ATTENTION, "needs attention"),
             RunStatus.FAILED: (NoticeKind.RUN_FAILED, "failed")}
    if run.status not in kinds:
        return None
    kind, said = kinds[run.status]
    mode = "executed" if run.execute else "dry run"
    lines = [f"account: {run.account_id}", f"model: {run.model_name} {run.model_version}",
             f"broker: {run.broker} ({mode})", f"step: {run.step.value}"]
    if run.reason:
        lines.append(f"reason: {run.reason}")
    if run.orders:
        filled = sum(1 for order in run.orders if order.filled_quantity > 0)
        lines.append(f"orders: {len(run.orders)} sent, {filled} with fills")
    if kind is NoticeKind.RUN_NEEDS_ATTENTION:
        lines.append(f"next: look at `trimtab runs show {run.run_id}`, then `trimtab runs resume {run.run_id}`")
    return Notice(kind, f"trimtab: run {run.run_id} on {run.account_id} {said}", tuple(lines), run.updated_at)


def test_notice(at: dt.datetime) -> Notice:
    return Notice(NoticeKind.TEST, "trimtab: test notification",
                  ("This is a test from `trimtab notify test`; the channel works.",), at)


class NotificationOperations:
    """notify_test (mixed into the facade)."""

    if TYPE_CHECKING:
        clock: Clock

        @property
        def run_settings(self) -> RunSettings: ...

    async def notify_test(self) -> list[Delivery]:
        """Send a test notice to every configured channel; what became of it on each."""
        announcer = self.run_settings.announcer
        if not announcer.channels:
            raise InvalidInput("no notification channel is configured (set TRIMTAB_SMTP_HOST, "
                               "TRIMTAB_SLACK_WEBHOOK_URL or TRIMTAB_TELEGRAM_BOT_TOKEN; docs/notifications.md)",
                               where="settings")
        return await announcer.announce(test_notice(self.clock.now()))
