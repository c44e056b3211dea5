"""In-memory doubles of the repositories the service features add: schedules, execution policies, signals."""

from __future__ import annotations

import builtins
import datetime as dt
from dataclasses import dataclass, field

from trimtab.application.policies import SplitState
from trimtab.application.schedules import Schedule, SlotRecord
from trimtab.application.signals import SignalRecord
from trimtab.domain.errors import InvalidInput


@dataclass
class MemorySchedules:
    """Schedules and their slots in dicts; a slot is claimed once, as the database's primary key makes it."""

    schedules: dict[str, Schedule] = field(default_factory=dict)
    records: dict[tuple[str, dt.datetime], SlotRecord] = field(default_factory=dict)

    def add(self, schedule: Schedule) -> None:
        if schedule.name in self.schedules:
            raise InvalidInput("a schedule has this name already", where="command line", field="name",
                               value=schedule.name)
        self.schedules[schedule.name] = schedule

    def list(self) -> list[Schedule]:
        return [self.schedules[name] for name in sorted(self.schedules)]

    def remove(self, name: str) -> bool:
        self.records = {key: record for key, record in self.records.items() if key[0] != name}
        return self.schedules.pop(name, None) is not None

    def claim(self, record: SlotRecord) -> bool:
        key = (record.schedule, record.slot)
        if key in self.records:
            return False
        self.records[key] = record
        return True

    def finish(self, record: SlotRecord) -> None:
        self.records[(record.schedule, record.slot)] = record

    def last_slot(self, name: str) -> dt.datetime | None:
        return max((slot for schedule, slot in self.records if schedule == name), default=None)

    def slots(self, name: str, limit: int = 20) -> builtins.list[SlotRecord]:
        mine = sorted((r for r in self.records.values() if r.schedule == name), key=lambda r: r.slot, reverse=True)
        return mine[:limit]


@dataclass
class MemoryPolicies:
    """Breach observations and split executions in dicts."""

    observed: dict[tuple[str, dt.date], str] = field(default_factory=dict)
    splits: dict[str, SplitState] = field(default_factory=dict)

    def observe(self, account_id: str, day: dt.date, signature: str, at: dt.datetime) -> None:
        self.observed[(account_id, day)] = signature

    def observations(self, account_id: str, since: dt.date) -> dict[dt.date, str]:
        return {day: signature for (account, day), signature in self.observed.items()
                if account == account_id and day >= since}

    def split(self, account_id: str) -> SplitState | None:
        return self.splits.get(account_id)

    def save_split(self, state: SplitState) -> None:
        self.splits[state.account_id] = state


@dataclass
class MemorySignals:
    """Signals by id, in arrival order."""

    records: dict[str, SignalRecord] = field(default_factory=dict)

    def add(self, record: SignalRecord) -> bool:
        if record.signal_id in self.records:
            return False
        self.records[record.signal_id] = record
        return True

    def get(self, signal_id: str) -> SignalRecord | None:
        return self.records.get(signal_id)

    def update(self, record: SignalRecord) -> None:
        if record.signal_id in self.records:
            self.records[record.signal_id] = record

    def list(self, limit: int = 50) -> builtins.list[SignalRecord]:
        return list(reversed(self.records.values()))[:limit]
