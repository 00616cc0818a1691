"""Inputs of STORED generated columns narrowed so that the computed value fits its column.

``total smallint GENERATED ALWAYS AS (quantity * 100) STORED`` overflows as soon as a random
``quantity`` passes 327: the database computes ``total`` and refuses the row.  The expression
is read here when it is simple (casts and parentheses aside)::

    col * k | k * col | col + k | k + col | col - k | k - col | col + col | col * col | col - col

and the inputs' bounds are narrowed so the result lies inside the generated column's bounds
(its type's, and its CHECKs').  An expression that cannot be read keeps its numeric inputs
modest (``0 .. MODEST``) with a warning naming the generated column; bounds that leave no
value at all are a problem.  Only inputs whose own bounds are wider are touched.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from seedrunner.models.shape import FieldShape, TypeShape

MODEST = 100  # inputs of an expression that cannot be read stay in 0 .. MODEST

_TOKEN = re.compile(
    r"""\s+
    | (?P<num>\d+(?:\.\d+)?)
    | (?P<id>"(?:[^"]|"")+"|`(?:[^`]|``)+`|[A-Za-z_][A-Za-z0-9_$]*)
    | (?P<cast>::\s*[A-Za-z_][A-Za-z0-9_ ]*(?:\(\d+(?:,\s*\d+)?\))?)
    | (?P<op>[-+*/%()])
    """,
    re.VERBOSE,
)
_NUMERIC = ("int", "decimal", "float")


@dataclass(frozen=True)
class GeneratedNote:
    """What narrowing could not do silently: a warning, or a problem when nothing fits."""

    message: str
    problem: bool = False


def fit_generated_inputs(table: sa.Table, fields: Iterable[FieldShape]) -> list[GeneratedNote]:
    """Narrow the inputs of ``table``'s computed columns in ``fields`` (by column name)."""
    by_name = {f.name: f for f in fields}
    notes: list[GeneratedNote] = []
    for column in table.columns:
        out = by_name.get(column.name)
        if column.computed is None or out is None or out.type.kind not in _NUMERIC:
            continue
        text = _text(column.computed.sqltext)
        tokens = _tokens(text) if text is not None else None
        inputs = {t: by_name[t] for t in tokens or () if t in by_name and t != column.name}
        numeric = {n: f for n, f in inputs.items() if f.type.kind in _NUMERIC}
        if not numeric:
            continue
        where = f"generated column '{table.name}.{column.name}' ({text})"
        if tokens is None or not _fit(tokens, numeric, _bounds(out.type)):
            _modest(numeric.values())
            notes.append(
                GeneratedNote(
                    f"{where}: seedrunner cannot read its expression, so its inputs "
                    f"{', '.join(sorted(numeric))} are kept within 0..{MODEST}; give them "
                    "specs under fields: to choose other values"
                )
            )
        empty = [n for n, f in numeric.items() if _empty(f.type)]
        if empty:
            notes.append(
                GeneratedNote(
                    f"{where}: no value of {', '.join(empty)} makes it fit its type", True
                )
            )
    return notes


def _text(clause: Any) -> str | None:
    if isinstance(clause, str):
        return clause
    if isinstance(clause, sa.TextClause):
        return clause.text
    try:
        return str(clause.compile(compile_kwargs={"literal_binds": True}))
    except Exception:  # an expression SQLAlchemy cannot inline
        return None


def _tokens(text: str) -> list[str] | None:
    """Names, numbers and operators, casts dropped; None when something else is there."""
    out: list[str] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:
            return None
        pos = m.end()
        kind = m.lastgroup
        if kind == "id":
            raw = m.group()
            out.append(raw[1:-1] if raw[0] in '"`' else raw)
        elif kind in ("num", "op"):
            out.append(m.group())
    return out


def _bounds(t: TypeShape) -> tuple[Decimal | None, Decimal | None]:
    """The generated column's range: its bounds, or what its digits allow."""
    lo = _dec(t.ge if t.ge is not None else t.gt)
    hi = _dec(t.le if t.le is not None else t.lt)
    if t.kind == "decimal" and t.max_digits is not None:
        top = Decimal(10) ** (t.max_digits - (t.decimal_places or 0)) - 1
        lo = -top if lo is None else max(lo, -top)
        hi = top if hi is None else min(hi, top)
    return lo, hi


def _dec(v: Any) -> Decimal | None:
    return None if v is None else Decimal(str(v))


def _fit(tokens: list[str], inputs: dict[str, FieldShape], r: tuple[Any, Any]) -> bool:
    """Narrow for a readable expression; False when it cannot be read."""
    body = [t for t in tokens if t not in ("(", ")")]
    if len(body) != 3 or body[1] not in "+-*" or len(body[1]) != 1:
        return False
    a, op, b = body
    lo, hi = r
    if lo is None and hi is None:
        return True  # nothing to fit into
    if a in inputs and b in inputs:
        return _two(inputs[a].type, inputs[b].type, op, lo, hi)
    name, k, k_first = (a, b, False) if a in inputs else (b, a, True)
    if name not in inputs or not _is_number(k):
        return False
    _one(inputs[name].type, op, Decimal(k), k_first, lo, hi)
    return True


def _one(t: TypeShape, op: str, k: Decimal, k_first: bool, lo: Any, hi: Any) -> None:
    """``x op k`` (or ``k op x``) within ``lo .. hi``: solve for x."""
    if op == "*":
        if k == 0:
            return
        bounds = [None if v is None else v / k for v in (lo, hi)]
        x_lo, x_hi = bounds if k > 0 else bounds[::-1]
    elif op == "+":
        x_lo, x_hi = (None if lo is None else lo - k), (None if hi is None else hi - k)
    elif not k_first:  # x - k
        x_lo, x_hi = (None if lo is None else lo + k), (None if hi is None else hi + k)
    else:  # k - x
        x_lo, x_hi = (None if hi is None else k - hi), (None if lo is None else k - lo)
    _narrow(t, x_lo, x_hi)


def _two(a: TypeShape, b: TypeShape, op: str, lo: Any, hi: Any) -> bool:
    """Two inputs: each gets half the range (``+``/``-``) or its square root (``*``)."""
    limit = min(abs(v) for v in (lo, hi) if v is not None)
    if op == "*":
        m = Decimal(math.isqrt(int(limit)))
        _narrow(a, -m, m)
        _narrow(b, -m, m)
        return True
    half = limit / 2
    _narrow(a, -half, half)
    _narrow(b, -half, half)
    return True


def _narrow(t: TypeShape, lo: Decimal | None, hi: Decimal | None) -> None:
    """Tighten ``t``'s bounds to ``lo .. hi``; positive values stay preferred (quantities)."""
    if hi is not None and hi > 0 and (lo is None or lo < 0) and _soft_low(t):
        lo = Decimal(0)
    if lo is not None:
        v = _typed(t, lo, up=True)
        if _current_low(t) is None or v > _current_low(t):
            t.ge, t.gt = v, None
    if hi is not None:
        v = _typed(t, hi, up=False)
        if _current_high(t) is None or v < _current_high(t):
            t.le, t.lt = v, None


_TYPE_LOWS = frozenset(-(2 ** (bits - 1)) for bits in (8, 16, 24, 32, 64))


def _soft_low(t: TypeShape) -> bool:
    """No lower bound of its own beyond its type's."""
    low = _current_low(t)
    return low is None or low in _TYPE_LOWS


def _current_low(t: TypeShape) -> Any:
    return t.ge if t.ge is not None else t.gt


def _current_high(t: TypeShape) -> Any:
    return t.le if t.le is not None else t.lt


def _typed(t: TypeShape, v: Decimal, *, up: bool) -> Any:
    if t.kind == "int":
        return math.ceil(v) if up else math.floor(v)
    if t.kind == "float":
        return float(v)
    return v


def _modest(inputs: Iterable[FieldShape]) -> None:
    for f in inputs:
        _narrow(f.type, Decimal(0), Decimal(MODEST))


def _empty(t: TypeShape) -> bool:
    low, high = _current_low(t), _current_high(t)
    return low is not None and high is not None and low > high


def _is_number(token: str) -> bool:
    return bool(re.fullmatch(r"\d+(?:\.\d+)?", token))
