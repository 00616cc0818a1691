"""What a generator can say about every value it draws, for the planner's proofs.

A generator that knows the whole set of its values states it as one of these small frozen
values (``Gen.bounds``); ``plan/guarantees.py`` checks that statement against the column's
type with the validator's own check.  Keeping the statement next to the code that draws
means the planner needs to know no generator class, and a new generator proves itself by
saying what it draws rather than by being recognised.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class OneOf:
    """Every value is one of ``values`` (a finite pick, possibly mapped by a pure post)."""

    values: tuple[Any, ...]


@dataclass(frozen=True)
class Lengths:
    """Every value is a ``str`` of ``lo .. hi`` characters (``hi`` None: no upper limit)."""

    lo: int
    hi: int | None


@dataclass(frozen=True)
class Span:
    """Every value is a number of ``kind`` between ``lo`` and ``hi`` (both reached).

    ``places``: decimals have exactly this many decimal places (None for ints and floats).
    """

    kind: str
    lo: Any
    hi: Any
    places: int | None = None


@dataclass(frozen=True)
class TypeOf:
    """Every value has the type (and awareness) of these samples: enough for the kinds
    whose check reads the type only (dates, times, UUIDs, booleans)."""

    samples: tuple[Any, ...]


Bounds = OneOf | Lengths | Span | TypeOf
