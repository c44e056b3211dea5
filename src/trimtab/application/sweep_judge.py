"""One chunk of a sweep: screen every account's drift at once, judge the candidates exactly, plan the breached.

The screen (`domain.drift_screen`) values the chunk as one matrix per model and setting and rules out the
accounts surely inside their bands; each other account is rebuilt exactly from its stored cash, positions
and the last quotes (an `AccountSnapshot` of Decimals) and judged by the domain's own drift; with `plan`,
the breached ones are planned together by the batch planner (`plan_many`, each plan equal to the account's
own `plan_rebalance`). An account that cannot be judged is skipped with its reason, the others go on.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from trimtab.application.batch import BatchLine, largest_drift, settings_of
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.sweep_ports import FleetChunk, FleetStore, StoredAccount, SweepResult
from trimtab.domain.batch_planning import PlanRequest, plan_many
from trimtab.domain.drift import measure_drift, value_account
from trimtab.domain.drift_screen import ScreenSpec, screen, screen_spec
from trimtab.domain.errors import InvalidInput
from trimtab.domain.snapshot import AccountSnapshot, Holding

if TYPE_CHECKING:
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import Plan, PlanSettings
    from trimtab.domain.snapshot import Quote

SIX_PLACES = Decimal("0.000001")
NO_POSITIONS = "no positions stored"
PLAN_BATCH = 2_000  # accounts planned in one call of the batch planner: its full plans are held until summed up
ModelKey = tuple[str, str | None]


@dataclass(slots=True)
class SweepContext:
    """What every chunk shares: models, last quotes, the symbol columns and the screens built so far."""

    load_model: Callable[[ModelKey], ModelPortfolio]
    quotes: dict[str, Quote]
    plan: bool
    column_of: dict[str, int] = field(default_factory=dict)
    prices: list[float] = field(default_factory=list)
    models: dict[ModelKey, ModelPortfolio | InvalidInput] = field(default_factory=dict)
    specs: dict[tuple[Any, ...], ScreenSpec | str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(("read", "drift", "plan", "write"), 0.0))
    workers: int = 1  # processes planning at once
    submit: Callable[..., Planned] = field(default=lambda plan, requests: plan_here(plan, requests))  # or a pool's

    def __post_init__(self) -> None:
        for symbol, quote in self.quotes.items():
            self.column(symbol, float(quote.price))

    def column(self, symbol: str, price: float = float("nan")) -> int:
        """The symbol's column in the value matrix (a symbol without a quote has no price: NaN)."""
        index = self.column_of.get(symbol)
        if index is None:
            index = self.column_of[symbol] = len(self.prices)
            self.prices.append(price)
        return index

    def model(self, key: ModelKey) -> ModelPortfolio | InvalidInput:
        """The model version an account follows, loaded once (or why it cannot be)."""
        if key not in self.models:
            try:
                self.models[key] = self.load_model(key)
            except InvalidInput as error:
                self.models[key] = error
        return self.models[key]


class Planned(Protocol):
    """Plans on their way: a future of a process pool, or plans already made."""

    def result(self) -> list[SweepResult]: ...


@dataclass(frozen=True, slots=True)
class _Done:
    results: list[SweepResult]

    def result(self) -> list[SweepResult]:
        return self.results


def plan_here(plan: Callable[[list[PlanRequest]], list[SweepResult]], requests: list[PlanRequest]) -> Planned:
    """Plan a batch at once, in this process (one worker)."""
    return _Done(plan(requests))


@dataclass(slots=True)
class _Candidate:
    index: int
    model: ModelPortfolio
    settings: PlanSettings


@dataclass(slots=True)
class JudgedChunk:
    """A chunk's results, some still being planned (by worker processes while the next chunk is read)."""

    results: list[SweepResult | None]
    pending: list[tuple[list[int], Planned]]

    def collect(self, context: SweepContext) -> list[SweepResult]:
        """Every result, in the chunk's order, once its plans are made (the wait counts as planning)."""
        started = time.perf_counter()
        for indexes, planned in self.pending:
            for index, result in zip(indexes, planned.result(), strict=True):
                self.results[index] = result
        context.seconds["plan"] += time.perf_counter() - started
        return [result for result in self.results if result is not None]


def judge_chunk(chunk: FleetChunk, context: SweepContext, store: FleetStore) -> JudgedChunk:
    """Every account of the chunk judged; the breached ones' plans submitted (collect() waits for them)."""
    started = time.perf_counter()
    results: list[SweepResult | None] = [None] * len(chunk.account_ids)
    values, unpriced = _values(chunk, context)
    configs: dict[int, RebalancingConfig] = {}
    groups = _groups(chunk, context, unpriced, results, configs)
    cash = np.array([0.0 if value is None else value for value in chunk.cash], dtype=np.float64)
    candidates = _screened(chunk, context, groups, values, cash, configs, results)
    context.seconds["drift"] += time.perf_counter() - started
    return JudgedChunk(results, _judge_exactly(chunk, candidates, context, store, results))


def _groups(chunk: FleetChunk, context: SweepContext, unpriced: dict[int, str], results: list[SweepResult | None],
            configs: dict[int, RebalancingConfig]) -> dict[tuple[Any, ...], list[int]]:
    """The accounts that can be screened, grouped by model, currency and bands; the others' results set."""
    groups: dict[tuple[Any, ...], list[int]] = {}
    for index, account_id in enumerate(chunk.account_ids):
        model = context.model(chunk.models[index])
        if isinstance(model, InvalidInput):
            results[index] = _skipped(chunk, index, "model cannot be loaded", str(model))
        elif chunk.cash[index] is None:
            results[index] = _skipped(chunk, index, NO_POSITIONS, f"no cash or holdings stored for {account_id}")
        elif index in unpriced:
            results[index] = _skipped(chunk, index, "no price", f"no stored quote for {unpriced[index]}")
        else:
            config = configs[index] = chunk.configs[index] or RebalancingConfig()
            key = (chunk.models[index], chunk.currencies[index], config.class_band, config.ticker_band,
                   config.relative_band, config.cash_buffer)
            groups.setdefault(key, []).append(index)
    return groups


def _screened(chunk: FleetChunk, context: SweepContext, groups: dict[tuple[Any, ...], list[int]],
              values: np.ndarray[Any, Any], cash: np.ndarray[Any, Any], configs: dict[int, RebalancingConfig],
              results: list[SweepResult | None]) -> list[_Candidate]:
    """Screen each group: in-band accounts get their result, the others come back for a closer look."""
    candidates: list[_Candidate] = []
    for key, members in groups.items():
        spec = _spec(key, context)
        if isinstance(spec, str):
            for index in members:
                results[index] = _skipped(chunk, index, "no price" if spec.startswith("no ") else "model", spec)
            continue
        rows = np.array(members, dtype=np.int64)
        found = screen(spec, values[rows], cash[rows])
        model = context.model(key[0])
        assert not isinstance(model, InvalidInput)  # noqa: S101 - the group was formed from loadable models
        for member, candidate, drift in zip(members, found.candidate.tolist(), found.largest_drift.tolist(),
                                            strict=True):
            if candidate:
                candidates.append(_Candidate(member, model, settings_of(configs[member], force=False)))
            else:
                results[member] = SweepResult(chunk.account_ids[member], model.name, "in_band",
                                              largest_drift=Decimal(f"{drift:.6f}"))
    return candidates


def _values(chunk: FleetChunk, context: SweepContext) -> tuple[np.ndarray[Any, Any], dict[int, str]]:
    """The chunk's value matrix (rows: accounts, columns: symbols) and the accounts holding an unpriced symbol."""
    for symbol in set(chunk.holding_symbols):
        context.column(symbol)
    prices = np.array(context.prices, dtype=np.float64)
    rows = np.array(chunk.holding_accounts, dtype=np.int64)
    columns = np.array([context.column_of[symbol] for symbol in chunk.holding_symbols], dtype=np.int64)
    quantities = np.zeros((len(chunk.account_ids), len(prices)), dtype=np.float64)
    if len(rows):
        quantities[rows, columns] = np.array(chunk.holding_quantities, dtype=np.float64)
    missing = np.isnan(prices)
    unpriced: dict[int, str] = {}
    if missing.any() and len(rows):
        for position in np.flatnonzero(missing[columns]).tolist():
            unpriced.setdefault(chunk.holding_accounts[position], chunk.holding_symbols[position])
    return quantities * np.where(missing, 0.0, prices), unpriced


def _spec(key: tuple[Any, ...], context: SweepContext) -> ScreenSpec | str:
    """The screen of a model under one setting, or why the group's accounts cannot be judged."""
    if key not in context.specs:
        from trimtab.domain.drift import Bands

        model = context.model(key[0])
        assert not isinstance(model, InvalidInput)  # noqa: S101 - groups hold loadable models only
        missing = sorted(symbol for symbol in model.target_weights() if symbol not in context.quotes)
        foreign = sorted(symbol for symbol in model.target_weights()
                         if symbol in context.quotes and context.quotes[symbol].instrument.currency != key[1])
        if missing:
            context.specs[key] = f"no stored quote for {', '.join(missing)} (model {model.name})"
        elif foreign:
            context.specs[key] = f"{', '.join(foreign)} of model {model.name} not quoted in {key[1]}"
        else:
            context.specs[key] = screen_spec(model, Bands(key[2], key[3], key[4]), key[5], context.column_of)
    return context.specs[key]


def _judge_exactly(chunk: FleetChunk, candidates: Sequence[_Candidate], context: SweepContext, store: FleetStore,
                   results: list[SweepResult | None]) -> list[tuple[list[int], Planned]]:
    """The candidates judged on their exact snapshots; with `plan`, the breached ones' plans submitted."""
    if not candidates:
        return []
    started = time.perf_counter()
    stored = store.accounts([chunk.account_ids[candidate.index] for candidate in candidates])
    context.seconds["read"] += time.perf_counter() - started
    started = time.perf_counter()
    requests: list[tuple[int, PlanRequest]] = []
    for candidate in candidates:
        account_id = chunk.account_ids[candidate.index]
        try:
            snapshot = _snapshot(account_id, chunk.currencies[candidate.index], stored.get(account_id),
                                 candidate.model, context.quotes)
            if context.plan:
                requests.append((candidate.index, PlanRequest(candidate.model, snapshot, candidate.settings)))
            else:
                results[candidate.index] = _drift_result(candidate, snapshot)
        except InvalidInput as error:
            results[candidate.index] = _skipped(chunk, candidate.index, "cannot be judged", str(error))
    context.seconds["drift"] += time.perf_counter() - started
    started = time.perf_counter()
    # batches of at most PLAN_BATCH (a batch's full plans are held until summed up), four per worker
    size = PLAN_BATCH if context.workers == 1 else min(PLAN_BATCH, max(1, -(-len(requests) // (4 * context.workers))))
    pending = []
    for start in range(0, len(requests), size):
        batch = requests[start:start + size]
        pending.append(([index for index, _ in batch], context.submit(plan_batch, [request for _, request in batch])))
    context.seconds["plan"] += time.perf_counter() - started
    return pending


def plan_batch(requests: list[PlanRequest]) -> list[SweepResult]:
    """Plan accounts in one call of the batch planner and sum each plan up (worker processes run it too)."""
    results = []
    for request, outcome in zip(requests, plan_many(requests), strict=True):
        if outcome.plan is None:
            results.append(SweepResult(outcome.account_id, request.model.name, "skipped",
                                       f"cannot be planned: {outcome.error}"))
        else:
            results.append(_plan_result(outcome.plan, request.snapshot))
    return results


def _snapshot(account_id: str, currency: str, stored: StoredAccount | None, model: ModelPortfolio,
              quotes: dict[str, Quote]) -> AccountSnapshot:
    """The account as stored, priced at the last quotes of its holdings and its model's symbols."""
    if stored is None:
        raise InvalidInput(NO_POSITIONS, where=f"account '{account_id}'", field="holdings")
    symbols = list(dict.fromkeys([*model.target_weights(), *(symbol for symbol, _, _ in stored.holdings)]))
    missing = [symbol for symbol in symbols if symbol not in quotes]
    if missing:
        raise InvalidInput("no stored quote", where=f"account '{account_id}'", field="symbol", value=missing[0])
    holdings = tuple(Holding(quotes[symbol], quantity, orderable) for symbol, quantity, orderable in stored.holdings)
    return AccountSnapshot(account_id, currency, stored.cash, holdings, {symbol: quotes[symbol] for symbol in symbols},
                           stored.as_of, costs=stored.costs)


def _drift_result(candidate: _Candidate, snapshot: AccountSnapshot) -> SweepResult:
    settings = candidate.settings
    valuation = value_account(snapshot)
    drift = measure_drift(candidate.model, valuation, settings.bands, cash_buffer=settings.cash_buffer)
    breaches = drift.breaches()
    largest = max((abs(row.drift) for row in drift.tickers), default=Decimal(0)).quantize(SIX_PLACES)
    return SweepResult(snapshot.account_id, candidate.model.name, "breached" if breaches else "in_band",
                       _first(breaches), len(breaches), largest, valuation.equity)


def _plan_result(plan: Plan, snapshot: AccountSnapshot) -> SweepResult:
    """A plan summed up: unsafe (a check failed), planned (a band is breached) or in band (the screen's margin)."""
    line = BatchLine(plan.account_id, plan.model_name, plan.currency, plan, snapshot)
    status = "unsafe" if not plan.is_safe else "planned" if plan.rebalance_needed else "in_band"
    document = None
    if status != "in_band":
        document = {"orders": [[order.symbol, order.side.value, order.quantity, order.limit_price]
                               for order in plan.orders],
                    "objective_bp": plan.objective_bp, "gap_bp": plan.gap_bp}
    return SweepResult(plan.account_id, plan.model_name, status, "" if status == "in_band" else line.reason,
                       len(plan.drift.breached()), largest_drift(plan).quantize(SIX_PLACES), plan.equity,
                       len(plan.orders), line.turnover.quantize(SIX_PLACES), document)


def _first(breaches: list[str]) -> str:
    if not breaches:
        return ""
    more = f" (+{len(breaches) - 1} more)" if len(breaches) > 1 else ""
    return breaches[0].split(" (", 1)[0] + more


def _skipped(chunk: FleetChunk, index: int, kind: str, detail: str) -> SweepResult:
    return SweepResult(chunk.account_ids[index], chunk.models[index][0], "skipped", f"{kind}: {detail}")
