"""Rebalancing strategies' slices (mixed into the facade, over the strategies and ledger operations).

`rebalance_strategies` starts one durable run for one or several strategies of an account: the run takes the
account's lock like any run (a second run on the account, whatever its strategies, is refused as busy), and
its planner sees each strategy's slice (strategy_runs.py). `resume` continues such a run with the same slices.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from trimtab.application.brokers import BrokerChoice
from trimtab.application.lookup import require_account
from trimtab.application.progress import Progress, no_progress
from trimtab.application.strategy_operations import StrategyOperations
from trimtab.domain.errors import InvalidInput, NotFound
from trimtab.domain.strategies import Strategy, StrategyId, parse_strategy_id

if TYPE_CHECKING:
    from trimtab.application.brokers import BrokerConnection, BrokerFactory
    from trimtab.application.ports import RunRecord
    from trimtab.application.records import Account
    from trimtab.application.run_rebalance import RebalanceRunner
    from trimtab.application.strategy_runs import StrategySlicer
    from trimtab.domain.ledger import LedgerEntry
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import PlanSettings
    from trimtab.domain.signal_sizing import SignalQuantity

ALL = "all"


class StrategyRuns(StrategyOperations):
    """Runs of strategies' slices, besides strategies, capital and the ledger (mixed into the facade)."""

    if TYPE_CHECKING:

        @property
        def run_settings(self) -> object: ...

        def plan_settings(self, account_id: str, *, force: bool, cash_flow: None = None) -> PlanSettings: ...

        def resolve_model(self, model: ModelPortfolio) -> ModelPortfolio: ...

        def _factory_for(self, account: Account, choice: BrokerChoice) -> BrokerFactory: ...

        def _runner(self, connection: BrokerConnection, progress: Progress) -> RebalanceRunner: ...

        def _summarise(self, record: RunRecord, account: Account) -> None: ...

    async def rebalance_strategies(self, account_id: str, strategies: Sequence[str], *, execute: bool,
                                   force: bool = False, progress: Progress = no_progress,
                                   choice: BrokerChoice | None = None, run_id: str | None = None) -> RunRecord:
        """Start a run of some strategies of an account (`all`: every active one with a model), each on its slice."""
        _ = self.run_settings  # the settings are read, and refused if bad, before anything else
        account = require_account(self.storage, account_id)
        chosen = self._chosen(account_id, strategies)
        slicer = self._slicer(account_id, tuple(s.strategy_id for s in chosen),
                              {s.strategy_id: self._strategy_model(s) for s in chosen})
        settings = self.plan_settings(account_id, force=force)
        factory = self._factory_for(account, choice or BrokerChoice())
        async with factory.connect(account, choice or BrokerChoice(), None, progress) as connection:
            runner = self._with_slices(self._runner(connection, progress), slicer)
            record = await runner.start(account_id, slicer.models[slicer.chosen[0]], settings, execute=execute,
                                        run_id=run_id)
        self._summarise(record, account)
        return record

    async def trade_signal(self, account_id: str, strategy_id: str, symbol: str, wanted: SignalQuantity, *,
                           execute: bool, signal_id: str = "", progress: Progress = no_progress,
                           choice: BrokerChoice | None = None, run_id: str | None = None) -> RunRecord:
        """Start a run that trades one strategy's signal, sized from its slice (signal_runs.py)."""
        from trimtab.application.signal_runs import SignalSlicer, signal_model
        from trimtab.domain.strategy_netting import SignalRequest

        _ = self.run_settings  # the settings are read, and refused if bad, before anything else
        account = require_account(self.storage, account_id)
        where = f"account '{account_id}'"
        strategy = self._known(account_id, strategy_id)
        if not symbol.strip():
            raise InvalidInput("name the symbol the signal trades", where=where, field="symbol", value=symbol)
        request = SignalRequest(strategy.strategy_id, symbol.strip(), wanted, signal_id)
        model = signal_model(request.symbol)
        slicer = SignalSlicer(self.storage.strategies.list(account_id), (strategy.strategy_id,),
                              {strategy.strategy_id: model}, lambda: self.book_fills(account_id), signal=request)
        settings = self.plan_settings(account_id, force=True)
        factory = self._factory_for(account, choice or BrokerChoice())
        async with factory.connect(account, choice or BrokerChoice(), None, progress) as connection:
            runner = self._with_slices(self._runner(connection, progress), slicer)
            record = await runner.start(account_id, model, settings, execute=execute, run_id=run_id)
        self._summarise(record, account)
        return record

    def run_model(self, run: RunRecord) -> ModelPortfolio:
        """The model a run is resumed with: its stored one, or a signal's stand-in."""
        if run.strategies is not None and run.strategies.signal is not None:
            from trimtab.application.signal_runs import signal_model

            return signal_model(run.strategies.signal.symbol)
        return self.resolve_model(self.storage.models.get(run.model_name, run.model_version))

    def sliced(self, runner: RebalanceRunner, run: RunRecord) -> RebalanceRunner:
        """The runner to resume a run with: with the run's slices when it is a run of strategies."""
        state = run.strategies
        if state is None:
            return runner
        if state.signal is not None:
            from trimtab.application.signal_runs import SignalSlicer

            model = self.run_model(run)
            return self._with_slices(runner, SignalSlicer(
                self.storage.strategies.list(run.account_id), state.order, dict.fromkeys(state.order, model),
                lambda: self.book_fills(run.account_id), signal=state.signal))
        models = {}
        for record in state.strategies:
            models[record.strategy_id] = self.resolve_model(self.storage.models.get(record.model_name,
                                                                                    record.model_version))
        return self._with_slices(runner, self._slicer(run.account_id, state.order, models))

    def book_fills(self, account_id: str) -> list[LedgerEntry]:
        """Book every run's fills of an account not booked yet (by strategy), and return its ledger."""
        self.storage.ledger.record(self._fill_entries(account_id))
        return self.storage.ledger.entries(account_id)

    def _with_slices(self, runner: RebalanceRunner, slicer: StrategySlicer) -> RebalanceRunner:
        runner.slices = slicer
        runner.policies = None  # signal confirmation and split days are the account-level run's
        return runner

    def _slicer(self, account_id: str, chosen: tuple[StrategyId, ...],
                models: dict[StrategyId, ModelPortfolio]) -> StrategySlicer:
        from trimtab.application.strategy_runs import StrategySlicer

        return StrategySlicer(self.storage.strategies.list(account_id), chosen, models,
                              lambda: self.book_fills(account_id))

    def _chosen(self, account_id: str, wanted: Sequence[str]) -> list[Strategy]:
        """The strategies a command names (or `all` active ones with a model), by id; refused when unusable."""
        where = f"account '{account_id}'"
        known = {s.strategy_id: s for s in self.storage.strategies.list(account_id)}
        names = [name.strip() for item in wanted for name in item.split(",") if name.strip()]
        if not names:
            raise InvalidInput("name at least one strategy, or 'all'", where=where, field="strategy", value="")
        if ALL in names:
            chosen = [s for s in known.values() if s.active and s.target]
            if not chosen:
                raise InvalidInput("has no active strategy with a model", where=where, field="strategy", value=ALL)
            return sorted(chosen, key=lambda s: s.strategy_id)
        result = {}
        for name in names:
            strategy = self._known(account_id, name)
            if not strategy.target:
                raise InvalidInput("has no target model (`strategies add ... --model MODEL`)", where=where,
                                   field="strategy", value=name)
            result[strategy.strategy_id] = strategy
        return [result[sid] for sid in sorted(result)]

    def _known(self, account_id: str, name: str) -> Strategy:
        """An active strategy of the account, by id (NotFound, or InvalidInput when inactive)."""
        where = f"account '{account_id}'"
        known = {s.strategy_id: s for s in self.storage.strategies.list(account_id)}
        strategy = known.get(parse_strategy_id(name, where=where))
        if strategy is None:
            raise NotFound("strategy", name, of=where, hint="`trimtab strategies list ACCOUNT` shows them")
        if not strategy.active:
            raise InvalidInput("is inactive", where=where, field="strategy", value=name)
        return strategy

    def _strategy_model(self, strategy: Strategy) -> ModelPortfolio:
        return self.resolve_model(self.storage.models.get(str(strategy.target)))
