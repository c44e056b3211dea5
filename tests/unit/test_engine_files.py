"""Market data files for engines: the fixtures load, and a bad file is refused naming the file, the row and the
field; the facade runs the engine on them and stores its model as a new version."""

from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trimtab.adapters.files.engine_inputs import load_index_closes, load_universe
from trimtab.domain.errors import InvalidInput

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "engines"
UNIVERSE_HEADER = "symbol,name,market_cap,price,market,excluded\n"


def test_universe_csv_fixture_loads_every_row_in_file_order() -> None:
    rows = load_universe(FIXTURES / "universe.csv")
    assert len(rows) == 14
    assert (rows[0].symbol, rows[0].market_cap, rows[0].price, rows[0].market) == (
        "005930", Decimal("420000000000000"), Decimal(70500), "KOSPI")
    assert rows[11].excluded == "trading halted"


def test_universe_yaml_fixture_loads() -> None:
    rows = load_universe(FIXTURES / "universe.yaml")
    assert [row.symbol for row in rows] == ["005930", "000660", "247540"]


def test_index_fixture_loads_ascending_closes() -> None:
    closes = load_index_closes(FIXTURES / "kospi_risk_on.csv")
    assert len(closes) == 260
    assert closes[-1].on == dt.date(2026, 10, 30)
    assert closes[-1].close == Decimal("2782.00")


@pytest.mark.parametrize(("text", "line", "field", "value"), [
    (UNIVERSE_HEADER + "005930,Samsung,lots,70500,KOSPI,\n", 2, "market_cap", "lots"),
    (UNIVERSE_HEADER + "005930,Samsung,1,70500,KOSPI,\n005930,Again,1,1,KOSPI,\n", 3, "symbol", "005930"),
    (UNIVERSE_HEADER + "005930,Samsung,1,-5,KOSPI,\n", 2, "price", "-5"),
    (UNIVERSE_HEADER + "005930,,1,5,KOSPI,\n", 2, "name", None),
    (UNIVERSE_HEADER + "005930,Samsung,1,5,KOSPI,,extra\n", 2, "row", None),
])
def test_bad_universe_row_named_by_file_line_and_field(tmp_path: Path, text: str, line: int, field: str,
                                                       value: str | None) -> None:
    path = tmp_path / "universe.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        load_universe(path)
    assert error.value.where.startswith(f"{path}, line {line}")
    assert error.value.field == field
    if value is not None:
        assert value in str(error.value)


def test_universe_header_missing_a_column_names_the_columns(tmp_path: Path) -> None:
    path = tmp_path / "universe.csv"
    path.write_text("symbol,name,price,market\n005930,Samsung,1,KOSPI\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="needs the columns symbol, name, market_cap, price, market") as error:
        load_universe(path)
    assert (error.value.where, error.value.field) == (str(path), "header")


def test_universe_yaml_unquoted_code_keeps_its_leading_zero(tmp_path: Path) -> None:
    path = tmp_path / "universe.yaml"
    path.write_text("universe:\n  - {symbol: 005930, name: S, market_cap: 1, price: 1, market: kospi}\n",
                    encoding="utf-8")
    (only,) = load_universe(path)
    assert (only.symbol, only.market_cap, only.market) == ("005930", Decimal(1), "KOSPI")


@pytest.mark.parametrize(("text", "line", "field"), [
    ("date,close\n2026-01-05,100\n2026-01-02,101\n", 3, "date"),
    ("date,close\n2026-01-05,100\n2026-01-05,101\n", 3, "date"),
    ("date,close\n2026-01-05,100\n2026-13-06,101\n", 3, "date"),
    ("date,close\n2026-01-05,0\n", 2, "close"),
    ("date,close\n2026-01-05,\n", 2, "close"),
])
def test_bad_index_row_named_by_file_line_and_field(tmp_path: Path, text: str, line: int, field: str) -> None:
    path = tmp_path / "index.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as error:
        load_index_closes(path)
    assert error.value.where == f"{path}, line {line}"
    assert error.value.field == field


def test_index_file_of_another_type_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match="date,close"):
        load_index_closes(tmp_path / "index.xlsx")


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cell=st.text(max_size=30), column=st.integers(min_value=0, max_value=5))
def test_any_damaged_universe_cell_is_read_or_refused_as_invalid_input(tmp_path: Path, cell: str,
                                                                       column: int) -> None:
    cells = ["005930", "Samsung", "1000", "70500", "KOSPI", ""]
    cells[column] = cell
    path = tmp_path / "universe.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle).writerows([UNIVERSE_HEADER.strip().split(","), cells])
    try:
        (row,) = load_universe(path)
    except InvalidInput as error:
        message = str(error)
    else:
        message = ""
        assert row.market_cap >= 0
        assert row.price >= 0
    assert "\n" not in message
