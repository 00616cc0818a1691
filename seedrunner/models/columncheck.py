"""SQLAlchemy classes and reflected tables: each row checked column by column in Python
against what the database would refuse (NULLs, types, lengths, digits, integer ranges, enum
membership), either row by row or, for a batch, one column at a time over the ``suspects``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from seedrunner.models.problems import Columns, RowProblem
from seedrunner.models.shape import FieldShape, ModelShape
from seedrunner.models.suspects import Suspects, suspects_of
from seedrunner.models.valuecheck import value_problem


class ColumnChecker:
    """What a database would refuse, checked per column in Python."""

    def __init__(self, shape: ModelShape) -> None:
        self.fields = shape.fields
        self.uuid_as_str = uuid_string_columns(shape)

    def check(self, records: list[dict[str, Any]]) -> list[RowProblem]:
        problems: list[RowProblem] = []
        for i, row in enumerate(records):
            for f in self.fields:
                message = self._problem(f, row)
                if message:
                    problems.append(RowProblem(row=i, field=f.name, message=message))
        return problems

    def compiled(self, order: int, f: FieldShape) -> FieldCheck:
        return FieldCheck(order, f, suspects_of(f.type, f.name in self.uuid_as_str))

    def check_columns(self, checks: list[FieldCheck], columns: Columns, n: int) -> list[RowProblem]:
        """What ``check`` would say about these fields, one column at a time."""
        found: list[tuple[int, int, RowProblem]] = []
        for c in checks:
            f = c.field
            col = columns.get(f.name)
            if col is None:
                if not (f.has_default or f.optional or f.autoincrement):
                    msg = "required column missing"
                    found += [(i, c.order, RowProblem(i, f.name, msg)) for i in range(n)]
                continue
            rows = range(len(col)) if c.suspects is None else c.suspects(col)
            for i in rows:
                message = self.problem(f, col[i])
                if message:
                    found.append((i, c.order, RowProblem(row=i, field=f.name, message=message)))
        found.sort(key=lambda p: (p[0], p[1]))
        return [p for _, _, p in found]

    def _problem(self, f: FieldShape, row: dict[str, Any]) -> str | None:
        if f.name not in row:
            filled = f.has_default or f.optional or f.autoincrement
            return None if filled else "required column missing"
        return self.problem(f, row[f.name])

    def problem(self, f: FieldShape, value: Any) -> str | None:
        """Why a present ``value`` does not fit column ``f``, or None."""
        if value is None:
            return None if f.optional or f.autoincrement else "must not be null"
        if f.type.kind == "uuid" and f.name in self.uuid_as_str:
            return None if isinstance(value, str) else f"expected str, got {type(value).__name__}"
        return value_problem(f.type, value)


@dataclass(frozen=True)
class FieldCheck:
    order: int  # the field's position in the shape: problems are reported in that order
    field: FieldShape
    suspects: Suspects | None  # rows that may be invalid; None: every row


def uuid_string_columns(shape: ModelShape) -> set[str]:
    """Uuid(as_uuid=False) columns, which take strings instead of UUID objects."""
    table = getattr(shape.model, "__table__", None)
    columns = getattr(table, "columns", ())
    return {c.key for c in columns if getattr(c.type, "as_uuid", True) is False}
