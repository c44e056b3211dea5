"""Cron expressions read by APScheduler's CronTrigger; business days from the exchange calendars."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped]

from trimtab.adapters.marketdata.calendars import is_session, session_on
from trimtab.application.policies import Weekdays
from trimtab.application.ports import Clock
from trimtab.domain.instruments import Market


class ApschedulerCron:
    """Standard five-field cron (minute hour day month weekday), in a zone, by APScheduler."""

    def __init__(self) -> None:
        self._triggers: dict[tuple[str, str], CronTrigger] = {}

    def _trigger(self, expression: str, zone: ZoneInfo) -> CronTrigger:
        key = (expression, zone.key)
        if key not in self._triggers:
            self._triggers[key] = CronTrigger.from_crontab(expression, timezone=zone)
        return self._triggers[key]

    def check(self, expression: str, zone: ZoneInfo) -> None:
        try:
            self._trigger(expression, zone)
        except (ValueError, TypeError) as error:  # APScheduler says what is wrong with the fields
            raise ValueError(str(error) or "not understood") from None

    def next_at_or_after(self, expression: str, zone: ZoneInfo, at: dt.datetime) -> dt.datetime | None:
        found: dt.datetime | None = self._trigger(expression, zone).get_next_fire_time(None, at)
        return None if found is None else found.astimezone(dt.UTC)


class ExchangeDays:
    def is_business_day(self, calendar: str, day: dt.date) -> bool:
        return is_session(calendar, day)

    def previous_session(self, market: Market | None, day: dt.date) -> dt.date:
        """The market's trading day before `day` (weekdays for a market without a calendar)."""
        if market is None:
            return Weekdays().previous_session(None, day)
        earlier = day - dt.timedelta(days=1)
        for _ in range(30):
            if session_on(market, earlier) is not None:
                return earlier
            earlier -= dt.timedelta(days=1)
        return earlier  # outside the calendar's years: no session for a month, the streak ends here


@dataclass(frozen=True)
class Rules:
    clock: Clock  # the scheduler's: the system's, or the simulated clock of the settings (tests, demos)
    cron: ApschedulerCron = field(default_factory=ApschedulerCron)
    days: ExchangeDays = field(default_factory=ExchangeDays)
