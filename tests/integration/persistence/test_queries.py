"""The listings on SQLAlchemy Core (what `trimtab accounts` reads) say what the ORM repositories say."""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from sqlalchemy import Engine

from trimtab.adapters.persistence.accounts import SqlAccountRepository
from trimtab.adapters.persistence.portfolios import SqlModelRepository
from trimtab.adapters.persistence.queries import SqlAccountQueries
from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.application.queries import StorageQueries
from trimtab.domain.models import AssetClass, ModelHolding, two_level_model

from .builders import new_run
from .conftest import FixedClock


@dataclasses.dataclass
class _Repositories:
    accounts: SqlAccountRepository
    runs: SqlRunRepository


@dataclasses.dataclass
class _Owner:
    storage: _Repositories


def test_account_overviews_read_in_one_query_match_the_repositories(engine: Engine, clock: FixedClock) -> None:
    models = SqlModelRepository(engine, clock)
    models.import_model(two_level_model("GTAA", (AssetClass("Equity", Decimal(1), (
        ModelHolding("SPMO", Decimal(1)),)),)))
    accounts, runs = SqlAccountRepository(engine, clock), SqlRunRepository(engine)
    for account_id in ("b-2", "a-1", "c-3"):
        accounts.add(account_id, name=f"Account {account_id}", currency="KRW", broker="paper")
    accounts.assign_model("a-1", "GTAA")
    accounts.assign_model("c-3", "GTAA", version="1")
    runs.create(new_run("r1", "c-3"))

    listed = SqlAccountQueries(engine).account_overviews()

    assert [overview.account.account_id for overview in listed] == ["a-1", "b-2", "c-3"]
    assert listed == StorageQueries(_Owner(_Repositories(accounts, runs))).account_overviews()  # type: ignore[arg-type]
    assert [(o.assignment and o.assignment.pinned_version, o.active_run) for o in listed] == [
        (None, None), (None, None), ("1", "r1")]
    assert listed[0].account.created_at.tzinfo is not None


def test_no_accounts_list_nothing(engine: Engine) -> None:
    assert SqlAccountQueries(engine).account_overviews() == []
