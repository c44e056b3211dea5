"""Shared test set-up: trap float leaks into Decimal arithmetic."""

from __future__ import annotations

import decimal

import pytest


@pytest.fixture(autouse=True)
def _trap_float_operations() -> None:
    decimal.getcontext().traps[decimal.FloatOperation] = True
