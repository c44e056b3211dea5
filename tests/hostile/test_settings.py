"""Hostile settings (environment variables), in process: one InvalidInput naming the variable, never a secret;
trading switches that fail safe."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trimtab.config import CLEAR_FALSE, CLEAR_TRUE, Settings, load_settings, read_switch
from trimtab.domain.errors import InvalidInput

SECRETS = {"TRIMTAB_KIS_APP_KEY": "PSsecretKEY0123456789", "TRIMTAB_KIS_APP_SECRET": "SeCrEt/abcdef+ghijkl==",
           "TRIMTAB_KIS_ACCOUNT": "5012345601", "TRIMTAB_CRYPTO_API_KEY": "binanceKEYabc0123456789",
           "TRIMTAB_CRYPTO_API_SECRET": "binanceSECRETxyz9876543210"}
FAST = settings(max_examples=200, deadline=None, derandomize=True)


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.upper().startswith("TRIMTAB_") and name != "TRIMTAB_REQUIRE_POSTGRES":
            monkeypatch.delenv(name)


@pytest.mark.parametrize(("variable", "value", "says"), [
    ("TRIMTAB_FILL_TIMEOUT_SECONDS", "abc", "valid number"),
    ("TRIMTAB_FILL_TIMEOUT_SECONDS", "-1", "greater than 0"),
    ("TRIMTAB_FILL_TIMEOUT_SECONDS", "0", "greater than 0"),
    ("TRIMTAB_FILL_TIMEOUT_SECONDS", "nan", "finite"),
    ("TRIMTAB_FILL_TIMEOUT_SECONDS", "inf", "finite"),
    ("TRIMTAB_FILL_TIMEOUT_SECONDS", "1e9", "less than or equal"),
    ("TRIMTAB_POLL_INTERVAL_SECONDS", "0", "greater than 0"),
    ("TRIMTAB_POLL_INTERVAL_SECONDS", "-0.5", "greater than 0"),
    ("TRIMTAB_REPRICE_TICKS", "0", "greater than or equal to 1"),
    ("TRIMTAB_REPRICE_TICKS", "1.5", "integer"),
    ("TRIMTAB_MAX_REPRICES", "-1", "greater than or equal to 0"),
    ("TRIMTAB_PAPER_SEED", "-7", "greater than or equal to 0"),
    ("TRIMTAB_KIS_REQUESTS_PER_SECOND", "0", "greater than or equal to 1"),
    ("TRIMTAB_KIS_COMMISSION_RATE", "0.5", "less than 0.1"),
    ("TRIMTAB_KIS_COMMISSION_RATE", "-0.001", "greater than or equal to 0"),
    ("TRIMTAB_KIS_ENV", "sandbox", "'virtual' or 'real'"),
    ("TRIMTAB_CRYPTO_ENV", "real", "'testnet' or 'live'"),
    ("TRIMTAB_CRYPTO_MARKET_TYPES", '{"BN-1": "margin"}', "'spot' or 'futures'"),
    ("TRIMTAB_CRYPTO_COMMISSION_RATE", "0.5", "less than 0.1"),
    ("TRIMTAB_PAPER_START", "tomorrow", "datetime"),
    ("TRIMTAB_SIMULATED_CLOCK", '{"start": "2026-11-20T09:00:00+09:00", "anchor": 1, "speed": 0}', "speed"),
    ("TRIMTAB_SIMULATED_CLOCK", "not json", "dictionary"),
])
def test_bad_setting_names_its_variable_and_value_and_no_secret(monkeypatch: pytest.MonkeyPatch, variable: str,
                                                                value: str, says: str) -> None:
    for name, secret in SECRETS.items():
        monkeypatch.setenv(name, secret)
    monkeypatch.setenv(variable, value)
    with pytest.raises(InvalidInput) as info:
        load_settings()
    message = str(info.value)
    assert f"setting {variable}" in message
    assert says in message
    assert "\n" not in message
    assert len(message) < 300
    assert not any(secret in message for secret in SECRETS.values())


@pytest.mark.parametrize(("field", "secret"), [("kis_app_key", "PSsecretKEY0123456789"),
                                               ("crypto_api_secret", "binanceSECRETxyz9876543210")])
def test_a_secret_that_fails_validation_is_not_echoed(field: str, secret: str) -> None:
    from pydantic import ValidationError

    from trimtab.config import settings_error

    with pytest.raises(ValidationError) as info:
        Settings.model_validate({field: [secret]})
    message = str(settings_error(info.value))
    assert f"TRIMTAB_{field.upper()}" in message
    assert "value hidden" in message
    assert secret[:8] not in message


def test_a_huge_bad_value_is_echoed_as_a_short_excerpt(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIMTAB_FILL_TIMEOUT_SECONDS", "9" * 10_000 + "x")
    with pytest.raises(InvalidInput) as info:
        load_settings()
    assert len(str(info.value)) < 300


@FAST
@given(st.text(max_size=12) | st.sampled_from([" 1", "01", "enabled", "yes please", "TRUE", " off ", "0 ", "2"]))
def test_kill_switch_is_on_for_anything_but_a_clear_false(value: str) -> None:
    switch = Settings(disable_live_trading=value)  # type: ignore[arg-type]
    clear_false = value.strip().lower() in CLEAR_FALSE
    assert switch.disable_live_trading is not clear_false
    understood = clear_false or value.strip().lower() in CLEAR_TRUE
    assert bool(switch.notices) is not understood
    assert all("kill switch is ON" in notice and "\n" not in notice for notice in switch.notices)


@FAST
@given(st.text(max_size=12) | st.sampled_from(["1", " yes", "On", "enabled", "sure", "tru", "2"]))
def test_live_trading_is_enabled_only_by_a_clear_true(value: str) -> None:
    live = Settings(live_trading_enabled=value)  # type: ignore[arg-type]
    assert live.live_trading_enabled is (value.strip().lower() in CLEAR_TRUE)
    understood = value.strip().lower() in CLEAR_TRUE | CLEAR_FALSE
    assert bool(live.notices) is not understood
    assert all("live trading stays OFF" in notice for notice in live.notices)


@pytest.mark.parametrize(("value", "on", "notice"), [
    (" 1", True, False), ("01", True, True), ("enabled", True, True), ("yes please", True, True),
    ("", False, False), ("0", False, False), ("OFF", False, False), (" no ", False, False),
])
def test_kill_switch_from_the_environment(monkeypatch: pytest.MonkeyPatch, value: str, on: bool,
                                          notice: bool) -> None:
    monkeypatch.setenv("TRIMTAB_DISABLE_LIVE_TRADING", value)
    loaded = load_settings()
    assert loaded.disable_live_trading is on
    assert bool(loaded.notices) is notice


def test_read_switch_never_raises_on_odd_types() -> None:
    assert read_switch(None, default_on=True) == (False, True)
    assert read_switch(7, default_on=True) == (True, False)
    assert read_switch(True, default_on=False) == (True, True)


def test_misspelt_trimtab_variable_is_named_with_the_setting_it_resembles(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRIMTAB_DISABLE_LIVE_TRADNG", "1")
    monkeypatch.setenv("TRIMTAB_REQUIRE_POSTGRES", "1")  # the test suite's own variable: no notice
    notices = load_settings().notices
    assert notices == ("warning: TRIMTAB_DISABLE_LIVE_TRADNG is not a trimtab setting and is ignored; "
                       "did you mean TRIMTAB_DISABLE_LIVE_TRADING?",)
