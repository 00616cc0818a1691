"""Field templates: compiled once at plan, checked against the row's fields, rendered per row.

A template sees the row's other fields by name (and as ``row``), ``fake`` (Faker in the
field's locale, seeded per row), ``vars``, ``index`` and, with ``count.per``, ``parent``.
Names and ``row.``/``parent.`` attributes are checked at plan time, so a typo is a located
error before anything is written, not an empty string.  Each template is also rendered a
few times at plan with placeholder values and a time budget: what the sandbox refuses
(private attributes, mutation, huge values, loop bombs) is refused before apply starts.

Templates render natively: a template whose output is one value keeps its type, so
``{{ none }}`` is NULL and ``{{ fake.date_object() }}`` a date (``template_values`` has the
rule).  A value its column cannot take (text that is no date, NULL for a NOT NULL field)
is a ``TemplateValueError`` naming the field, the row and the value; ``sample_values``
renders the first rows at plan so that most such errors are found before apply.
"""

from __future__ import annotations

import difflib
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from faker import Faker
from jinja2 import Template, meta, nodes

from seedrunner.errors import GenerationError
from seedrunner.generate.streams import derive_seed
from seedrunner.generate.template_columns import Columns, NotColumnwise, column_template
from seedrunner.generate.template_values import (
    KEEP_KINDS,
    TYPED_KINDS,
    NotConvertible,
    column_value,
    show,
)
from seedrunner.models.shape import TypeShape
from seedrunner.sandbox import (
    SecurityError,
    UnsafeTemplateError,
    new_environment,
    render_guarded,
    render_value,
    shared_context,
)

ENV = new_environment(native=True)
CONTEXT_NAMES = ("row", "fake", "vars", "index", "parent", "child_index", "now")
SAMPLE_ROWS = 3  # plan-time renders per template
SAMPLE_TIME_BUDGET = 0.1  # seconds each sample render may take
SAMPLE_VALUE_ROWS = 10  # first rows whose values are rendered for real at plan
SANDBOX_HINT = (
    "templates may read values and call filters and Faker; no attributes starting with _, "
    "no mutation, no huge values or loops"
)


class TemplateValueError(GenerationError):
    """A template value its column cannot take; names the field, the row and the value."""

    def __init__(self, message: str, *, hint: str, field: str, row: int, value: Any) -> None:
        super().__init__(f"{message}; hint: {hint}")
        self.reason, self.hint = message, hint
        self.field, self.row, self.value = field, row, value


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
    columnwise: Callable[[Columns], list[Any]] | None = None
    dataset: str = ""
    nullable: bool = True  # False: NULL is refused (a NOT NULL column, a non-optional field)
    #: the context names it reads (``vars``, ``parent`` ...) and the row fields
    reads: frozenset[str] = frozenset()

    def render_columns(self, columns: Columns) -> list[Any] | None:
        """The batch's values without per-row rendering, or None when Jinja must render."""
        if self.columnwise is None:
            return None
        try:
            values = self.columnwise(columns)
        except NotColumnwise:
            return None
        return self.settle(values, columns.start)

    def settle(self, rendered: list[Any], start: int) -> list[Any]:
        """``value`` for rows ``start ..``, in bulk: text for a text column passes as it is."""
        shape = self.coerce
        if (shape is None or shape.kind not in TYPED_KINDS | KEEP_KINDS) and all(
            type(v) is str for v in rendered
        ):
            return rendered
        try:
            out = [column_value(v, shape) for v in rendered]
        except NotConvertible:
            out = [self.value(v, start + i) for i, v in enumerate(rendered)]  # raises, located
        if not self.nullable and None in out:
            row = out.index(None)
            self.value(rendered[row], start + row)
        return out

    @property
    def where(self) -> str:
        return f"{self.dataset}.{self.name}" if self.dataset else self.name

    def value(self, rendered: Any, row: int) -> Any:
        """What ``rendered`` (row ``row``'s output) writes; raise TemplateValueError."""
        try:
            value = column_value(rendered, self.coerce)
        except NotConvertible as exc:
            raise TemplateValueError(
                f"{self.where}: row {row}: the template gave {show(rendered)}, which is not "
                f"{exc.expected}",
                hint=exc.hint,
                field=self.name,
                row=row,
                value=rendered,
            ) from None
        if value is None and not self.nullable:
            gave = "NULL" if rendered is None else f"{show(rendered)} (empty: NULL)"
            raise TemplateValueError(
                f"{self.where}: row {row}: the template gave {gave} but {self.name} does not "
                "accept NULL",
                hint="give this row a value (an {% else %} branch), or make the field "
                "optional / the column nullable",
                field=self.name,
                row=row,
                value=rendered,
            )
        return value

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
            out.append(render_value(self.template, ctx, shared=True))
        return self.settle(out, start)


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
    nullable: bool = True,
    dataset: str = "",
) -> TemplateField:
    """Parse and check a template; raise TemplateSyntaxError or TemplateCheckError.

    ``type_shape`` is the field's type (its values are converted to it) and ``nullable``
    whether it takes NULL; ``dataset`` names the field in errors.
    """
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
        dataset=dataset,
        nullable=nullable,
        reads=frozenset(names | deps),
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


def sample_values(
    templates: Sequence[TemplateField],
    columns: Mapping[str, Sequence[Any]],
    n: int,
    now: Any,
    unknown: set[str],
    masked: frozenset[str] = frozenset(),
) -> list[TemplateValueError]:
    """Render rows 0..n-1 of ``templates`` (in dependency order) with their real inputs.

    ``columns`` holds rows 0..n-1 of the fields generated before templates; ``unknown``
    the names whose values plan cannot know (``ref`` fields, ``parent``, ``child_index``,
    ``vars``): a template reading one is left to apply, and so is one that fails for any
    other reason than its value.  ``masked`` templates are checked, but apply turns some of
    their values into NULL (``null_probability``), so what reads them is left to apply too.
    Returns the first bad value of each template.
    """
    cols = {name: list(values) for name, values in columns.items()}
    unknown = set(unknown)
    found: list[TemplateValueError] = []
    rows = [{name: values[i] for name, values in cols.items()} for i in range(n)]
    for t in templates:
        if t.reads & unknown:
            unknown.add(t.name)
            continue
        try:
            values = t.render(rows, 0, {"vars": {}, "now": now}, None, None)
        except TemplateValueError as exc:
            found.append(exc)
            unknown.add(t.name)
            continue
        except Exception:  # the run reports it, per row, with the real context
            unknown.add(t.name)
            continue
        for row, value in zip(rows, values, strict=True):
            row[t.name] = value
        if t.name in masked:
            unknown.add(t.name)
    return found
