"""Compile a dataset's transforms: built-ins checked against the fields they touch,
templates compiled and sandbox-checked, callables imported, all with located problems."""

from __future__ import annotations

import inspect
from collections.abc import Sequence
from typing import Any

from jinja2 import TemplateSyntaxError

from seedrunner.errors import ProblemCollector
from seedrunner.generate.streams import derive_seed
from seedrunner.generate.templates import TemplateCheckError, compile_template
from seedrunner.hashing import HashUnavailable, hasher
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.manifest.locate import did_you_mean
from seedrunner.models import ModelReferenceError, import_object
from seedrunner.plan.steps import TransformPlan
from seedrunner.plugins import (
    TRANSFORM_GROUP,
    PluginImportError,
    load_entry_point,
    standard_library_origin,
)


class _Compiler:
    def __init__(
        self, m: Manifest, dataset: str, seed: int, fields: Sequence[str], out: ProblemCollector
    ) -> None:
        self.m, self.dataset, self.seed, self.out = m, dataset, seed, out
        self.fields = list(fields)  # the row's fields at the current step, when known
        self.known = True  # a callable may add or drop anything: names unchecked after it

    def problem(self, message: str, path: tuple[str | int, ...], hint: str | None = None) -> None:
        self.out.extend([self.m.source.problem(message, path, hint=hint, code="SR-E020")])

    def need(self, names: Sequence[str], path: tuple[str | int, ...], what: str) -> bool:
        missing = [n for n in names if self.known and n not in self.fields]
        for n in missing:
            self.problem(
                f"{what} names field '{n}', which rows of '{self.dataset}' do not have here",
                path,
                did_you_mean(n, self.fields),
            )
        return not missing

    def entry(self, entry: Any, path: tuple[str | int, ...]) -> TransformPlan | None:
        if isinstance(entry, S.DropTransform):
            self.need(entry.drop, path, "drop")
            self.fields = [f for f in self.fields if f not in entry.drop]
            return TransformPlan("drop", "drop", args=list(entry.drop))
        if isinstance(entry, S.RenameTransform):
            self.need(list(entry.rename), path, "rename")
            self.fields = [entry.rename.get(f, f) for f in self.fields]
            return TransformPlan("rename", "rename", args=dict(entry.rename))
        if isinstance(entry, S.SetTransform):
            self.fields += [f for f in entry.set if f not in self.fields]
            return TransformPlan("set", "set", args=dict(entry.set))
        if isinstance(entry, S.TemplateTransform):
            return self.template(entry, path)
        if isinstance(entry, S.HashTransform):
            return self.hash(entry, path)
        return self.call(entry, path)

    def template(self, entry: S.TemplateTransform, path: tuple[str | int, ...]) -> TransformPlan:
        compiled = {}
        for name, text in entry.template.items():
            try:
                compiled[name] = compile_template(
                    name, text,
                    fields=self.fields if self.known else [*self.fields, name],
                    parent_fields=None, var_names=list(self.m.vars),
                    seed=derive_seed(self.seed, "transform", name), fakers=[], type_shape=None,
                )  # fmt: skip
            except (TemplateSyntaxError, TemplateCheckError) as exc:
                hint = getattr(exc, "hint", None)
                self.problem(f"template transform '{name}': {exc}", (*path, "template", name), hint)
        self.fields += [f for f in entry.template if f not in self.fields]
        return TransformPlan("template", "template", args=compiled)

    def hash(self, entry: S.HashTransform, path: tuple[str | int, ...]) -> TransformPlan | None:
        self.need(entry.hash, path, "hash")
        try:
            fn = hasher(entry.algorithm, entry.rounds)
        except HashUnavailable as exc:
            self.problem(str(exc), (*path, "algorithm"))
            return None
        return TransformPlan(f"hash:{entry.algorithm}", "hash", fn=fn, args=list(entry.hash))

    def call(self, entry: Any, path: tuple[str | int, ...]) -> TransformPlan | None:
        ref = entry if isinstance(entry, str) else entry.call
        args = {} if isinstance(entry, str) else entry.options
        python_path = [(self.m.base_dir / p).resolve() for p in self.m.spec.python_path]
        try:
            fn = _entry_point(ref) if ":" not in ref else None
            if fn is None:
                fn = import_object(ref, base_dir=self.m.base_dir, python_path=python_path)
        except ModelReferenceError as exc:
            self.problem(exc.message.replace("model", "transform"), path, exc.hint)
            return None
        why = _not_a_transform(fn)
        if why is not None:
            self.problem(
                f"transform '{ref}' is not a function taking (batch, ctx) ({why})",
                path,
                "a transform is a function you wrote: def my_transform(batch, ctx): ...",
            )
            return None
        self.known = False
        return TransformPlan(ref, "call", fn=fn, args=args)


def compile_transforms(
    m: Manifest,
    dataset: str,
    ds: S.DatasetSpec,
    out: ProblemCollector,
    *,
    seed: int = 0,
    fields: Sequence[str] = (),
) -> list[TransformPlan]:
    """The dataset's transforms in order; ``fields`` are the rows' fields before the first."""
    compiler = _Compiler(m, dataset, seed, fields, out)
    plans: list[TransformPlan] = []
    for i, entry in enumerate(ds.transforms):
        plan = compiler.entry(entry, ("datasets", dataset, "transforms", i))
        if plan is not None:
            plans.append(plan)
    return plans


def _entry_point(name: str) -> Any:
    """A transform installed by a distribution under the ``seedrunner.transforms`` group."""
    try:
        found = load_entry_point(TRANSFORM_GROUP, name, "transform")
    except PluginImportError as exc:
        raise ModelReferenceError(exc.message, exc.hint) from None
    return None if found is None else found[0]


def _not_a_transform(fn: Any) -> str | None:
    """Why ``fn`` is not a transform, found without calling it; None when it is one."""
    if isinstance(fn, type) or not callable(fn):
        return f"it is a {'class' if isinstance(fn, type) else type(fn).__name__}"
    origin = standard_library_origin(fn)
    if origin is not None:
        return f"it comes from the standard library module '{origin}'"
    try:
        inspect.signature(fn).bind(None, None)
    except TypeError:
        return "it cannot be called with (batch, ctx)"
    except ValueError:
        return "its signature cannot be read"
    return None
