"""The positions report through the facade on a real database and the paper broker: the workbook and the CSV
read back (openpyxl, csv) hold every account's positions converted to SGD, and their totals add up."""

from __future__ import annotations

import asyncio
import csv
import datetime as dt
from decimal import ROUND_HALF_EVEN, Decimal
from pathlib import Path

import openpyxl
import pytest

from trimtab import bootstrap
from trimtab.application.facade import Trimtab
from trimtab.config import Settings
from trimtab.domain.errors import InvalidInput
from trimtab.domain.snapshot import AccountSnapshot

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
RATES_YAML = """\
source: MAS daily reference rates
as_of: 2026-11-30T17:00:00+08:00
rates:
  USD/SGD: 1.3452
  KRW/SGD: {rate: 0.000957, source: Bloomberg BFIX, as_of: 2026-11-30T09:00:00Z}
"""
RATES = {"USD": Decimal("1.3452"), "KRW": Decimal("0.000957")}
CENT = Decimal("0.01")


@pytest.fixture
def desk(tmp_path: Path) -> Trimtab:
    trimtab = bootstrap.build(Settings(database_url=f"sqlite:///{tmp_path / 't.db'}", paper_start=START))
    trimtab.init(demo=True)
    return trimtab


def _in_sgd(amount: Decimal, currency: str) -> Decimal:
    return (amount * RATES[currency]).quantize(CENT, rounding=ROUND_HALF_EVEN)


def _expected(snapshot: AccountSnapshot) -> tuple[Decimal, Decimal, dict[str, Decimal]]:
    """(invested, cash, value per symbol) in SGD, computed here from the broker's own snapshot."""
    values = {h.symbol: _in_sgd(h.quantity * h.quote.price, snapshot.currency) for h in snapshot.holdings}
    return sum(values.values(), Decimal(0)), _in_sgd(snapshot.cash, snapshot.currency), values


def _number(value: object) -> Decimal:
    assert isinstance(value, int | float)
    return Decimal(str(value))


def test_the_workbook_holds_every_position_in_sgd_and_its_totals_add_up(desk: Trimtab, tmp_path: Path) -> None:
    rates, xlsx, csv_path = tmp_path / "rates.yaml", tmp_path / "positions.xlsx", tmp_path / "positions.csv"
    rates.write_text(RATES_YAML, encoding="utf-8")
    report = asyncio.run(desk.positions_report(base="SGD", rates=rates, xlsx=xlsx, csv=csv_path))
    snapshots = {account: asyncio.run(desk.holdings(account)) for account in ("DEMO-KR", "DEMO-US")}
    expected = {account: _expected(snapshot) for account, snapshot in snapshots.items()}

    book = openpyxl.load_workbook(xlsx)
    assert book.sheetnames == ["Summary", "Matrix", "Amt_Matrix", "Notes"]
    summary = book["Summary"]
    header = [cell.value for cell in summary[1]]
    assert header[:10] == ["Account", "Currency", "Total value (account currency)", "FX rate to SGD",
                           "Total value (SGD)", "Invested (SGD)", "Cash (SGD)", "Invested %", "Cash %", "Prices as of"]
    rows = {row[0].value: row for row in summary.iter_rows(min_row=2, max_row=4)}
    assert set(rows) == {"DEMO-KR", "DEMO-US", "Total"}
    for account, (invested, cash, _values) in expected.items():
        row = rows[account]
        assert (_number(row[5].value), _number(row[6].value)) == (invested, cash)
        assert _number(row[4].value) == invested + cash
        assert abs(_number(row[7].value) - invested / (invested + cash)) < Decimal("1e-9")
        assert row[4].number_format == "#,##0.00;-#,##0.00"
        assert row[7].number_format == "0.00%"
    assert rows["DEMO-KR"][2].number_format == '#,##0 "KRW";-#,##0 "KRW"'
    assert rows["DEMO-US"][2].number_format == '#,##0.00 "USD";-#,##0.00 "USD"'
    grand = sum((invested + cash for invested, cash, _ in expected.values()), Decimal(0))
    assert _number(rows["Total"][4].value) == grand == report.total
    assert rows["Total"][4].font.b
    text = "\n".join(str(row[0].value) for row in summary.iter_rows(min_row=5) if row[0].value)
    assert "FX USD/SGD 1.3452 from MAS daily reference rates, as of 2026-11-30 17:00+08:00" in text
    assert "FX KRW/SGD 0.000957 from Bloomberg BFIX" in text
    assert "Prices: as of 2026-11-2" in text
    for sheet in (summary, book["Matrix"], book["Amt_Matrix"]):
        assert sheet.freeze_panes == "B2"
        assert sheet.column_dimensions["A"].width >= 8

    matrix = book["Matrix"]
    symbols = [cell.value for cell in matrix[1]][2:]
    shares = {row[0].value: row for row in matrix.iter_rows(min_row=2)}
    for account, snapshot in snapshots.items():
        held = {symbol: _number(cell.value) for symbol, cell in zip(symbols, shares[account][2:], strict=True)
                if cell.value is not None}
        assert held == {h.symbol: h.quantity for h in snapshot.holdings}

    amounts = book["Amt_Matrix"]
    columns = [cell.value for cell in amounts[1]]
    assert columns[0] == "Account (SGD)"
    assert columns[-2:] == ["Cash (SGD)", "Total (SGD)"]
    lines = {row[0].value: [cell.value for cell in row] for row in amounts.iter_rows(min_row=2)}
    for account, (invested, cash, values) in expected.items():
        line = lines[account]
        assert {symbol: _number(value) for symbol, value in zip(columns[1:-2], line[1:-2], strict=True)
                if value is not None} == values
        assert (_number(line[-2]), _number(line[-1])) == (cash, invested + cash)
    assert _number(lines["Total"][-1]) == grand
    assert [_number(value) for value in lines["Total"][1:-1]] == [
        sum((_number(lines[a][i]) for a in expected if lines[a][i] is not None), Decimal(0))
        for i in range(1, len(columns) - 1)]

    with csv_path.open(encoding="utf-8") as stream:
        by_account: dict[str, Decimal] = {}
        for entry in csv.DictReader(stream):
            by_account[entry["account"]] = by_account.get(entry["account"], Decimal(0)) + Decimal(entry["base_value"])
            assert entry["fx_source"] in ("MAS daily reference rates", "Bloomberg BFIX")
    assert by_account == {account: invested + cash for account, (invested, cash, _) in expected.items()}


def test_an_inverse_pair_in_a_csv_rates_file_converts_by_dividing(desk: Trimtab, tmp_path: Path) -> None:
    rates = tmp_path / "rates.csv"
    rates.write_text("pair,rate,source,as_of\nSGD/KRW,1045,ECB cross,2026-11-30\n", encoding="utf-8")
    report = asyncio.run(desk.positions_report(["DEMO-KR"], base="SGD", rates=rates))
    snapshot = asyncio.run(desk.holdings("DEMO-KR"))
    expected = sum(((h.quantity * h.quote.price) / Decimal(1045)).quantize(CENT, rounding=ROUND_HALF_EVEN)
                   for h in snapshot.holdings) + (snapshot.cash / Decimal(1045)).quantize(CENT)
    assert report.total == expected
    assert report.rates[0].as_of == dt.datetime(2026, 11, 30, tzinfo=dt.UTC)


def test_a_missing_rate_names_the_pair_and_mixed_currencies_need_a_base(desk: Trimtab, tmp_path: Path) -> None:
    rates = tmp_path / "rates.yaml"
    rates.write_text("source: MAS\nas_of: 2026-11-30T17:00:00+08:00\nrates: {USD/SGD: 1.3452}\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="no FX rate for KRW/SGD"):
        asyncio.run(desk.positions_report(base="SGD", rates=rates, xlsx=tmp_path / "never.xlsx"))
    assert not (tmp_path / "never.xlsx").exists()
    with pytest.raises(InvalidInput, match="choose the report's currency with --base"):
        asyncio.run(desk.positions_report(rates=rates))
    same = asyncio.run(desk.positions_report(["DEMO-US"]))  # one currency: no rate needed
    assert same.base_currency == "USD"
    assert same.rates == ()


@pytest.mark.parametrize(("text", "message"), [
    ("rates: {USD/SGD: 1.3}\n", "needs a source and a time"),
    ("source: x\nas_of: 2026-11-30T17:00:00\nrates: {USD/SGD: 1.3}\n", "zone offset"),
    ("source: x\nas_of: 2026-11-30\nrates: {USDSGD: 1.3}\n", "BASE/QUOTE"),
    ("source: x\nas_of: 2026-11-30\nrates: {USD/XYZ: 1.3}\n", "unknown currency"),
    ("source: x\nas_of: 2026-11-30\nrates: {USD/SGD: -1.3}\n", "positive"),
])
def test_a_bad_rates_file_is_one_clear_error(desk: Trimtab, tmp_path: Path, text: str, message: str) -> None:
    rates = tmp_path / "rates.yaml"
    rates.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput, match=message):
        asyncio.run(desk.positions_report(["DEMO-US"], base="SGD", rates=rates))


def test_a_cached_report_on_the_database_equals_the_live_one_and_runs_fill_the_cache(desk: Trimtab) -> None:
    from trimtab.application.progress import no_progress

    with pytest.raises(InvalidInput, match="account 'DEMO-KR'"):
        asyncio.run(desk.positions_report(["DEMO-KR"], cached=True))
    record = asyncio.run(desk.rebalance("DEMO-KR", execute=False, force=True, progress=no_progress))
    stored = desk.storage.market_data.latest("DEMO-KR")
    assert stored is not None
    assert (stored.broker, stored.snapshot) == ("paper", record.snapshot)
    live_us = asyncio.run(desk.positions_report(["DEMO-US"]))
    cached_us = asyncio.run(desk.positions_report(["DEMO-US"], cached=True))
    assert [(a.total, a.invested, a.cash, a.positions) for a in cached_us.accounts] == [
        (a.total, a.invested, a.cash, a.positions) for a in live_us.accounts]
    assert all(account.cached for account in cached_us.accounts)
