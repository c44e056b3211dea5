"""KIS paths and TR ids (BROKERS.md §1.5): the 2025 TR ids by default, the legacy ones on request.

Virtual (모의투자) TR ids replace the first letter of the real one with V; quotations share one TR id.
"""

from __future__ import annotations

from typing import Literal

Environment = Literal["real", "virtual"]

STOCK = "/uapi/domestic-stock/v1"
BALANCE = f"{STOCK}/trading/inquire-balance"
ORDERABLE = f"{STOCK}/trading/inquire-psbl-order"
ORDER_CASH = f"{STOCK}/trading/order-cash"
REVISE_CANCEL = f"{STOCK}/trading/order-rvsecncl"
DAILY_ORDERS = f"{STOCK}/trading/inquire-daily-ccld"
PRICE = f"{STOCK}/quotations/inquire-price"

_REAL_TR_IDS: dict[str, tuple[str, str]] = {  # purpose: (2025 id, legacy id)
    "balance": ("TTTC8434R", "TTTC8434R"),
    "orderable": ("TTTC8908R", "TTTC8908R"),
    "buy": ("TTTC0012U", "TTTC0802U"),
    "sell": ("TTTC0011U", "TTTC0801U"),
    "cancel": ("TTTC0013U", "TTTC0803U"),
    "daily_orders": ("TTTC0081R", "TTTC8001R"),
}
PRICE_TR_ID = "FHKST01010100"  # the same on both environments


def tr_id(purpose: str, environment: Environment, *, legacy: bool = False) -> str:
    """Return the TR id of a purpose on an environment."""
    new, old = _REAL_TR_IDS[purpose]
    real = old if legacy else new
    return real if environment == "real" else "V" + real[1:]


def default_base_url(environment: Environment) -> str:
    """KIS's own REST hosts (BROKERS.md §1.1)."""
    if environment == "real":
        return "https://openapi.koreainvestment.com:9443"
    return "https://openapivts.koreainvestment.com:29443"
