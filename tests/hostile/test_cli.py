"""Hostile input through the real command line (child processes): `plan` on a curated sample of damaged
files and options, a bug, solver output and `--json`. Each must end with its exit code and exactly one
short line on stderr, never a traceback."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.hostile import documents
from tests.hostile.cli import ROOT, Command, assert_one_line, run_many
from tests.hostile.test_documents import BOMB

EXAMPLES = ROOT / "examples"
KR_MODEL = documents.render(documents.two_level_model())


def _snapshot(path: tuple[object, ...], value: str) -> str:
    return documents.render(documents.replace_leaf(documents.korean_snapshot(), path, documents.Number(value)))


# name: (model file name and text, snapshot text, extra options, parts of the error line). The in-process
# layer covers every case and more; this sample proves the command line adds no traceback of its own.
PLAN_CASES: dict[str, tuple[tuple[str, str | bytes], str, tuple[str, ...], tuple[str, ...]]] = {
    "deep-yaml": (("m.yaml", "models: " + "[" * 2_000 + "]" * 2_000), "", (), ("nested more than 64",)),
    "control-in-comment": (("m.yaml", "# note \x07\n" + KR_MODEL), "", (), ("line 1, column 8", "U+0007")),
    "alias-bomb": (("m.yaml", BOMB), "", (), ("once aliases are expanded",)),
    "nul-in-ticker": (("m.json", KR_MODEL.replace('"069500"', '"0695\\u000000"')), "", (),
                      ("U+0000", "holdings")),
    "lot-1e-17": (("m.yaml", KR_MODEL), _snapshot(("holdings", 0, "lot_size"), "1e-17"), (),
                  ("field 'lot_size'", "1e-17")),
    "decimal-comma": (("m.yaml", KR_MODEL.replace('"35"', '"34,9"')), "", (), ("'34,9'", "groups of three")),
    "echo-of-a-huge-name": (("m.json", json.dumps({"models": {"M" * 200_000: {}}})), "", (),
                            ("longer than 64",)),
    "time-limit-negative": (("m.yaml", KR_MODEL), "", ("--method", "exact", "--exact-time-limit", "-1"),
                            ("exact-time-limit",)),
}


@pytest.fixture(scope="module")
def cli_results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, subprocess.CompletedProcess[str]]:
    commands = {}
    for name, ((model_name, model_text), snapshot_text, options, _) in PLAN_CASES.items():
        folder = tmp_path_factory.mktemp(name)
        model = folder / model_name
        if isinstance(model_text, bytes):
            model.write_bytes(model_text)
        else:
            model.write_text(model_text, encoding="utf-8")
        snapshot = folder / ("s.json" if snapshot_text.startswith("{") else "s.yaml")
        snapshot.write_text(snapshot_text or documents.render(documents.korean_snapshot()), encoding="utf-8")
        commands[name] = Command(("plan", "--model", str(model), "--snapshot", str(snapshot), "--json", *options))
    commands["exact-json"] = Command(("plan", "--model", str(EXAMPLES / "models.yaml"), "--model-name",
                                      "KR-ALLWEATHER", "--snapshot", str(EXAMPLES / "snapshot-kr.yaml"),
                                      "--method", "exact", "--json"))
    commands["unreachable-database"] = Command(("models", "list"),
                                               {"TRIMTAB_DATABASE_URL": "postgresql://nobody@127.0.0.1:9/x"})
    commands["bug"] = Command((), {"XDG_STATE_HOME": str(tmp_path_factory.mktemp("state"))}, code=BUGGY_PLAN)
    return run_many(commands)


BUGGY_PLAN = """\
import sys, trimtab.application.file_plans as f
def broken(*args, **kwargs):
    return {}["missing"]
f.FilePlans.plan = broken
from trimtab.entrypoints.cli.main import run
sys.argv = ["trimtab", "plan", "--model", "m.yaml", "--snapshot", "s.yaml"]
run()
"""


@pytest.mark.parametrize("case", sorted(PLAN_CASES))
def test_cli_plan_hostile_input_exits_2_with_one_line(cli_results: dict[str, subprocess.CompletedProcess[str]],
                                                      case: str) -> None:
    result = cli_results[case]
    assert_one_line(result, 2, "error: ", *PLAN_CASES[case][3])
    assert result.stdout == ""


def test_cli_plan_exact_json_stdout_is_json_only(cli_results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = cli_results["exact-json"]
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["method"] == "exact"


def test_cli_bug_exits_70_with_one_line_and_a_traceback_file(
        cli_results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    result = cli_results["bug"]
    line = assert_one_line(result, 70, "internal error: KeyError (a bug in trimtab; traceback written to ")
    crash = Path(line.split("traceback written to ", 1)[1].rstrip(")"))
    assert crash.parent.name == "crashes"
    assert "in broken" in crash.read_text(encoding="utf-8")


def test_cli_unreachable_database_exits_3_with_one_line(
        cli_results: dict[str, subprocess.CompletedProcess[str]]) -> None:
    assert_one_line(cli_results["unreachable-database"], 3, "error: ", "127.0.0.1:9")
