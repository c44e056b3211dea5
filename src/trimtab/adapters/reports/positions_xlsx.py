"""The positions report as an Excel workbook (openpyxl): Summary, Matrix (shares), Amt_Matrix (base currency), Notes.

Every sheet has its header in row 1, frozen with the account column, a totals row, column widths from its
content and number formats of its currency (``#,##0.00`` for SGD and USD, ``#,##0`` for KRW). The figures are
the report's exact decimals; the workbook holds values, not formulas, so every reader sees the same numbers.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from trimtab.domain.fx import format_age
from trimtab.domain.instruments import CURRENCY_MINOR_DIGITS
from trimtab.domain.money_format import format_money
from trimtab.domain.numbers import decimal_places
from trimtab.domain.positions_report import PositionsReport, format_instant, freshness_lines

SHEETS = ("Summary", "Matrix", "Amt_Matrix", "Notes")
PERCENT = "0.00%"
HEADER_WIDTH = 16  # a longer header wraps onto a second line
RATE = "0.0000######"
FONT = "Calibri"  # the workbook's default: styled cells name it too, or LibreOffice falls back to a serif face
_HEADER_FONT = Font(name=FONT, bold=True, color="FFFFFF")
_HEADER_FILL = PatternFill("solid", fgColor="1F4E78")
_TOTAL_FONT = Font(name=FONT, bold=True)
_TOTAL_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_BORDER = Border(top=Side(style="thin"), bottom=Side(style="double"))
_Cell = str | Decimal | dt.date | None


def money_format(currency: str, *, labelled: bool = False) -> str:
    """The number format of an amount in `currency`: its minor unit's decimals, thousands grouped; `labelled`
    adds the currency's code (for a column that mixes currencies)."""
    places = CURRENCY_MINOR_DIGITS.get(currency, 2)
    digits = "#,##0" + ("." + "0" * places if places else "")
    if labelled:
        digits = f'{digits} "{currency}"'
    return f"{digits};-{digits}"


def quantity_format(quantity: Decimal) -> str:
    places = decimal_places(quantity)
    return "#,##0" + ("." + "0" * places if places else "")


def write_positions_xlsx(report: PositionsReport, path: Path) -> None:
    """Write the report's workbook to `path` (replaced if it exists)."""
    book = Workbook()
    summary = book.create_sheet(SHEETS[0])
    book.remove(book.worksheets[0])  # the default sheet
    _summary(summary, report)
    _matrix(book.create_sheet(SHEETS[1]), report)
    _amounts(book.create_sheet(SHEETS[2]), report)
    _notes(book.create_sheet(SHEETS[3]), report)
    book.properties.title = f"Positions in {report.base_currency}"
    book.properties.creator = "trimtab"
    book.save(path)


def _summary(sheet: Worksheet, report: PositionsReport) -> None:
    base = report.base_currency
    money = money_format(base)
    _header(sheet, ["Account", "Currency", "Total value (account currency)", f"FX rate to {base}",
                    f"Total value ({base})", f"Invested ({base})", f"Cash ({base})", "Invested %", "Cash %",
                    "Prices as of"])
    for account in report.accounts:
        row: list[_Cell] = [account.account_id, account.currency, account.total_local, account.conversion.factor,
                            account.total, account.invested, account.cash, account.invested_fraction,
                            account.cash_fraction, account.prices_as_of]
        _row(sheet, row, [None, None, money_format(account.currency, labelled=True), RATE, money, money, money,
                          PERCENT, PERCENT, "yyyy-mm-dd"])
    _total(sheet, ["Total", None, None, None, report.total, report.invested, report.cash, report.invested_fraction,
                   report.cash_fraction, None], [None, None, None, None, money, money, money, PERCENT, PERCENT, None])
    sheet.append([])
    for line in freshness_lines(report):
        sheet.append([line])
        sheet.cell(sheet.max_row, 1).font = Font(name=FONT, italic=True, color="595959")
    _finish(sheet, landscape=True, skip_rows_from=len(report.accounts) + 3)


def _matrix(sheet: Worksheet, report: PositionsReport) -> None:
    _header(sheet, ["Account", "Currency", *report.symbols])
    for account in report.accounts:
        quantities = [line.quantity if (line := account.position(symbol)) else None for symbol in report.symbols]
        _row(sheet, [account.account_id, account.currency, *quantities],
             [None, None, *(quantity_format(q) if q is not None else None for q in quantities)])
    totals = [report.shares(symbol) for symbol in report.symbols]
    _total(sheet, ["Total", None, *totals], [None, None, *(quantity_format(q) for q in totals)])
    _finish(sheet)


def _amounts(sheet: Worksheet, report: PositionsReport) -> None:
    base = report.base_currency
    money = money_format(base)
    _header(sheet, [f"Account ({base})", *report.symbols, f"Cash ({base})", f"Total ({base})"])
    formats = [None, *([money] * (len(report.symbols) + 2))]
    for account in report.accounts:
        values = [line.base_value if (line := account.position(symbol)) else None for symbol in report.symbols]
        _row(sheet, [account.account_id, *values, account.cash, account.total], formats)
    _total(sheet, ["Total", *(report.base_value(symbol) for symbol in report.symbols), report.cash, report.total],
           formats)
    _finish(sheet)


def _notes(sheet: Worksheet, report: PositionsReport) -> None:
    now = report.generated_at
    _header(sheet, ["FX pair", "Rate", "Source", "As of", "Age at report time"])
    for rate in report.rates:
        _row(sheet, [rate.pair, rate.rate, rate.source, format_instant(rate.as_of), format_age(rate.age(now))],
             [None, RATE, None, None, None])
        sheet.cell(sheet.max_row, 3).alignment = Alignment(indent=1)  # apart from the right-aligned rate
    sheet.append([])
    sheet.append(["Account", "Currency", "Prices as of", "Read at"])
    for cell in sheet[sheet.max_row]:
        cell.font = _TOTAL_FONT
    for account in report.accounts:
        sheet.append([account.account_id, account.currency, account.prices_as_of.isoformat(),
                      format_instant(account.read_at)])
    _finish(sheet, freeze=False)


def _header(sheet: Worksheet, titles: Sequence[str]) -> None:
    sheet.append(list(titles))
    for cell in sheet[1]:
        cell.font, cell.fill = _HEADER_FONT, _HEADER_FILL
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
    if any(len(title) > HEADER_WIDTH for title in titles):
        sheet.row_dimensions[1].height = 31  # two lines of a wrapped header


def _row(sheet: Worksheet, values: Sequence[_Cell], formats: Sequence[str | None]) -> None:
    sheet.append(list(values))
    for cell, number_format in zip(sheet[sheet.max_row], formats, strict=False):
        if number_format is not None:
            cell.number_format = number_format


def _total(sheet: Worksheet, values: Sequence[_Cell], formats: Sequence[str | None]) -> None:
    _row(sheet, values, formats)
    for cell in sheet[sheet.max_row]:
        cell.font, cell.fill, cell.border = _TOTAL_FONT, _TOTAL_FILL, _TOTAL_BORDER


def _finish(sheet: Worksheet, *, freeze: bool = True, landscape: bool = True,
            skip_rows_from: int | None = None) -> None:
    """Freeze the header and the account column, size the columns to their content, fit a page's width."""
    if freeze:
        sheet.freeze_panes = "B2"
    widths: dict[int, int] = {}
    for row_number, row in enumerate(sheet.iter_rows(), start=1):
        if skip_rows_from is not None and row_number > skip_rows_from:
            break  # free text below the table spills over empty cells; it does not size the columns
        for cell in row:
            column = cell.column or 1
            widths[column] = max(widths.get(column, 0), _shown_width(cell.value, row_number == 1))
    for column, width in widths.items():
        sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 3, 8), 40)
    sheet.page_setup.orientation = "landscape" if landscape else "portrait"
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    if sheet.sheet_properties.pageSetUpPr is None:
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties()
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"


def _shown_width(value: object, header: bool) -> int:
    if value is None:
        return 0
    if isinstance(value, Decimal):
        return len(format_money(value, "USD")) + 1  # two decimals, or as many as the value needs
    text = value.isoformat() if isinstance(value, dt.date) else str(value)
    return min(len(text), HEADER_WIDTH) if header else len(text)  # long headers wrap
