"""Compile one dataset's fields: value specs and model inference -> FieldPlans.

Every field gets its own stream seed from (dataset seed, dataset, field), so adding or
removing a field, or a dataset, leaves every other column as it was.
"""

from __future__ import annotations

import copy
import datetime as dt
import graphlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import TemplateSyntaxError

from seedrunner.errors import GenerationError, Problem, ProblemCollector
from seedrunner.generate import columns as C
from seedrunner.generate.fakercalls import (
    FakerCallError,
    check_provider,
    pinned_call,
    provider_capacity,
)
from seedrunner.generate.infer import infer_column
from seedrunner.generate.locales import (
    FakerPool,
    is_known_locale,
    resolve_locale,
    unknown_locale_hint,
)
from seedrunner.generate.streams import derive_seed
from seedrunner.generate.templates import TemplateCheckError, compile_template
from seedrunner.manifest import schema as S
from seedrunner.manifest.locate import did_you_mean
from seedrunner.manifest.render import template_problem
from seedrunner.manifest.source import SourceMap
from seedrunner.manifest.yaml import describe_surprise
from seedrunner.models.shape import FieldShape, ModelShape
from seedrunner.plan.steps import FieldPlan, RefPlan

STR_KINDS = ("str",)


@dataclass
class DatasetContext:
    """What compiling a dataset's fields needs to know about the rest of the manifest."""

    name: str
    spec: S.DatasetSpec
    shape: ModelShape
    total: int
    base_seed: int
    now: dt.datetime
    manifest: S.ManifestSpec
    source: SourceMap
    fakers: FakerPool
    shapes: Mapping[str, ModelShape]  # every dataset's shape
    tables: Mapping[str, str]  # table name -> dataset
    per: str | None
    var_names: list[str]
    out: ProblemCollector
    warnings: list[str] = field(default_factory=list)

    def seed(self, fname: str, purpose: str = "") -> int:
        return derive_seed(self.base_seed, self.name, fname, purpose)

    def path(self, *parts: str | int) -> tuple[str | int, ...]:
        return ("datasets", self.name, *parts)

    def problem(
        self,
        message: str,
        *parts: str | int,
        hint: str | None = None,
        code: str = "SR-E030",
        prefer_key: bool = False,
    ) -> None:
        problem = self.source.problem(
            message, self.path(*parts), hint=hint, code=code, prefer_key=prefer_key
        )
        self.out.extend([problem])

    def locales(self, fname: str | None, own: str | list[str] | None = None) -> list[str]:
        return resolve_locale(
            dataset=self.name,
            field=fname,
            field_locale=own,
            dataset_locale=self.spec.locale,
            locale_map=self.manifest.locale_map,
            default=self.manifest.locale,
        )


def compile_fields(ctx: DatasetContext) -> tuple[list[FieldPlan], list[str], set[str]]:
    """FieldPlans in evaluation order, the output column order, and the unvalidated fields."""
    shape, spec = ctx.shape, ctx.spec
    schemaless = shape.kind == "schemaless"
    known = shape.field_names
    for fname in spec.fields:
        if not schemaless and fname not in known:
            ctx.problem(
                f"model {shape.name} has no field '{fname}'",
                "fields",
                fname,
                hint=did_you_mean(fname, known) or f"fields: {', '.join(known)}",
                code="SR-E021",
                prefer_key=True,
            )
    for i, fname in enumerate(spec.exclude):
        if fname not in known:
            ctx.problem(
                f"exclude names '{fname}', which model {shape.name} does not have",
                "exclude",
                i,
                hint=did_you_mean(fname, known),
                code="SR-E021",
            )
    skipped = set(spec.exclude) | {n for n, s in spec.fields.items() if isinstance(s, S.SkipSpec)}
    output = [n for n in known if n not in skipped]
    plans: list[FieldPlan] = []
    templates: dict[str, Any] = {}
    for fname in output:
        fshape = shape.field(fname)
        if fname in spec.fields:
            value = spec.fields[fname]
            if isinstance(value, str | S.TemplateSpec) and _is_template(value):
                templates[fname] = value
                continue
            plan = _from_spec(ctx, fname, value, fshape)
        else:
            plan = _inferred(ctx, fname, fshape)
        if plan is not None:
            plans.append(plan)
    plans += _templates(ctx, templates, output)
    return plans, output, skipped


def _is_template(value: Any) -> bool:
    return isinstance(value, S.TemplateSpec) or ("{{" in value or "{%" in value)


def _modifiers(
    ctx: DatasetContext, fname: str, col: C.Column, spec: S.Modifiers, unique: bool
) -> C.Column:
    if spec.null_probability > 0:
        col = C.NullableColumn(ctx.seed(fname, "null"), col, spec.null_probability)
    if unique or spec.unique:
        col = _unique(ctx, fname, col)
    return col


def _unique(ctx: DatasetContext, fname: str, col: C.Column) -> C.Column:
    cap = col.capacity
    if cap is not None and cap < ctx.total:
        ctx.problem(
            f"{ctx.name}.{fname}: {ctx.total} unique values requested but the generator can "
            f"produce at most {cap}",
            "fields",
            fname,
            hint="drop `unique`, lower `count`, or widen the values",
            code="SR-E042",
        )
    if isinstance(col, C.SequenceColumn | C.UuidColumn):
        return col
    return C.UniqueColumn(ctx.seed(fname, "unique"), col, f"{ctx.name}.{fname}")


def _constant(ctx: DatasetContext, fname: str, value: Any, fshape: FieldShape | None) -> C.Column:
    info = ctx.source.scalars.get(ctx.path("fields", fname))
    if fshape is not None and fshape.type.kind in STR_KINDS and not isinstance(value, str):
        surprise = describe_surprise(info, value) if info is not None else None
        if surprise:
            ctx.problem(
                f"{fname} {surprise}",
                "fields",
                fname,
                code="SR-E003",
                hint=f'write it in quotes: {fname}: "{info.raw if info else value}"',
            )
    if isinstance(value, dict | list):
        return _CopyingConstant(value)
    return C.ConstantColumn(value)


class _CopyingConstant(C.Column):
    """A constant mapping or list, copied per row so no two rows share one object."""

    capacity = 1

    def __init__(self, value: Any) -> None:
        self.value = value

    def values(self, start: int, n: int) -> list[Any]:
        return [copy.deepcopy(self.value) for _ in range(n)]


def _from_spec(
    ctx: DatasetContext, fname: str, value: Any, fshape: FieldShape | None
) -> FieldPlan | None:
    unique_model = bool(fshape and fshape.unique)
    if isinstance(value, S.ValueSpec):
        return FieldPlan(
            fname, "column", "value", column=_constant(ctx, fname, value.value, fshape)
        )
    if isinstance(value, S.FakerSpec):
        col = _faker(ctx, fname, value)
        if col is None:
            return None
        return FieldPlan(
            fname,
            "column",
            f"faker {value.faker}",
            column=_modifiers(ctx, fname, col, value, unique_model),
        )
    if isinstance(value, S.ChoiceSpec):
        col = C.ChoiceColumn(ctx.seed(fname), value.choice, value.weights)
        return FieldPlan(
            fname,
            "column",
            f"choice of {len(value.choice)}",
            column=_modifiers(ctx, fname, col, value, unique_model),
        )
    if isinstance(value, S.SequenceSpec):
        col = C.SequenceColumn(value.sequence, value.start, value.step)
        label = f"sequence {value.sequence or 'n'} from {value.start}"
        return FieldPlan(fname, "column", label, column=_modifiers(ctx, fname, col, value, False))
    if isinstance(value, S.RefSpec):
        dataset, _, target = value.ref.partition(".")
        return _ref(ctx, fname, dataset, target, value.null_probability, ("fields", fname, "ref"))
    col = _constant(ctx, fname, value, fshape)
    if unique_model:
        col = _unique(ctx, fname, col)  # a constant in a unique column fits one row at most
    return FieldPlan(fname, "column", "constant", column=col)


def _faker(ctx: DatasetContext, fname: str, spec: S.FakerSpec) -> C.Column | None:
    locales = ctx.locales(fname, spec.locale)
    bad = [loc for loc in locales if not is_known_locale(loc)]
    if bad:
        ctx.problem(
            f"unknown locale '{bad[0]}'",
            "fields",
            fname,
            hint=unknown_locale_hint(bad[0]),
            code="SR-E040",
        )
        return None
    fakers = ctx.fakers.many(locales)
    try:
        provider, kwargs, post = pinned_call(spec.faker, spec.kwargs, ctx.now)
        for fake, locale in zip(fakers, locales, strict=True):  # every locale must have it
            check_provider(fake, provider, kwargs, locale)
    except FakerCallError as exc:
        ctx.problem(str(exc), "fields", fname, hint=exc.hint, code="SR-E040")
        return None
    col = C.FakerColumn(ctx.seed(fname), fakers, provider, kwargs, post)
    col.capacity = provider_capacity(spec.faker, spec.kwargs)
    return col


def _ref(
    ctx: DatasetContext,
    fname: str,
    dataset: str,
    target: str,
    null_p: float,
    where: tuple[str | int, ...],
) -> FieldPlan | None:
    if dataset not in ctx.shapes:
        ctx.problem(
            f"unknown dataset '{dataset}' in ref (defined datasets: {', '.join(ctx.shapes)})",
            *where,
            hint=did_you_mean(dataset, list(ctx.shapes)),
        )
        return None
    parent = ctx.shapes[dataset]
    pspec = ctx.manifest.datasets[dataset]
    written = [
        n
        for n in parent.field_names
        if n not in pspec.exclude and not isinstance(pspec.fields.get(n), S.SkipSpec)
    ]
    if target not in parent.field_names and (
        parent.kind != "schemaless" or target not in pspec.fields
    ):
        ctx.problem(
            f"dataset '{dataset}' has no field '{target}' (ref {dataset}.{target})",
            *where,
            hint=did_you_mean(target, written),
            code="SR-E021",
        )
        return None
    if target not in written:
        ctx.warnings.append(
            f"{ctx.name}.{fname} refers to {dataset}.{target}, which {dataset} excludes or "
            "skips: its values come only from a handler that returns written rows, else null"
        )
    via_parent = ctx.per == dataset
    picker = None if via_parent else C.FunctionColumn(ctx.seed(fname, "ref"), _uniform)
    plan = FieldPlan(
        fname,
        "ref",
        f"ref {dataset}.{target}" + (" (parent)" if via_parent else ""),
        column=picker,
        ref=RefPlan(dataset, target, via_parent),
        null_probability=null_p,
    )
    if null_p > 0:
        plan.null_column = C.FunctionColumn(ctx.seed(fname, "null"), _uniform)
    return plan


def _uniform(rng: Any) -> float:
    return float(rng.random())


def _inferred(ctx: DatasetContext, fname: str, fshape: FieldShape | None) -> FieldPlan | None:
    if fshape is None:
        ctx.problem(
            f"field '{fname}' has no spec and the dataset has no model",
            "fields",
            hint="give every field a spec, or a model:",
            code="SR-E021",
        )
        return None
    fk = fshape.foreign_key
    if fk is not None:
        dataset = ctx.tables.get(fk.table)
        if dataset is not None and dataset != ctx.name:
            return _ref(ctx, fname, dataset, fk.column, 0.0, ())
        if fshape.optional:
            if dataset != ctx.name:
                ctx.warnings.append(
                    f"{ctx.name}.{fname} references table {fk.table}, which no "
                    "dataset seeds: left null"
                )
            return FieldPlan(fname, "column", "null (foreign key)", column=C.ConstantColumn(None))
        if dataset != ctx.name:
            ctx.problem(
                f"{ctx.name}.{fname} references table '{fk.table}', which no dataset seeds",
                hint=f"add a dataset with model or table '{fk.table}', or give {fname} a spec",
                code="SR-E030",
            )
            return None
        ctx.problem(
            f"{ctx.name}.{fname} is a NOT NULL foreign key to its own table; self-references "
            "are not generated yet",
            "model",
            hint=f"make {fname} nullable (it is left null), or give it a spec",
            code="SR-E031",
        )
        return None
    locales = ctx.locales(fname)
    collections = ctx.manifest.defaults.collections
    try:
        col = infer_column(
            fshape,
            seed=ctx.seed(fname),
            fakers=ctx.fakers.many(locales),
            now=ctx.now,
            collections=(collections.min_items, collections.max_items),
            dataset=ctx.name,
        )
    except GenerationError as exc:
        ctx.problem(
            f"cannot generate {ctx.name}.{fname}: {exc}",
            "model",
            hint=f"give {fname} a spec under fields:",
            code="SR-E042",
        )
        return None
    if fshape.unique and not fshape.primary_key:
        col = _unique(ctx, fname, col)
    return FieldPlan(fname, "column", "inferred", column=col)


def _templates(
    ctx: DatasetContext, templates: dict[str, Any], output: list[str]
) -> list[FieldPlan]:
    compiled = {}
    parent_fields = ctx.shapes[ctx.per].field_names if ctx.per is not None else None
    for fname, value in templates.items():
        text = value.template if isinstance(value, S.TemplateSpec) else value
        fshape = ctx.shape.field(fname)
        locales = ctx.locales(fname)
        where: tuple[str | int, ...] = ("datasets", ctx.name, "fields", fname)
        if isinstance(value, S.TemplateSpec):
            where = (*where, "template")
        try:
            compiled[fname] = compile_template(
                fname,
                text,
                fields=output,
                parent_fields=parent_fields,
                var_names=ctx.var_names,
                seed=ctx.seed(fname),
                fakers=ctx.fakers.many(locales),
                type_shape=fshape.type if fshape else None,
            )
        except (TemplateSyntaxError, TemplateCheckError) as exc:
            prob = template_problem(exc, where, ctx.source)
            if isinstance(exc, TemplateCheckError):
                prob = Problem(
                    str(exc), location=prob.location, path=prob.path, hint=exc.hint, code="SR-E041"
                )
            ctx.out.extend([prob])
    order = graphlib.TopologicalSorter({n: t.deps & set(compiled) for n, t in compiled.items()})
    try:
        names = list(order.static_order())
    except graphlib.CycleError as exc:
        cycle = " -> ".join(exc.args[1])
        ctx.problem(
            f"templates read each other in a cycle: {cycle}",
            "fields",
            hint="one of them must not use the other",
            code="SR-E031",
        )
        return []
    plans = []
    for n in names:
        plan = FieldPlan(n, "template", "template", template=compiled[n])
        spec = templates[n]
        fshape = ctx.shape.field(n)
        plan.unique = bool(fshape and fshape.unique and not fshape.primary_key)
        if isinstance(spec, S.TemplateSpec):
            plan.unique = plan.unique or spec.unique
            if spec.null_probability > 0:
                plan.null_probability = spec.null_probability
                plan.null_column = C.FunctionColumn(ctx.seed(n, "null"), _uniform)
        plans.append(plan)
    return plans
