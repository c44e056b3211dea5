"""Dashboard sessions (a token checked once, then an opaque id; CSRF per session), the bands form's reading and
a run's timeline."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from trimtab.application.access import NotAuthenticated, Scope, ScopeMissing, TokenInfo, digest_of
from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.reviewed_plans import run_timeline
from trimtab.application.sessions import FormExpired, Sessions
from trimtab.application.settings_form import form_values, read_band_form

SECRET = "ttk_" + "a" * 43
START = dt.datetime(2026, 11, 23, 1, 30, tzinfo=dt.UTC)


class Clock:
    def __init__(self) -> None:
        self.at = START

    def now(self) -> dt.datetime:
        return self.at


class Tokens:
    """One token, revocable."""

    def __init__(self) -> None:
        self.revoked = False
        self.info = TokenInfo("t1", "ops", frozenset({Scope.TRADE}), START)

    def authenticate(self, secret: str | None) -> TokenInfo:
        if secret != SECRET:
            raise NotAuthenticated("a valid bearer token is required")
        return self.authenticate_digest(digest_of(secret))

    def authenticate_digest(self, digest: str) -> TokenInfo:
        if digest != digest_of(SECRET) or self.revoked:
            raise NotAuthenticated("a valid bearer token is required")
        return self.info


def test_session_opened_with_a_token_is_found_by_its_id_and_keeps_no_secret() -> None:
    sessions = Sessions(Tokens(), Clock())
    session_id, session = sessions.open(SECRET)
    assert sessions.find(session_id).token.name == "ops"
    assert SECRET not in repr(session)
    assert session_id not in repr(sessions.__dict__)
    assert session.allows(Scope.TRADE)
    assert not session.allows(Scope.ADMIN)
    with pytest.raises(ScopeMissing):
        session.require(Scope.ADMIN)


def test_session_bad_token_unknown_id_and_lapse_are_refused() -> None:
    clock = Clock()
    sessions = Sessions(Tokens(), clock, idle=dt.timedelta(minutes=5))
    with pytest.raises(NotAuthenticated):
        sessions.open("ttk_wrong")
    with pytest.raises(NotAuthenticated):
        sessions.find("not-a-session")
    session_id, _ = sessions.open(SECRET)
    clock.at += dt.timedelta(minutes=4)
    sessions.find(session_id)  # used: its lapse moves on
    clock.at += dt.timedelta(minutes=4)
    sessions.find(session_id)
    clock.at += dt.timedelta(minutes=6)
    with pytest.raises(NotAuthenticated, match="ended"):
        sessions.find(session_id)


def test_session_of_a_revoked_token_ends_at_once() -> None:
    tokens = Tokens()
    sessions = Sessions(tokens, Clock())
    session_id, _ = sessions.open(SECRET)
    tokens.revoked = True
    with pytest.raises(NotAuthenticated, match="revoked"):
        sessions.find(session_id)
    tokens.revoked = False
    with pytest.raises(NotAuthenticated):  # closed for good
        sessions.find(session_id)


def test_session_form_needs_its_own_csrf_token() -> None:
    sessions = Sessions(Tokens(), Clock())
    _, first = sessions.open(SECRET)
    _, second = sessions.open(SECRET)
    first.check_form(first.csrf)
    for wrong in (None, "", second.csrf):
        with pytest.raises(FormExpired):
            first.check_form(wrong)


def test_session_logout_closes_it() -> None:
    sessions = Sessions(Tokens(), Clock())
    session_id, _ = sessions.open(SECRET)
    sessions.close(session_id)
    with pytest.raises(NotAuthenticated):
        sessions.find(session_id)


def test_band_form_reads_percent_amounts_and_whole_numbers() -> None:
    changes, errors = read_band_form({"class_band": "4", "ticker_band": "5 pp", "relative_band": "none",
                                      "cash_buffer": "1.5%", "minimum_trade_value": "50000", "price_ticks": "2",
                                      "confirm_days": "", "split_days": " "})
    assert errors == {}
    assert (changes.class_band, changes.ticker_band, changes.cash_buffer) == (
        Decimal("0.04"), Decimal("0.05"), Decimal("0.015"))
    assert changes.clear_relative_band
    assert changes.relative_band is None
    assert (changes.minimum_trade_value, changes.price_ticks, changes.confirm_days) == (Decimal(50000), 2, None)


def test_band_form_names_every_bad_field() -> None:
    _, errors = read_band_form({"class_band": "150", "cash_buffer": "lots", "price_ticks": "1.5",
                                "split_days": "0", "ticker_band": "5"})
    assert set(errors) == {"class_band", "cash_buffer", "price_ticks", "split_days"}
    assert errors["class_band"] == "'150': must be between 0 and 100 (percent)"
    assert errors["price_ticks"] == "'1.5': must be a whole number"


def test_band_form_shows_the_stored_settings_in_its_units() -> None:
    values = form_values(RebalancingConfig(class_band=Decimal("0.03"), relative_band=None))
    assert values["class_band"] == "3"
    assert values["relative_band"] == "none"


def _run(status: RunStatus, step: RunStep, *, execute: bool = True) -> RunRecord:
    return RunRecord("r1", "DEMO-KR", "M", "1", "paper", status, step, execute, False, START, START, reason="no cash")


def test_run_timeline_marks_where_a_stopped_run_stopped() -> None:
    steps = run_timeline(_run(RunStatus.NEEDS_ATTENTION, RunStep.BUYING), [])
    assert [step.state for step in steps] == ["current", "skipped", "done", "failed", "failed"]
    assert steps[-1].detail == "needs attention: no cash"


def test_run_timeline_of_a_dry_run_skips_every_trading_step() -> None:
    steps = run_timeline(_run(RunStatus.DRY_RUN, RunStep.DONE, execute=False), [])
    assert [step.state for step in steps[1:4]] == ["skipped"] * 3
    assert steps[-1].detail.startswith("dry run")
