"""KIS credentials: app key, app secret and account number, from settings or a file only its owner can read.

They are held as SecretStr and never formatted into a log line, an error message or a stored document: errors
name the field and describe the problem, never the value.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr

from trimtab.adapters.brokers.kis.endpoints import Environment
from trimtab.adapters.files.loader import read_document
from trimtab.domain.errors import InvalidInput

FIELDS = ("app_key", "app_secret", "account")


def _hidden(value: str) -> str:
    return f"<hidden, {len(value)} characters>"


@dataclass(frozen=True, slots=True)
class KisCredentials:
    """One KIS login on one environment; `account` is CANO (8 digits) + ACNT_PRDT_CD (2 digits)."""

    app_key: SecretStr
    app_secret: SecretStr
    account: SecretStr

    def __post_init__(self) -> None:
        for name in FIELDS:
            if not getattr(self, name).get_secret_value().strip():
                raise InvalidInput("is missing", where="KIS credentials", field=name)
        digits = self.account.get_secret_value().replace("-", "").strip()
        if len(digits) != 10 or not digits.isdigit():
            raise InvalidInput("must be 10 digits: the 8-digit CANO and the 2-digit product code (e.g. 01)",
                               where="KIS credentials", field="account", value=_hidden(digits))

    def __repr__(self) -> str:
        return "KisCredentials(app_key=**********, app_secret=**********, account=**********)"

    @property
    def cano(self) -> str:
        return self.account.get_secret_value().replace("-", "").strip()[:8]

    @property
    def product_code(self) -> str:
        return self.account.get_secret_value().replace("-", "").strip()[8:]


def check_owner_only(path: Path) -> None:
    """Refuse a credentials file that others could read or that belongs to someone else."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise InvalidInput("file not found", where="KIS credentials", field="kis_credentials_file",
                           value=str(path)) from None
    if info.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise InvalidInput(f"must be readable only by its owner (chmod 600; mode is {stat.filemode(info.st_mode)})",
                           where="KIS credentials", field="kis_credentials_file", value=str(path))
    if hasattr(os, "getuid") and info.st_uid != os.getuid():
        raise InvalidInput("must belong to the user running trimtab", where="KIS credentials",
                           field="kis_credentials_file", value=str(path))


def _section(document: object, environment: Environment, path: Path) -> Mapping[str, object]:
    if not isinstance(document, dict):
        raise InvalidInput("expected a mapping of app_key, app_secret and account", where=str(path), field="$")
    section = document.get(environment, document)  # {virtual: {...}, real: {...}} or one flat mapping
    if not isinstance(section, dict):
        raise InvalidInput("expected a mapping of app_key, app_secret and account", where=str(path),
                           field=environment)
    unknown = sorted(str(key) for key in section if key not in FIELDS and key not in ("virtual", "real"))
    if unknown:
        raise InvalidInput(f"unknown keys {unknown} (expected {list(FIELDS)})", where=str(path), field=environment)
    return section


def read_credentials_file(path: Path, environment: Environment) -> KisCredentials:
    """Read `app_key`, `app_secret`, `account` (flat, or under `virtual:`/`real:`) from a YAML or JSON file."""
    check_owner_only(path)
    try:
        document = read_document(path)
    except InvalidInput:
        # The parser's message may quote a line of the file, which could hold a secret.
        raise InvalidInput("is not valid YAML or JSON", where="KIS credentials", field="kis_credentials_file",
                           value=str(path)) from None
    section = _section(document, environment, path)
    values = {name: str(section.get(name) or "") for name in FIELDS}
    return KisCredentials(*(SecretStr(values[name]) for name in FIELDS))


def load_credentials(
    environment: Environment, *, app_key: SecretStr | None, app_secret: SecretStr | None,
    account: SecretStr | None, file: Path | None,
) -> KisCredentials:
    """Credentials from settings (TRIMTAB_KIS_APP_KEY, ...) when all three are set, else from the file."""
    given = {"app_key": app_key, "app_secret": app_secret, "account": account}
    if all(value is not None for value in given.values()):
        return KisCredentials(*(value for value in given.values() if value is not None))
    if file is not None:
        return read_credentials_file(file, environment)
    missing = [f"TRIMTAB_KIS_{name.upper()}" for name, value in given.items() if value is None]
    raise InvalidInput(f"set {', '.join(missing)} or TRIMTAB_KIS_CREDENTIALS_FILE", where="KIS credentials",
                       field="credentials")
