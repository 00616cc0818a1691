"""Field templates: compiled once at plan, checked against the row's fields, rendered per row.

A template sees the row's other fields by name (and as ``row``), ``fake`` (Faker in the
field's locale, seeded per row), ``vars``, ``index`` and, with ``count.per``, ``parent``.
Names and ``row.``/``parent.`` attributes are checked at plan time, so a typo is a located
error before anything is written, not an empty string.
"""

from __future__ import annotations

import datetime as dt
import difflib
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from faker import Faker
from jinja2 import Template, meta, nodes

from seedrunner.generate.streams import derive_seed
from seedrunner.models.shape import TypeShape
from seedrunner.sandbox import new_environment, render_guarded

ENV = new_environment()
CONTEXT_NAMES = ("row", "fake", "vars", "index", "parent", "child_index", "now")


class TemplateCheckError(ValueError):
    def __init__(self, message: str, hint: str | None = None, lineno: int | None = None) -> None:
        super().__init__(message)
        self.hint = hint
        self.lineno = lineno


def _suggest(word: str, candidates: Sequence[str]) -> str | None:
    close = difflib.get_close_matches(word, list(candidates), n=1)
    return f"did you mean '{close[0]}'?" if close else None


def _attrs_of(ast: nodes.Template, name: str) -> list[tuple[str, int]]:
    """``name.attr`` and ``name['attr']`` uses in a template, with their lines."""
    out = [
        (node.attr, node.lineno)
        for node in ast.find_all(nodes.Getattr)
        if isinstance(node.node, nodes.Name) and node.node.name == name
    ]
    out += [
        (node.arg.value, node.lineno)
        for node in ast.find_all(nodes.Getitem)
        if isinstance(node.node, nodes.Name)
        and node.node.name == name
        and isinstance(node.arg, nodes.Const)
        and isinstance(node.arg.value, str)
    ]
    return out


@dataclass
class TemplateField:
    """One templated field: its compiled template and what it reads."""

    name: str
    source: str
    template: Template
    deps: set[str]  # other row fields it reads
    parent_attrs: set[str] = field(default_factory=set)
    uses_fake: bool = False
    seed: int = 0
    fakers: list[Faker] = field(default_factory=list)
    coerce: TypeShape | None = None

    def render(
        self,
        rows: list[dict[str, Any]],
        start: int,
        base: Mapping[str, Any],
        parents: Sequence[Mapping[str, Any]] | None,
        child_index: Sequence[int] | None = None,
    ) -> list[Any]:
        out: list[Any] = []
        ctx = dict(base)
        for i, row in enumerate(rows):
            ctx.update(row)
            ctx["row"] = row
            ctx["index"] = start + i
            if parents is not None:
                ctx["parent"] = parents[i]
            if child_index is not None:
                ctx["child_index"] = child_index[i]
            if self.uses_fake:
                rng = random.Random(derive_seed(self.seed, start + i))
                fake = (
                    self.fakers[(start + i) % len(self.fakers)]
                    if len(self.fakers) > 1
                    else (self.fakers[0])
                )
                fake.random = rng
                ctx["fake"] = fake
            value = render_guarded(self.template, ctx)
            out.append(coerce(value, self.coerce))
        return out


def compile_template(
    name: str,
    text: str,
    *,
    fields: Sequence[str],
    parent_fields: Sequence[str] | None,
    var_names: Sequence[str],
    seed: int,
    fakers: list[Faker],
    type_shape: TypeShape | None,
) -> TemplateField:
    """Parse and check a template; raise TemplateSyntaxError or TemplateCheckError."""
    ast = ENV.parse(text)
    names = meta.find_undeclared_variables(ast)
    allowed = set(fields) | set(CONTEXT_NAMES) | set(ENV.globals)
    for n in sorted(names):
        if n not in allowed:
            hint = _suggest(n, sorted(allowed - {"range"}))
            available = ", ".join([*CONTEXT_NAMES, *fields])
            raise TemplateCheckError(
                f"template uses undefined name '{n}' (available: {available})",
                hint=hint,
            )
    for name_ in ("parent", "child_index"):
        if name_ in names and parent_fields is None:
            raise TemplateCheckError(
                f"template uses '{name_}' but the dataset has no count.per parent",
                hint="use count: {per: PARENT, min: .., max: ..}",
            )
    for attr, lineno in _attrs_of(ast, "row"):
        if attr not in fields:
            raise TemplateCheckError(
                f"row has no field '{attr}'", hint=_suggest(attr, fields), lineno=lineno
            )
    parent_attrs: set[str] = set()
    if parent_fields is not None:
        for attr, lineno in _attrs_of(ast, "parent"):
            if attr not in parent_fields:
                raise TemplateCheckError(
                    f"parent has no field '{attr}'",
                    hint=_suggest(attr, parent_fields),
                    lineno=lineno,
                )
            parent_attrs.add(attr)
        if "parent" in names and not parent_attrs:
            parent_attrs = set(parent_fields)
    for attr, lineno in _attrs_of(ast, "vars"):
        if attr not in var_names:
            raise TemplateCheckError(
                f"vars has no '{attr}'", hint=_suggest(attr, var_names), lineno=lineno
            )
    deps = (names & set(fields)) | {a for a, _ in _attrs_of(ast, "row")}
    if "row" in names and not _attrs_of(ast, "row"):
        deps |= set(fields) - {name}
    deps.discard(name)
    return TemplateField(
        name=name,
        source=text,
        template=ENV.from_string(text),
        deps=deps,
        parent_attrs=parent_attrs,
        uses_fake="fake" in names,
        seed=seed,
        fakers=fakers,
        coerce=type_shape,
    )


def coerce(value: str, shape: TypeShape | None) -> Any:
    """Template output is text; give typed fields their type (``'42'`` -> 42 for an int)."""
    if shape is None or not value:
        return value
    kind = shape.kind
    try:
        if kind == "int":
            return int(value)
        if kind == "float":
            return float(value)
        if kind == "decimal":
            return Decimal(value)
        if kind == "bool":
            return value.strip().lower() in ("true", "1", "yes", "on")
        if kind == "date":
            return dt.date.fromisoformat(value)
        if kind == "datetime":
            return dt.datetime.fromisoformat(value)
    except ValueError:
        return value  # validation reports it against the model
    return value
