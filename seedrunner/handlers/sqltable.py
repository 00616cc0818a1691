"""The table a SQL step writes, and what it needs to know about it before the first batch.

Decided once per step, from the model and the target's options, so the parts that write,
record and undo rows are given a finished ``TableTarget`` instead of each re-deriving the
table, the renamed attributes and which keys the database assigns.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import exc

from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqltypes import build_table
from seedrunner.handlers.sqlwrite import check_conflict_on
from seedrunner.models.shape import ModelShape


@dataclass(frozen=True)
class TableTarget:
    """The step's table; ``renames`` maps attribute names to column keys where they differ;
    ``returning`` are the primary-key columns the database assigns (absent from every
    batch); ``explicit_keys``: the batches carry the autoincrement column's values."""

    dataset: str
    table: sa.Table
    renames: dict[str, str]
    returning: list[sa.Column[Any]]
    explicit_keys: bool

    @property
    def label(self) -> str:
        return f"table '{self.table.fullname}'"

    @property
    def where(self) -> str:
        return f"dataset '{self.dataset}' -> {self.label}"

    def column_names(self, batch: Batch) -> tuple[str, ...]:
        """The batch's fields as the table's column keys; a field it lacks is an error."""
        names = tuple(self.renames.get(n, n) for n in batch.names)
        unknown = [n for n in names if n not in self.table.c]
        if unknown:
            raise HandlerError(
                f"dataset '{self.dataset}' has fields that {self.label} lacks: {', '.join(unknown)}"
            )
        return names

    @property
    def self_referencing(self) -> bool:
        """The table has a foreign key to itself: its rows must go children first."""
        return any(fk.references(self.table) for fk in self.table.foreign_keys)


def table_target(
    shape: ModelShape,
    dataset: str,
    fields: Sequence[str],
    options: SqlAlchemyOptions,
    check_conflict: bool = True,
) -> TableTarget:
    """The step's table and keys; ``check_conflict`` (apply): ``conflict_on`` must name
    a unique key of the table."""
    table = _table_for(shape, dataset, options.table, options.schema_)
    renames = attribute_columns(shape)
    if check_conflict and options.conflict_on:
        check_conflict_on(table, options.conflict_on)
    written = {renames.get(n, n) for n in fields}
    missing = [c for c in table.primary_key.columns if c.name not in written]
    auto = table.autoincrement_column
    returning: list[sa.Column[Any]] = []
    if missing and all(c is auto or c.identity is not None for c in missing):
        returning = missing
        if options.on_conflict != "error":
            raise HandlerError(
                f"dataset '{dataset}' leaves the key of table '{table.fullname}' to the "
                f"database and sets on_conflict: {options.on_conflict}; a skipped or merged "
                "row returns no new key for its children. Generate the key (drop "
                "skip: true) or use on_conflict: error"
            )
    explicit = auto is not None and auto.name in written
    return TableTarget(dataset, table, renames, returning, explicit)


def _table_for(shape: ModelShape, dataset: str, name: str | None, schema: str | None) -> sa.Table:
    own = model_table(shape)
    if own is None:
        return build_table(shape, name or shape.table_name or dataset, schema=schema)
    renamed = name not in (None, own.name)
    moved = schema not in (None, own.schema)
    if renamed or moved:
        raise HandlerError(
            f"options 'table'/'schema' cannot move the table of model {shape.name!r} "
            f"(it maps to {own.fullname!r}); drop them or change the model"
        )
    return own


def model_table(shape: ModelShape) -> sa.Table | None:
    """The model's own table: a mapped class's ``__table__`` or a reflected ``Table``."""
    model = shape.model
    if isinstance(model, sa.Table):
        return model
    if shape.kind == "sqlalchemy":
        table = getattr(model, "__table__", None)
        if isinstance(table, sa.Table):
            return table
    return None


def attribute_columns(shape: ModelShape) -> dict[str, str]:
    """Mapped attribute name -> column key, where they differ (``type_ = Column("type")``)."""
    if shape.kind != "sqlalchemy" or shape.model is None:
        return {}
    try:
        mapper = sa.inspect(shape.model)
    except exc.NoInspectionAvailable:
        return {}
    renames: dict[str, str] = {}
    for prop in getattr(mapper, "column_attrs", ()):
        column = prop.columns[0]
        if isinstance(column, sa.Column) and column.key != prop.key:
            renames[prop.key] = column.key
    return renames


def python_type(column: sa.Column[Any]) -> Any:
    """How a key read back from JSON becomes the column's value again (UUIDs; ints and
    strings come back as they were); None where nothing is to be done."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        return None
    return kind if kind is uuid.UUID else None
