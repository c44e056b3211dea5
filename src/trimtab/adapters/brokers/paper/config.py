"""Settings of the paper exchange: seed, fill model, faults, costs, calendar and settlement."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from trimtab.domain.errors import InvalidInput
from trimtab.domain.numbers import ONE, ZERO
from trimtab.domain.snapshot import CostSettings

DEFAULT_PRICE_EPOCH = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True, slots=True)
class PaperConfig:
    """How the paper exchange behaves. Every random choice is a pure function of `seed` and ids.

    Fill model: an open order gets a fill opportunity every `fill_interval_seconds` after it was accepted.
    At an opportunity the order fills a chunk when it is marketable at the path price of that instant and a
    draw falls below `fill_probability`. A chunk is `partial_fill_fraction` of the order's quantity, rounded
    down to the lot (at least one lot, at most what remains).

    Prices: the clock maps onto demo price path steps of `price_step_seconds` counted from `price_epoch`
    (00:00 UTC), so path days are UTC days, each holding a whole KRX and a whole US session.

    Settlement: KRX lets an account buy with unsettled sale proceeds (the D+2 money counts as orderable), so
    by default sale proceeds join `cash` at once. With `proceeds_available_immediately=False` they become
    orderable `settlement_sessions` sessions after the trade date instead.
    """

    seed: int = 0
    fill_interval_seconds: int = 10
    fill_probability: Decimal = ONE
    partial_fill_fraction: Decimal = Decimal("0.5")
    price_step_seconds: int = 60
    price_epoch: dt.datetime = DEFAULT_PRICE_EPOCH
    latency_seconds: float = 0.0
    reject_rate: Decimal = ZERO
    drop_response_rate: Decimal = ZERO
    default_costs: CostSettings = field(default_factory=CostSettings)
    account_costs: Mapping[str, CostSettings] = field(default_factory=dict)
    check_calendar: bool = True
    proceeds_available_immediately: bool = True
    settlement_sessions: int = 2

    def __post_init__(self) -> None:
        """Refuse settings outside their ranges."""
        for name in ("fill_probability", "reject_rate", "drop_response_rate"):
            _require_fraction(name, getattr(self, name), allow_zero=True)
        _require_fraction("partial_fill_fraction", self.partial_fill_fraction, allow_zero=False)
        if self.fill_interval_seconds <= 0 or self.price_step_seconds <= 0:
            raise InvalidInput("intervals must be positive", where="paper config", field="fill_interval_seconds")
        if self.latency_seconds < 0 or self.settlement_sessions < 0:
            raise InvalidInput("must not be negative", where="paper config", field="latency_seconds")
        if self.price_epoch.tzinfo is None or self.price_epoch.astimezone(dt.UTC).timetz() != dt.time(tzinfo=dt.UTC):
            raise InvalidInput("must be an aware instant at 00:00 UTC", where="paper config", field="price_epoch",
                               value=self.price_epoch)
        if SECONDS_PER_DAY % self.price_step_seconds != 0:
            raise InvalidInput("must divide a day", where="paper config", field="price_step_seconds",
                               value=self.price_step_seconds)

    def costs_for(self, account_id: str) -> CostSettings:
        """Return the commission settings of an account (its own, or the default)."""
        return self.account_costs.get(account_id, self.default_costs)

    @property
    def steps_per_day(self) -> int:
        """Return how many price steps make a (UTC) day."""
        return SECONDS_PER_DAY // self.price_step_seconds

    def price_step(self, at: dt.datetime) -> int:
        """Return the price path step of an instant (0 before the epoch)."""
        return max(0, (at - self.price_epoch) // dt.timedelta(seconds=self.price_step_seconds))


def _require_fraction(name: str, value: Decimal, *, allow_zero: bool) -> None:
    if not isinstance(value, Decimal) or not value.is_finite():
        raise InvalidInput("must be a Decimal", where="paper config", field=name, value=value)
    low_ok = value >= ZERO if allow_zero else value > ZERO
    if not low_ok or value > ONE:
        raise InvalidInput("must be a fraction between 0 and 1", where="paper config", field=name, value=value)
