"""KIS credentials: from settings or a file only its owner can read; errors never show a secret."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from pydantic import SecretStr

from trimtab.adapters.brokers.kis.credentials import KisCredentials, load_credentials, read_credentials_file
from trimtab.config import Settings
from trimtab.domain.errors import InvalidInput

APP_KEY = "PSk3y" + "A" * 31
APP_SECRET = "s3cr3t" + "B" * 174
ACCOUNT = "73512345-01"


def _write(path: Path, text: str, mode: int) -> Path:
    path.write_text(text, encoding="utf-8")
    os.chmod(path, mode)
    return path


def test_file_with_sections_owner_only_gives_the_chosen_environment(tmp_path: Path) -> None:
    text = (f"virtual:\n  app_key: {APP_KEY}\n  app_secret: {APP_SECRET}\n  account: '{ACCOUNT}'\n"
            "real:\n  app_key: REALKEY\n  app_secret: REALSECRET\n  account: '1234567801'\n")
    path = _write(tmp_path / "kis.yaml", text, 0o600)

    virtual = read_credentials_file(path, "virtual")
    real = read_credentials_file(path, "real")

    assert (virtual.app_key.get_secret_value(), virtual.cano, virtual.product_code) == (APP_KEY, "73512345", "01")
    assert (real.app_secret.get_secret_value(), real.cano, real.product_code) == ("REALSECRET", "12345678", "01")
    assert APP_KEY not in repr(virtual)
    assert ACCOUNT not in repr(virtual)
    assert "73512345" not in repr(virtual)


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o644, 0o660])
def test_file_readable_by_others_is_refused_naming_the_setting(tmp_path: Path, mode: int) -> None:
    path = _write(tmp_path / "kis.json", f'{{"app_key": "{APP_KEY}", "app_secret": "{APP_SECRET}", '
                                         f'"account": "{ACCOUNT}"}}', mode)

    with pytest.raises(InvalidInput, match=r"kis_credentials_file.*readable only by its owner") as error:
        read_credentials_file(path, "virtual")
    assert APP_KEY not in str(error.value)


def test_broken_file_error_does_not_quote_its_lines(tmp_path: Path) -> None:
    path = _write(tmp_path / "kis.yaml", f"app_key: {APP_KEY}\napp_secret: [{APP_SECRET}\n", 0o600)

    with pytest.raises(InvalidInput, match="not valid YAML or JSON") as error:
        read_credentials_file(path, "virtual")
    assert APP_KEY not in str(error.value)
    assert APP_SECRET not in str(error.value)


def test_bad_account_number_is_refused_without_showing_it() -> None:
    with pytest.raises(InvalidInput, match=r"field 'account'.*10 digits") as error:
        KisCredentials(SecretStr(APP_KEY), SecretStr(APP_SECRET), SecretStr("7351234"))
    assert "7351234" not in str(error.value)


def test_settings_from_environment_win_over_the_file_and_stay_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("TRIMTAB_KIS_APP_KEY", APP_KEY)
    monkeypatch.setenv("TRIMTAB_KIS_APP_SECRET", APP_SECRET)
    monkeypatch.setenv("TRIMTAB_KIS_ACCOUNT", ACCOUNT)
    settings = Settings()

    credentials = load_credentials("virtual", app_key=settings.kis_app_key, app_secret=settings.kis_app_secret,
                                   account=settings.kis_account, file=tmp_path / "missing.yaml")

    assert credentials.cano == "73512345"
    assert APP_KEY not in repr(settings)
    assert APP_SECRET not in str(settings)
    assert ACCOUNT not in repr(settings)


def test_missing_credentials_name_the_settings_to_set() -> None:
    with pytest.raises(InvalidInput, match="TRIMTAB_KIS_APP_SECRET, TRIMTAB_KIS_ACCOUNT or TRIMTAB_KIS_CREDENTIALS"):
        load_credentials("virtual", app_key=SecretStr(APP_KEY), app_secret=None, account=None, file=None)
