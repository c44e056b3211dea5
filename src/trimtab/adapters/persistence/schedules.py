"""Schedules and their slots in the database; a slot's primary key is what makes it run once."""

from __future__ import annotations

import builtins
import datetime as dt

from sqlalchemy import delete, func, select
from sqlalchemy.exc import IntegrityError

from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import ScheduleRow, ScheduleSlotRow
from trimtab.application.schedules import JobKind, Schedule, SlotOutcome, SlotRecord
from trimtab.domain.errors import InvalidInput


class SqlScheduleRepository:
    """Every public method is one transaction."""

    def __init__(self, bind: Bind) -> None:
        self._sessions = session_factory(bind)

    def add(self, schedule: Schedule) -> None:
        if schedule.created_at is None:
            raise ValueError("a stored schedule has its creation time")
        try:
            with self._sessions.begin() as session:
                session.add(ScheduleRow(name=schedule.name, document=_document(schedule),
                                        created_at=schedule.created_at))
        except IntegrityError:
            raise InvalidInput("a schedule has this name already", where="command line", field="name",
                               value=schedule.name) from None

    def list(self) -> builtins.list[Schedule]:
        with self._sessions() as session:
            return [_schedule(row) for row in session.scalars(select(ScheduleRow).order_by(ScheduleRow.name))]

    def remove(self, name: str) -> bool:
        with self._sessions.begin() as session:
            row = session.get(ScheduleRow, name)
            if row is None:
                return False
            session.execute(delete(ScheduleSlotRow).where(ScheduleSlotRow.schedule == name))
            session.delete(row)
            return True

    def claim(self, record: SlotRecord) -> bool:
        try:
            with self._sessions.begin() as session:
                session.add(_row(record))
        except IntegrityError:
            return False  # another scheduler recorded this slot first
        return True

    def finish(self, record: SlotRecord) -> None:
        with self._sessions.begin() as session:
            row = session.get(ScheduleSlotRow, (record.schedule, record.slot))
            if row is None:
                session.add(_row(record))
                return
            row.outcome, row.detail, row.updated_at = record.outcome.value, record.detail, _updated(record)

    def last_slot(self, name: str) -> dt.datetime | None:
        with self._sessions() as session:
            latest: dt.datetime | None = session.scalar(
                select(func.max(ScheduleSlotRow.slot)).where(ScheduleSlotRow.schedule == name))
            return latest

    def slots(self, name: str, limit: int = 20) -> builtins.list[SlotRecord]:
        with self._sessions() as session:
            rows = session.scalars(select(ScheduleSlotRow).where(ScheduleSlotRow.schedule == name)
                                   .order_by(ScheduleSlotRow.slot.desc()).limit(limit))
            return [SlotRecord(row.schedule, row.slot, SlotOutcome(row.outcome), row.owner, row.detail,
                               row.updated_at) for row in rows]


def _updated(record: SlotRecord) -> dt.datetime:
    return record.updated_at or record.slot


def _row(record: SlotRecord) -> ScheduleSlotRow:
    return ScheduleSlotRow(schedule=record.schedule, slot=record.slot, outcome=record.outcome.value,
                           owner=record.owner, detail=record.detail, updated_at=_updated(record))


def _document(schedule: Schedule) -> dict[str, object]:
    return {"job": schedule.job.value, "cron": schedule.cron, "time_zone": schedule.time_zone,
            "calendar": schedule.calendar, "every": schedule.every, "accounts": list(schedule.accounts),
            "model": schedule.model, "execute": schedule.execute, "output": schedule.output, "base": schedule.base,
            "universe": schedule.universe, "index": schedule.index, "grace_seconds": schedule.grace_seconds}


def _schedule(row: ScheduleRow) -> Schedule:
    d = row.document
    return Schedule(name=row.name, job=JobKind(d["job"]), cron=d["cron"], time_zone=d["time_zone"],
                    calendar=d.get("calendar"), every=bool(d.get("every")), accounts=tuple(d.get("accounts", ())),
                    model=d.get("model"), execute=bool(d.get("execute")), output=d.get("output"),
                    base=d.get("base"), universe=d.get("universe"), index=d.get("index"),
                    grace_seconds=int(d["grace_seconds"]), created_at=row.created_at)
