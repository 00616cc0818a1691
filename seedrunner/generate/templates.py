"""Field templates: compiled once at plan, checked against the row's fields, rendered per row.

A template sees the row's other fields by name (and as ``row``), ``fake`` (Faker in the
field's locale, seeded per row), ``vars``, ``index`` and, with ``count.per``, ``parent``.
Names and ``row.``/``parent.`` attributes are checked at plan time, so a typo is a located
error before anything is written, not an empty string.  Each template is also rendered a
few times at plan with placeholder values and a time budget: what the sandbox refuses
(private attributes, mutation, huge values, loop bombs) is refused before apply starts.
"""

from __future__ import annotations

import datetime as dt
import difflib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from faker import Faker
from jinja2 import Template, meta, nodes

from seedrunner.generate.streams import derive_seed
from seedrunner.generate.template_columns import Columns, NotColumnwise, column_template
from seedrunner.models.shape import TypeShape
from seedrunner.sandbox import (
    SecurityError,
    UnsafeTemplateError,
    new_environment,
    render_guarded,
    shared_context,
)

ENV = new_environment()
CONTEXT_NAMES = ("row", "fake", "vars", "index", "parent", "child_index", "now")
SAMPLE_ROWS = 3  # plan-time renders per template
SAMPLE_TIME_BUDGET = 0.1  # seconds each sample render may take
SANDBOX_HINT = (
    "templates may read values and call filters and Faker; no attributes starting with _, "
    "no mutation, no huge values or loops"
)


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
    #: the template evaluated column-wise (a plain concatenation), or None
    columnwise: Callable[[Columns], list[str]] | None = None

    def render_columns(self, columns: Columns) -> list[Any] | None:
        """The batch's values without per-row rendering, or None when Jinja must render."""
        if self.columnwise is None:
            return None
        try:
            texts = self.columnwise(columns)
        except NotColumnwise:
            return None
        shape = self.coerce
        return texts if shape is None else [coerce(v, shape) for v in texts]

    def render(
        self,
        rows: list[dict[str, Any]],
        start: int,
        base: Mapping[str, Any],
        parents: Sequence[Mapping[str, Any]] | None,
        child_index: Sequence[int] | None = None,
    ) -> list[Any]:
        out: list[Any] = []
        ctx = shared_context(self.template, base)
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
                fake.random = rng  # type: ignore[attr-defined]
                ctx["fake"] = fake
            value = render_guarded(self.template, ctx, shared=True)
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
    try:
        ast = ENV.parse(text)
    except UnsafeTemplateError as exc:
        raise TemplateCheckError(str(exc), hint=SANDBOX_HINT, lineno=exc.lineno) from None
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
    template = ENV.from_string(ast)  # compiled from the checked tree: parsed once, not twice
    sample_render(template, fields, parent_fields, var_names, fakers)
    columnwise = None if "fake" in names else column_template(ast, fields, var_names)
    return TemplateField(
        name=name,
        source=text,
        template=template,
        deps=deps,
        parent_attrs=parent_attrs,
        uses_fake="fake" in names,
        seed=seed,
        fakers=fakers,
        coerce=type_shape,
        columnwise=columnwise,
    )


def sample_render(
    template: Template,
    fields: Sequence[str],
    parent_fields: Sequence[str] | None,
    var_names: Sequence[str],
    fakers: Sequence[Faker],
) -> None:
    """Render with placeholder values under a time budget; raise if the sandbox refuses.

    Placeholders are empty strings, so errors that depend on real values (``'' + 1``)
    are ignored here: only refusals by the sandbox (private attributes, mutation, value
    and loop limits, the time budget) are errors at plan.
    """
    row = dict.fromkeys(fields, "")
    ctx: dict[str, Any] = {**row, "row": row, "vars": dict.fromkeys(var_names, ""), "now": ""}
    if parent_fields is not None:
        ctx["parent"] = dict.fromkeys(parent_fields, "")
    for i in range(SAMPLE_ROWS):
        ctx.update(index=i, child_index=i)
        if fakers:
            fakers[0].random = random.Random(i)  # type: ignore[attr-defined]
            ctx["fake"] = fakers[0]
        try:
            render_guarded(template, ctx, time_budget=SAMPLE_TIME_BUDGET)
        except SecurityError as exc:
            raise TemplateCheckError(
                f"template refused by the sandbox: {exc}", hint=SANDBOX_HINT
            ) from None
        except (MemoryError, RecursionError) as exc:  # no placeholder value explains these
            raise TemplateCheckError(
                f"template refused: {type(exc).__name__} while rendering a sample row",
                hint=SANDBOX_HINT,
            ) from None
        except Exception:  # depends on real values; the run reports it per row
            return


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
