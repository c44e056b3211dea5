"""Model portfolios from an MP_Master CSV file (``.csv``): the format is described in models_file.py, which reads
the other formats and comes here for a CSV file only.
"""

from __future__ import annotations

import datetime as dt
import io
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from trimtab.adapters.files.loader import parse_percentage, read_text
from trimtab.domain.bounds import WEIGHT
from trimtab.domain.errors import InvalidInput
from trimtab.domain.models import ModelHolding, ModelPortfolio, flat_model
from trimtab.domain.text import check_identifier, check_name

if TYPE_CHECKING:
    from collections.abc import Iterator
    from pathlib import Path

CSV_COLUMNS = ("Portfolio ID", "Bucket Name", "ISIN", "Ticker", "Weight", "Effective Date")
_DMY = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{2}|\d{4})")


@dataclass(frozen=True, slots=True)
class _CsvRow:
    line: int
    portfolio: str
    bucket: str
    symbol: str
    weight: Decimal
    effective: dt.date


def load_mp_master(path: Path) -> list[ModelPortfolio]:
    """Every model of an MP_Master CSV file (one flat model per Portfolio ID, its latest rows)."""
    groups: dict[str, list[_CsvRow]] = {}
    for row in _csv_rows(path):
        groups.setdefault(row.portfolio, []).append(row)
    if not groups:
        raise InvalidInput("no model rows after the header", where=str(path), field="rows", value=0)
    return [_csv_model(portfolio, rows, path.name) for portfolio, rows in groups.items()]


def _csv_rows(path: Path) -> Iterator[_CsvRow]:
    import csv  # here: YAML model files need none of it

    reader = csv.reader(io.StringIO(read_text(path), newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        _check_header(header, str(path))
        for row_number, record in enumerate(reader, start=1):
            if not any(cell.strip() for cell in record):
                continue
            where = f"{path.name}, row {row_number} (line {reader.line_num})"
            if len(record) != len(header):
                raise InvalidInput(f"expected {len(header)} columns", where=where, field="columns",
                                   value=len(record))
            cells = {column: check_name(cell, where=where, field=column)
                     for column, cell in zip(header, record, strict=True)}
            yield _csv_row(cells, reader.line_num, where)
    except csv.Error as exc:
        raise InvalidInput(f"not valid CSV: {exc}", where=f"{path.name}, line {reader.line_num}") from None


def _check_header(header: list[str], where: str) -> None:
    allowed = ", ".join(CSV_COLUMNS)
    for column in header:
        if column not in CSV_COLUMNS:
            raise InvalidInput(f"unknown column (expected: {allowed})", where=where, field="header",
                               value=column)
    for column in CSV_COLUMNS:
        if column not in header:
            raise InvalidInput(f"missing column (expected: {allowed})", where=where, field="header",
                               value=column)
        if header.count(column) > 1:
            raise InvalidInput(f"the column appears more than once (expected: {allowed})", where=where,
                               field="header", value=column)


def _csv_row(cells: dict[str, str], line: int, where: str) -> _CsvRow:
    portfolio = cells["Portfolio ID"].strip()
    if not portfolio:
        raise InvalidInput("empty Portfolio ID", where=where, field="Portfolio ID", value="")
    portfolio = check_identifier(portfolio, where=where, field="Portfolio ID")
    where = f"{where}, model '{portfolio}'"
    symbol = cells["Ticker"].strip() or cells["ISIN"].strip()
    if not symbol:
        raise InvalidInput("the row has neither a Ticker nor an ISIN", where=where, field="Ticker",
                           value="")
    symbol = check_identifier(symbol, where=where, field="Ticker" if cells["Ticker"].strip() else "ISIN")
    return _CsvRow(line=line, portfolio=portfolio, bucket=cells["Bucket Name"].strip(), symbol=symbol,
                   weight=parse_percentage(cells["Weight"], where=where, field="Weight", bound=WEIGHT),
                   effective=_dmy_date(cells["Effective Date"], where=where))


def _dmy_date(text: str, *, where: str) -> dt.date:
    match = _DMY.fullmatch(text.strip())
    if match is None:
        raise InvalidInput("expected a date as DD/MM/YY", where=where, field="Effective Date", value=text)
    day, month, year = (int(part) for part in match.groups())
    try:
        return dt.date(year + 2000 if year < 100 else year, month, day)
    except ValueError:
        raise InvalidInput("not a calendar date", where=where, field="Effective Date", value=text) from None


def _csv_model(portfolio: str, rows: list[_CsvRow], source: str) -> ModelPortfolio:
    latest = max(row.effective for row in rows)
    kept = [row for row in rows if row.effective == latest]
    buckets = sorted({row.bucket for row in kept})
    if len(buckets) > 1:
        raise InvalidInput(f"rows of one portfolio on {latest.isoformat()} disagree on the Bucket Name",
                           where=f"{source}, model '{portfolio}'", field="Bucket Name",
                           value=" | ".join(buckets))
    holdings = tuple(ModelHolding(symbol=row.symbol, weight=row.weight) for row in kept)
    return flat_model(portfolio, holdings, description=buckets[0], effective_on=latest.isoformat())
