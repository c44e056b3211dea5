"""Engines: pure functions from market data to a model portfolio (issue 13, item 4)."""
