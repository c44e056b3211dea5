"""The market-data cache in the database (SQLite and PostgreSQL): snapshots stored whole with their read time,
each quote a row of `quotes`, the latest one per account read back exactly, old ones pruned."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from sqlalchemy import Engine, select

from tests.fakes.builders import AS_OF, account, us
from trimtab.adapters.persistence import market_data
from trimtab.adapters.persistence.market_data import SqlMarketDataCache
from trimtab.adapters.persistence.run_documents import decode_snapshot
from trimtab.adapters.persistence.sessions import session_factory
from trimtab.adapters.persistence.tables import MarketSnapshotRow, QuoteRow
from trimtab.domain.price_age import StoredSnapshot

from .conftest import NOW

SNAPSHOT = account("1000.50", {"SPMO": (us("SPMO"), "10", "101.25"), "SMH": (us("SMH"), "3.5", "250.005")},
                   {"IAU": (us("IAU"), "55.1")}, currency="USD")


def test_a_stored_snapshot_comes_back_exactly_with_its_broker_and_read_time(engine: Engine) -> None:
    cache = SqlMarketDataCache(engine)
    assert cache.latest("TEST-1") is None
    cache.store([StoredSnapshot(SNAPSHOT, "ibkr", NOW)])
    latest = cache.latest("TEST-1")
    assert latest == StoredSnapshot(SNAPSHOT, "ibkr", NOW)
    assert latest is not None
    assert latest.read_at.utcoffset() == dt.timedelta(0)
    assert cache.latest("OTHER") is None


def test_each_quote_is_a_row_with_price_currency_read_time_broker_and_market_date(engine: Engine) -> None:
    SqlMarketDataCache(engine).store([StoredSnapshot(SNAPSHOT, "ibkr", NOW)])
    with session_factory(engine)() as session:
        rows = session.scalars(select(QuoteRow).order_by(QuoteRow.symbol)).all()
        got = [(row.symbol, row.price, row.currency, row.read_at, row.broker, row.market_date) for row in rows]
    assert got == [("IAU", Decimal("55.1"), "USD", NOW, "ibkr", AS_OF),
                   ("SMH", Decimal("250.005"), "USD", NOW, "ibkr", AS_OF),
                   ("SPMO", Decimal("101.25"), "USD", NOW, "ibkr", AS_OF)]


def test_the_latest_read_wins_and_old_reads_are_pruned(engine: Engine) -> None:
    cache = SqlMarketDataCache(engine)
    keep = market_data.KEEP
    for hours in range(keep + 3):
        cheaper = dataclasses.replace(SNAPSHOT, cash=Decimal(hours))
        cache.store([StoredSnapshot(cheaper, "paper", NOW + dt.timedelta(hours=hours))])
    latest = cache.latest("TEST-1")
    assert latest is not None
    assert latest.snapshot.cash == Decimal(keep + 2)
    with session_factory(engine)() as session:
        assert len(session.scalars(select(MarketSnapshotRow.id)).all()) == keep
        assert len(session.scalars(select(QuoteRow.symbol)).all()) == keep * 3


def test_a_batch_of_reads_is_one_call_pruned_alike(engine: Engine) -> None:
    cache = SqlMarketDataCache(engine)
    keep = market_data.KEEP
    other = dataclasses.replace(SNAPSHOT, account_id="TEST-2")
    batch = [StoredSnapshot(dataclasses.replace(SNAPSHOT, cash=Decimal(hours)), "paper",
                            NOW + dt.timedelta(hours=hours)) for hours in range(keep + 2)]
    cache.store([*batch, StoredSnapshot(other, "paper", NOW)])
    latest = cache.latest("TEST-1")
    assert latest is not None
    assert latest.snapshot.cash == Decimal(keep + 1)
    assert cache.latest("TEST-2") == StoredSnapshot(other, "paper", NOW)
    with session_factory(engine)() as session:
        assert len(session.scalars(select(MarketSnapshotRow.id)).all()) == keep + 1


def test_each_snapshot_row_has_its_own_quotes_after_earlier_batches_and_prunes(engine: Engine) -> None:
    """The quotes rows name the snapshot row they came with, whatever ids earlier batches and prunes left."""
    cache = SqlMarketDataCache(engine)
    keep = market_data.KEEP

    def priced(account_id: str, step: int) -> StoredSnapshot:
        quotes = {symbol: dataclasses.replace(quote, price=quote.price + step)
                  for symbol, quote in SNAPSHOT.quotes.items()}
        holdings = tuple(dataclasses.replace(holding, quote=quotes[holding.quote.instrument.symbol])
                         for holding in SNAPSHOT.holdings)
        snapshot = dataclasses.replace(SNAPSHOT, account_id=account_id, quotes=quotes, holdings=holdings)
        return StoredSnapshot(snapshot, "paper", NOW + dt.timedelta(minutes=step))

    cache.store([priced("TEST-1", step) for step in range(keep + 5)])  # the oldest 5 pruned
    cache.store([priced(account_id, 100 + index) for index, account_id in
                 enumerate(["TEST-2", "TEST-1", "TEST-3", "TEST-2"])])

    with session_factory(engine)() as session:
        snapshots = session.scalars(select(MarketSnapshotRow)).all()
        quotes = session.scalars(select(QuoteRow)).all()
    by_row = {row.id: {quote.symbol: quote.price for quote in quotes if quote.snapshot_id == row.id}
              for row in snapshots}
    for row in snapshots:
        stored = decode_snapshot(dict(row.document))
        assert stored is not None
        assert by_row[row.id] == {symbol: quote.price for symbol, quote in stored.quotes.items()}
        assert stored.account_id == row.account_id
    assert sorted(row.account_id for row in snapshots) == ["TEST-1"] * keep + ["TEST-2"] * 2 + ["TEST-3"]
    assert len(quotes) == 3 * len(snapshots)
    latest = cache.latest("TEST-2")
    assert latest is not None
    assert latest.snapshot.quotes["IAU"].price == SNAPSHOT.quotes["IAU"].price + 103


def test_the_newest_positions_and_quotes_are_kept_for_the_sweep(engine: Engine) -> None:
    from trimtab.adapters.persistence.fleet import SqlFleetStore

    newer = dataclasses.replace(SNAPSHOT, cash=Decimal("7.25"))
    SqlMarketDataCache(engine).store([StoredSnapshot(newer, "ibkr", NOW + dt.timedelta(hours=1)),
                                      StoredSnapshot(SNAPSHOT, "ibkr", NOW)])
    SqlMarketDataCache(engine).store([StoredSnapshot(newer, "ibkr", NOW + dt.timedelta(hours=2))])
    stored = SqlFleetStore(engine).accounts(["TEST-1", "OTHER"])
    assert list(stored) == ["TEST-1"]
    assert stored["TEST-1"].cash == Decimal("7.25")
    assert stored["TEST-1"].holdings == (("SMH", Decimal("3.5"), Decimal("3.5")),
                                         ("SPMO", Decimal("10"), Decimal("10")))
    assert str(stored["TEST-1"].holdings[0][1]) == "3.5"  # exact text, no trailing zeros of NUMERIC(38, 12)
    quotes = SqlFleetStore(engine).last_quotes()
    assert sorted(quotes) == ["IAU", "SMH", "SPMO"]
    assert quotes["SMH"] == (SNAPSHOT.quotes["SMH"], NOW + dt.timedelta(hours=2))
