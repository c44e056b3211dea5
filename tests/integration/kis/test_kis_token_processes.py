"""Two OS processes share one KIS token through the cache file: KIS sees one issuance, never EGW00133."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

from starlette.applications import Starlette

from tests.integration.kis.test_kis_uvicorn import served_fake
from trimtab.adapters.brokers.kis.token_cache import TokenCache
from trimtab_testkit.kis.app import FakeKisConfig, fake_state

__all__ = ["served_fake"]

# One process: a client on the shared cache that fails rather than wait for a second issuance slot.
SCRIPT = """
import asyncio, os, sys
from pathlib import Path
from pydantic import SecretStr
from trimtab.adapters.brokers.kis.client import KisClient

async def main() -> None:
    client = KisClient(base_url=os.environ["KIS_URL"], environment="virtual",
                       app_key=SecretStr(os.environ["KIS_KEY"]), app_secret=SecretStr(os.environ["KIS_SECRET"]),
                       token_cache_path=Path(os.environ["KIS_CACHE"]), max_issuance_wait_seconds=0)
    async with client:
        pages = await client.paginate("/uapi/domestic-stock/v1/trading/inquire-balance", "VTTC8434R",
                                      {"CANO": "50000000", "ACNT_PRDT_CD": "01"})
    print(len(pages))

asyncio.run(main())
"""


def test_two_processes_started_together_issue_one_token(
    served_fake: tuple[str, FakeKisConfig, Starlette], tmp_path: Path,
) -> None:
    base_url, config, app = served_fake
    env = {**os.environ, "KIS_URL": base_url, "KIS_KEY": config.app_key, "KIS_SECRET": config.app_secret,
           "KIS_CACHE": str(tmp_path / "tokens.json")}
    processes = [subprocess.Popen([sys.executable, "-c", SCRIPT], env=env, stdout=subprocess.PIPE,  # noqa: S603
                                  stderr=subprocess.PIPE, text=True) for _ in range(2)]
    results = [process.communicate(timeout=60) for process in processes]

    assert [process.returncode for process in processes] == [0, 0], results
    state = fake_state(app)
    assert state.issuances == 1
    assert state.api_calls >= 4  # two pages each (23 holdings, 20 per virtual page)
    assert oct((tmp_path / "tokens.json").stat().st_mode & 0o777) == "0o600"
    assert config.app_key not in (tmp_path / "tokens.json").read_text()


PROBE = """
import sys
from filelock import FileLock, Timeout
try:
    FileLock(sys.argv[1]).acquire(timeout=0)
except Timeout:
    sys.exit(3)
"""


def test_token_cache_lock_excludes_another_process_until_released(tmp_path: Path) -> None:
    cache = TokenCache(tmp_path / "tokens.json")
    lock_file = str(tmp_path / "tokens.json.lock")

    def probe() -> int:
        return subprocess.run([sys.executable, "-c", PROBE, lock_file], check=False, timeout=60).returncode  # noqa: S603

    async def scenario() -> tuple[int, int]:
        async with cache.locked():
            held = probe()  # another process cannot take the lock while this one holds it
        return held, probe()

    assert asyncio.run(scenario()) == (3, 0)
