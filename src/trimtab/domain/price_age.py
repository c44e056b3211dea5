"""How old an account's prices are, and whether cached ones are still young enough to use.

Every snapshot read from a broker is kept with the instant it was read; a cached read (`--cached`) rebuilds
the account from the last one kept instead of asking the broker. Each output states the prices' age, and a
cached read refuses prices older than the configured maximum, stating their age.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from trimtab.domain.errors import InvalidInput
from trimtab.domain.fx import format_age
from trimtab.domain.snapshot import AccountSnapshot


@dataclass(frozen=True, slots=True)
class StoredSnapshot:
    """A snapshot as a broker gave it, kept with the broker's name and when it was read (time-zone aware)."""

    snapshot: AccountSnapshot
    broker: str
    read_at: dt.datetime


def price_age(read_at: dt.datetime, now: dt.datetime) -> dt.timedelta:
    """How long ago prices were read (never negative: a clock a little behind reads as 0)."""
    return max(now - read_at, dt.timedelta(0))


def describe_age(read_at: dt.datetime, now: dt.datetime, zone: dt.tzinfo, *, cached: bool) -> str:
    """``prices read 2026-12-01 06:31 +08, 3 h 12 min old`` (with ``, cached`` when not read live)."""
    local = read_at.astimezone(zone)
    label = local.tzname() or local.strftime("%z")
    source = "cached" if cached else "live"
    return (f"prices read {local.strftime('%Y-%m-%d %H:%M')} {label}, "
            f"{format_age(price_age(read_at, now))} old ({source})")


def require_young(stored: StoredSnapshot, now: dt.datetime, max_age: dt.timedelta) -> None:
    """Refuse cached prices older than `max_age`, stating their age (InvalidInput)."""
    age = price_age(stored.read_at, now)
    if age > max_age:
        account = stored.snapshot.account_id
        raise InvalidInput(f"cached prices were read {format_age(age)} ago ({stored.read_at.isoformat()}), more "
                           f"than the {format_age(max_age)} allowed (TRIMTAB_CACHED_PRICES_MAX_AGE_HOURS); read the "
                           "account live (without --cached)", where=f"account '{account}'", field="cached",
                           value=None)


def nothing_stored(account_id: str) -> InvalidInput:
    """A cached read of an account never read from its broker."""
    return InvalidInput("no prices are stored for this account yet; read it live once (without --cached)",
                        where=f"account '{account_id}'", field="cached", value=None)
