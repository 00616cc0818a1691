"""Containers: lists, sets and tuples of another gen's items, nested models, JSON.

Sets come out as lists of distinct items (JSON-friendly, hashable by ``UniqueColumn``;
pydantic turns them into sets), tuples as tuples, and ``json`` as a small dict.  The item
and field gens come from the caller (``typed.type_gen``, infer's ``field_gen``), so this
module does not depend on the dispatcher.
"""

from __future__ import annotations

import random
from typing import Any

from seedrunner.errors import GenerationError
from seedrunner.generate.choices import words
from seedrunner.generate.gens import Context, FnGen, Gen
from seedrunner.models.shape import TypeShape


class ListGen(Gen):
    """Lists of ``lo .. hi`` items; ``distinct`` for sets (fewer if the items run out)."""

    def __init__(self, item: Gen, lo: int, hi: int, distinct: bool, as_tuple: bool) -> None:
        if distinct and item.capacity is not None:
            hi = min(hi, item.capacity)
            lo = min(lo, hi)
        self.item, self.lo, self.span = item, lo, hi - lo + 1
        self.distinct, self.as_tuple = distinct, as_tuple

    def one(self, rng: random.Random) -> Any:
        k = self.lo + int(rng.random() * self.span)
        one = self.item.one
        if not self.distinct:
            items = [one(rng) for _ in range(k)]
        else:
            items, seen = [], set()
            for _ in range(10 * k + 10):
                if len(items) >= k:
                    break
                v = one(rng)
                key = repr(v)
                if key not in seen:
                    seen.add(key)
                    items.append(v)
        return tuple(items) if self.as_tuple else items


class ModelGen(Gen):
    """Dicts of a nested model's fields, all drawn from one rng (items of a list of models)."""

    def __init__(self, fields: list[tuple[str, Gen]]) -> None:
        self.fields = fields

    def one(self, rng: random.Random) -> dict[str, Any]:
        return {name: gen.one(rng) for name, gen in self.fields}


def list_gen(t: TypeShape, ctx: Context, item: Gen) -> ListGen:
    """Lists of ``item`` (the gen of ``t.item``) within the lengths or the context's sizes."""
    cmin, cmax = ctx.collections
    lo = t.min_length if t.min_length is not None else min(cmin, t.max_length or cmin)
    hi = t.max_length if t.max_length is not None else max(cmax, lo)
    if hi < lo:
        raise GenerationError(f"{ctx.label}: min_length is above max_length")
    return ListGen(item, lo, hi, distinct=t.kind == "set", as_tuple=t.kind == "tuple")


def model_gen(t: TypeShape, ctx: Context) -> Gen:
    if t.nested is None or ctx.field_gen is None:
        return FnGen(lambda rng: {}, capacity=1)
    pick = ctx.field_gen
    return ModelGen([(f.name, pick(f, ctx.at(f.name))) for f in t.nested.fields])


def json_gen(ctx: Context) -> Gen:
    w = words(ctx)

    def draw(rng: random.Random) -> dict[str, Any]:
        return {"key": w.one(rng), "value": int(rng.random() * 1000)}

    return FnGen(draw)
