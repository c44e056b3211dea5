"""The ModelFiles port over trimtab's file loaders (trimtab YAML, model_portfolios.yaml, MP_Master.csv, snapshots)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from trimtab.adapters.files.models_file import load_account_mappings, load_model, load_models
from trimtab.adapters.files.snapshot_file import load_snapshot

if TYPE_CHECKING:
    from trimtab.domain.models import ModelPortfolio
    from trimtab.domain.securities import Security
    from trimtab.domain.snapshot import AccountSnapshot


class FileReader:
    """Reads model portfolios and account snapshots from the files users have."""

    def load_models(self, path: Path) -> list[ModelPortfolio]:
        """Every model of a file."""
        return load_models(path)

    def load_account_mappings(self, path: Path) -> dict[str, str]:
        """The file's account -> model mappings (model_portfolios.yaml's `account_mappings`)."""
        return load_account_mappings(path)

    def load_model(self, path: Path, name: str | None) -> ModelPortfolio:
        """One model of a file (the only one, or the one named)."""
        return load_model(path, name)

    def load_snapshot(self, path: Path, today: dt.date) -> AccountSnapshot:
        """An account snapshot file (JSON or YAML); `today` dates one that names no date."""
        return load_snapshot(path, today=today)

    def demo_models(self) -> list[ModelPortfolio]:
        """The demo's model portfolios, shipped with trimtab."""
        from importlib import resources

        demo = resources.files("trimtab.adapters.files").joinpath("demo_models.yaml")
        with resources.as_file(demo) as path:
            return load_models(path)

    def load_securities(self, path: Path) -> list[Security]:
        """A security master file (CSV or YAML): ISIN, symbol, currency, exchange, contract id, minimum tick."""
        from trimtab.adapters.files.securities_file import load_securities

        return load_securities(path)
