"""Lines and tables written as rich prints them to a file or a pipe, without importing rich.

`trimtab plan` prints a few lines and up to four tables. Importing rich and laying the tables out took a
quarter of the command's CPU (benchmarks/cli_bench.py). Where rich would print without styles (the output is not
a terminal, FORCE_COLOR and TTY_COMPATIBLE unset, UTF-8), this module writes the same characters: rich's
HEAVY_HEAD box, its column widths (a table wider than the console shrinks its widest columns first), its word
wrapping and justification, and its markup tags removed. Anything it does not reproduce exactly raises
:class:`Unsupported` (a word longer than its column, which rich folds or cuts; text rich could read as markup or
as an emoji code; a character whose width it does not know), and the caller prints through rich instead.
tests/unit/test_plain_text.py compares the two, character for character, on generated lines and tables.
"""

from __future__ import annotations

import builtins
import os
import re
import sys
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence

Justify = Literal["left", "right"]

# Rich's markup tags this module knows (the views' own); any other "[" is left to rich.
TAG = re.compile(r"\[(/|bold|bold yellow|green|red|yellow)\]")
EMOJI_LIKE = re.compile(r":\S*:")  # rich replaces :name: by an emoji when it knows the name
WORD = re.compile(r"\s*\S+\s*")  # rich._wrap's words: a word and the spaces around it
TRAILING_SPACE = re.compile(r"\s+$")
# Characters of one cell (rich's own list) and of two (Hangul, CJK ideographs, full-width forms), as rich measures
# them in every Unicode version it ships (tested); any other is left to rich.
SINGLE = ((0x20, 0x7E), (0xA0, 0xAC), (0xAE, 0x2FF), (0x370, 0x482), (0x2500, 0x25FC), (0x2800, 0x28FF))
DOUBLE = ((0x1100, 0x1159), (0x4E00, 0x9FA5), (0xAC00, 0xD7A3), (0xFF01, 0xFF60))
WIDTHS: dict[str, int] = {}  # each character's width, once found
PIPE_WIDTH = 160  # the console's width when the output is not a terminal (cli.common.console)


class Unsupported(Exception):
    """Text this module cannot lay out exactly as rich would."""


class TextTable:
    """A table as ``rich.table.Table(title=..., title_justify="left")`` makes it: columns, then rows of text
    (which may hold the views' markup tags)."""

    __slots__ = ("columns", "rows", "title")

    def __init__(self, title: str, columns: Sequence[tuple[str, Justify]]) -> None:
        self.title, self.columns = title, tuple(columns)
        self.rows: list[tuple[str, ...]] = []

    def add_row(self, *cells: str) -> None:
        """Add one row (one text per column)."""
        self.rows.append(cells)


Block = str | TextTable


def plain_width() -> int | None:
    """The console width at which rich would print standard output without styles (not a terminal), or None
    where rich must print (a terminal, colours forced, an encoding other than UTF-8, a notebook)."""
    out = sys.stdout
    try:
        terminal = out.isatty()
    except (AttributeError, ValueError):
        return None
    encoding = (getattr(out, "encoding", "utf-8") or "utf-8").lower()
    if (terminal or not encoding.startswith("utf") or sys.platform == "win32" or "FORCE_COLOR" in os.environ
            or "TTY_COMPATIBLE" in os.environ or hasattr(builtins, "get_ipython")):
        return None
    return PIPE_WIDTH


def render(blocks: Iterable[Block], width: int) -> str:
    """The text rich's ``Console(width=width).print(block)`` writes for each block, without styles."""
    lines: list[str] = []
    for block in blocks:
        lines.extend(_wrap(_plain(block), width, "default") if isinstance(block, str) else _table(block, width))
    return "".join(line + "\n" for line in lines)


def cell_len(text: str) -> int:
    """Cells the text takes on a terminal, as rich counts them."""
    if text.isascii():
        if not text.isprintable():
            raise Unsupported("a control character")
        return len(text)
    total = 0
    for character in text:
        width = WIDTHS.get(character)
        if width is None:
            width = WIDTHS[character] = _width(character)
        total += width
    return total


def _width(character: str) -> int:
    code = ord(character)
    if any(low <= code <= high for low, high in SINGLE):
        return 1
    if any(low <= code <= high for low, high in DOUBLE):
        return 2
    raise Unsupported(f"the width of U+{code:04X}")


def _plain(markup: str) -> str:
    """The text of a markup string, as rich renders it without styles."""
    parts, depth, position = [], 0, 0
    for tag in TAG.finditer(markup):
        parts.append(markup[position:tag.start()])
        position = tag.end()
        if tag.group(1) == "/":
            if not depth:
                raise Unsupported("a closing tag with nothing to close")  # rich raises MarkupError
            depth -= 1
        else:
            depth += 1
    parts.append(markup[position:])
    text = "".join(parts)
    if "[" in text or "\\" in markup or EMOJI_LIKE.search(text):
        raise Unsupported("text rich may read as markup or emoji")
    return text


def _wrap(text: str, width: int, justify: Justify | Literal["default"]) -> list[str]:
    """Rich's Text.wrap of one line of text: split at spaces to fit, then justified (left and right pad to the
    width, default does not)."""
    if "\n" in text or "\r" in text:
        raise Unsupported("a line break")
    lines = []
    start = 0
    for offset in _divide(text, width):
        lines.append(text[start:offset])
        start = offset
    lines.append(text[start:])
    justified = []
    for line in lines:
        if len(line) > width:  # rich's rstrip_end: trailing spaces beyond the width, counted in characters
            space = TRAILING_SPACE.search(line)
            if space is not None:
                line = line[:len(line) - min(len(space.group(0)), len(line) - width)]
        if justify == "right":
            line = line.rstrip()
        cells = cell_len(line)
        if cells > width:
            raise Unsupported("a line rich would cut")
        justified.append(line + " " * (width - cells) if justify == "left" else
                         " " * (width - cells) + line if justify == "right" else line)
    return justified


def _divide(text: str, width: int) -> list[int]:
    """Rich's divide_line without folding: where the lines break (a word longer than the width is left to rich)."""
    breaks: list[int] = []
    offset = 0
    for word in WORD.finditer(text):
        start, piece = word.start(), word.group(0)
        length = cell_len(piece.rstrip())
        if width - offset >= length:
            offset += cell_len(piece)
        elif length > width:
            raise Unsupported("a word longer than the width")
        elif offset and start:
            breaks.append(start)
            offset = cell_len(piece)
    return breaks


def _table(table: TextTable, width: int) -> list[str]:
    """Rich's Table with its default box (HEAVY_HEAD), padding (one space each side) and edges."""
    headers = [header for header, _ in table.columns]
    justify = [how for _, how in table.columns]
    if any(len(row) != len(headers) for row in table.rows):
        raise Unsupported("a row of another length")
    columns = [[_plain(header), *(_plain(row[index]) for row in table.rows)] for index, header in enumerate(headers)]
    extra = 2 + len(headers) - 1
    widths = _widths(columns, width - extra)
    if min(widths) < 3 or sum(widths) + extra > width:
        raise Unsupported("columns too narrow")
    table_width = sum(widths) + extra
    out = _wrap(_plain(table.title), table_width, "left") if table.title else []
    out.append("┏" + "┳".join("━" * size for size in widths) + "┓")
    for row_index in range(len(table.rows) + 1):
        cells = [_wrap(column[row_index], size - 2, how) for column, size, how in zip(columns, widths, justify,
                                                                                     strict=True)]
        height = max(len(cell) for cell in cells)
        for cell, size in zip(cells, widths, strict=True):
            blank = [" " * (size - 2)] * (height - len(cell))
            cell[:] = blank + cell if row_index == 0 else cell + blank  # a header sits at the bottom
        edge, divider = ("┃", "┃") if row_index == 0 else ("│", "│")
        out.extend(edge + divider.join(f" {cell[line]} " for cell in cells) + edge for line in range(height))
        if row_index == 0:
            out.append("┡" + "╇".join("━" * size for size in widths) + "┩")
    out.append("└" + "┴".join("─" * size for size in widths) + "┘")
    return out


def _widths(columns: list[list[str]], max_width: int) -> list[int]:
    """Rich's column widths: each column as wide as its widest text (plus padding); the widest columns narrowed
    first while the table is too wide, then all of them evenly."""
    if max_width < 3:
        raise Unsupported("no room for a column")
    widths = [min(max(min(cell_len(text), max_width) for text in texts) + 2, max_width) for texts in columns]
    if sum(widths) > max_width:
        widths = _collapse(widths, max_width)
        if sum(widths) > max_width:
            widths = _ratio_reduce(sum(widths) - max_width, [1] * len(widths), widths, widths)
    return widths


def _collapse(widths: list[int], max_width: int) -> list[int]:
    """Rich's Table._collapse_widths (every column may wrap)."""
    total = sum(widths)
    excess = total - max_width
    while total and excess > 0:
        widest = max(widths)
        second = max(width if width != widest else 0 for width in widths)
        ratios = [1 if width == widest else 0 for width in widths]
        if not widest - second:
            break
        widths = _ratio_reduce(excess, ratios, [min(excess, widest - second)] * len(widths), widths)
        total = sum(widths)
        excess = total - max_width
    return widths


def _ratio_reduce(total: int, ratios: list[int], maximums: list[int], values: list[int]) -> list[int]:
    """Rich's _ratio.ratio_reduce."""
    ratios = [ratio if maximum else 0 for ratio, maximum in zip(ratios, maximums, strict=True)]
    total_ratio = sum(ratios)
    if not total_ratio:
        return values[:]
    remaining = total
    result = []
    for ratio, maximum, value in zip(ratios, maximums, values, strict=True):
        if ratio and total_ratio > 0:
            distributed = min(maximum, round(ratio * remaining / total_ratio))
            result.append(value - distributed)
            remaining -= distributed
            total_ratio -= ratio
        else:
            result.append(value)
    return result
