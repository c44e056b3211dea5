"""Runs announce how they stopped: completed, needs attention, failed; dry runs and skips stay quiet."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest

from tests.unit.test_facade import _broker, _facade, _with_account
from trimtab.application.notifications import Announcer, Notice, NoticeKind, NotificationFailed
from trimtab.application.ports import RunStatus
from trimtab.domain.errors import InvalidInput
from trimtab_testkit.smtp import Inbox


@dataclass
class Recorder:
    """A channel that keeps what it is sent (and can be told to fail)."""

    name: str = "recorder"
    fail: bool = False
    notices: list[Notice] = field(default_factory=list)

    async def send(self, notice: Notice) -> None:
        if self.fail:
            raise NotificationFailed("down")
        self.notices.append(notice)


def test_a_run_that_needs_attention_is_announced_before_rebalance_returns() -> None:
    recorder = Recorder()
    trimtab, _ = _facade(broker=_broker(behaviour={"B": "reject"}), announcer=Announcer([recorder]))
    _with_account(trimtab)
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.NEEDS_ATTENTION
    [notice] = recorder.notices
    assert notice.kind is NoticeKind.RUN_NEEDS_ATTENTION
    assert notice.subject == f"trimtab: run {run.run_id} on ACC needs attention"
    assert f"reason: {run.reason}" in notice.lines
    assert f"next: look at `trimtab runs show {run.run_id}`, then `trimtab runs resume {run.run_id}`" in notice.lines


def test_a_completed_run_is_announced_and_a_dry_run_is_not() -> None:
    recorder = Recorder()
    trimtab, _ = _facade(announcer=Announcer([recorder]))
    _with_account(trimtab)
    dry = asyncio.run(trimtab.rebalance("ACC", execute=False, force=False, progress=lambda _m: None))
    assert dry.status is RunStatus.DRY_RUN
    assert recorder.notices == []
    done = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert done.status is RunStatus.COMPLETED, done.reason
    assert [(n.kind, n.subject) for n in recorder.notices] == [
        (NoticeKind.RUN_COMPLETED, f"trimtab: run {done.run_id} on ACC completed")]
    assert any(line.startswith("orders: ") and "with fills" in line for line in recorder.notices[0].lines)


def test_a_failing_channel_changes_nothing_in_the_run() -> None:
    broken, working = Recorder(name="broken", fail=True), Recorder()
    announcer = Announcer([broken, working])
    trimtab, _ = _facade(announcer=announcer)
    _with_account(trimtab)
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.COMPLETED
    assert [(d.channel, d.delivered, d.error) for d in announcer.sent] == [("broken", False, "down"),
                                                                             ("recorder", True, "")]


def test_notify_test_needs_a_channel_and_reports_each() -> None:
    trimtab, _ = _facade()
    with pytest.raises(InvalidInput, match="no notification channel is configured"):
        asyncio.run(trimtab.notify_test())
    recorder = Recorder()
    trimtab, _ = _facade(announcer=Announcer([recorder], kinds=frozenset()))
    deliveries = asyncio.run(trimtab.notify_test())  # a test goes out whatever kinds are chosen
    assert [(d.channel, d.delivered) for d in deliveries] == [("recorder", True)]
    assert recorder.notices[0].kind is NoticeKind.TEST


def test_a_run_needing_attention_reaches_a_real_smtp_inbox_before_rebalance_returns(smtp_inbox: Inbox) -> None:
    from trimtab.adapters.notify.email import SmtpChannel

    email = SmtpChannel(smtp_inbox.host, smtp_inbox.port, "trimtab@example.com", ("desk@example.com",))
    trimtab, _ = _facade(broker=_broker(behaviour={"B": "reject"}), announcer=Announcer([email]))
    _with_account(trimtab)
    run = asyncio.run(trimtab.rebalance("ACC", execute=True, force=False, progress=lambda _m: None))
    assert run.status is RunStatus.NEEDS_ATTENTION
    [message] = smtp_inbox.messages  # already delivered: the run announced itself as it stopped
    assert message["Subject"] == f"trimtab: run {run.run_id} on ACC needs attention"
    body = message.get_payload(decode=True)
    assert isinstance(body, bytes)
    assert f"reason: {run.reason}" in body.decode().splitlines()
