"""Column types: exact Decimals, aware UTC instants, JSON documents without floats."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import Engine, create_engine, select, text
from sqlalchemy.exc import StatementError
from sqlalchemy.orm import Session

from trimtab.adapters.persistence.runs import SqlRunRepository
from trimtab.adapters.persistence.tables import AccountRow, FillRow, PaperAccountRow
from trimtab.adapters.persistence.types import ExactDecimal, UtcDateTime, plain_decimal, to_json_ready

from .builders import new_run
from .conftest import NOW

EXACT_VALUES = [
    Decimal("0.000140527"),
    Decimal("123456789012.345678901"),
    Decimal("-0.000000000001"),
    Decimal("99999999999999999999999999.999999999999"),
    Decimal(0),
    Decimal("1.50"),
    Decimal("1E+3"),
]


def _store_fill(engine: Engine, fill_id: str, quantity: object) -> None:
    with Session(engine) as session, session.begin():
        session.add(FillRow(fill_id=fill_id, client_order_id="c1", run_id="run-1", symbol="AAA", side="BUY",
                            quantity=quantity, price=Decimal(1), commission=Decimal(0), tax=Decimal(0),
                            filled_at=NOW))


@pytest.fixture
def stored_run(engine: Engine) -> None:
    SqlRunRepository(engine).create(new_run("run-1", "acc-1"))


@pytest.mark.usefixtures("stored_run")
@pytest.mark.parametrize("value", EXACT_VALUES, ids=str)
def test_decimal_column_round_trip_is_exact(engine: Engine, value: Decimal) -> None:
    _store_fill(engine, "f1", value)
    with Session(engine) as session:
        stored = session.scalars(select(FillRow.quantity)).one()
    assert isinstance(stored, Decimal)
    assert stored == value
    assert stored.as_tuple() == Decimal(plain_decimal(value)).as_tuple()  # same digits on both databases


@pytest.mark.usefixtures("stored_run")
def test_decimal_column_uses_numeric_or_text(engine: Engine) -> None:
    _store_fill(engine, "f1", Decimal("0.000140527"))
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            stored = connection.execute(text("SELECT typeof(quantity), quantity FROM fills")).one()
            assert tuple(stored) == ("text", "0.000140527")
        else:
            kind = connection.execute(text("SELECT pg_typeof(quantity)::text FROM fills")).scalar_one()
            assert kind == "numeric"


@pytest.mark.usefixtures("stored_run")
def test_decimal_column_float_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match=r"float 0\.1 refused"):
        _store_fill(engine, "f1", 0.1)


@pytest.mark.usefixtures("stored_run")
@pytest.mark.parametrize("value", [Decimal("0.0000000000001"), Decimal("1E+26"), Decimal("NaN")], ids=str)
def test_decimal_column_lossy_value_refused(engine: Engine, value: Decimal) -> None:
    with pytest.raises(StatementError, match=r"refused|more than"):
        _store_fill(engine, "f1", value)


@pytest.mark.parametrize("url", ["sqlite://", "postgresql+psycopg://"])
def test_decimal_type_float_refused_with_clear_message(url: str) -> None:
    dialect = create_engine(url).dialect  # no connection is opened
    with pytest.raises(TypeError, match=r"float 0\.1 refused for a Decimal column: build a Decimal from text"):
        ExactDecimal().process_bind_param(0.1, dialect)  # type: ignore[arg-type]


def _store_account(engine: Engine, created_at: dt.datetime) -> dt.datetime:
    with Session(engine) as session, session.begin():
        session.add(AccountRow(id="a1", name="A", currency="KRW", broker="paper", created_at=created_at))
    with Session(engine) as session:
        return session.scalars(select(AccountRow.created_at)).one()


@pytest.mark.parametrize("zone", ["UTC", "Asia/Seoul", "America/New_York"])
def test_datetime_column_returns_same_instant_in_utc(engine: Engine, zone: str) -> None:
    instant = dt.datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=ZoneInfo(zone))
    stored = _store_account(engine, instant)
    assert stored == instant
    assert stored.tzinfo is dt.UTC
    assert stored.utcoffset() == dt.timedelta(0)


def test_datetime_column_naive_refused(engine: Engine) -> None:
    with pytest.raises(StatementError, match="naive datetime"):
        _store_account(engine, dt.datetime(2026, 3, 2, 9, 30))  # noqa: DTZ001 - the naive value under test


def test_datetime_type_naive_refused_with_clear_message() -> None:
    naive = dt.datetime(2026, 3, 2)  # noqa: DTZ001 - the naive value under test
    with pytest.raises(ValueError, match="naive datetime 2026-03-02T00:00:00 refused"):
        UtcDateTime().process_bind_param(naive, create_engine("sqlite://").dialect)


def test_json_document_decimals_stored_as_text(engine: Engine) -> None:
    state = {"cash": Decimal("0.000140527"), "lots": [Decimal("1.50"), 3], "side": "BUY"}
    with Session(engine) as session, session.begin():
        session.add(PaperAccountRow(account_id="p1", state=state, updated_at=NOW))
    with Session(engine) as session:
        stored = session.scalars(select(PaperAccountRow.state)).one()
    assert stored == {"cash": "0.000140527", "lots": ["1.5", 3], "side": "BUY"}


def test_json_document_float_refused() -> None:
    with pytest.raises(TypeError, match=r"float 0\.5 at \$\.plan\.weights\[1\] refused"):
        to_json_ready({"plan": {"weights": [Decimal(1), 0.5]}})


def test_json_document_plain_and_converted_values_alike() -> None:
    """The plain walk (exact types) and the checking walk (enums, instants, sets, other mappings) agree."""
    from types import MappingProxyType

    from trimtab.domain.orders import Side

    at = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
    document = {"cash": Decimal("1.50"), "n": 3, "ok": True, "none": None, "pair": (Decimal(2), "x"),
                "side": Side.BUY, Side.SELL: [at, dt.date(2026, 3, 2)], "tags": {"b", "a"},
                "view": MappingProxyType({"k": Decimal("0.10")})}

    assert to_json_ready(document) == {
        "cash": "1.5", "n": 3, "ok": True, "none": None, "pair": ["2", "x"], "side": "BUY",
        "SELL": ["2026-03-02T09:30:00+00:00", "2026-03-02"], "tags": ["a", "b"], "view": {"k": "0.1"}}
    assert to_json_ready({"plain": [{"a": "1"}, [2, None]]}) == {"plain": [{"a": "1"}, [2, None]]}
    with pytest.raises(TypeError, match=r"key 1 at \$\.outer refused"):
        to_json_ready({"outer": {1: "one"}})
    with pytest.raises(ValueError, match=r"naive datetime at \$\.runs\[0\]\.at refused"):
        to_json_ready({"runs": [{"at": dt.datetime(2026, 3, 2)}]})  # noqa: DTZ001 - the naive value under test
