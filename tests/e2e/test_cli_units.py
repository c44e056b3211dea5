"""The user's units and habits through the real command line: percent in, percent out; errors in the user's
option names and units; hints for unknown ids; --json on list and show commands; --version."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.e2e.cli_process import run_cli, run_ok

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
START = "2026-11-23T00:30:00+00:00"  # 09:30 in Seoul, a KRX session
PLAN = ("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name", "GTAA", "--snapshot",
        str(EXAMPLES / "snapshot-gtaa.json"))


def _trimtab(database: str, *args: str) -> subprocess.CompletedProcess[str]:
    return run_cli(database, START, *args)


def _ok(database: str, *args: str) -> str:
    return run_ok(database, START, *args)


def _refused(database: str, *args: str) -> str:
    """The one error line of a command that must exit 2."""
    result = _trimtab(database, *args)
    assert result.returncode == 2, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> str:
    database = f"sqlite:///{tmp_path_factory.mktemp('units') / 'trimtab.db'}"
    _ok(database, "init", "--demo")
    return database


@pytest.mark.parametrize("written", ["3.5", "3.5%", "3.5 %", "3.5 pp", "3.5pp"])
def test_bands_set_reads_percent_in_every_form_and_shows_it_back_in_percent(demo: str, written: str) -> None:
    shown = _ok(demo, "bands", "set", "DEMO-KR", "--class-band", written, "--ticker-band", written,
                "--relative-band", written, "--cash-buffer", written)
    assert "class band 3.5 pp, ticker band 3.5 pp, relative band 3.5%, cash buffer 3.5%" in shown
    assert "class band 3.5 pp" in _ok(demo, "bands", "show", "DEMO-KR")


def test_bands_show_prints_percentage_points_not_fractions(demo: str) -> None:
    shown = _ok(demo, "bands", "show", "DEMO-US")
    assert "class band 3 pp, ticker band 5 pp, relative band none, cash buffer 1%" in shown
    assert "0.03" not in shown


def test_plan_reads_percent_in_every_form(demo: str) -> None:
    plain = json.loads(_ok(demo, *PLAN, "--json", "--class-band", "2", "--ticker-band", "4", "--cash-buffer", "1.5",
                           "--relative-band", "20"))
    for suffix in ("%", " %", " pp", "pp"):
        written = json.loads(_ok(demo, *PLAN, "--json", "--class-band", f"2{suffix}", "--ticker-band", f"4{suffix}",
                                 "--cash-buffer", f"1.5{suffix}", "--relative-band", f"20{suffix}"))
        assert written == plain, suffix


@pytest.mark.parametrize(("args", "line"), [
    (("--class-band", "300"), "error: --class-band 300: must be between 0 and 100 (percent)"),
    (("--ticker-band", "101 pp"), "error: --ticker-band '101 pp': must be between 0 and 100 (percent)"),
    (("--relative-band", "-1%"), "error: --relative-band -1%: must be between 0 and 100 (percent)"),
    (("--cash-buffer", "60"), "error: --cash-buffer 60: must be between 0 and 50 (percent)"),
    (("--ticks", "-1"), "error: --ticks -1: must be a whole number from 0 to 50"),
    (("--ticks", "51"), "error: --ticks 51: must be a whole number from 0 to 50"),
    (("--class-band", "lots"), "error: --class-band lots: expected a number"),
    (("--class-band", "3 pp pp"), "error: --class-band '3 pp pp': expected a number"),
    (("--min-trade", "-3"), "error: --min-trade -3: out of range: must be at least 0"),
])
def test_bad_settings_are_named_by_their_option_and_the_value_as_typed(demo: str, args: tuple[str, str],
                                                                       line: str) -> None:
    before = _ok(demo, "bands", "show", "DEMO-KR")
    for command in (("bands", "set", "DEMO-KR"), PLAN):
        refused = _refused(demo, *command, *args)
        assert refused.startswith(line), (command, refused)
        assert "_" not in refused.split(":")[0]  # no internal field name (class_band, price_ticks)
    assert _ok(demo, "bands", "show", "DEMO-KR") == before  # nothing was stored


def test_other_bad_options_and_arguments_are_named_as_typed(demo: str) -> None:
    assert _refused(demo, "rebalance", "DEMO-KR", "--env", "sandbox") == "error: --env sandbox: choose virtual or real"
    assert _refused(demo, "accounts", "deposit", "DEMO-KR", "1,5").startswith("error: AMOUNT 1,5: separators only")
    assert _refused(demo, *PLAN, "--method", "exact", "--exact-time-limit", "-1").startswith(
        "error: --exact-time-limit -1: must be above 0")


@pytest.mark.parametrize("args", [("bands", "show", "DEMO-K"), ("bands", "set", "DEMO-K", "--ticks", "2"),
                                  ("runs", "list", "--account", "DEMO-K"), ("holdings", "DEMO-K"),
                                  ("assign", "DEMO-K", "GTAA"), ("unassign", "DEMO-K"), ("rebalance", "DEMO-K"),
                                  ("accounts", "remove", "DEMO-K"), ("accounts", "deposit", "DEMO-K", "5")])
def test_a_mistyped_account_gets_the_close_ids(demo: str, args: tuple[str, ...]) -> None:
    assert _refused(demo, *args) == ("error: unknown account 'DEMO-K' \u2014 did you mean DEMO-KR? "
                                     "(`trimtab accounts` lists them)")


def test_unknown_ids_get_a_hint(demo: str) -> None:
    assert _refused(demo, "bands", "show", "NOPE") == "error: unknown account 'NOPE' \u2014 known: DEMO-KR, DEMO-US"
    assert _refused(demo, "assign", "DEMO-KR", "GTA").startswith(
        "error: unknown model 'GTA' \u2014 did you mean GTAA? (`trimtab models list` lists them)")
    assert _refused(demo, "assign", "DEMO-KR", "GTAA", "--version", "9") == (
        "error: unknown version '9' of model GTAA \u2014 known: 1")
    assert _refused(demo, "runs", "show", "zzzzzz").startswith("error: unknown run 'zzzzzz' \u2014 ")


def test_list_and_show_commands_print_json(demo: str) -> None:
    for args in (("accounts", "--json"), ("accounts", "list", "--json")):
        accounts = json.loads(_ok(demo, *args))["accounts"]
        us = next(account for account in accounts if account["account_id"] == "DEMO-US")
        assert {key: us[key] for key in ("currency", "broker", "model", "pinned_version", "active_run")} == {
            "currency": "USD", "broker": "paper", "model": "GTAA", "pinned_version": None, "active_run": None}
    models = json.loads(_ok(demo, "models", "list", "--json"))["models"]
    assert {(m["name"], m["version"]) for m in models} == {("GTAA", "1"), ("KR-ALLWEATHER", "1")}
    assert {"label", "description", "created_at"} <= set(models[0])
    bands = json.loads(_ok(demo, "bands", "show", "DEMO-US", "--json"))
    assert bands == {"account_id": "DEMO-US", "class_band": "0.03", "ticker_band": "0.05", "relative_band": None,
                     "cash_buffer": "0.01", "minimum_trade_value": "0", "price_ticks": 1, "confirm_days": 1,
                     "split_days": 1}
    dry = _ok(demo, "rebalance", "DEMO-US")
    (run,) = json.loads(_ok(demo, "runs", "list", "--account", "DEMO-US", "--json"))["runs"]
    assert run["run_id"] in dry
    assert (run["account_id"], run["model"], run["status"], run["execute"]) == ("DEMO-US", "GTAA", "dry_run", False)
    shown = json.loads(_ok(demo, "runs", "show", run["run_id"], "--json"))
    assert {key: shown[key] for key in run if key != "order_count"} == {k: v for k, v in run.items()
                                                                         if k != "order_count"}
    assert run["order_count"] == len(shown["orders"])
