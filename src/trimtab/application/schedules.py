"""Schedules in market time: jobs (drift check, rebalance, report) that fire on a cron expression in a time zone,
only on the business days of an exchange calendar.

A schedule's *slots* are the instants its cron expression names, in its zone. At each tick (the scheduler calls
`tick(now)`; docs/schedules.md):
- slots on a day the calendar closes are skipped, and recorded as such;
- of the slots due since the last one handled, only the latest runs (a restart after downtime catches up once);
  earlier ones are recorded as missed and announced, and so is the latest when it is older than the grace time;
- a slot runs at most once, whatever the number of schedulers: each first *claims* the slot in the database
  (a row keyed by schedule and slot; the second insert fails), and only the claimant runs the job.
"""

from __future__ import annotations

import builtins
import datetime as dt
import enum
import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from trimtab.application.notifications import Notice, NoticeKind
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence
    from pathlib import Path

    from trimtab.application.batch import BatchPlan, RunLine, Selection
    from trimtab.application.engines import EngineRun
    from trimtab.application.facade import RunSettings
    from trimtab.application.ports import Clock
    from trimtab.application.progress import Progress
    from trimtab.application.records import Account
    from trimtab.application.repositories import Storage
    from trimtab.domain.engines.kospi_core import KospiCoreParameters
    from trimtab.domain.instruments import Market
    from trimtab.domain.positions_report import PositionsReport

logger = logging.getLogger(__name__)

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
CALENDARS = ("XKRX", "XNYS", "XSES")  # KRX (with trimtab's overrides), NYSE, SGX
DEFAULT_GRACE = dt.timedelta(hours=6)


class JobKind(enum.StrEnum):
    DRIFT_CHECK = "drift-check"
    REBALANCE = "rebalance"
    REPORT = "report"
    ENGINE = "engine"  # the KOSPI core engine on market data files, its model imported as --model
    ENQUEUE = "enqueue"  # a rebalance on the task queue: one run per account, driven by `trimtab worker`s


class SlotOutcome(enum.StrEnum):
    CLAIMED = "claimed"  # a scheduler took it and is running the job
    DONE = "done"
    FAILED = "failed"
    CLOSED = "closed"  # the exchange is closed that day: nothing ran
    MISSED = "missed"  # passed while no scheduler ran, older than the catch-up


@dataclass(frozen=True, slots=True)
class Schedule:
    """A stored job: what to do, for which accounts, when (cron in a zone) and on which exchange's days."""

    name: str
    job: JobKind
    cron: str
    time_zone: str
    calendar: str | None  # None: every day the cron names
    every: bool = False  # the accounts: every account with a model, the ones named, or a model's followers
    accounts: tuple[str, ...] = ()
    model: str | None = None
    execute: bool = False  # rebalance, enqueue: send orders (else a dry run)
    output: str | None = None  # report: the folder the workbook is written to
    base: str | None = None  # report: the base currency (default the accounts' own, when they share one)
    universe: str | None = None  # engine: the universe file, re-read at every slot
    index: str | None = None  # engine: the index closes file
    grace_seconds: int = int(DEFAULT_GRACE.total_seconds())
    created_at: dt.datetime | None = None


@dataclass(frozen=True, slots=True)
class SlotRecord:
    """What became of one slot of a schedule."""

    schedule: str
    slot: dt.datetime
    outcome: SlotOutcome
    owner: str = ""
    detail: str = ""
    updated_at: dt.datetime | None = None


class ScheduleRepository(Protocol):
    def add(self, schedule: Schedule) -> None:
        """Store a new schedule; InvalidInput when the name is taken."""
        ...

    def list(self) -> list[Schedule]: ...

    def remove(self, name: str) -> bool:
        """Delete a schedule and its slots; False when there was none."""
        ...

    def claim(self, record: SlotRecord) -> bool:
        """Insert the slot's row; False when another scheduler recorded the slot first."""
        ...

    def finish(self, record: SlotRecord) -> None:
        """Replace the outcome and detail of a slot this scheduler claimed."""
        ...

    def last_slot(self, name: str) -> dt.datetime | None:
        """The latest slot recorded for the schedule, whatever its outcome."""
        ...

    def slots(self, name: str, limit: int = 20) -> builtins.list[SlotRecord]:
        """The latest slots recorded, newest first."""
        ...


class CronRules(Protocol):
    """Cron expressions (a scheduling library behind it)."""

    def check(self, expression: str, zone: ZoneInfo) -> None:
        """Raise ValueError with the library's words when the expression is not valid."""
        ...

    def next_at_or_after(self, expression: str, zone: ZoneInfo, at: dt.datetime) -> dt.datetime | None: ...


class BusinessDays(Protocol):
    def is_business_day(self, calendar: str, day: dt.date) -> bool: ...

    def previous_session(self, market: Market | None, day: dt.date) -> dt.date: ...


@dataclass(frozen=True, slots=True)
class Due:
    """A tick's reading of one schedule: the slot to run (if any), closed days and missed slots to record."""

    run: dt.datetime | None
    closed: tuple[dt.datetime, ...] = ()
    missed: tuple[dt.datetime, ...] = ()


def due_slots(schedule: Schedule, last: dt.datetime | None, now: dt.datetime, cron: CronRules,
              days: BusinessDays, *, since: dt.datetime) -> Due:
    """The slots after `last` (else after `since`, when the schedule was made) up to `now`, sorted into the one to
    run, the closed days and the missed ones. At most 500 slots are looked at per tick (a minutely job down for
    a day would be more: the rest are seen at the next tick)."""
    zone = ZoneInfo(schedule.time_zone)
    start = (last or since) + dt.timedelta(microseconds=1)
    open_slots: list[dt.datetime] = []
    closed: list[dt.datetime] = []
    at = cron.next_at_or_after(schedule.cron, zone, start)
    while at is not None and at <= now and len(open_slots) + len(closed) < 500:
        if schedule.calendar and not days.is_business_day(schedule.calendar, at.astimezone(zone).date()):
            closed.append(at)
        else:
            open_slots.append(at)
        at = cron.next_at_or_after(schedule.cron, zone, at + dt.timedelta(microseconds=1))
    if not open_slots:
        return Due(None, tuple(closed))
    latest = open_slots[-1]
    if now - latest > dt.timedelta(seconds=schedule.grace_seconds):
        return Due(None, tuple(closed), tuple(open_slots))
    return Due(latest, tuple(closed), tuple(open_slots[:-1]))


class ScheduleRules(Protocol):
    """Cron expressions, exchange calendars, and the scheduler's clock."""

    @property
    def clock(self) -> Clock: ...

    @property
    def cron(self) -> CronRules: ...

    @property
    def days(self) -> BusinessDays: ...


class ScheduleOperations:
    """Schedules (mixed into the facade): add, list, remove, and the scheduler's tick."""

    if TYPE_CHECKING:
        clock: Clock
        open_schedule_rules: Callable[[], ScheduleRules] | None

        @property
        def storage(self) -> Storage: ...

        @property
        def run_settings(self) -> RunSettings: ...

        async def plan_batch(self, selection: Selection, *, force: bool = False, basket_day: int | None = None,
                             basket_path: Path | None = None, progress: Progress = ...) -> BatchPlan: ...

        async def rebalance_many(self, selection: Selection, *, execute: bool, force: bool,
                                 progress: Progress = ...) -> Sequence[RunLine]: ...

        def select(self, selection: Selection) -> list[Account]: ...

        def enqueue_runs(self, account_ids: Sequence[str], execute: bool) -> Sequence[object]: ...

        async def positions_report(self, account_ids: Sequence[str] = (), *, base: str | None = None,
                                   xlsx: Path | None = None) -> PositionsReport: ...

        def run_kospi_core(self, universe: Path, index: Path, *, as_of: dt.date | None = None,
                           parameters: KospiCoreParameters | None = None,
                           import_as: str | None = None) -> EngineRun: ...

    def add_schedule(self, schedule: Schedule) -> Schedule:
        """Check and store a schedule (its creation time is now: slots before it never run)."""
        rules = self._rules()
        _validate(schedule, rules.cron)
        stored = _with_created(schedule, rules.clock.now())
        self.storage.schedules.add(stored)
        return stored

    def schedules(self) -> list[Schedule]:
        return self.storage.schedules.list()

    def schedule_slots(self, name: str, limit: int = 20) -> list[SlotRecord]:
        self._schedule(name)
        return self.storage.schedules.slots(name, limit)

    def remove_schedule(self, name: str) -> None:
        if not self.storage.schedules.remove(name):
            raise InvalidInput("no such schedule", where="command line", field="name", value=name)

    async def tick(self, owner: str | None = None, now: dt.datetime | None = None) -> list[SlotRecord]:
        """Handle every schedule's due slots at `now` (default the scheduler's clock); what this scheduler
        recorded. `owner` names the scheduler in the slots it claims (default this process)."""
        rules = self._rules()
        at = now or rules.clock.now()
        owner = owner or self.run_settings.lease.owner
        recorded: list[SlotRecord] = []
        for schedule in self.storage.schedules.list():
            last = self.storage.schedules.last_slot(schedule.name)
            due = due_slots(schedule, last, at, rules.cron, rules.days, since=schedule.created_at or at)
            recorded += await self._handle(schedule, due, owner, at)
        return recorded

    async def _handle(self, schedule: Schedule, due: Due, owner: str, at: dt.datetime) -> list[SlotRecord]:
        repository = self.storage.schedules
        recorded = []
        for slot in due.closed:
            record = SlotRecord(schedule.name, slot, SlotOutcome.CLOSED, owner, f"{schedule.calendar} closed", at)
            if repository.claim(record):
                recorded.append(record)
        missed = [SlotRecord(schedule.name, slot, SlotOutcome.MISSED, owner, "no scheduler ran", at)
                  for slot in due.missed]
        missed = [record for record in missed if repository.claim(record)]
        if missed:
            await self.run_settings.announcer.announce(_missed_notice(schedule, missed, due.run))
        recorded += missed
        if due.run is None:
            return recorded
        claim = SlotRecord(schedule.name, due.run, SlotOutcome.CLAIMED, owner, "", at)
        if not repository.claim(claim):
            return recorded  # another scheduler runs this slot
        try:
            detail = await self._run_job(schedule, due.run)
            outcome = SlotOutcome.DONE
        except Exception as error:  # a job's failure is the slot's outcome; the scheduler carries on
            logger.warning("schedule %s slot %s failed: %s", schedule.name, due.run.isoformat(), error)
            detail, outcome = (str(error) or type(error).__name__)[:500], SlotOutcome.FAILED
        done = SlotRecord(schedule.name, due.run, outcome, owner, detail, self.clock.now())
        repository.finish(done)
        return [*recorded, done]

    async def _run_job(self, schedule: Schedule, slot: dt.datetime) -> str:
        from pathlib import Path

        from trimtab.application.batch import Selection

        if schedule.job is JobKind.ENGINE:
            done = self.run_kospi_core(Path(schedule.universe or ""), Path(schedule.index or ""),
                                       import_as=schedule.model)
            imported = done.imported
            state = "new" if imported is not None and imported.new else "unchanged"
            return f"{schedule.model} version {imported.version if imported else '?'} ({state}), as of " \
                   f"{done.result.model.version}"
        selection = Selection(every=schedule.every, accounts=schedule.accounts, model=schedule.model)
        if schedule.job is JobKind.DRIFT_CHECK:
            plans = await self.plan_batch(selection)
            breached = [line for line in plans.lines if line.status in ("rebalance", "unsafe", "error")]
            if breached:
                await self.run_settings.announcer.announce(_drift_notice(schedule, slot, breached))
            return f"{len(plans.lines)} accounts, {len(breached)} out of band or in error"
        if schedule.job is JobKind.ENQUEUE:
            queued = self.enqueue_runs([account.account_id for account in self.select(selection)], schedule.execute)
            return f"{len(queued)} runs on the task queue ({'execute' if schedule.execute else 'dry'})"
        if schedule.job is JobKind.REBALANCE:
            lines = await self.rebalance_many(selection, execute=schedule.execute, force=False)
            attention = sum(1 for line in lines if line.needs_attention)
            return f"{len(lines)} runs, {attention} need attention"
        stem = f"positions-{schedule.name}-{slot.astimezone(ZoneInfo(schedule.time_zone)):%Y%m%d-%H%M}"
        path = Path(schedule.output or ".") / f"{stem}.xlsx"
        report = await self.positions_report(schedule.accounts, base=schedule.base, xlsx=path)
        return f"report {path} ({len(report.accounts)} accounts)"

    def _rules(self) -> ScheduleRules:
        if self.open_schedule_rules is None:
            raise InvalidInput("this installation has no scheduler", where="settings")
        return self.open_schedule_rules()

    def _schedule(self, name: str) -> Schedule:
        for schedule in self.storage.schedules.list():
            if schedule.name == name:
                return schedule
        raise InvalidInput("no such schedule", where="command line", field="name", value=name)


def _validate(schedule: Schedule, cron: CronRules) -> None:
    def bad(field_name: str, problem: str, value: object) -> InvalidInput:
        return InvalidInput(problem, where="command line", field=field_name, value=value)

    if not NAME.fullmatch(schedule.name):
        raise bad("name", "use letters, digits, '.', '_' or '-' (up to 64)", schedule.name)
    try:
        zone = ZoneInfo(schedule.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise bad("zone", "not a time zone (an IANA name such as Asia/Seoul)", schedule.time_zone) from None
    try:
        cron.check(schedule.cron, zone)
    except ValueError as error:
        raise bad("cron", f"not a cron expression ({error})", schedule.cron) from None
    _validate_job(schedule, bad)


def _validate_job(schedule: Schedule, bad: Callable[[str, str, object], InvalidInput]) -> None:
    if schedule.calendar is not None and schedule.calendar not in CALENDARS:
        raise bad("calendar", f"unknown calendar (choose one of {', '.join(CALENDARS)} or none)", schedule.calendar)
    if sum((schedule.every, bool(schedule.accounts), schedule.model is not None)) != 1:
        raise bad("accounts", "choose the accounts: --all, --accounts A,B or --model NAME", None)
    if schedule.execute and schedule.job not in (JobKind.REBALANCE, JobKind.ENQUEUE):
        raise bad("execute", f"only a rebalance sends orders, not a {schedule.job.value}", None)
    if schedule.job is JobKind.REPORT and schedule.model is not None:
        raise bad("model", "a report takes --all or --accounts", schedule.model)
    if schedule.job is not JobKind.REPORT and (schedule.output or schedule.base):
        raise bad("output", "only a report writes a file", schedule.output or schedule.base)
    if (schedule.job is JobKind.ENGINE) != bool(schedule.universe and schedule.index):
        raise bad("universe", "an engine job, and only an engine job, reads --universe and --index files", None)
    if schedule.job is JobKind.ENGINE and schedule.model is None:
        raise bad("model", "an engine job imports its model as --model NAME", None)
    if not 60 <= schedule.grace_seconds <= 7 * 86_400:
        raise bad("grace", "must be between 1 and 10080 minutes", schedule.grace_seconds // 60)


def _with_created(schedule: Schedule, now: dt.datetime) -> Schedule:
    from dataclasses import replace

    return replace(schedule, created_at=now)


def _missed_notice(schedule: Schedule, missed: Sequence[SlotRecord], caught_up: dt.datetime | None) -> Notice:
    zone = ZoneInfo(schedule.time_zone)
    shown = [f"{record.slot.astimezone(zone):%Y-%m-%d %H:%M %Z}" for record in missed]
    lines = [f"job: {schedule.job.value} ({schedule.cron}, {schedule.time_zone})",
             f"missed: {', '.join(shown[:10])}" + (f" (+{len(shown) - 10} more)" if len(shown) > 10 else "")]
    if caught_up is not None:
        lines.append(f"caught up once: the slot of {caught_up.astimezone(zone):%Y-%m-%d %H:%M %Z} runs now")
    return Notice(NoticeKind.SCHEDULE_MISSED, f"trimtab: schedule {schedule.name} missed {len(missed)} slot(s)",
                  tuple(lines))


def _drift_notice(schedule: Schedule, slot: dt.datetime, lines: Sequence[object]) -> Notice:
    body = [f"{line.account_id}: {line.status}, {line.reason}" for line in lines]  # type: ignore[attr-defined]
    return Notice(NoticeKind.DRIFT_BREACHED, f"trimtab: {len(lines)} account(s) out of band ({schedule.name})",
                  tuple(body), slot)

