"""Small per-row draws with column-wise twins: coin flips and version-4 UUIDs."""

from __future__ import annotations

import random
import uuid
from typing import Any, Literal

import numpy as np

from seedrunner.generate import vector
from seedrunner.generate.streams import seeded_uuid
from seedrunner.generate.vector import RowDraw, Words


class Coin(RowDraw):
    """``rng.random() < 0.5``."""

    sample = (True, False)

    def __call__(self, rng: random.Random) -> bool:
        return rng.random() < 0.5

    def fill(self, w: Words) -> list[Any]:
        out: list[Any] = (vector.unit(w[:, 0]) < 0.5).tolist()
        return out


# UUID(int=..., version=4) sets these bits; applied to the two 64-bit halves at once.
_VARIANT_CLEAR, _VARIANT_SET = np.uint64(~(0xC000 << 48) & (2**64 - 1)), np.uint64(0x8000 << 48)
_VERSION_CLEAR, _VERSION_SET = np.uint64(~0xF000 & (2**64 - 1)), np.uint64(0x4000)
_new, _set = object.__new__, object.__setattr__
_SAFE = uuid.SafeUUID.unknown


class Uuids(RowDraw):
    """``seeded_uuid(rng)`` (128 random bits, two words), as a UUID, its text or cut hex.

    ``fill`` sets the version and variant bits on whole columns and builds each UUID with
    the value ``UUID(int=..., version=4)`` would hold, without its per-call checks.
    """

    width = 2

    def __init__(self, form: Literal["uuid", "str", "hex"] = "uuid", cut: int | None = None):
        self.form, self.cut = form, cut
        self.sample = (self._shape(uuid.UUID(int=0, version=4)),)

    def _shape(self, u: uuid.UUID) -> Any:
        if self.form == "str":
            return str(u)
        if self.form == "hex":
            return u.hex[: self.cut]
        return u

    def __call__(self, rng: random.Random) -> Any:
        return self._shape(seeded_uuid(rng))

    def fill(self, w: Words) -> list[Any]:
        lo = (w[:, 0] & _VARIANT_CLEAR) | _VARIANT_SET
        hi = (w[:, 1] & _VERSION_CLEAR) | _VERSION_SET
        ints = [a | (b << 64) for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
        if self.form == "hex":
            cut = self.cut
            return [f"{i:032x}"[:cut] for i in ints]
        if self.form == "str":
            out = []
            for i in ints:
                h = f"{i:032x}"
                out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
            return out
        return uuids_from_ints(ints)


def uuids_from_ints(ints: list[int]) -> list[uuid.UUID]:
    """What ``UUID(int=i)`` holds, without its per-call checks (ints already in range)."""
    cls, made = uuid.UUID, []
    for i in ints:
        u = _new(cls)
        _set(u, "int", i)
        _set(u, "is_safe", _SAFE)
        made.append(u)
    return made
