"""ModelShape: what generation needs to know about a model, as plain data.

Every adapter (pydantic, dataclass, TypedDict, SQLAlchemy, reflected table, schemaless)
reduces its model to this, so generators and the planner never look at a model class.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Literal

TypeKind = Literal[
    "str",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "time",
    "timedelta",
    "uuid",
    "bytes",
    "enum",  # choices hold the enum members (or raw values for SQL enums)
    "literal",  # choices hold the allowed literal values
    "list",  # item holds the element type
    "set",
    "tuple",
    "dict",  # key/value kinds are not modelled further: generated as {}
    "model",  # nested holds the nested ModelShape
    "json",
    "any",  # sql_type set: a database type seedrunner does not know (a spec must fill it)
    # database types with values of their own (generate/pgtypes.py)
    "range",  # item holds the bound type (int, decimal, date, datetime); format "multirange"
    "inet",  # a host address
    "cidr",  # a network (host bits zero)
    "macaddr",  # format "macaddr8" for 8 bytes
    "xml",
    "tsvector",
    "tsquery",
    "bits",  # a string of 0/1, min_length..max_length long
    "flags",  # MariaDB SET: choices joined by commas, any subset
]


@dataclass
class TypeShape:
    """A field's type with the constraints that bound generated values."""

    kind: TypeKind
    # str / bytes / list lengths
    min_length: int | None = None
    max_length: int | None = None
    pattern: str | None = None
    # numeric bounds (exclusive bounds are kept apart so generators can honour them)
    ge: float | int | None = None
    gt: float | int | None = None
    le: float | int | None = None
    lt: float | int | None = None
    multiple_of: float | int | None = None
    max_digits: int | None = None
    decimal_places: int | None = None
    # enum / literal
    choices: tuple[Any, ...] = ()
    enum_class: type | None = None
    # containers
    item: TypeShape | None = None
    nested: ModelShape | None = None
    # datetime awareness (SQL DateTime(timezone=True), AwareDatetime)
    timezone: bool = False
    # str formats pydantic validates (email, url, ipv4 ...)
    format: str | None = None
    # the database's own name for the type (a domain, an enum, xml ...), for messages
    sql_type: str | None = None
    # values lie in one of these half-open [lo, hi) spans (the partitions of a table
    # partitioned by range, without a default one); None is unbounded on that side
    spans: tuple[tuple[Any, Any], ...] = ()
    # a model cut where it would nest deeper than max_depth inside itself: the models
    # of the cycle ("Node", "Node"); see models/recursion.py.  Shown by repr only
    # when set (see _LATE), so shapes without a cycle keep their fingerprints.
    cycle: tuple[str, ...] = ()

    def __repr__(self) -> str:
        """The fields; those added late show only when set, so the fingerprints of shapes
        that do not use them (fingerprints hash this repr) stay what they were."""
        shown = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in dataclasses.fields(self)
            if f.name not in _LATE or getattr(self, f.name) != f.default
        ]
        return f"TypeShape({', '.join(shown)})"


_LATE = frozenset({"sql_type", "spans", "cycle"})  # TypeShape fields that repr shows only when set


@dataclass(frozen=True)
class ForeignKeyShape:
    """A foreign key as written on the model: the referenced table and column."""

    table: str
    column: str
    # DEFERRABLE (PostgreSQL): checked at COMMIT once ``SET CONSTRAINTS ... DEFERRED``, so a
    # cycle of NOT NULL keys can be written in one transaction; ``constraint`` names it.
    deferrable: bool = False
    constraint: str | None = None


@dataclass
class FieldShape:
    name: str
    type: TypeShape
    optional: bool = False  # None is an accepted value
    required: bool = True  # no default on the model
    default: Any = None
    has_default: bool = False
    primary_key: bool = False
    autoincrement: bool = False  # the database would fill it in (SQL identity/serial)
    # The database must fill it and refuses a value (GENERATED ALWAYS identity, computed
    # column): never insert it.
    generated: bool = False
    unique: bool = False
    foreign_key: ForeignKeyShape | None = None
    description: str | None = None


@dataclass
class ModelShape:
    """A model reduced to fields; ``model`` keeps the original object for validation."""

    name: str
    kind: Literal["pydantic", "dataclass", "typeddict", "sqlalchemy", "table", "schemaless"]
    fields: list[FieldShape] = field(default_factory=list)
    model: Any = None
    table_name: str | None = None
    # Multi-column unique constraints as tuples of field names (one column: FieldShape.unique)
    unique_together: list[tuple[str, ...]] = field(default_factory=list)

    def field(self, name: str) -> FieldShape | None:
        for f in self.fields:
            if f.name == name:
                return f
        return None

    @property
    def field_names(self) -> list[str]:
        return [f.name for f in self.fields]

    @property
    def primary_key(self) -> list[FieldShape]:
        return [f for f in self.fields if f.primary_key]
