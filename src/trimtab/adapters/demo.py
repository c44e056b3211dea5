"""The demo's paper accounts: drifted away from their models so that the demo has work to do."""

from __future__ import annotations

from decimal import Decimal

from trimtab.application.records import DemoAccount

DEMO_ACCOUNTS = (
    DemoAccount("DEMO-KR", "KRW", "KR-ALLWEATHER", Decimal(1_842_000), {
        "069500": Decimal(180), "005930": Decimal(75), "000660": Decimal(8), "229200": Decimal(150),
        "148070": Decimal(80), "114260": Decimal(110), "132030": Decimal(250)}),
    DemoAccount("DEMO-US", "USD", "GTAA", Decimal("1250.37"), {"SPMO": Decimal(420), "SMH": Decimal(135)}),
)

# The strategies demo's crypto account (`trimtab init --demo --crypto`): a spot wallet holding Bitcoin and Ether and
# a futures wallet for USDT-margined perpetuals (BTC/USDT:USDT), both in USDT. It follows no model of its own: its
# spot and futures strategies carry theirs.
DEMO_CRYPTO_ACCOUNTS = (
    DemoAccount("DEMO-CRYPTO", "USDT", None, Decimal(10_000), {"BTC/USDT": Decimal("0.05"), "ETH/USDT": Decimal(1)},
                futures_cash=Decimal(20_000)),
)
