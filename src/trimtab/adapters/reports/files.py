"""The ReportFiles port: rates files read, report and basket files written (openpyxl loaded only for .xlsx)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from trimtab.domain.basket import BasketLine
from trimtab.domain.errors import InvalidInput
from trimtab.domain.fx import FxRate
from trimtab.domain.positions_report import PositionsReport


class ReportFileSystem:
    """Reads FX rates files and writes the positions report (Excel, CSV) and TWS baskets."""

    def load_rates(self, path: Path) -> list[FxRate]:
        from trimtab.adapters.reports.rates_file import load_rates

        return load_rates(path)

    def write_positions_xlsx(self, report: PositionsReport, path: Path) -> None:
        from trimtab.adapters.reports.positions_xlsx import write_positions_xlsx

        _writable(path)
        write_positions_xlsx(report, path)

    def write_positions_csv(self, report: PositionsReport, path: Path) -> None:
        from trimtab.adapters.reports.csv_files import write_positions_csv

        _writable(path)
        write_positions_csv(report, path)

    def write_basket_csv(self, lines: Sequence[BasketLine], path: Path) -> None:
        from trimtab.adapters.reports.csv_files import write_basket_csv

        _writable(path)
        write_basket_csv(lines, path)


def _writable(path: Path) -> None:
    """Refuse, before any work, a path whose folder does not exist or that is a folder."""
    if path.is_dir():
        raise InvalidInput("is a folder; give a file name", where=str(path), field="path", value=str(path))
    if not path.parent.is_dir():
        raise InvalidInput("the folder does not exist", where=str(path), field="path", value=str(path.parent))
