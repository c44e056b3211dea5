"""The advisory desk's operations on many accounts: positions reports in a base currency, TWS baskets.

They are methods of the facade (`Trimtab` inherits `DeskOperations`) and reach every broker the same way a run
does: one connection per account through the account's broker factory. A broker that also quotes FX rates
(`FxRateSource`, e.g. IBKR's) contributes them; a rates file given with the report wins for the pairs it has.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from trimtab.application.brokers import BrokerChoice, BrokerFactory
from trimtab.application.lookup import require_account
from trimtab.application.progress import Progress, no_progress
from trimtab.domain.errors import InvalidInput

if TYPE_CHECKING:
    from decimal import Decimal

    from trimtab.application.ports import Clock
    from trimtab.application.records import Account
    from trimtab.application.repositories import Storage
    from trimtab.domain.basket import BasketLine
    from trimtab.domain.cash_flows import CashFlow
    from trimtab.domain.fx import FxRate
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.planning import Allocator, Plan, PlanSettings
    from trimtab.domain.positions_report import AccountReading, PositionsReport
    from trimtab.domain.snapshot import AccountSnapshot


class ReportFiles(Protocol):
    """Rates files in; report and basket files out."""

    def load_rates(self, path: Path) -> list[FxRate]: ...

    def write_positions_xlsx(self, report: PositionsReport, path: Path) -> None: ...

    def write_positions_csv(self, report: PositionsReport, path: Path) -> None: ...

    def write_basket_csv(self, lines: Sequence[BasketLine], path: Path) -> None: ...


@runtime_checkable
class FxRateSource(Protocol):
    """A broker that quotes FX rates (IBKR): one unit of each of `currencies` in `base`, with source and time."""

    async def get_fx_rates(self, base: str, currencies: Sequence[str]) -> list[FxRate]: ...


@runtime_checkable
class CashBalanceSource(Protocol):
    """A broker that reports an account's cash in every currency it holds (IBKR: CashBalance per currency)."""

    async def get_cash_balances(self, account_id: str) -> dict[str, Decimal]: ...


@dataclass(frozen=True, slots=True)
class AccountPlan:
    """An account's plan and the snapshot it was made from (instruments, prices, date)."""

    plan: Plan
    snapshot: AccountSnapshot


@dataclass(frozen=True, slots=True)
class BasketResult:
    """A written basket: its lines and the plans they came from."""

    day: int
    lines: tuple[BasketLine, ...]
    plans: tuple[AccountPlan, ...]


class DeskOperations:
    """Reports and baskets over many accounts (mixed into the facade)."""

    if TYPE_CHECKING:
        clock: Clock
        open_reports: Callable[[], ReportFiles] | None
        brokers: Mapping[str, BrokerFactory]

        @property
        def storage(self) -> Storage: ...

        exact_allocator: Callable[[float], Allocator]

        def plan_settings(self, account_id: str, *, force: bool, cash_flow: CashFlow | None = None
                          ) -> PlanSettings: ...

        def _model_for(self, account_id: str) -> ModelPortfolio: ...

        def _factory_for(self, account: Account, choice: BrokerChoice) -> BrokerFactory: ...

        async def read_account(self, account: Account, symbols: Sequence[str] = (), *, cached: bool = False,
                               choice: BrokerChoice | None = None, progress: Progress = no_progress
                               ) -> AccountReading: ...

        def remember(self, account: Account, snapshot: AccountSnapshot) -> dt.datetime: ...

    # -- positions report ---------------------------------------------------------------------------------------

    async def positions_report(self, account_ids: Sequence[str] = (), *, base: str | None = None,
                               rates: Path | None = None, xlsx: Path | None = None, csv: Path | None = None,
                               choice: BrokerChoice | None = None, progress: Progress = no_progress,
                               cached: bool = False) -> PositionsReport:
        """Read the accounts (all when none are named) and report them in `base`; write the files asked for.

        `base` defaults to the accounts' currency when they share one. A currency without a rate to `base` is
        InvalidInput naming the pair; rates come from `rates` (a file) and from brokers that quote them. With
        `cached`, no broker is contacted: each account is its last snapshot kept, refused when none is kept or
        its prices are older than the maximum age (rates then come from the file only).
        """
        from trimtab.domain.fx import FxRates
        from trimtab.domain.instruments import parse_currency
        from trimtab.domain.positions_report import build_positions_report

        files = self._report_files()
        file_rates = [] if rates is None else files.load_rates(rates)
        accounts = self._select_accounts(account_ids)
        currency = _base_currency(accounts) if base is None else parse_currency(base, where="command line")
        readings, quoted = await self._read_accounts(accounts, currency, choice or BrokerChoice(), progress,
                                                     cached=cached)
        table = FxRates(file_rates, where=str(rates) if rates else "FX rates").merged(quoted)
        report = build_positions_report(readings, currency, table, self.clock.now())
        if xlsx is not None:
            files.write_positions_xlsx(report, xlsx)
        if csv is not None:
            files.write_positions_csv(report, csv)
        return report

    async def _read_accounts(self, accounts: Sequence[Account], base: str, choice: BrokerChoice,
                             progress: Progress, *, cached: bool) -> tuple[list[AccountReading], list[FxRate]]:
        from trimtab.domain.positions_report import AccountReading

        readings: list[AccountReading] = []
        quoted: list[FxRate] = []
        for account in accounts:
            progress(f"reading {account.account_id}")
            if cached:
                readings.append(await self.read_account(account, cached=True))
                continue
            factory = self._factory_for(account, choice)
            async with factory.connect(account, choice, None, progress) as connection:
                broker = connection.broker
                snapshot = await broker.get_snapshot(account.account_id, [])
                other = {currency: amount for currency, amount in (
                    await broker.get_cash_balances(account.account_id) if isinstance(broker, CashBalanceSource)
                    else {}).items() if currency != account.currency and amount}
                known = {currency for rate in quoted for currency in (rate.base, rate.quote)}
                missing = [c for c in dict.fromkeys([account.currency, *other]) if c not in {base, *known}]
                if isinstance(broker, FxRateSource) and missing:
                    quoted.extend(await broker.get_fx_rates(base, missing))
            readings.append(AccountReading(snapshot, self.remember(account, snapshot), other))
        return readings, quoted

    # -- plans and baskets --------------------------------------------------------------------------------------

    async def plan_account(self, account_id: str, *, force: bool = False, choice: BrokerChoice | None = None,
                           progress: Progress = no_progress, cash_flow: CashFlow | None = None) -> AccountPlan:
        """Plan an account's rebalance on its model and settings from what its broker holds now (nothing sent);
        a deposit is planned as if it were in the cash, a withdrawal as if it had left."""
        from trimtab.application.preview_rebalance import preview_rebalance

        account = require_account(self.storage, account_id)
        model = self._model_for(account_id)
        settings = self.plan_settings(account_id, force=force, cash_flow=cash_flow)
        choice = choice or BrokerChoice()
        reading = await self.read_account(account, list(model.target_weights()), choice=choice, progress=progress)
        snapshot = reading.snapshot
        return AccountPlan(preview_rebalance(model, snapshot, settings, self.exact_allocator(10.0)), snapshot)

    async def basket(self, account_ids: Sequence[str], *, day: int, path: Path, force: bool = False,
                     choice: BrokerChoice | None = None, progress: Progress = no_progress) -> BasketResult:
        """Plan each account (all with a model when none are named) and write the day's TWS basket to `path`."""
        from trimtab.domain.basket import DAYS

        if day not in DAYS:
            raise InvalidInput("choose 1 or 2", where="command line", field="day", value=day)
        self._report_files()  # refused before any account is read when this installation writes no files
        accounts = self._select_accounts(account_ids, with_model=not account_ids)
        plans = []
        for account in accounts:
            progress(f"planning {account.account_id}")
            plans.append(await self.plan_account(account.account_id, force=force, choice=choice, progress=progress))
        return self.write_basket(plans, day, path)

    def write_basket(self, plans: Sequence[AccountPlan], day: int, path: Path) -> BasketResult:
        """Write the day's TWS basket of the accounts' plans to `path`, tagged with their latest market date."""
        from trimtab.domain.basket import basket_lines

        files = self._report_files()
        on = max(planned.snapshot.as_of for planned in plans)  # one tag for the whole basket
        lines = tuple(line for planned in plans for line in basket_lines(planned.plan, planned.snapshot, day, on=on))
        files.write_basket_csv(lines, path)
        return BasketResult(day, lines, tuple(plans))

    # -- helpers ------------------------------------------------------------------------------------------------

    def _report_files(self) -> ReportFiles:
        if self.open_reports is None:
            raise InvalidInput("this installation writes no report files", where="trimtab", field="reports")
        return self.open_reports()

    def _select_accounts(self, account_ids: Sequence[str], *, with_model: bool = False) -> list[Account]:
        storage = self.storage
        if account_ids:
            return [require_account(storage, account_id) for account_id in dict.fromkeys(account_ids)]
        accounts = [account for account in storage.accounts.list()
                    if not with_model or storage.accounts.assignment(account.account_id) is not None]
        if not accounts:
            kind = "accounts with a model" if with_model else "accounts"
            raise InvalidInput(f"there are no {kind}; add one with `trimtab accounts add`", where="database",
                               field="accounts")
        return accounts


def _base_currency(accounts: Sequence[Account]) -> str:
    currencies = sorted({account.currency for account in accounts})
    if len(currencies) > 1:
        raise InvalidInput(f"the accounts are in {', '.join(currencies)}: choose the report's currency with --base",
                           where="command line", field="base", value=None)
    return currencies[0]
