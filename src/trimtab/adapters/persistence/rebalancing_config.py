"""Each account's bands and planning settings, with defaults when none are stored."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select

from trimtab.adapters.clock import SystemClock
from trimtab.adapters.persistence.sessions import Bind, session_factory
from trimtab.adapters.persistence.tables import AccountRow, RebalancingConfigRow
from trimtab.application.ports import BandSettings, Clock
from trimtab.application.rebalancing_config import RebalancingConfig
from trimtab.application.settings_rules import validate_config
from trimtab.domain.errors import InvalidInput


class SqlConfigRepository:
    """Per-account rebalancing settings; every public method is one committed transaction."""

    def __init__(self, bind: Bind, clock: Clock | None = None) -> None:
        self._sessions = session_factory(bind)
        self._clock = clock or SystemClock()

    def get(self, account_id: str) -> RebalancingConfig:
        """Return the account's settings, or the defaults when none are stored."""
        with self._sessions() as session:
            row = session.get(RebalancingConfigRow, account_id)
            return RebalancingConfig() if row is None else _to_config(row)

    def stored(self) -> dict[str, RebalancingConfig]:
        """Every stored account's settings by account id, in one query (the others have the defaults)."""
        with self._sessions() as session:
            return {row.account_id: _to_config(row) for row in session.scalars(select(RebalancingConfigRow))}

    def set(self, account_id: str, config: RebalancingConfig) -> None:
        """Validate and store the account's settings (the account must exist)."""
        validate_config(config, where=f"settings of account '{account_id}'")
        with self._sessions.begin() as session:
            if session.get(AccountRow, account_id) is None:
                raise InvalidInput("unknown account", where="accounts", field="account_id", value=account_id)
            row = session.get(RebalancingConfigRow, account_id)
            if row is None:
                row = RebalancingConfigRow(account_id=account_id)
                session.add(row)
            row.class_band, row.ticker_band, row.relative_band = (config.class_band, config.ticker_band,
                                                                  config.relative_band)
            row.cash_buffer, row.min_trade_value = config.cash_buffer, config.minimum_trade_value
            row.price_ticks, row.updated_at = config.price_ticks, self._clock.now()
            row.confirm_days, row.split_days = config.confirm_days, config.split_days

    def get_bands(self, account_id: str) -> BandSettings:
        """Return the account's bands (defaults when unset)."""
        return self.get(account_id).bands

    def set_bands(self, account_id: str, bands: BandSettings) -> None:
        """Store new bands and keep the account's other settings."""
        config = replace(self.get(account_id), class_band=bands.class_band, ticker_band=bands.ticker_band,
                         relative_band=bands.relative_band)
        self.set(account_id, config)


def _to_config(row: RebalancingConfigRow) -> RebalancingConfig:
    return RebalancingConfig(class_band=row.class_band, ticker_band=row.ticker_band,
                             relative_band=row.relative_band, cash_buffer=row.cash_buffer,
                             minimum_trade_value=row.min_trade_value, price_ticks=row.price_ticks,
                             confirm_days=row.confirm_days, split_days=row.split_days)
