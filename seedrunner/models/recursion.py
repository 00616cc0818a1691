"""Models that contain themselves (``children: list[Node]``, A -> B -> A), shaped to a depth.

A recursive model has no finite shape, so shaping unrolls it.  A path of nesting (Tree ->
Node -> Node ...) goes one level deeper each time it comes back to a model already on it
(Node -> Node, or Team -> Member -> Team -> Member: two levels), and the field that would
go past ``max_depth`` levels (``defaults.max_depth``, default 2) is *closed* by
``defaults.on_cycle``:

* ``empty`` (the default): a list, set or tuple of the model is empty there; a field that
  holds the model itself is None where it accepts None;
* ``null``: the field is None (only where the field accepts None);
* ``error``: no recursive model is generated at all.

A field at the limit that cannot be closed (a required ``lead: Member``, a list with
``min_length`` above 0, ``null`` on a field that refuses None) lets the path go one level
further, to the next field round the cycle that can; when no field of the cycle can, it is a
``RecursiveModelError``: a plan problem naming the model, the field and the cycle, with a
way out.

Counting levels along the whole path (not per model) keeps paths short when several models
refer to each other (User -> Post -> Comment -> User ...); what is left is bounded twice:
shaping stops past ``MAX_SHAPES`` nested shapes, and ``check_row_size`` refuses a model
whose rows could hold more than ``MAX_NESTED`` nested objects with the manifest's list
sizes, so a plan never hangs and a batch never holds millions of dicts.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from seedrunner.models.imports import ModelReferenceError
from seedrunner.models.shape import ModelShape, TypeShape

OnCycle = Literal["empty", "null", "error"]
MAX_DEPTH = 2
MAX_SHAPES = 5_000  # nested shapes one model may unroll into
MAX_NESTED = 10_000  # nested objects one generated row may hold
CONTAINERS = ("list", "set", "tuple")


class RecursiveModelError(ModelReferenceError):
    """A self-containing field that ``on_cycle`` cannot close at ``max_depth``."""

    code = "SR-E031"


class Unclosable(RecursiveModelError):
    """This field cannot end the recursion; another one round the cycle may."""


@dataclass(frozen=True)
class Nesting:
    """The models being shaped (outermost first) and how deep a model may contain itself."""

    models: tuple[type, ...] = ()
    max_depth: int = MAX_DEPTH
    on_cycle: OnCycle = "empty"
    max_items: int = 3  # the longest generated list (defaults.collections), for row sizes
    depth: int = 0  # how often this path came back to a model already on it
    allow: int = 0  # levels past max_depth, to reach a field that can end the recursion
    #: nested shapes made so far for the outermost model (shared along its paths)
    shaped: list[int] = dataclasses.field(default_factory=lambda: [0], compare=False, repr=False)

    def enter(self, model: type) -> Nesting:
        shaped = self.shaped if self.models else [0]
        shaped[0] += 1
        if shaped[0] > MAX_SHAPES:
            top = self.models[0].__name__
            raise RecursiveModelError(
                f"model {top} nests more than {MAX_SHAPES:,} models at max_depth "
                f"{self.max_depth} (its models refer to each other: ... -> {model.__name__})",
                hint="lower defaults.max_depth, or give the fields that nest specs",
            )
        return dataclasses.replace(
            self,
            models=(*self.models, model),
            depth=self.depth + (model in self.models),
            shaped=shaped,
        )

    def cuts(self, model: type) -> bool:
        """Would ``model`` here take the path past ``max_depth`` levels?"""
        return model in self.models and self.depth >= self.max_depth + self.allow

    def cycle(self, model: type) -> tuple[str, ...]:
        """The models from ``model``'s last occurrence back to it: ("A", "B", "A")."""
        last = len(self.models) - 1 - self.models[::-1].index(model)
        return tuple(m.__name__ for m in (*self.models[last:], model))


ROOT = Nesting()


def cut(model: type, nesting: Nesting) -> TypeShape:
    """The shape of ``model`` where it would nest too deep: a model with no fields."""
    return TypeShape("model", nested=None, cycle=nesting.cycle(model))


def field_type(
    field: str, shape_of: Callable[[Nesting], tuple[TypeShape, bool]], nesting: Nesting
) -> tuple[TypeShape, bool]:
    """The type of ``field`` and whether it takes None, a cut recursion closed by on_cycle.

    ``shape_of`` shapes the field's annotation under a nesting; ``nesting`` ends with the
    model that owns the field.  A field at the limit that cannot end the recursion (a
    required ``lead: Member``) is shaped one level deeper, so that the next field round the
    cycle that can (``Member.teams: list[Team]``) does; when none can, the refusal stands.
    """
    shape, optional = shape_of(nesting)
    try:
        return close(field, shape, optional, nesting), optional
    except Unclosable:
        if nesting.allow >= len(set(nesting.models)):  # been round every model of the path
            raise
    return field_type(field, shape_of, dataclasses.replace(nesting, allow=nesting.allow + 1))


def close(field: str, shape: TypeShape, optional: bool, nesting: Nesting) -> TypeShape:
    """``shape`` of ``field`` with a cut recursion replaced by what ``on_cycle`` says.

    ``nesting`` holds the model that owns ``field`` last.  Raises RecursiveModelError when
    the field cannot be closed.
    """
    containers = []
    inner = shape
    while inner.kind in CONTAINERS and inner.item is not None:
        containers.append(inner)
        inner = inner.item
    if inner.kind != "model" or not inner.cycle:
        return shape
    owner = nesting.models[-1].__name__
    where = f"{owner}.{field}"
    cycle = " -> ".join(inner.cycle)
    policy = nesting.on_cycle
    if policy == "error":
        raise RecursiveModelError(
            f"model {owner} contains itself: {where} goes round the cycle {cycle}, and "
            f"on_cycle is error (past max_depth {nesting.max_depth})",
            hint="set defaults: {on_cycle: empty} (an empty list, or null, at the depth "
            "limit), or give the field a value spec",
        )
    if policy == "empty" and containers:
        outer = containers[0]
        if outer.min_length:
            raise Unclosable(
                f"{where} ({cycle}) needs at least {outer.min_length} item(s) and no other "
                "field round the cycle can end it, so the recursion cannot stop",
                hint=f"allow an empty {outer.kind} (min_length 0), or give the field a spec",
            )
        return dataclasses.replace(outer, min_length=0, max_length=0)
    if optional:
        return TypeShape("literal", choices=(None,), cycle=inner.cycle)
    if policy == "null":
        hint = f"make {where} optional ({inner.cycle[-1]} | None)"
        if containers:
            empty = f"on_cycle: empty (an empty {containers[0].kind} at the limit)"
            hint = f"{empty}, or make {where} optional"
        raise Unclosable(
            f"on_cycle is null but {where} ({cycle}) does not accept None, nor does any "
            "other field round the cycle, so the recursion cannot stop",
            hint=hint,
        )
    raise Unclosable(
        f"{where} always holds another {inner.cycle[-1]} ({cycle}) and no other field round "
        "the cycle can end it, so the recursion cannot stop",
        hint=f"make {where} optional ({inner.cycle[-1]} | None) or a list, or give it a spec",
    )


def check_row_size(shape: ModelShape, nesting: Nesting) -> None:
    """Refuse a recursive model whose rows could hold more than MAX_NESTED nested objects."""
    size, recursive = _row_size(shape, nesting.max_items)
    if recursive and size > MAX_NESTED:
        raise RecursiveModelError(
            f"a {shape.name} row could hold {size:,} nested objects (max_depth "
            f"{nesting.max_depth}, lists of up to {nesting.max_items} items; the limit is "
            f"{MAX_NESTED:,})",
            hint="lower defaults.max_depth or defaults.collections.max_items, or give the "
            "fields that nest specs",
        )


def _row_size(shape: ModelShape, max_items: int) -> tuple[int, bool]:
    """The most nested objects one row of ``shape`` holds, and whether a cycle was cut."""
    total, recursive = 0, False
    for f in shape.fields:
        t, times = f.type, 1
        while t.kind in CONTAINERS and t.item is not None:
            longest = t.max_length if t.max_length is not None else max_items
            times *= max(longest, t.min_length or 0)
            t = t.item
        recursive = recursive or bool(t.cycle)
        if t.nested is not None and times:
            size, inner = _row_size(t.nested, max_items)
            total += times * (1 + size)
            recursive = recursive or inner
    return total, recursive
