"""A local Binance (spot /api/v3 and USDT-margined futures /fapi) for tests and demos; imports nothing of trimtab."""
