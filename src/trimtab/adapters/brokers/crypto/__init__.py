"""Crypto exchanges through ccxt (Binance spot and USDT-margined futures first)."""
