"""Planning a desk's many accounts in one command: the batch planner, the facade and the CLI.

    PYTHONPATH=src python benchmarks/desk_bench.py [--accounts N] [--repeat R] [--quick]

1. Kernel and plans: `plan_many` on N seeded synthetic desk accounts (trimtab_testkit.desk: GTAA and three
   bucket models, US ETFs, cash-only, drifted and stray holdings) against one `plan_rebalance` per account;
   the best of R runs of each (time.perf_counter, wall time). The batch's plans must equal the per-account
   ones (exits 1 otherwise).
2. One command end to end: a SQLite database with N paper accounts, mapped to GTAA by a model_portfolios.yaml
   `account_mappings` import; `Trimtab.plan_batch(--all)` in process (reading every account from the paper
   broker, planning, the summary) and `trimtab plan --all` as a subprocess (start-up included, output to a
   pipe), best of R each, and the command's median of R, which is held against the target: 2 s for 1,000
   accounts. `--quick` runs 50 accounts once.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

from trimtab import bootstrap
from trimtab.application.batch import BatchLine, Selection
from trimtab.config import Settings
from trimtab.domain.batch_planning import PlanRequest, plan_many
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab_testkit.desk import desk_models, desk_snapshots

START = dt.datetime(2026, 11, 23, 15, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 2.0


def _times(repeat: int, call: Callable[[], object]) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return times


def _best(repeat: int, call: Callable[[], object]) -> float:
    return min(_times(repeat, call))


def kernel(count: int, repeat: int) -> bool:
    models = {model.name: model for model in desk_models()}
    requests = [PlanRequest(models[name], snapshot, PlanSettings()) for name, snapshot in desk_snapshots(count)]
    batch = plan_many(requests)
    alone = [plan_rebalance(r.model, r.snapshot, r.settings) for r in requests]
    same = [outcome.plan for outcome in batch] == alone
    batch_seconds = _best(repeat, lambda: plan_many(requests))
    each_seconds = _best(repeat, lambda: [plan_rebalance(r.model, r.snapshot, r.settings) for r in requests])
    orders = sum(len(plan.orders) for plan in alone)
    print(f"1. {count:,} synthetic accounts ({orders:,} orders), best of {repeat}:")
    print(f"   batch (plan_many)          {batch_seconds:7.3f} s  {count / batch_seconds:9,.0f} accounts/s")
    print(f"   one plan_rebalance each    {each_seconds:7.3f} s  {count / each_seconds:9,.0f} accounts/s")
    print(f"   batch plans equal the per-account plans: {'yes' if same else 'NO'}")
    return same


def _desk_database(folder: Path, count: int) -> str:
    url = f"sqlite:///{folder / 'desk.db'}"
    trimtab = bootstrap.build(Settings(database_url=url, paper_start=START))
    trimtab.init(demo=True)  # the demo models (GTAA) and the two demo accounts
    rng = random.Random(5)  # seeded benchmark data
    mappings = []
    for index in range(count):
        account_id = f"DU{2_000_000 + index}"
        trimtab.add_account(account_id, name=account_id, currency="USD", broker="paper")
        held = {symbol: Decimal(rng.randrange(0, 400)) for symbol in ("SPMO", "SMH", "IAU") if rng.random() < 0.8}
        trimtab.open_paper(account_id, Decimal(rng.randrange(1_000, 200_000)), {s: q for s, q in held.items() if q})
        mappings.append(f'  "{account_id}": "GTAA"')
    models = folder / "model_portfolios.yaml"
    models.write_text("model_portfolios:\n  GTAA:\n    holdings:\n"
                      '      - {symbol: "SPMO", target_weight: 0.3334}\n'
                      '      - {symbol: "SMH", target_weight: 0.3333}\n'
                      '      - {symbol: "IAU", target_weight: 0.3333}\n'
                      "account_mappings:\n" + "\n".join(mappings) + "\n", encoding="utf-8")
    imported = trimtab.import_models(models)
    assigned = sum(1 for line in imported.mappings if line.outcome.value in ("assigned", "reassigned", "unchanged"))
    assert assigned == count, assigned  # the set-up of the benchmark
    trimtab.unassign("DEMO-KR")  # the desk's accounts only: GTAA followers
    trimtab.unassign("DEMO-US")
    return url


def end_to_end(count: int, repeat: int) -> float:
    with tempfile.TemporaryDirectory() as folder:
        set_up = time.perf_counter()
        url = _desk_database(Path(folder), count)
        print(f"2. {count:,} paper accounts mapped to GTAA by account_mappings (set-up "
              f"{time.perf_counter() - set_up:.1f} s), best of {repeat}:")
        trimtab = bootstrap.build(Settings(database_url=url, paper_start=START))
        lines: list[BatchLine] = []

        def in_process() -> None:
            lines[:] = asyncio.run(trimtab.plan_batch(Selection(every=True))).lines

        facade_seconds = _best(repeat, in_process)
        planned = len([line for line in lines if line.plan is not None])
        environment = {key: value for key, value in os.environ.items() if not key.startswith("TRIMTAB_")}
        environment.update({"TRIMTAB_DATABASE_URL": url, "TRIMTAB_PAPER_START": START.isoformat(),
                            "COLUMNS": "200"})
        command = [sys.executable, "-m", "trimtab.entrypoints.cli", "plan", "--all"]

        def cli() -> None:
            subprocess.run(command, capture_output=True, cwd=ROOT, env=environment, check=True)  # noqa: S603

        cli_times = _times(repeat, cli)
        cli_seconds = statistics.median(cli_times)
        print(f"   facade plan_batch(--all)   {facade_seconds:7.3f} s  ({planned:,} planned; read + plan + lines)")
        print(f"   trimtab plan --all         {min(cli_times):7.3f} s  (a new process: start-up, database, table)")
        print(f"   trimtab plan --all, median {cli_seconds:7.3f} s  (of {repeat}: "
              + ", ".join(f"{seconds:.2f}" for seconds in cli_times) + ")")
        return cli_seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--accounts", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--quick", action="store_true")
    arguments = parser.parse_args()
    count, repeat = (50, 1) if arguments.quick else (arguments.accounts, arguments.repeat)
    same = kernel(count, repeat)
    seconds = end_to_end(count, repeat)
    verdict = "within" if seconds <= TARGET_SECONDS else "ABOVE"
    print(f"one command for {count:,} accounts: {seconds:.3f} s (median), {verdict} the {TARGET_SECONDS:g} s target")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
