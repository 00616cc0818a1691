"""A reference into a parent field of another type: converted when lossless, else refused.

A ``ref`` (or a foreign key) from a string column to a UUID key, or to an integer id, is
common in real schemas (a ``VARCHAR(36)`` holding a UUID, a ``code`` column holding ids).
The parent's values then become strings on the way (``RefPlan.convert``).  A conversion
that could lose or garble a value (a string into an integer, an id into a string too short
for it, a date into a number) is a plan error naming both fields and both types, rather
than a validation error halfway through apply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from decimal import Decimal
from typing import Any

from seedrunner.models.shape import FieldShape
from seedrunner.plan.context import DatasetContext
from seedrunner.plan.steps import FieldPlan

#: converter name -> function of a parent value (never called with None)
CONVERTERS: dict[str, Callable[[Any], Any]] = {"str": str, "float": float, "decimal": Decimal}

#: widest int64, sign included
_INT_WIDTH = 20
_UUID_WIDTH = 36
#: kinds that hold anything (unknown SQL types, JSON, schemaless fields): taken as they are
_OPEN = frozenset({"any", "json"})


def check_ref_types(
    ctx: DatasetContext, fields: list[FieldPlan], totals: Mapping[str, int]
) -> None:
    """Set each ref's conversion, or report the ref whose types cannot meet (edits fields)."""
    for f in fields:
        ref = f.ref
        if ref is None or ref.dataset not in ctx.shapes:
            continue
        parent = ctx.shapes[ref.dataset].field(ref.field)
        child = ctx.shape.field(f.name)
        if parent is None or child is None:
            continue
        width = _width(ctx, ref.dataset, parent, totals.get(ref.dataset, 0))
        convert, why = conversion(parent, child, width)
        if why is not None:
            written = f.name in ctx.spec.fields
            where: tuple[str | int, ...] = (
                ("fields", f.name) if written else ("table" if ctx.spec.table else "model",)
            )
            ctx.problem(
                f"{ctx.name}.{f.name} ({_kind(child)}) refers to {ref.dataset}.{ref.field} "
                f"({_kind(parent)}): {why}",
                *where,
                hint=f"refer to a {_kind(child)} field of {ref.dataset}, make {f.name} a "
                f"{_kind(parent)}, or give {f.name} a spec of its own",
                code="SR-E044",
            )
        elif convert is not None:
            f.ref = replace(ref, convert=convert)
            f.source += f" (as {convert})"


def conversion(parent: FieldShape, child: FieldShape, width: int) -> tuple[str | None, str | None]:
    """(converter name or None, why it cannot convert or None).  ``width``: the most
    characters the parent's values take as text."""
    pk, ck = _family(parent), _family(child)
    if pk == ck or pk in _OPEN or ck in _OPEN:
        return None, None
    if ck == "str" and pk in ("uuid", "int"):
        need = _UUID_WIDTH if pk == "uuid" else width
        room = child.type.max_length
        if room is not None and room < need:
            return None, f"its values take up to {need} characters, the column holds {room}"
        return "str", None
    if pk == "int" and ck in ("float", "decimal"):
        return ck, None
    return None, f"{pk} values do not convert to {ck} without loss"


def _family(f: FieldShape) -> str:
    """The kind of value a field holds: an enum or Literal of ints holds ints (the
    validator checks the members), one of mixed values anything."""
    t = f.type
    if t.kind not in ("enum", "literal"):
        return t.kind
    values = {type(getattr(c, "value", c)) for c in t.choices}
    if values == {int}:
        return "int"
    return "str" if values == {str} else "any"


def _width(ctx: DatasetContext, dataset: str, parent: FieldShape, total: int) -> int:
    """How many characters the parent's int values can take as text."""
    spec = ctx.manifest.datasets[dataset]
    t = parent.type
    if parent.primary_key and parent.name not in spec.fields and parent.name not in spec.exclude:
        return len(str(max(total, 1)))  # seedrunner numbers it 1..N
    hi = t.le if t.le is not None else (t.lt - 1 if t.lt is not None else None)
    lo = t.ge if t.ge is not None else (t.gt + 1 if t.gt is not None else None)
    if hi is None or lo is None:
        return _INT_WIDTH
    return max(len(str(int(hi))), len(str(int(lo))))


def _kind(f: FieldShape) -> str:
    t = f.type
    if t.kind == "str" and t.max_length is not None:
        return f"str of at most {t.max_length}"
    return t.kind
