"""Values a field spec gives a foreign-key column, checked against the parent's keys at plan.

A constant, a choice, a sequence, a template or a faker on ``orders.customer_id`` is written
as is, so a value the parent never had fails the foreign key at apply, after earlier
datasets were written.  When the parent's keys are known while planning (ids 1..N or
another sequence; any key its own generators make, fixed rows and lookups included, up to
``_LISTED`` rows) the child's values are checked: all of those listed or counted, and for a
template or a faker those of a sample of rows drawn as apply draws them (plan/fksamples.py).
A value outside the keys is a located problem; where either side is only known at apply
(keys the database assigns, a template reading a ref's pick) the plan says it cannot check.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from seedrunner.errors import Problem, ProblemCollector
from seedrunner.generate import columns as C
from seedrunner.manifest import schema as S
from seedrunner.manifest.source import SourceMap
from seedrunner.plan.fksamples import sampled_values
from seedrunner.plan.steps import DatasetPlan

_ALL_FOUND = object()
_LISTED = 100_000  # at most this many formatted parent keys are listed to check against
_REWRITING = frozenset({"call", "template", "set", "rename"})  # transforms that may move keys


@dataclass(frozen=True)
class PlanInputs:
    """What a template needs to render at plan as at apply, and the lookup tables read."""

    now: Any
    variables: Mapping[str, Any]
    lookups: Mapping[tuple[str, str], Any] = field(default_factory=dict)  # plan.lookups


@dataclass(frozen=True)
class _Parent:
    """Where a foreign key's values must be found, as messages name it."""

    owner: str  # "album", or "table country" (a table no dataset seeds)
    column: str  # "album.album_id"
    ref: str  # the ref that picks among them
    keys: Collection[Any] | None  # None: only known at apply


def check_foreign_key_values(
    dp: DatasetPlan,
    ds: S.DatasetSpec,
    built: dict[str, DatasetPlan],
    tables: dict[str, str],
    source: SourceMap,
    out: ProblemCollector,
    warnings: list[str],
    inputs: PlanInputs,
) -> None:
    """Problems (values outside the parent's keys) and warnings (cannot be known) for every
    spec ``ds`` gives a foreign key to another dataset planned before it, or to a table no
    dataset seeds whose rows were read at plan."""
    for f in dp.shape.fields:
        spec = ds.fields.get(f.name)
        if f.foreign_key is None or not writes_own_values(spec):
            continue
        found = _parent(dp, f.name, f.foreign_key, built, tables, inputs)
        if found is None:
            continue
        path = ("datasets", dp.name, "fields", f.name)
        values = _spec_values(spec, dp.count.total)
        sampled = None
        if values is None and found.keys is not None:  # a template or a faker: a sample
            sampled = sampled_values(dp, f.name, inputs.now, inputs.variables)
        if found.keys is None or (values is None and sampled is None):
            at = source.locate(path)
            unknown = (
                f"{found.column} values are only known at apply"
                if found.keys is None
                else "its values read what only apply knows (a ref's pick, the parent row)"
            )
            warnings.append(
                f"{dp.name}.{f.name}{f' ({at})' if at else ''} is a foreign key to "
                f"{found.column} with a spec of its own: {unknown}, so they are not checked "
                f"against {found.owner}'s keys; a value {found.owner} does not have fails at "
                f"apply (prefer {found.ref})"
            )
            continue
        bad = _first_bad(values, sampled, found.keys)
        if bad is not None:
            out.extend([_problem(dp.name, f.name, bad, found, path, source)])


def _parent(
    dp: DatasetPlan,
    name: str,
    fk: Any,
    built: dict[str, DatasetPlan],
    tables: dict[str, str],
    inputs: PlanInputs,
) -> _Parent | None:
    """The parent a foreign key's values must be among; None when nothing can be said (a
    self-reference, a parent planned later, a table no dataset seeds that was not read)."""
    parent = tables.get(fk.table)
    if parent is not None:
        if parent == dp.name or parent not in built:
            return None
        keys = _parent_keys(built[parent], fk.column)
        return _Parent(parent, f"{parent}.{fk.column}", f"{{ref: {parent}.{fk.column}}}", keys)
    lookup = inputs.lookups.get((dp.name, name))
    if lookup is None or not lookup.values:
        return None
    return _Parent(
        f"table {fk.table}",
        f"{fk.table}.{fk.column}",
        f"{{ref: {{table: {fk.table}, column: {fk.column}}}}}",
        frozenset(_as_key(v) for v in lookup.values),
    )


def _first_bad(
    values: Iterable[Any] | None, sampled: list[tuple[int, Any]] | None, keys: Collection[Any]
) -> tuple[int | None, Any] | None:
    """(row or None, value) of the first value not among ``keys``; None when all are."""
    if sampled is not None:
        return next(((r, v) for r, v in sampled if v is not None and not _among(v, keys)), None)
    assert values is not None
    bad = _first_missing(values, keys)
    return None if bad is _ALL_FOUND else (None, bad)


def _problem(
    dataset: str,
    name: str,
    bad: tuple[int | None, Any],
    parent: _Parent,
    path: tuple[str, ...],
    source: SourceMap,
) -> Problem:
    row, value = bad
    what = f"value {value!r} is" if row is None else f"row {row} gets {value!r}, which is"
    keys = _describe(parent.keys or ())
    drawn = "" if row is None else " (a sample of rows drawn at plan as apply draws them)"
    return source.problem(
        f"{dataset}.{name}: {what} not among {parent.owner}'s keys ({parent.column} is "
        f"{keys}): the foreign key would fail at apply{drawn}",
        path,
        hint=f"write {name}: {parent.ref} (a seeded pick of {parent.owner}'s rows), keep the "
        f"values within {keys}, or add depends_on: [] to the field if the values are meant "
        "for rows that exist already",
        code="SR-E030",
    )


def _among(value: Any, keys: Collection[Any]) -> bool:
    if isinstance(keys, range):
        return _int_text(value) in keys
    return _as_key(value) in keys


def writes_own_values(spec: Any) -> bool:
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
    if any(t.kind in _REWRITING for t in parent.transforms):
        return None  # a transform may give the keys other values, or another name
    col, total = plan.column, parent.count.total
    if type(col) is C.SequenceColumn and col.step != 0:
        numbers = range(col.start, col.start + col.step * total, col.step)
        if col.fmt is None:
            return numbers
        if total <= _LISTED:  # formatted keys: listed when there are few enough
            return frozenset(_as_key(col.fmt.format(n, n=n)) for n in numbers)
    if type(col) is C.ConstantColumn:
        return [_as_key(col.value)] if total else []
    if col is None or total > _LISTED:
        return None
    try:  # its own generators (fixed rows, a lookup, a faker): drawn as apply draws them
        return frozenset(_as_key(v) for v in col.values(0, total))
    except Exception:  # apply reports it
        return None


def _first_missing(values: Iterable[Any], keys: Collection[Any]) -> Any:
    """The first value not among ``keys`` (ints given as text compare as ints)."""
    if isinstance(values, range) and isinstance(keys, range) and len(values):
        ends = values[0] in keys and values[-1] in keys
        if ends and (len(values) == 1 or values.step % keys.step == 0):
            return _ALL_FOUND
    as_key: Callable[[Any], Any] = _int_text if isinstance(keys, range) else _as_key
    for v in values:
        if as_key(v) not in keys:
            return v
    return _ALL_FOUND


def _int_text(v: Any) -> Any:
    if isinstance(v, str) and v.strip().lstrip("-").isdigit():
        return int(v)
    return v


def _as_key(v: Any) -> Any:
    """A key as it compares across types: ints (and their text) as ints, the rest as text
    (a UUID and its string form are the same key; trailing blanks ignored, as CHAR(n)
    comparisons do)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, int):
        return v
    text = str(v).rstrip(" ")
    return int(text) if text.strip().lstrip("-").isdigit() else text


def _describe(keys: Collection[Any]) -> str:
    if isinstance(keys, range):
        if not keys:
            return "empty (no rows)"
        step = f" step {keys.step}" if keys.step != 1 else ""
        return f"{keys[0]}..{keys[-1]}{step}"
    shown = sorted(keys, key=repr)
    text = ", ".join(repr(k) for k in shown[:3]) or "empty (no rows)"
    return text + (f", ... ({len(shown):,} keys)" if len(shown) > 3 else "")
