"""The run lifecycle as a transition table: (status, step, event) -> (status, step), like the order table.

A run plans (step `created`), sells, plans its buys from the real cash, buys, and takes its final snapshot
(`done`). Every change of status or step goes through `advance`; an event that does not apply to where the
run stands raises, so no code path can move a run somewhere it cannot be.
"""

from __future__ import annotations

from enum import StrEnum

from trimtab.application.ports import RunRecord, RunStatus, RunStep
from trimtab.domain.errors import DomainError


class RunEvent(StrEnum):
    SKIPPED = "skipped"  # no band is breached and the run is not forced
    CHECKED = "checked"  # a dry run: planned and checked, nothing sent
    REFUSED = "refused"  # the pre-trade checks failed
    PLANNED = "planned"  # the plan holds and orders may be sent: sell
    SOLD = "sold"  # the sells are settled: plan the buys from the real cash
    BUYS_PLANNED = "buys_planned"
    BOUGHT = "bought"  # the buys are settled: take the final snapshot
    FINISHED = "finished"  # everything bought
    ATTENTION = "attention"  # a person must look (could not buy, a broker error after orders, an unsettled leg)
    FAILED = "failed"  # the broker failed before any order was recorded: nothing was sent
    RESUMED = "resumed"


_R, _A, _T = RunStatus.RUNNING, RunStatus.NEEDS_ATTENTION, RunEvent
_STEPS = (RunStep.CREATED, RunStep.SELLING, RunStep.PLAN_BUYS, RunStep.BUYING, RunStep.DONE)

RUN_TRANSITIONS: dict[tuple[RunStatus, RunStep, RunEvent], tuple[RunStatus, RunStep]] = {
    (_R, RunStep.CREATED, _T.SKIPPED): (RunStatus.SKIPPED, RunStep.CREATED),
    (_R, RunStep.CREATED, _T.CHECKED): (RunStatus.DRY_RUN, RunStep.CREATED),
    (_R, RunStep.CREATED, _T.REFUSED): (RunStatus.FAILED, RunStep.CREATED),
    (_R, RunStep.CREATED, _T.PLANNED): (_R, RunStep.SELLING),
    (_R, RunStep.SELLING, _T.SOLD): (_R, RunStep.PLAN_BUYS),
    (_R, RunStep.PLAN_BUYS, _T.BUYS_PLANNED): (_R, RunStep.BUYING),
    (_R, RunStep.BUYING, _T.BOUGHT): (_R, RunStep.DONE),
    (_R, RunStep.DONE, _T.FINISHED): (RunStatus.COMPLETED, RunStep.DONE),
    # a run that sold but could not buy everything is resumed with a new round of buys
    (_A, RunStep.DONE, _T.RESUMED): (_R, RunStep.PLAN_BUYS),
}
for _step in _STEPS:
    RUN_TRANSITIONS[(_R, _step, _T.ATTENTION)] = (_A, _step)
    RUN_TRANSITIONS[(_R, _step, _T.FAILED)] = (RunStatus.FAILED, _step)
    RUN_TRANSITIONS[(_R, _step, _T.RESUMED)] = (_R, _step)  # interrupted: carry on where it stopped
    if _step is not RunStep.DONE:
        RUN_TRANSITIONS[(_A, _step, _T.RESUMED)] = (_R, _step)


def next_state(status: RunStatus, step: RunStep, event: RunEvent) -> tuple[RunStatus, RunStep]:
    """Where a run goes on an event, or DomainError when the event cannot happen where it stands."""
    try:
        return RUN_TRANSITIONS[(status, step, event)]
    except KeyError:
        raise DomainError(f"illegal run transition: {event.value} in {status.value} at step {step.value}") from None


def advance(run: RunRecord, event: RunEvent, reason: str = "") -> None:
    """Move a run on an event (the caller saves it); the reason says why it stopped, empty while it runs."""
    run.status, run.step = next_state(run.status, run.step, event)
    run.reason = reason
