"""plain_text writes what rich writes to a file or a pipe, character for character, or hands the block to rich."""

from __future__ import annotations

import datetime as dt
import io
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from rich._unicode_data import load
from rich._unicode_data._versions import VERSIONS
from rich.cells import get_character_cell_size
from rich.console import Console

from tests.fakes.builders import account, flat, krx
from trimtab.adapters.files.reader import FileReader
from trimtab.domain.planning import PlanSettings, plan_rebalance
from trimtab.entrypoints.cli import plain_text
from trimtab.entrypoints.cli.common import print_blocks, print_rich
from trimtab.entrypoints.cli.plain_text import DOUBLE, SINGLE, Justify, TextTable, Unsupported, plain_width, render
from trimtab.entrypoints.cli.plan_view import plan_blocks

ROOT = Path(__file__).resolve().parents[2]
JUSTIFY: tuple[Justify, ...] = ("left", "right")
WORDS = st.sampled_from(["a", "KODEX", "200", "+7.23", "pp", "삼성전자", "SK하이닉스", "(H)", "overweight", "ok",
                         "[red]x[/]", "[bold]", "x" * 30, "가" * 12, "-", "1,234,567", "KRW", "é"])
TEXTS = st.tuples(st.sampled_from(["", "", "  "]), st.lists(WORDS, max_size=12), st.booleans()).flatmap(
    lambda drawn: st.lists(st.sampled_from([" ", "  ", " "]), min_size=len(drawn[1]), max_size=len(drawn[1])).map(
        lambda spaces: drawn[0] + "".join(word + space for word, space in zip(drawn[1], spaces, strict=True))
        .rstrip(" " if drawn[2] else "")))


def _rich(blocks: list[plain_text.Block], width: int) -> str:
    out = io.StringIO()
    print_rich(blocks, Console(file=out, width=width, highlight=False, color_system=None, force_terminal=False))
    return out.getvalue()


def _same_or_unsupported(blocks: list[plain_text.Block], width: int) -> bool:
    try:
        text = render(blocks, width)
    except Unsupported:
        return False
    assert text == _rich(blocks, width)
    return True


@settings(max_examples=300, deadline=None)
@given(TEXTS, st.integers(min_value=5, max_value=90))
def test_a_line_is_wrapped_as_rich_wraps_it(text: str, width: int) -> None:
    _same_or_unsupported([text], width)


@st.composite
def tables(draw: st.DrawFn) -> TextTable:
    count = draw(st.integers(min_value=1, max_value=8))
    columns = [(draw(TEXTS.filter(lambda text: text != "" and "[" not in text)),
                draw(st.sampled_from(JUSTIFY)))
               for _ in range(count)]
    table = TextTable(draw(st.sampled_from(["", "Drift", "Orders (3)", "Asset classes of the model"])), columns)
    for _ in range(draw(st.integers(min_value=0, max_value=5))):
        table.add_row(*(draw(TEXTS) for _ in range(count)))
    return table


@settings(max_examples=300, deadline=None)
@given(tables(), st.integers(min_value=20, max_value=200))
def test_a_table_is_laid_out_as_rich_lays_it_out(table: TextTable, width: int) -> None:
    _same_or_unsupported([table], width)


def test_the_tables_cover_the_hard_cases() -> None:
    """Columns narrowed to fit, cells wrapped over lines, double-width text, a header only: all laid out here."""
    table = TextTable("Orders (2)", [("ticker", "left"), ("name", "left"), ("value", "right"), ("reason", "left")])
    table.add_row("005930", "삼성전자", "3,549,600", "overweight +7.50 pp overall, overweight +12.99 pp in class "
                                                     "EQUITY and more words to wrap the reason over lines")
    table.add_row("069500", "KODEX 200", "[red]3,435,215[/]", "")
    for width in (60, 80, 160):
        assert _same_or_unsupported([table, "  [green]ok[/] cash rule: fine", table], width)
    assert "\n│        │ " in render([table], 60)  # the reason column wrapped
    empty = TextTable("Trades not made", [("symbol", "left"), ("reason", "left"), ("detail", "left")])
    assert _same_or_unsupported([empty], 160)


@pytest.mark.parametrize(("model", "snapshot"), [("KR-ALLWEATHER", "snapshot-kr.yaml"), ("GTAA", "snapshot-gtaa.json")])
def test_the_examples_plans_print_without_rich_as_rich_prints_them(model: str, snapshot: str) -> None:
    files = FileReader()
    plan = plan_rebalance(files.load_model(ROOT / "examples" / "models.yaml", model),
                          files.load_snapshot(ROOT / "examples" / snapshot, dt.date(2026, 11, 30)), PlanSettings())
    assert _same_or_unsupported(plan_blocks(plan), 160)


@pytest.mark.parametrize("name", ["KODEX [H]", "gold :star:", "tab\there", "KODEX — gold"])
def test_text_rich_would_read_otherwise_is_printed_by_rich(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    plan = plan_rebalance(flat("M", {"069500": "100"}), account("1000000", {"069500": (krx("069500", name=name),
                                                                                       "10", "48960")}, {}),
                          PlanSettings())
    with pytest.raises(Unsupported):
        render(plan_blocks(plan), 160)
    print_blocks(plan_blocks(plan))
    assert capsys.readouterr().out == _rich(plan_blocks(plan), 160)


def test_the_known_widths_are_riches_in_every_unicode_version() -> None:
    for version in VERSIONS:
        load(version)
        for ranges, width in ((SINGLE, 1), (DOUBLE, 2)):
            for low, high in ranges:
                assert {get_character_cell_size(chr(code), version) for code in range(low, high + 1)} == {width}


class _Out(io.StringIO):
    def __init__(self, terminal: bool, encoding: str) -> None:
        super().__init__()
        self._terminal, self._encoding = terminal, encoding

    def isatty(self) -> bool:
        return self._terminal

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return self._encoding


@pytest.mark.parametrize(("terminal", "encoding", "environment", "width"), [
    (False, "utf-8", {}, 160), (True, "utf-8", {}, None), (False, "ascii", {}, None),
    (False, "utf-8", {"FORCE_COLOR": "1"}, None), (False, "utf-8", {"TTY_COMPATIBLE": "1"}, None)])
def test_plain_text_only_where_rich_prints_no_styles(terminal: bool, encoding: str, environment: dict[str, str],
                                                     width: int | None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    monkeypatch.delenv("TTY_COMPATIBLE", raising=False)
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr("sys.stdout", _Out(terminal, encoding))
    assert plain_width() == width


@pytest.mark.parametrize("options", [(), ("--withdraw", "5000000"), ("--force", "--method", "floor")])
def test_the_command_prints_into_a_pipe_what_rich_prints_there(options: tuple[str, ...], tmp_path: Path) -> None:
    """TTY_COMPATIBLE=0: rich prints (without styles, as into any pipe); unset: plain_text does."""
    examples = ROOT / "examples"
    command = [sys.executable, "-m", "trimtab.entrypoints.cli", "plan", "--model", str(examples / "models.yaml"),
               "--model-name", "KR-ALLWEATHER", "--snapshot", str(examples / "snapshot-kr.yaml"), *options]
    printed = []
    for extra in ({}, {"TTY_COMPATIBLE": "0"}):
        environment = {"PATH": "/usr/bin:/bin", "TRIMTAB_DATABASE_URL": f"sqlite:///{tmp_path / 't.db'}", **extra}
        done = subprocess.run(command, capture_output=True, text=True, env=environment, check=False,  # noqa: S603
                              timeout=120)
        assert done.returncode == 0, done.stderr
        printed.append(done.stdout)
    assert printed[0] == printed[1]
    assert "┏" in printed[0]
