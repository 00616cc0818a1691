"""The YAML loader manifests are read with: PyYAML's scanner, parser and composer, with
limits (aliases, depth, expansion) checked while composing, and values built by this module
from the nodes, recording every key's and value's position into a :class:`SourceMap`.

Tags are checked against the core schema while composing; values are never built by
dispatching on a tag, so no Python object is ever constructed from ``!!python/...`` tags.
"""

from __future__ import annotations

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

from seedrunner.errors import Problem, SourceLocation
from seedrunner.manifest.source import Path, ScalarInfo, SourceMap, dotted
from seedrunner.manifest.yamlsurprises import key_message

ALIAS_LIMIT = 100
DEPTH_LIMIT = 64
NODE_LIMIT = 1_000_000

CORE = "tag:yaml.org,2002:"
MERGE_TAG = CORE + "merge"
_VALUE_TAG = CORE + "value"
SCALAR_TAGS = frozenset(CORE + n for n in ("str", "int", "float", "bool", "null", "timestamp"))
_ALLOWED = {
    ScalarEvent: SCALAR_TAGS | {MERGE_TAG},
    SequenceStartEvent: frozenset({CORE + "seq"}),
    MappingStartEvent: frozenset({CORE + "map"}),
}
_KIND_WORD = {ScalarEvent: "a scalar", SequenceStartEvent: "a list", MappingStartEvent: "a mapping"}


class Abort(Exception):
    """A problem after which reading on is unsafe or pointless (limits, syntax)."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(problem.message)
        self.problem = problem


def _short_tag(tag: str) -> str:
    return "!!" + tag[len(CORE) :] if tag.startswith(CORE) else tag


class Loader(yaml.SafeLoader):  # type: ignore[misc,unused-ignore]
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

    def abort(self, message: str, mark: Any, code: str, hint: str | None = None) -> Abort:
        return Abort(Problem(message, self.loc(mark), "", hint, code))

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
            if node.tag != CORE + "seq":
                return None  # refused tag, already reported
            return [self.value(item, (*path, i), sm) for i, item in enumerate(node.value)]
        if node.tag != CORE + "map":
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
                key_message(info, value),
                knode.start_mark,
                "SR-E003",
                "YAML 1.1 reads unquoted yes/no/on/off, numbers and dates as non-strings; "
                "keys must be strings",
                path,
            )
        return None


# -- limits -------------------------------------------------------------------------------


def _children(node: Any) -> list[Any]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def check_expansion(root: Any, loader: Loader) -> None:
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
