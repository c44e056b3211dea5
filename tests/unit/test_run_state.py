"""The run lifecycle table: the happy path, stops, resumes, and every event that cannot happen where a run stands."""

from __future__ import annotations

import datetime as dt

import pytest

from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.application.run_state import RUN_TRANSITIONS, RunEvent, advance, next_state
from trimtab.domain.errors import DomainError

S, P, E = RunStatus, RunStep, RunEvent
AT = dt.datetime(2026, 11, 20, tzinfo=dt.UTC)


def _run() -> RunRecord:
    return RunRecord("r1", "ACC", "M", "1", "paper", S.RUNNING, P.CREATED, True, False, AT, AT)


def test_a_run_goes_through_every_step_to_completed() -> None:
    run = _run()
    for event, step in ((E.PLANNED, P.SELLING), (E.SOLD, P.PLAN_BUYS), (E.BUYS_PLANNED, P.BUYING),
                        (E.BOUGHT, P.DONE)):
        advance(run, event)
        assert (run.status, run.step) == (S.RUNNING, step)
    advance(run, E.FINISHED)
    assert (run.status, run.step, run.reason) == (S.COMPLETED, P.DONE, "")


@pytest.mark.parametrize(("event", "status"), [(E.SKIPPED, S.SKIPPED), (E.CHECKED, S.DRY_RUN),
                                               (E.REFUSED, S.FAILED)])
def test_planning_can_end_the_run_with_its_reason(event: RunEvent, status: RunStatus) -> None:
    run = _run()
    advance(run, event, "why")
    assert (run.status, run.step, run.reason) == (status, P.CREATED, "why")


def test_a_run_that_could_not_buy_resumes_with_a_new_round_of_buys() -> None:
    run = _run()
    for event in (E.PLANNED, E.SOLD, E.BUYS_PLANNED, E.BOUGHT):
        advance(run, event)
    advance(run, E.ATTENTION, "114260 rejected")
    assert (run.status, run.step) == (S.NEEDS_ATTENTION, P.DONE)
    advance(run, E.RESUMED)
    assert (run.status, run.step, run.reason) == (S.RUNNING, P.PLAN_BUYS, "")


@pytest.mark.parametrize("step", [P.CREATED, P.SELLING, P.PLAN_BUYS, P.BUYING])
def test_attention_and_resume_keep_the_step(step: RunStep) -> None:
    assert next_state(S.RUNNING, step, E.ATTENTION) == (S.NEEDS_ATTENTION, step)
    assert next_state(S.NEEDS_ATTENTION, step, E.RESUMED) == (S.RUNNING, step)
    assert next_state(S.RUNNING, step, E.RESUMED) == (S.RUNNING, step)  # an interrupted run


@pytest.mark.parametrize(("status", "step", "event"), [
    (S.RUNNING, P.SELLING, E.PLANNED), (S.RUNNING, P.CREATED, E.SOLD), (S.RUNNING, P.BUYING, E.FINISHED),
    (S.COMPLETED, P.DONE, E.RESUMED), (S.DRY_RUN, P.CREATED, E.PLANNED), (S.FAILED, P.CREATED, E.RESUMED),
    (S.NEEDS_ATTENTION, P.SELLING, E.SOLD), (S.SKIPPED, P.CREATED, E.ATTENTION),
])
def test_events_that_cannot_happen_raise(status: RunStatus, step: RunStep, event: RunEvent) -> None:
    with pytest.raises(DomainError, match="illegal run transition"):
        next_state(status, step, event)


def test_final_statuses_have_no_way_out() -> None:
    final = {S.COMPLETED, S.SKIPPED, S.DRY_RUN, S.FAILED}
    assert not [key for key in RUN_TRANSITIONS if key[0] in final]
