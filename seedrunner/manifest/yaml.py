"""Read manifest YAML safely, keeping the position of every key and value.

Why not ``yaml.safe_load``: it silently keeps the last of two duplicate keys, turns
``no`` into ``False`` without a trace, and walks alias bombs until memory runs out.  Here
PyYAML only scans, parses and composes (with limits checked while composing); turning
nodes into Python values is done by this module, which records positions into a
:class:`SourceMap` and never dispatches on a tag outside the core schema, so no Python
object is ever constructed from ``!!python/...`` tags.

Accepted explicit tags: ``!!str !!int !!float !!bool !!null !!timestamp`` on scalars,
``!!seq`` on sequences, ``!!map`` on mappings (and ``!!merge`` for ``<<``).  Every other
tag is refused.  An alias (``*name``) yields a fresh copy of the anchored value; positions
under it point at the anchor's definition, where those values were written.

Problem codes: SR-E001 syntax, SR-E002 duplicate key, SR-E003 YAML 1.1 surprise in a key,
SR-E004 tag, SR-E005 resource limit, SR-E006 empty or wrongly shaped document.
"""

from __future__ import annotations

import datetime as dt
import pathlib
import re
from dataclasses import dataclass
from typing import Any

import yaml  # type: ignore[import-untyped,unused-ignore]
from yaml.constructor import SafeConstructor  # type: ignore[import-untyped,unused-ignore]
from yaml.events import (  # type: ignore[import-untyped,unused-ignore]
    AliasEvent,
    DocumentStartEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceStartEvent,
    StreamEndEvent,
)
from yaml.nodes import (  # type: ignore[import-untyped,unused-ignore]
    MappingNode,
    ScalarNode,
    SequenceNode,
)

from seedrunner.errors import ManifestError, Problem, SourceLocation
from seedrunner.manifest.source import Path, ScalarInfo, SourceMap, dotted

ALIAS_LIMIT = 100
DEPTH_LIMIT = 64
NODE_LIMIT = 1_000_000

_CORE = "tag:yaml.org,2002:"
MERGE_TAG = _CORE + "merge"
_VALUE_TAG = _CORE + "value"
SCALAR_TAGS = frozenset(_CORE + n for n in ("str", "int", "float", "bool", "null", "timestamp"))
_ALLOWED = {
    ScalarEvent: SCALAR_TAGS | {MERGE_TAG},
    SequenceStartEvent: frozenset({_CORE + "seq"}),
    MappingStartEvent: frozenset({_CORE + "map"}),
}
_KIND_WORD = {ScalarEvent: "a scalar", SequenceStartEvent: "a list", MappingStartEvent: "a mapping"}
_EMPTY_HINT = "a manifest needs at least:\n    version: 1\n    datasets:\n      users: {count: 10}"


@dataclass
class LoadedDocument:
    """A manifest as read: plain data plus where each part of it was written."""

    data: dict[str, Any]
    source: SourceMap
    file: str


class _Abort(Exception):
    """A problem after which reading on is unsafe or pointless (limits, syntax)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_CORE) :] if tag.startswith(_CORE) else tag


class _Loader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
    """Scanner, parser and composer with limits; builds values itself, never via tags."""

    def __init__(self, text: str, file: str) -> None:
        super().__init__(text)
        self._setup(text, file)

    def _setup(self, text: str, file: str) -> None:
        self.file = file
        self.problems: list[Problem] = []
        self._seen: set[tuple[str, SourceLocation]] = set()
        self._aliases = 0
        self._depth = 0
        self._open: set[str] = set()
        self._lines = text.splitlines()

    # -- problems ------------------------------------------------------------------

    def loc(self, mark: Any) -> SourceLocation:
        return SourceLocation(self.file, mark.line + 1, mark.column + 1)

    def add(self, message: str, mark: Any, code: str, hint: str | None, path: Path = ()) -> None:
        """Record a problem once, even when an aliased node is built several times."""
        loc = self.loc(mark)
        if (message, loc) not in self._seen:
            self._seen.add((message, loc))
            self.problems.append(Problem(message, loc, dotted(path), hint, code))

    def abort(self, message: str, mark: Any, code: str, hint: str | None = None) -> _Abort:
        return _Abort(Problem(message, self.loc(mark), "", hint, code))

    # -- composing -------------------------------------------------------------------

    def compose_single(self) -> Any:
        """The root node of the only document, or None for an empty stream."""
        self.get_event()  # type: ignore[no-untyped-call,unused-ignore]  # StreamStart
        if self.check_event(StreamEndEvent):
            return None
        root = self.compose_document()
        if not self.check_event(StreamEndEvent):
            mark = self.peek_event().start_mark  # type: ignore[no-untyped-call,unused-ignore]
            count = 1 + self._count_documents()
            raise self.abort(
                f"expected one YAML document, found {count} (second starts at line "
                f"{mark.line + 1})",
                mark,
                "SR-E006",
                "remove the '---' separator or split the file into two manifests",
            )
        return root

    def _count_documents(self) -> int:
        count = 0
        try:
            while not self.check_event(StreamEndEvent):
                if isinstance(self.get_event(), DocumentStartEvent):  # type: ignore[no-untyped-call,unused-ignore]
                    count += 1
        except yaml.YAMLError:
            pass  # a later document that does not even parse still counts as started
        return count

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()  # type: ignore[no-untyped-call,unused-ignore]
        if isinstance(event, AliasEvent):
            return self._compose_alias(event, parent, index)
        self._check_tag(event)
        collection = isinstance(event, SequenceStartEvent | MappingStartEvent)
        if collection and self._depth >= DEPTH_LIMIT:
            raise self.abort(
                f"nesting deeper than {DEPTH_LIMIT} levels", event.start_mark, "SR-E005"
            )
        anchor = event.anchor
        self._depth += collection
        if anchor is not None:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= collection
            self._open.discard(anchor)

    def _compose_alias(self, event: Any, parent: Any, index: Any) -> Any:
        self._aliases += 1
        if self._aliases > ALIAS_LIMIT:
            raise self.abort(
                f"too many aliases (limit {ALIAS_LIMIT})",
                event.start_mark,
                "SR-E005",
                "write the values out or use fewer '*name' references",
            )
        if event.anchor in self._open:
            raise self.abort(
                f"alias '*{event.anchor}' refers to a node that contains it",
                event.start_mark,
                "SR-E005",
                "a value cannot include itself",
            )
        return super().compose_node(parent, index)

    def _check_tag(self, event: Any) -> None:
        tag = event.tag
        if tag is None or tag == "!":
            return
        kind = type(event)
        if tag in _ALLOWED.get(kind, frozenset()):
            return
        if any(tag in allowed for allowed in _ALLOWED.values()):
            message = f"tag '{_short_tag(tag)}' cannot be used on {_KIND_WORD[kind]}"
            self.add(message, event.start_mark, "SR-E004", "remove the tag")
            return
        self.add(
            f"YAML tags are not allowed ('{_short_tag(tag)}'); "
            "use {{ env.NAME }} templates for environment values",
            event.start_mark,
            "SR-E004",
            "remove the tag; manifests hold plain data only",
        )

    # -- building values ---------------------------------------------------------------

    def value(self, node: Any, path: Path, sm: SourceMap) -> Any:
        sm.values[path] = self.loc(node.start_mark)
        if isinstance(node, ScalarNode):
            if node.style in ("|", ">"):
                sm.values[path] = self._block_start(node)
            sm.scalars[path] = ScalarInfo(node.value, node.tag, node.style is None)
            return self.scalar(node, path)
        if isinstance(node, SequenceNode):
            if node.tag != _CORE + "seq":
                return None  # refused tag, already reported
            return [self.value(item, (*path, i), sm) for i, item in enumerate(node.value)]
        if node.tag != _CORE + "map":
            return None
        return self.mapping(node, path, sm)

    def _block_start(self, node: Any) -> SourceLocation:
        """Where a ``|`` / ``>`` scalar's text begins (the line after the indicator).

        Template errors add their own line number to this, so line 3 of a block template
        is reported at the file line that holds it.
        """
        line = node.start_mark.line + 1
        while line < len(self._lines) and not self._lines[line].strip():
            line += 1
        if line >= len(self._lines) or line > node.end_mark.line:
            return self.loc(node.start_mark)
        text = self._lines[line]
        return SourceLocation(self.file, line + 1, len(text) - len(text.lstrip(" ")) + 1)

    def scalar(self, node: Any, path: Path) -> Any:
        tag = node.tag
        if tag in (MERGE_TAG, _VALUE_TAG):
            return node.value
        if tag not in SCALAR_TAGS:
            return None  # refused tag, already reported
        try:
            return SafeConstructor.yaml_constructors[tag](self, node)
        except Exception:  # any conversion failure of an explicitly tagged scalar
            self.add(
                f"cannot read {node.value!r} as {_short_tag(tag)}",
                node.start_mark,
                "SR-E004",
                "remove the tag or fix the value",
                path,
            )
            return None

    def mapping(self, node: Any, path: Path, sm: SourceMap) -> dict[str, Any]:
        out: dict[str, Any] = {}
        first: dict[str, Any] = {}
        merges: list[Any] = []
        for knode, vnode in node.value:
            if isinstance(knode, ScalarNode) and knode.tag == MERGE_TAG:
                merges.extend(self._merge_sources(vnode, path))
                continue
            key = self.key(knode, path)
            if key is None:
                continue
            kpath = (*path, key)
            if key in first:
                self.add(
                    f"duplicate key '{key}' (first defined at line {first[key].line + 1})",
                    knode.start_mark,
                    "SR-E002",
                    "remove or rename one",
                    kpath,
                )
            else:
                first[key] = knode.start_mark
            sm.keys[kpath] = self.loc(knode.start_mark)
            out[key] = self.value(vnode, kpath, sm)
        for source in merges:
            self._merge_into(out, source, path, sm)
        return out

    def _merge_sources(self, vnode: Any, path: Path) -> list[Any]:
        if isinstance(vnode, MappingNode):
            return [vnode]
        if isinstance(vnode, SequenceNode) and all(isinstance(n, MappingNode) for n in vnode.value):
            return list(vnode.value)
        self.add(
            "'<<' must be followed by a mapping or a list of mappings",
            vnode.start_mark,
            "SR-E006",
            "write '<<: *name' where '&name' marks a mapping",
            path,
        )
        return []

    def _merge_into(self, out: dict[str, Any], source: Any, path: Path, sm: SourceMap) -> None:
        """Add the keys of a merged mapping that are not already there (explicit keys win)."""
        sub = SourceMap(file=self.file)
        merged = self.mapping(source, (), sub)
        added = {k for k in merged if k not in out}
        for k in added:
            out[k] = merged[k]
        for src, dst in ((sub.keys, sm.keys), (sub.values, sm.values)):
            for p, loc in src.items():
                if p and p[0] in added:
                    dst[path + p] = loc
        for p, info in sub.scalars.items():
            if p and p[0] in added:
                sm.scalars[path + p] = info

    def key(self, knode: Any, path: Path) -> str | None:
        """The key as a string, or None after reporting why it is not one."""
        if not isinstance(knode, ScalarNode):
            kind = "a list" if isinstance(knode, SequenceNode) else "a mapping"
            self.add(
                f"mapping keys must be strings (found {kind})",
                knode.start_mark,
                "SR-E006",
                "use a plain name as the key",
                path,
            )
            return None
        value = self.scalar(knode, path)
        if isinstance(value, str):
            return value
        if knode.tag in SCALAR_TAGS:
            info = ScalarInfo(knode.value, knode.tag, knode.style is None)
            self.add(
                _key_message(info, value),
                knode.start_mark,
                "SR-E003",
                "YAML 1.1 reads unquoted yes/no/on/off, numbers and dates as non-strings; "
                "keys must be strings",
                path,
            )
        return None


# -- YAML 1.1 surprises -------------------------------------------------------------------


def _int_base(raw: str) -> str | None:
    text = raw.lstrip("+-").replace("_", "")
    if ":" in text:
        return "base 60"
    if text[:2].lower() == "0x":
        return "hexadecimal"
    if text[:2].lower() == "0b":
        return "binary"
    if len(text) > 1 and text.startswith("0"):
        return "octal"
    if "_" in raw:
        return "'_' ignored"
    return None


def describe_surprise(info: ScalarInfo, value: Any) -> str | None:
    """Why a plain scalar is not the string its author probably meant, or None.

    The schema stage calls this where a string is expected, so that ``zip: 012345`` is
    explained as octal 5349 rather than reported as "expected a string".  Ordinary
    ``true``/``false`` and plain decimal numbers are not surprises.
    """
    if not info.plain:
        return None
    raw = info.raw
    quote = f'; quote it: "{raw}"'
    if isinstance(value, bool):
        if raw.lower() in ("true", "false"):
            return None
        return f"was read as boolean {str(value).lower()} (YAML 1.1){quote}"
    if isinstance(value, int):
        base = _int_base(raw)
        return f"was read as integer {value} ({base}){quote}" if base else None
    if isinstance(value, float):
        if ":" in raw:
            return f"was read as number {value:g} (base 60){quote}"
        if repr(value) != raw.lstrip("+"):
            return f"was read as number {value!r}{quote}"
        return None
    if isinstance(value, dt.datetime):
        return f"was read as timestamp {value.isoformat()}{quote}"
    if isinstance(value, dt.date):
        return f"was read as date {value.isoformat()}{quote}"
    return None


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return f"boolean {str(value).lower()}"
    if isinstance(value, int):
        return "an integer"
    if isinstance(value, float):
        return "a number"
    if isinstance(value, dt.date):
        return "a date"
    return "null"


def _key_message(info: ScalarInfo, value: Any) -> str:
    if info.raw == "":
        return "empty key (read as null); write a name before ':'"
    surprise = describe_surprise(info, value)
    if surprise:
        return f"key '{info.raw}' {surprise}"
    return f'key {info.raw} was read as {_kind(value)}; quote it: "{info.raw}"'


# -- limits -------------------------------------------------------------------------------


def _children(node: Any) -> list[Any]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def _check_expansion(root: Any, loader: _Loader) -> None:
    """Refuse documents whose aliases expand too far, before building any value.

    Sizes and depths are memoised per node, so a billion-laughs document is measured in
    a few hundred steps.  The walk is iterative: alias chains may nest deeper than Python
    recursion allows.  Aliases cannot form cycles (refused while composing).
    """
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if id(node) in size:
            continue
        kids = _children(node)
        if not expanded:
            stack.append((node, True))
            stack.extend((k, False) for k in kids if id(k) not in size)
            continue
        size[id(node)] = 1 + sum(size[id(k)] for k in kids)
        collection = isinstance(node, SequenceNode | MappingNode)
        depth[id(node)] = collection + max((depth[id(k)] for k in kids), default=0)
        if size[id(node)] > NODE_LIMIT:
            raise loader.abort(
                f"document expands beyond {NODE_LIMIT:,} nodes", node.start_mark, "SR-E005"
            )
        if depth[id(node)] > DEPTH_LIMIT:
            raise loader.abort(
                f"nesting deeper than {DEPTH_LIMIT} levels", node.start_mark, "SR-E005"
            )


# -- entry points ---------------------------------------------------------------------------


def _syntax_problem(err: Any, file: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    loc = SourceLocation(file, mark.line + 1, mark.column + 1) if mark else None
    problem = str(err.problem or err.context or "invalid YAML")
    if "'\\t'" in problem:
        return Problem(
            "found a tab character; YAML indentation must use spaces",
            loc,
            hint="replace the tab with spaces",
            code="SR-E001",
        )
    context = err.context or ""
    if context.startswith("found duplicate anchor") and err.context_mark is not None:
        first = err.context_mark.line + 1
        name = context.split("'")[1] if "'" in context else ""
        problem = f"found duplicate anchor '{name}' (first at line {first})"
        context = ""
    hint = "check the indentation and brackets near this line"
    if context and err.context_mark is not None and err.context_mark is not mark:
        cm = err.context_mark
        hint = f"{context} (started at line {cm.line + 1}, column {cm.column + 1})"
    return Problem(f"YAML syntax error: {problem}", loc, hint=hint, code="SR-E001")


def _reader_problem(err: Any, text: str, file: str) -> Problem:
    before = text[: err.position]
    line = before.count("\n") + 1
    column = err.position - (before.rfind("\n") + 1) + 1
    return Problem(
        f"YAML syntax error: unacceptable character #x{err.character:04x}",
        SourceLocation(file, line, column),
        hint="manifests must be printable UTF-8 text",
        code="SR-E001",
    )


def _fail(problems: list[Problem]) -> ManifestError:
    """All problems, in file order (tags are found while composing, keys while building)."""

    def order(p: Problem) -> tuple[int, int]:
        return (p.location.line, p.location.column) if p.location else (0, 0)

    return ManifestError(sorted(problems, key=order))


def _compose(loader: _Loader, text: str) -> Any:
    """Compose and measure the single document; raise with every problem found so far."""
    try:
        root = loader.compose_single()
        if root is not None:
            _check_expansion(root, loader)
        return root
    except _Abort as e:
        raise _fail([*loader.problems, e.problem]) from None
    except yaml.reader.ReaderError as e:
        raise _fail([*loader.problems, _reader_problem(e, text, loader.file)]) from None
    except yaml.MarkedYAMLError as e:
        raise _fail([*loader.problems, _syntax_problem(e, loader.file)]) from None


def _is_empty(root: Any) -> bool:
    return root is None or (
        isinstance(root, ScalarNode) and root.tag == _CORE + "null" and root.value == ""
    )


def _shape_word(root: Any, value: Any) -> str:
    if isinstance(root, SequenceNode):
        return "a list"
    if isinstance(value, str):
        return "a string"
    return _kind(value)


#: libyaml's scanner and parser, when PyYAML was built with it (``yaml.cyaml`` exists then)
_CParser: Any = getattr(getattr(yaml, "cyaml", None), "CParser", None)
_NON_PRINTABLE = yaml.reader.Reader.NON_PRINTABLE
_DIRECTIVE = re.compile(r"^%", re.MULTILINE)


def _fast_loader(text: str, file: str) -> _Loader | None:
    """A loader whose events come from libyaml (the pure-Python scanner is ~90% of reading a
    large manifest), or None when the text should take the reference path: libyaml absent,
    or text where the two could differ (tabs, a ``%`` directive, characters PyYAML's reader
    refuses).  Composing, limits and values stay this module's Python code; the fast path is
    only trusted with documents it reads without any problem, so every error message,
    position and hint comes from the pure-Python path (see ``load_yaml``)."""
    if _CParser is None or "\t" in text or _DIRECTIVE.search(text) or _NON_PRINTABLE.search(text):
        return None
    return _FastLoader(text, file)


if _CParser is not None:

    class _FastLoader(_Loader, _CParser):  # type: ignore[misc,unused-ignore]
        check_event = _CParser.check_event
        peek_event = _CParser.peek_event
        get_event = _CParser.get_event
        dispose = _CParser.dispose

        def __init__(self, text: str, file: str) -> None:
            _CParser.__init__(self, text)
            yaml.composer.Composer.__init__(self)
            SafeConstructor.__init__(self)
            yaml.resolver.Resolver.__init__(self)
            self._setup(text, file)

        def compose_scalar_node(self, anchor: Any) -> Any:
            node = super().compose_scalar_node(anchor)
            if node.style == "":  # libyaml's style of a plain scalar; PyYAML's is None
                node.style = None
            return node


def load_yaml(text: str, *, file: str) -> LoadedDocument:
    """Read one manifest document; raise ManifestError listing every problem found."""
    fast = _fast_loader(text, file)
    if fast is not None:
        try:
            return _read(fast, text, file)
        except Exception:  # any problem at all: read again on the reference path
            pass
    return _read(_reference_loader(text, file), text, file)


def _reference_loader(text: str, file: str) -> _Loader:
    """The pure-Python loader; its reader refuses control characters as it is built."""
    try:
        return _Loader(text, file)
    except yaml.reader.ReaderError as e:
        raise _fail([_reader_problem(e, text, file)]) from None


def _read(loader: _Loader, text: str, file: str) -> LoadedDocument:
    try:
        root = _compose(loader, text)
        if _is_empty(root):
            loc = SourceLocation(file, 1, 1)
            loader.problems.append(Problem("manifest is empty", loc, "", _EMPTY_HINT, "SR-E006"))
            raise _fail(loader.problems)
        source = SourceMap(file=file)
        data = loader.value(root, (), source)
        if not isinstance(root, MappingNode) and not loader.problems:
            loader.add(
                f"top level must be a mapping (found {_shape_word(root, data)})",
                root.start_mark,
                "SR-E006",
                _EMPTY_HINT,
            )
        if loader.problems:
            raise _fail(loader.problems)
        return LoadedDocument(data=data, source=source, file=file)
    finally:
        loader.dispose()


def load_yaml_file(path: pathlib.Path, *, display: str | None = None) -> LoadedDocument:
    """Read a manifest file; ``display`` is the name errors show (default: the path)."""
    name = display if display is not None else str(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ManifestError.single(
            f"manifest '{name}' not found", hint="check the path", code="SR-E006"
        ) from None
    except UnicodeDecodeError as e:
        raise ManifestError.single(
            f"manifest '{name}' is not UTF-8 text ({e.reason} at byte {e.start})",
            code="SR-E006",
        ) from None
    except OSError as e:
        raise ManifestError.single(
            f"cannot read manifest '{name}': {e.strerror}", code="SR-E006"
        ) from None
    return load_yaml(text, file=name)


def read_value(text: str, *, file: str = "--set") -> tuple[Any, SourceMap]:
    """One command-line value as YAML, with the positions of its parts.

    Flow values (``[a, b]``, ``{k: v}``) and scalars are read as YAML; text that would
    read as a block collection (``a: b``, ``- x``) or as nothing (``#x``) is kept as the
    plain string, and an empty value is the empty string.
    """
    source = SourceMap(file=file)
    if text.strip() == "":
        return "", source
    loader = _reference_loader(text, file)
    try:
        root = _compose(loader, text)
        if root is None or (isinstance(root, SequenceNode | MappingNode) and not root.flow_style):
            return text, SourceMap(file=file)
        value = loader.value(root, (), source)
        if loader.problems:
            raise _fail(loader.problems)
        return value, source
    finally:
        loader.dispose()


def read_scalar(text: str) -> Any:
    """Parse a ``--set`` VALUE as one safe YAML scalar or flow value (see read_value)."""
    return read_value(text)[0]
