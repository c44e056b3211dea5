"""Read YAML and JSON documents exactly and safely: numbers stay text, duplicate keys are refused.

Numbers are returned as their original text so that callers build ``Decimal`` values from text, never
through a float: ``33.34`` stays ``"33.34"`` and the Korean code ``069500`` (or ``000660``, which YAML 1.1
would read as an octal integer) stays as written. Dates and timestamps stay text too. Booleans and null
keep their usual YAML meaning.

Hostile files are refused with one line, in bounded time and memory:

* a file larger than ``MAX_FILE_BYTES`` or empty; text that is not UTF-8 (a leading BOM is accepted);
* nesting deeper than ``MAX_DEPTH`` (the YAML composer and ``json`` recurse: ~1,000 levels would end
  in a RecursionError);
* a YAML document whose aliases would expand to more than ``MAX_NODES`` nodes. PyYAML shares an
  aliased node rather than copying it, so a 330-byte "billion laughs" loads quickly, but anything that
  walks or prints the result (an error message showing the value) expands it exponentially. PyYAML has no
  limit of its own; :class:`StrictLoader` counts, while composing, the size each node would have once
  expanded and stops at the limit. Anchors stay usable for ordinary reuse;
* control characters anywhere in a YAML file (the YAML reader refuses them; we report line and column);
* duplicate keys (a silent last-wins would accept a value the user did not mean), NaN and Infinity.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.reader import Reader
from yaml.resolver import Resolver

from trimtab.domain.errors import InvalidInput, excerpt

YAML_SUFFIXES = frozenset({".yaml", ".yml"})
JSON_SUFFIXES = frozenset({".json"})
MAX_FILE_BYTES = 10 * 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000
_MERGE_TAG = "tag:yaml.org,2002:merge"
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*"|[\[\]{}]', re.DOTALL)
_NON_PRINTABLE = Reader.NON_PRINTABLE  # what PyYAML's reader refuses
_LIBYAML_DIFFERS = re.compile("[\t\r\x85\xa0\ufeff\u2028\u2029]|[|>][-+0-9]*#")


class _StrictRules(Composer, SafeConstructor):
    """What both loaders add to YAML: duplicate keys, deep nesting and alias bombs refused, numbers kept as text."""

    name: str
    _depth: int
    _sizes: dict[Node, int]

    if TYPE_CHECKING:  # the parser's, which each loader has
        def check_event(self, *choices: Any) -> bool: ...

        def peek_event(self) -> Any: ...

    def _start(self, name: str) -> None:
        self.name = name
        self._depth = 0
        self._sizes = {}

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        if self.check_event(yaml.AliasEvent):
            alias = super().compose_node(parent, index)
            if alias is None or alias not in self._sizes:  # still being composed: inside its own anchor
                raise InvalidInput("an alias refers to its own anchor (a recursive structure)",
                                   where=self._at(alias))
            return alias
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise InvalidInput(f"nested more than {MAX_DEPTH} levels deep",
                                   where=self._at(self.peek_event()))
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if node is not None:
            self._sizes[node] = self._expanded_size(node)
        return node

    def _expanded_size(self, node: Node) -> int:
        """1 + the expanded sizes of the children: an alias counts as the whole of what it repeats."""
        size = 1
        if isinstance(node, SequenceNode):
            size += sum(self._sizes[child] for child in node.value)
        elif isinstance(node, MappingNode):
            size += sum(self._sizes[key] + self._sizes[value] for key, value in node.value)
        if size > MAX_NODES:
            raise InvalidInput(f"more than {MAX_NODES:,} values once aliases are expanded", where=self._at(node))
        return size

    def _at(self, item: Node | yaml.Event | None) -> str:
        mark = None if item is None else item.start_mark
        return self.name if mark is None else f"{self.name}, line {mark.line + 1}, column {mark.column + 1}"

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> dict[object, object]:
        self._refuse_duplicate_keys(node)
        return dict(super().construct_mapping(node, deep=deep))

    def _refuse_duplicate_keys(self, node: MappingNode) -> None:
        first_line: dict[object, int] = {}
        for key_node, _ in node.value:
            if key_node.tag == _MERGE_TAG:
                continue
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            try:
                seen = key in first_line
            except TypeError:
                raise InvalidInput("a mapping key must be a plain value, not a list or a mapping",
                                   where=f"{self.name}, line {line}", field="key", value=key) from None
            if seen:
                raise InvalidInput(f"duplicate key {excerpt(key)} (first on line {first_line[key]})",
                                   where=f"{self.name}, line {line}", field=str(key), value=key)
            first_line[key] = line


class StrictLoader(_StrictRules, yaml.SafeLoader):
    """SafeLoader with the strict rules: PyYAML's own reader, scanner and parser, whose errors are the ones
    reported (line, column and problem)."""

    def __init__(self, stream: str, name: str = "<string>") -> None:
        super().__init__(stream)
        self._start(name)

    def construct_as_text(self, node: ScalarNode) -> str:
        """Return a scalar exactly as written in the file."""
        return self.construct_scalar(node)


for _tag in ("int", "float", "timestamp"):
    StrictLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", StrictLoader.construct_as_text)

if yaml.__with_libyaml__:  # PyYAML's wheels are built with libyaml; without it StrictLoader reads every document
    from yaml._yaml import CParser

    class _FastStrictLoader(_StrictRules, Resolver, CParser):
        """The strict rules over libyaml's scanner and parser (about 8x faster than PyYAML's own), for text
        that parses: the same composer and constructors build the same values."""

        yaml_constructors = StrictLoader.yaml_constructors  # numbers, dates and times kept as text

        def __init__(self, stream: str) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            SafeConstructor.__init__(self)
            Resolver.__init__(self)
            self._start("<string>")


def fast_path_may_read(text: str) -> bool:
    """Whether libyaml may read the text first. Not text PyYAML's reader refuses (control characters), nor
    text with what libyaml accepts where PyYAML refuses it (found by tests/hostile/test_yaml_fast_path.py):
    tabs (``a\t``), CR, NEL, LS and PS line breaks, no-break spaces, a BOM inside the text, and a block
    scalar's header followed by ``#`` (``|#``). Such text is read by PyYAML alone, as before."""
    return yaml.__with_libyaml__ and _LIBYAML_DIFFERS.search(text) is None and _NON_PRINTABLE.search(text) is None


def _fast_parse(text: str) -> object:
    """The document read by _FastStrictLoader; any problem is an exception (the caller reads the text again
    with StrictLoader, whose errors are the ones reported)."""
    loader = _FastStrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_text(path: Path) -> str:
    """Read a UTF-8 file (a leading BOM is dropped); missing, unreadable, empty or huge is InvalidInput."""
    try:
        if not path.is_file():
            raise InvalidInput("file not found", where=str(path), field="path", value=str(path))
        if path.stat().st_size > MAX_FILE_BYTES:
            raise InvalidInput(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB", where=str(path),
                               field="size", value=path.stat().st_size)
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"not UTF-8 text ({exc.reason} at byte {exc.start})", where=str(path),
                           field="encoding", value="utf-8") from None
    except OSError as exc:
        raise InvalidInput(f"cannot read the file ({exc.strerror or type(exc).__name__})", where=str(path),
                           field="path", value=str(path)) from None
    if not text.strip():
        raise InvalidInput("the file is empty", where=str(path))
    return text


def parse_yaml(text: str, *, name: str = "<string>") -> object:
    """Parse one YAML document with :class:`StrictLoader`; every problem becomes InvalidInput."""
    if fast_path_may_read(text):
        try:
            return _fast_parse(text)
        except Exception:  # noqa: S110 - read again below, where the problem is described
            pass
    loader: StrictLoader | None = None
    try:
        loader = StrictLoader(text, name)  # the reader checks every character here
        return loader.get_single_data()
    except yaml.reader.ReaderError as exc:
        raise InvalidInput(f"not valid YAML: character U+{_code_point(exc.character):04X} is not allowed "
                           "(control characters are refused, even in comments)",
                           where=_text_position(text, name, exc.position)) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{name}, line {mark.line + 1}, column {mark.column + 1}" if mark else name
        problem = " ".join(part for part in (exc.context, exc.problem) if part)
        raise InvalidInput(f"not valid YAML: {problem}", where=where) from None
    except yaml.YAMLError as exc:
        raise InvalidInput(f"not valid YAML: {type(exc).__name__}", where=name) from None
    finally:
        if loader is not None:
            loader.dispose()


def _code_point(character: object) -> int:
    if isinstance(character, bytes):
        return character[0] if character else 0
    return character if isinstance(character, int) else ord(str(character)[:1] or "\0")


def _text_position(text: str, name: str, position: int) -> str:
    line = text.count("\n", 0, position) + 1
    column = position - text.rfind("\n", 0, position)
    return f"{name}, line {line}, column {column}"


class _JsonProblem(Exception):
    def __init__(self, message: str, field: str, value: str) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.value = value


def _json_pairs(pairs: list[tuple[str, object]]) -> dict[str, object]:
    result: dict[str, object] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonProblem(f"duplicate key {excerpt(key)}", key, key)
        result[key] = value
    return result


def _json_constant(text: str) -> object:
    raise _JsonProblem("NaN and Infinity are not accepted", "number", text)


def _refuse_deep_json(text: str, name: str) -> None:
    """Refuse nesting deeper than MAX_DEPTH before ``json`` recurses into it (strings are skipped)."""
    depth = 0
    for token in _JSON_TOKENS.finditer(text):
        bracket = token.group()
        if bracket in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                raise InvalidInput(f"nested more than {MAX_DEPTH} levels deep",
                                   where=_text_position(text, name, token.start()))
        elif bracket in "]}":
            depth -= 1


def parse_json(text: str, *, name: str = "<string>") -> object:
    """Parse JSON keeping numbers as text and refusing duplicate keys, NaN and deep nesting."""
    import json  # here: reading YAML files needs none of it

    _refuse_deep_json(text, name)
    try:
        return json.loads(text, parse_float=str, parse_int=str, parse_constant=_json_constant,
                          object_pairs_hook=_json_pairs)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"not valid JSON: {exc.msg}", where=f"{name}, line {exc.lineno}, column {exc.colno}") \
            from None
    except _JsonProblem as exc:
        raise InvalidInput(exc.message, where=name, field=exc.field, value=exc.value) from None


def read_document(path: Path) -> object:
    """Read a .yaml/.yml or .json file into plain dicts, lists, text, booleans and None."""
    suffix = path.suffix.lower()
    if suffix not in YAML_SUFFIXES | JSON_SUFFIXES:
        raise InvalidInput("unsupported file type (use .yaml, .yml or .json)", where=str(path),
                           field="suffix", value=path.suffix)
    text = read_text(path)
    if suffix in JSON_SUFFIXES:
        return parse_json(text, name=str(path))
    return parse_yaml(text, name=str(path))
