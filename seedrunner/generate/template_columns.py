"""Simple templates evaluated a column at a time instead of rendered row by row.

Most field templates only glue fields together: ``{{ first_name | lower }}.{{ index }}@{{
vars.domain }}``, ``{{ child_index + 1 }}``.  Rendering such a template through Jinja costs a
context update and a render call per row; read as what it is, it is a handful of list
operations per batch.  ``column_template`` recognises that subset in the parsed template
(text, row fields, ``row.x``, ``parent.x``, ``vars.x``, ``index``, ``child_index``, int and
str constants, ``+ <int>``, and the filters ``lower``, ``upper``, ``trim``, ``string``) and
returns an evaluator that gives exactly what Jinja renders: values become text with
``str()``, as Jinja's output does, except that a template made of one expression gives its
values as they are (the native rendering, see ``template_values``).  Anything else (calls,
other filters, ``fake``, control flow) returns None and the template renders row by row; a
batch whose values do not suit (``+ 1`` on text) also falls back, so Jinja decides its
errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence, Sized
from dataclasses import dataclass
from typing import Any

from jinja2 import nodes

from seedrunner.sandbox import MAX_OUTPUT, SecurityError


class NotColumnwise(Exception):
    """This batch's values need Jinja itself (e.g. ``+ 1`` on a str)."""


@dataclass(frozen=True)
class Columns:
    """What a template reads, column-wise, for one batch."""

    fields: Mapping[str, Sequence[Any]]
    start: int
    n: int
    parents: Mapping[str, Sequence[Any]] | None
    child_index: Sequence[int] | None
    variables: Mapping[str, Any]


Part = Callable[[Columns], list[Any]]
_FILTERS: dict[str, Callable[[Any], str]] = {
    "lower": lambda v: str(v).lower(),
    "upper": lambda v: str(v).upper(),
    "trim": lambda v: str(v).strip(),
    "string": str,
}


def column_template(
    ast: nodes.Template, fields: Sequence[str], var_names: Sequence[str]
) -> Callable[[Columns], list[Any]] | None:
    """An evaluator for ``ast`` if it is a plain concatenation, else None."""
    if len(ast.body) != 1 or not isinstance(ast.body[0], nodes.Output):
        return None
    known = frozenset(fields)
    variables = frozenset(var_names)
    parts: list[str | Part] = []
    for node in ast.body[0].nodes:
        if isinstance(node, nodes.TemplateData):
            parts.append(node.data)
            continue
        part = _expression(node, known, variables)
        if part is None:
            return None
        parts.append(part)
    fmt = "".join(
        p.replace("{", "{{").replace("}", "}}") if isinstance(p, str) else "{}" for p in parts
    )
    columns = [p for p in parts if not isinstance(p, str)]
    if len(parts) == 1 and columns:  # one value: Jinja's native rendering keeps its type
        return _native(columns[0])

    def evaluate(c: Columns) -> list[str]:
        texts = [list(map(str, part(c))) for part in columns]
        out = list(map(fmt.format, *texts)) if texts else [fmt.format()] * c.n
        if out and max(map(len, out)) > MAX_OUTPUT:
            longest = max(map(len, out))
            raise SecurityError(f"template output is {longest:,} characters (limit {MAX_OUTPUT:,})")
        return out

    return evaluate


def _native(part: Part) -> Callable[[Columns], list[Any]]:
    def evaluate(c: Columns) -> list[Any]:
        out = part(c)
        longest = max((len(v) for v in out if isinstance(v, Sized)), default=0)
        if longest > MAX_OUTPUT:
            raise SecurityError(f"template output is {longest:,} characters (limit {MAX_OUTPUT:,})")
        return out

    return evaluate


def _expression(node: nodes.Node, fields: frozenset[str], variables: frozenset[str]) -> Part | None:
    if isinstance(node, nodes.Name) and node.ctx == "load":
        return _name(node.name, fields)
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name):
        return _attribute(node.node.name, node.attr, fields, variables)
    if isinstance(node, nodes.Const) and type(node.value) in (str, int):
        value = node.value
        return lambda c: [value] * c.n
    if isinstance(node, nodes.Filter) and node.node is not None and node.name in _FILTERS:
        if node.args or node.kwargs or node.dyn_args or node.dyn_kwargs:
            return None
        inner = _expression(node.node, fields, variables)
        fn = _FILTERS[node.name]
        return None if inner is None else lambda c: list(map(fn, inner(c)))
    if isinstance(node, nodes.Add):
        return _plus_int(node, fields, variables)
    return None


def _name(name: str, fields: frozenset[str]) -> Part | None:
    if name == "index":
        return lambda c: list(range(c.start, c.start + c.n))
    if name == "child_index":
        return _child_index
    if name in fields:
        return lambda c: list(c.fields[name])
    return None


def _child_index(c: Columns) -> list[Any]:
    if c.child_index is None:
        raise NotColumnwise("child_index")
    return list(c.child_index)


def _attribute(
    owner: str, attr: str, fields: frozenset[str], variables: frozenset[str]
) -> Part | None:
    if owner == "row" and attr in fields:
        return lambda c: list(c.fields[attr])
    if owner == "parent":
        return lambda c: _parent(c, attr)
    if owner == "vars" and "vars" not in fields and attr in variables and not hasattr(dict, attr):
        return lambda c: [c.variables[attr]] * c.n
    return None


def _parent(c: Columns, attr: str) -> list[Any]:
    if c.parents is None or attr not in c.parents:
        raise NotColumnwise("parent")
    return list(c.parents[attr])


def _plus_int(node: nodes.Add, fields: frozenset[str], variables: frozenset[str]) -> Part | None:
    """``x + k`` or ``k + x`` for an int constant k, on int values only."""
    left, right = node.left, node.right
    if isinstance(right, nodes.Const) and type(right.value) is int:
        k, other = right.value, left
    elif isinstance(left, nodes.Const) and type(left.value) is int:
        k, other = left.value, right
    else:
        return None
    inner = _expression(other, fields, variables)
    if inner is None:
        return None

    def add(c: Columns) -> list[Any]:
        values = inner(c)
        if values and set(map(type, values)) != {int}:
            raise NotColumnwise("+ on values that are not all int")
        return [v + k for v in values]

    return add
