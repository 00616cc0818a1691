"""Values a field spec gives a foreign-key column, checked against the parent's keys at plan.

A constant, a choice or a sequence on ``orders.customer_id`` is written as is, so a value the
parent never had fails the foreign key at apply, after earlier datasets were written.  When
both sides are known while planning (the parent's keys are ids 1..N or another plain
sequence; the child's values are listed or counted) a value outside the keys is a located
problem; when either side is drawn at run time (a faker, a template, keys the database
assigns) the plan says it cannot check them.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from typing import Any

from seedrunner.errors import ProblemCollector
from seedrunner.generate import columns as C
from seedrunner.manifest import schema as S
from seedrunner.manifest.source import SourceMap
from seedrunner.plan.steps import DatasetPlan

_ALL_FOUND = object()
_LISTED = 100_000  # at most this many formatted parent keys are listed to check against


def check_foreign_key_values(
    dp: DatasetPlan,
    ds: S.DatasetSpec,
    built: dict[str, DatasetPlan],
    tables: dict[str, str],
    source: SourceMap,
    out: ProblemCollector,
    warnings: list[str],
) -> None:
    """Problems (values outside the parent's keys) and warnings (cannot be known) for every
    spec ``ds`` gives a foreign key to another dataset planned before it."""
    for f in dp.shape.fields:
        fk = f.foreign_key
        parent = tables.get(fk.table) if fk is not None else None
        if fk is None or parent is None or parent == dp.name or parent not in built:
            continue
        if f.name not in ds.fields or not _checked(ds.fields[f.name]):
            continue
        spec = ds.fields[f.name]
        path = ("datasets", dp.name, "fields", f.name)
        label = f"{dp.name}.{f.name}"
        at = source.locate(path)
        where = f" ({at})" if at else ""
        values = _spec_values(spec, dp.count.total)
        keys = _parent_keys(built[parent], fk.column)
        if values is None or keys is None:
            unknown = "its values are drawn at apply" if values is None else (
                f"{parent}'s {fk.column} values are only known at apply"
            )  # fmt: skip
            warnings.append(
                f"{label}{where} is a foreign key to {parent}.{fk.column} with a spec of its "
                f"own: {unknown}, so they are not checked against {parent}'s keys; a value "
                f"{parent} does not have fails at apply (prefer {{ref: {parent}.{fk.column}}})"
            )
            continue
        bad = _first_missing(values, keys)
        if bad is not _ALL_FOUND:
            problem = source.problem(
                f"{label}: value {bad!r} is not among {parent}'s keys ({parent}.{fk.column} "
                f"is {_describe(keys)}): the foreign key would fail at apply",
                path,
                hint=f"write {f.name}: {{ref: {parent}.{fk.column}}} (a seeded pick of "
                f"{parent}'s rows), or keep the values within {_describe(keys)}",
                code="SR-E030",
            )
            out.extend([problem])


def _checked(spec: Any) -> bool:
    """A spec that writes values of its own, with no ``depends_on`` saying where they live."""
    if spec is None or isinstance(spec, S.RefSpec | S.SkipSpec):
        return False
    if isinstance(spec, S.ValueSpec) and spec.value is None:
        return False
    return getattr(spec, "depends_on", None) is None


def _spec_values(spec: Any, total: int) -> Iterable[Any] | None:
    """Every value the spec writes (nulls left out), or None when they are drawn at apply."""
    if isinstance(spec, S.ValueSpec):
        return [spec.value]
    if isinstance(spec, S.ChoiceSpec):
        return [v for v in spec.choice if v is not None]
    if isinstance(spec, S.SequenceSpec):
        numbers = range(spec.start, spec.start + spec.step * total, spec.step or 1)
        if spec.step == 0:
            numbers = range(spec.start, spec.start + 1) if total else range(0)
        fmt = spec.sequence
        return numbers if fmt is None else (fmt.format(i, n=i) for i in numbers)
    if isinstance(spec, S.Spec) or (isinstance(spec, str) and ("{{" in spec or "{%" in spec)):
        return None  # a faker or a template
    return [spec]  # a scalar


def _parent_keys(parent: DatasetPlan, column: str) -> Collection[Any] | None:
    """The parent's values of ``column`` when they are a pure function of the row index."""
    plan = next((f for f in parent.fields if f.name == column), None)
    if plan is None or plan.kind != "column" or plan.null_column is not None:
        return None
    col, total = plan.column, parent.count.total
    if type(col) is C.SequenceColumn and col.step != 0:
        numbers = range(col.start, col.start + col.step * total, col.step)
        if col.fmt is None:
            return numbers
        if total <= _LISTED:  # formatted keys: listed when there are few enough
            return frozenset(col.fmt.format(n, n=n) for n in numbers)
    if type(col) is C.ConstantColumn:
        return [col.value] if total else []
    return None


def _first_missing(values: Iterable[Any], keys: Collection[Any]) -> Any:
    """The first value not among ``keys`` (ints given as text compare as ints)."""
    if isinstance(values, range) and isinstance(keys, range) and len(values):
        ends = values[0] in keys and values[-1] in keys
        if ends and (len(values) == 1 or values.step % keys.step == 0):
            return _ALL_FOUND
    as_key: Callable[[Any], Any] = _int_text if isinstance(keys, range) else _same
    for v in values:
        if as_key(v) not in keys:
            return v
    return _ALL_FOUND


def _int_text(v: Any) -> Any:
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v)
    return v


def _same(v: Any) -> Any:
    return v


def _describe(keys: Collection[Any]) -> str:
    if isinstance(keys, range):
        if not keys:
            return "empty (no rows)"
        step = f" step {keys.step}" if keys.step != 1 else ""
        return f"{keys[0]}..{keys[-1]}{step}"
    shown = sorted(keys, key=repr)
    text = ", ".join(repr(k) for k in shown[:3]) or "empty (no rows)"
    return text + (f", ... ({len(shown):,} keys)" if len(shown) > 3 else "")
