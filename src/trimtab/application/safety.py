"""The safety switches every order path checks: the kill switch, and live trading for brokers with real money."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from trimtab.domain.errors import DomainError

if TYPE_CHECKING:
    from trimtab.application.ports import BrokerPort


class TradingDisabled(DomainError):
    """An order path was blocked by the safety settings."""


@dataclass(frozen=True, slots=True)
class TradingSafety:
    """`kill_switch` (TRIMTAB_DISABLE_LIVE_TRADING=1) blocks every order; a live broker also needs live trading."""

    live_trading_enabled: bool = False
    kill_switch: bool = False


def ensure_may_trade(broker: BrokerPort, safety: TradingSafety) -> None:
    """Refuse to send orders when the safety settings forbid it."""
    if safety.kill_switch:
        raise TradingDisabled("the kill switch TRIMTAB_DISABLE_LIVE_TRADING is on: it blocks every order path")
    if broker.is_live and not safety.live_trading_enabled:
        raise TradingDisabled("this broker trades real money and live trading is not enabled in settings")
