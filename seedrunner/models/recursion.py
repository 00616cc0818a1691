"""Models that contain themselves (``children: list[Node]``, A -> B -> A), shaped to a depth.

A recursive model has no finite shape, so shaping unrolls it: the first occurrence of a model
on a path is depth 0, each time it appears again inside itself one level deeper, and past
``max_depth`` (``defaults.max_depth`` of the manifest, default 2) the field that would go
deeper is *closed* by ``defaults.on_cycle``:

* ``empty`` (the default): a list, set or tuple of the model is empty there; a field that
  holds the model itself is None where it accepts None;
* ``null``: the field is None (only where the field accepts None);
* ``error``: no recursive model is generated at all.

A field that cannot be closed (a required ``next: Node``, a list with ``min_length`` above 0,
``null`` on a field that refuses None) is a ``RecursiveModelError``: a plan problem naming
the model, the field and the cycle, with a way out.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Literal

from seedrunner.models.imports import ModelReferenceError
from seedrunner.models.shape import TypeShape

OnCycle = Literal["empty", "null", "error"]
MAX_DEPTH = 2
CONTAINERS = ("list", "set", "tuple")


class RecursiveModelError(ModelReferenceError):
    """A self-containing field that ``on_cycle`` cannot close at ``max_depth``."""

    code = "SR-E031"


@dataclass(frozen=True)
class Nesting:
    """The models being shaped (outermost first) and how deep a model may contain itself."""

    models: tuple[type, ...] = ()
    max_depth: int = MAX_DEPTH
    on_cycle: OnCycle = "empty"

    def enter(self, model: type) -> Nesting:
        return dataclasses.replace(self, models=(*self.models, model))

    def count(self, model: type) -> int:
        return self.models.count(model)

    def cuts(self, model: type) -> bool:
        """Would ``model`` here be nested deeper than ``max_depth`` inside itself?"""
        return self.models.count(model) > self.max_depth

    def cycle(self, model: type) -> tuple[str, ...]:
        """The models from ``model``'s last occurrence back to it: ("A", "B", "A")."""
        last = len(self.models) - 1 - self.models[::-1].index(model)
        return tuple(m.__name__ for m in (*self.models[last:], model))


ROOT = Nesting()


def cut(model: type, nesting: Nesting) -> TypeShape:
    """The shape of ``model`` where it would nest too deep: a model with no fields."""
    return TypeShape("model", nested=None, cycle=nesting.cycle(model))


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
            raise RecursiveModelError(
                f"{where} ({cycle}) needs at least {outer.min_length} item(s), so the "
                f"recursion cannot stop at max_depth {nesting.max_depth}",
                hint=f"allow an empty {outer.kind} (min_length 0), or give the field a spec",
            )
        return dataclasses.replace(outer, min_length=0, max_length=0)
    if optional:
        return TypeShape("literal", choices=(None,))
    if policy == "null":
        hint = f"make {where} optional ({inner.cycle[-1]} | None)"
        if containers:
            empty = f"on_cycle: empty (an empty {containers[0].kind} at the limit)"
            hint = f"{empty}, or make {where} optional"
        raise RecursiveModelError(
            f"on_cycle is null but {where} ({cycle}) does not accept None, so the "
            f"recursion cannot stop at max_depth {nesting.max_depth}",
            hint=hint,
        )
    raise RecursiveModelError(
        f"{where} always holds another {inner.cycle[-1]} ({cycle}): the recursion cannot "
        f"stop at max_depth {nesting.max_depth}",
        hint=f"make {where} optional ({inner.cycle[-1]} | None) or a list, or give it a spec",
    )
