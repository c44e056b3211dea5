"""Account ids and names typed on the command line are checked before they reach either database."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine

from trimtab.adapters.persistence.accounts import SqlAccountRepository
from trimtab.domain.errors import InvalidInput


@pytest.mark.parametrize(("account_id", "name", "field"), [
    ("A\x00", "ok", "account_id"), ("A\x01B", "ok", "account_id"), ("A" * 65, "ok", "account_id"),
    ("A\u202eB", "ok", "account_id"), ("ACC", "x\x00y", "name"), ("ACC", "N" * 201, "name"),
])
def test_account_with_control_characters_or_too_long_is_refused(engine: Engine, account_id: str, name: str,
                                                                 field: str) -> None:
    accounts = SqlAccountRepository(engine)
    with pytest.raises(InvalidInput, match=f"field '{field}'"):
        accounts.add(account_id, name=name, currency="KRW", broker="paper")
    assert accounts.list() == []
