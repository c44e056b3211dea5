"""Plan many accounts at once: one call of the allocation kernel for every account of the same shape.

`plan_many` builds each account's integer problem (`problem.build_problem`), stacks the problems of the same
shape (tickers, rate denominator) into one `AllocationBatch` and calls the vectorised heuristic allocator
once per stack (this module loads NumPy; planning one account does not); trades below an account's minimum
value are frozen and the accounts concerned are allocated again, again in one call per stack, until none is
left. Each account's plan is then made by the public
`plan_rebalance`, whose allocator replays the lots the batch chose: a batch plan equals the account's own plan
(the kernel plans every row alike, whatever its neighbours), and the drift, orders, checks and reasons come
from one place. An account that cannot be planned (no price, no equity) is an error of its own line; the
others are planned. The exact method (a MILP per account) is not batched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from trimtab.domain.allocation import AllocationBatch, IntArray, allocate_floor, allocate_greedy, stack_accounts
from trimtab.domain.allocation_account import AccountProblem, Lots
from trimtab.domain.allocation_method import AllocationMethod
from trimtab.domain.certificate import CertificateRequest, certify_many
from trimtab.domain.drift import value_account
from trimtab.domain.errors import InvalidInput
from trimtab.domain.models import ModelPortfolio
from trimtab.domain.planning import HEURISTICS as ONE_ACCOUNT
from trimtab.domain.planning import Allocator, Plan, PlanSettings, plan_rebalance
from trimtab.domain.problem import Line, build_lines, build_problem, lots_to_quantities
from trimtab.domain.snapshot import AccountSnapshot

# The vectorised kernels, one call per stack of accounts of one shape (the lots each account gets alone).
HEURISTICS: dict[AllocationMethod, Callable[[AllocationBatch], IntArray]] = {
    AllocationMethod.GREEDY: allocate_greedy,
    AllocationMethod.FLOOR: allocate_floor,
}


@dataclass(frozen=True, slots=True)
class PlanRequest:
    """One account to plan: its model, what it holds now, its settings."""

    model: ModelPortfolio
    snapshot: AccountSnapshot
    settings: PlanSettings


@dataclass(frozen=True, slots=True)
class PlanOutcome:
    """An account's plan, or why it could not be planned."""

    account_id: str
    plan: Plan | None
    error: InvalidInput | None = None


@dataclass(slots=True)
class _Pending:
    """An account still allocating: its lines, the symbols frozen so far and the lots of each round."""

    index: int
    request: PlanRequest
    lines: list[Line]
    equity: Decimal
    frozen: set[str]
    rounds: list[Lots]


def plan_many(requests: Sequence[PlanRequest], exact: Allocator | None = None) -> list[PlanOutcome]:
    """Plan every account; the heuristic methods allocate all accounts of one shape in one kernel call."""
    outcomes: list[PlanOutcome | None] = [None] * len(requests)
    pending: list[_Pending] = []
    for index, request in enumerate(requests):
        account_id = request.snapshot.account_id
        if request.settings.method is AllocationMethod.EXACT:
            outcomes[index] = _plan_one(request, exact)
            continue
        try:
            settings = request.settings
            lines = build_lines(request.snapshot, request.model.target_weights(), settings.price_ticks,
                                settings.tax_rules)
            equity = value_account(request.snapshot).equity
        except InvalidInput as error:
            outcomes[index] = PlanOutcome(account_id, None, error)
            continue
        pending.append(_Pending(index, request, lines, equity, set(), []))
    deferred: list[tuple[int, CertificateRequest]] = []
    for item in _allocate_rounds(pending):
        outcomes[item.index] = _replayed(item, deferred)
    _certified(outcomes, deferred)
    return [outcome for outcome in outcomes if outcome is not None]


def _certified(outcomes: list[PlanOutcome | None], deferred: list[tuple[int, CertificateRequest]]) -> None:
    """Give the replayed plans their certificates, the bounds of one shape's accounts computed in one batch."""
    for (index, _), certificate in zip(deferred, certify_many([request for _, request in deferred]), strict=True):
        outcome = outcomes[index]
        if outcome is not None and outcome.plan is not None and certificate is not None:
            outcomes[index] = replace(outcome, plan=replace(
                outcome.plan, objective_bp=certificate.objective_bp, lower_bound_bp=certificate.lower_bound_bp,
                gap_bp=certificate.gap_bp))


def _plan_one(request: PlanRequest, exact: Allocator | None) -> PlanOutcome:
    try:
        return PlanOutcome(request.snapshot.account_id, plan_rebalance(request.model, request.snapshot,
                                                                       request.settings, exact))
    except InvalidInput as error:
        return PlanOutcome(request.snapshot.account_id, None, error)


def _allocate_rounds(pending: list[_Pending]) -> list[_Pending]:
    """Allocate, freeze trades below each account's minimum and allocate those accounts again, in batches."""
    done: list[_Pending] = []
    active = pending
    while active:
        problems: dict[tuple[AllocationMethod, int, int], list[tuple[_Pending, AccountProblem]]] = {}
        for item in active:
            try:
                problem, _ = build_problem(item.lines, item.request.snapshot, item.equity,
                                           item.request.settings.cash_buffer, item.frozen,
                                           allow_sells=item.request.settings.allow_sells)
            except InvalidInput:
                # plan_rebalance raises it again, for the account's own line
                done.append(item)
                continue
            method = item.request.settings.method
            problems.setdefault((method, problem.width, problem.rate_denominator), []).append((item, problem))
        again: list[_Pending] = []
        for key, group in problems.items():
            lots = HEURISTICS[key[0]](stack_accounts([problem for _, problem in group])).tolist()
            for row, (item, _) in enumerate(group):
                item.rounds.append(lots[row])
                small = _below_minimum(item, lots[row])
                if small:
                    item.frozen |= small
                    again.append(item)
                else:
                    done.append(item)
        active = again
    return sorted(done, key=lambda item: item.index)


def _below_minimum(item: _Pending, lots: Lots) -> set[str]:
    trades = lots_to_quantities(item.lines, lots)
    minimum = item.request.settings.minimum_trade_value
    return {line.symbol for line in item.lines
            if trades[line.symbol] != 0 and abs(trades[line.symbol]) * line.price < minimum}


def _replayed(item: _Pending, deferred: list[tuple[int, CertificateRequest]]) -> PlanOutcome:
    """The account's plan by `plan_rebalance`, its allocator answering with the lots the batch chose; its
    certificate's problem is kept in `deferred` (the plan leaves without one until `_certified`)."""
    request = item.request
    rounds = iter(item.rounds)
    fallback = ONE_ACCOUNT[request.settings.method]

    def replay(problem: AccountProblem) -> Lots:
        chosen = next(rounds, None)
        if chosen is None or len(chosen) != problem.width:  # not the batch's problem: allocate it here
            return fallback(problem)
        return chosen

    exact_settings = replace(request.settings, method=AllocationMethod.EXACT)
    try:
        def defer(problem: AccountProblem, lots: Lots, units: int, equity: Decimal) -> None:
            deferred.append((item.index, CertificateRequest(problem, lots, units, equity)))

        plan = plan_rebalance(request.model, request.snapshot, exact_settings, replay, certifier=defer)
    except InvalidInput as error:
        return PlanOutcome(request.snapshot.account_id, None, error)
    return PlanOutcome(plan.account_id, replace(plan, method=request.settings.method))
