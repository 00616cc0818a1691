"""The parse-time check: private attributes and forbidden constructs are refused before
anything renders, so the error names the attribute and the template's line whatever data the
template would have seen.
"""

from __future__ import annotations

import re

from jinja2 import nodes
from jinja2.exceptions import SecurityError


class UnsafeTemplateError(SecurityError):
    """A template that reaches for private attributes; found by parsing, before rendering."""

    def __init__(self, message: str, lineno: int) -> None:
        super().__init__(message)
        self.lineno = lineno


_FORMAT_FIELD = re.compile(r"\{[^{}]*?[.\[]\s*(_\w*)")
_FORMAT_NAMES = frozenset({"format", "format_map"})


def _private(name: object) -> bool:
    return isinstance(name, str) and name.startswith("_")


def _attr_filter_arg(node: nodes.Node) -> object:
    """The constant argument of ``|attr('...')`` (or None for anything else)."""
    if not isinstance(node, nodes.Filter | nodes.Test) or node.name != "attr" or not node.args:
        return None
    arg = node.args[0]
    return arg.value if isinstance(arg, nodes.Const) else None


def _uses_format(ast: nodes.Template) -> bool:
    used = {n.attr for n in ast.find_all(nodes.Getattr)}
    used |= {str(_attr_filter_arg(n)) for n in ast.find_all((nodes.Filter, nodes.Test))}
    return bool(used & _FORMAT_NAMES)


def unsafe_use(ast: nodes.Template) -> tuple[str, int] | None:
    """The first private attribute a template reaches for, and its line, or None.

    Covers ``x.__class__``, ``x['__class__']``, ``x|attr('__class__')`` and format strings
    such as ``'{0.__class__}'.format(1)``.  The sandbox would refuse these at render time
    too; checking the parsed template makes the refusal happen at plan, for every template,
    whatever data it would have seen.
    """
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        elif isinstance(node, nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, nodes.Const) else None
        else:
            name = _attr_filter_arg(node)
        if _private(name):
            return str(name), node.lineno
    if _uses_format(ast):
        for const in ast.find_all(nodes.Const):
            if isinstance(const.value, str):
                m = _FORMAT_FIELD.search(const.value)
                if m:
                    return m.group(1), const.lineno
    return None


_LOADING = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.Extends: "extends",
}


def unsafe_construct(ast: nodes.Template) -> tuple[str, int] | None:
    """A construct templates may not use (message, line), or None.

    Templates have no loader, so ``include``/``import``/``extends`` could only fail row by
    row.  A loop inside a loop (or inside a macro, which a loop may call) multiplies the
    sizes of two values, and an empty loop body calls nothing a budget could count
    (two 60,000-character strings make 3.6 billion iterations), so it is refused by shape.
    """
    for node in ast.find_all(tuple(_LOADING)):
        return f"template uses '{{% {_LOADING[type(node)]} %}}' (no other templates)", node.lineno
    for outer in ast.find_all((nodes.For, nodes.Macro, nodes.CallBlock)):
        inner = next(outer.find_all(nodes.For), None)
        if inner is not None:
            where = "a loop" if isinstance(outer, nodes.For) else "a macro"
            return f"template nests a loop inside {where} (line {outer.lineno})", inner.lineno
    return None
