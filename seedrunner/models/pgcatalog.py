"""What PostgreSQL's catalog holds that SQLAlchemy's reflection leaves out, added to a Table.

- **Domains** (``CREATE DOMAIN year AS integer CHECK (...)``): reflection keeps only the
  first CHECK and drops the base type's length and precision (``varchar(5)`` comes back as
  ``VARCHAR``).  Each domain column gets a ``DOMAIN`` whose ``data_type`` has them and whose
  ``check`` is every CHECK of the domain and of the domains below it, ANDed; a NOT NULL
  anywhere in the chain makes the column NOT NULL, and a domain's DEFAULT is the column's
  default when it has none of its own.
- **Types SQLAlchemy does not know**: ``xml`` becomes ``NamedSqlType`` (bound with a cast);
  any other keeps its name in ``UnknownSqlType`` so planning can say which type it is.
- **Partition bounds**: a table partitioned by RANGE or LIST on one column, without a DEFAULT
  partition, refuses a row no partition takes.  LIST values become a CHECK ``col IN (...)``
  (read like any CHECK); RANGE bounds go to ``table.info[SPANS]`` as ``(lo, hi)`` pairs of
  Python values, which the column's TypeShape carries as ``spans``.
- **Foreign keys declared on partitions** of a partitioned table (``ALTER TABLE p_2026_01 ADD
  FOREIGN KEY ...``): every row of the parent lands in a partition, so each such key holds
  for the parent's rows and is added to the parent (once per distinct key).

Read-only: catalog queries on the planning connection.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql as pg
from sqlalchemy.engine import Connection

from seedrunner.models.dbtypes import DOMAIN, SPANS, NamedSqlType, UnknownSqlType

_DOMAIN_COLUMNS = sa.text(
    "SELECT a.attname, a.atttypid FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid"
    " WHERE a.attrelid = CAST(:rel AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
    " AND t.typtype = 'd'"
)
_DOMAIN = sa.text(
    "SELECT t.typbasetype, format_type(t.typbasetype, t.typtypmod), t.typnotnull,"
    " b.typtype = 'd', t.typdefault,"
    " ARRAY(SELECT pg_get_constraintdef(c.oid) FROM pg_constraint c"
    "       WHERE c.contypid = t.oid AND c.contype = 'c' ORDER BY c.conname)"
    " FROM pg_type t JOIN pg_type b ON b.oid = t.typbasetype WHERE t.oid = :oid"
)
_TYPE_NAMES = sa.text(
    "SELECT a.attname, format_type(a.atttypid, a.atttypmod) FROM pg_attribute a"
    " WHERE a.attrelid = CAST(:rel AS regclass) AND a.attnum > 0 AND NOT a.attisdropped"
)
# Foreign keys of the partitions (at any depth) that were not inherited from the parent.
_PARTITION_FKS = sa.text(
    "WITH RECURSIVE parts(oid) AS ("
    "  SELECT inhrelid FROM pg_inherits WHERE inhparent = CAST(:rel AS regclass)"
    "  UNION SELECT i.inhrelid FROM pg_inherits i JOIN parts p ON i.inhparent = p.oid)"
    " SELECT DISTINCT"
    "  ARRAY(SELECT a.attname::text FROM unnest(c.conkey) WITH ORDINALITY k(n, i)"
    "        JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),"
    "  (SELECT CASE WHEN pg_table_is_visible(r.oid) THEN r.relname"
    "          ELSE n.nspname || '.' || r.relname END"
    "   FROM pg_class r JOIN pg_namespace n ON n.oid = r.relnamespace WHERE r.oid = c.confrelid),"
    "  ARRAY(SELECT a.attname::text FROM unnest(c.confkey) WITH ORDINALITY k(n, i)"
    "        JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)"
    " FROM pg_constraint c JOIN parts p ON c.conrelid = p.oid"
    " WHERE c.contype = 'f' AND c.conparentid = 0"
)
_MODIFIERS = re.compile(r"\((\d+)(?:\s*,\s*(\d+))?\)")
_CHECK = re.compile(r"^\s*CHECK\s*(.*?)(?:\s+NOT VALID)?\s*$", re.IGNORECASE | re.DOTALL)


def complete_postgresql(conn: Connection, table: sa.Table) -> None:
    """Add domains, unknown types and partitions' foreign keys to ``table`` (see above)."""
    rel = quoted_relation(table)
    _domains(conn, table, rel)
    _unknown_types(conn, table, rel)
    _partition_foreign_keys(conn, table, rel)
    _partition_bounds(conn, table, rel)


def quoted_relation(table: sa.Table) -> str:
    """``"schema"."name"`` as PostgreSQL reads it into a regclass (any name, as written)."""
    parts = [table.schema, table.name] if table.schema else [table.name]
    return ".".join('"' + p.replace('"', '""') + '"' for p in parts)


def _domains(conn: Connection, table: sa.Table, rel: str) -> None:
    for name, oid in conn.execute(_DOMAIN_COLUMNS, {"rel": rel}).all():
        column: Any = table.c.get(name)
        if column is None or not isinstance(column.type, DOMAIN):
            continue
        checks: list[str] = []
        not_null = False
        base_format = default = None
        while oid is not None:  # walk down domains over domains
            row = conn.execute(_DOMAIN, {"oid": oid}).one()
            base, base_format, notnull, base_is_domain, own_default, defs = row
            not_null = not_null or bool(notnull)
            default = default or own_default  # the outermost default wins
            checks += [_check_body(d) for d in defs or ()]
            oid = base if base_is_domain else None
        # PostgreSQL casts the value of a domain over a domain to the base type: a no-op
        base_name = (base_format or "").partition("(")[0]
        checks = [c.replace(f"(VALUE)::{base_name}", "VALUE") for c in checks]
        domain = column.type
        data_type = _innermost(domain)
        column.type = DOMAIN(
            domain.name or column.name,
            _with_modifiers(data_type, base_format or ""),
            not_null=not_null,
            check=" AND ".join(f"({c})" for c in checks) if checks else None,
            create_type=False,
            schema=domain.schema,
        )
        if not_null:
            column.nullable = False
        if default is not None and column.server_default is None:  # omitted: the default
            column.server_default = sa.DefaultClause(sa.text(default))


def _check_body(definition: str) -> str:
    m = _CHECK.match(definition)
    return m.group(1) if m else definition


def _innermost(domain: DOMAIN) -> sa.types.TypeEngine[Any]:
    data_type: sa.types.TypeEngine[Any] = domain.data_type
    while isinstance(data_type, DOMAIN):
        data_type = data_type.data_type
    return data_type


def _with_modifiers(type_: sa.types.TypeEngine[Any], format_type: str) -> sa.types.TypeEngine[Any]:
    """``type_`` with the length or precision that ``format_type`` (``numeric(6,2)``) gives."""
    m = _MODIFIERS.search(format_type)
    if m is None or format_type.endswith("[]"):
        return type_
    first, second = int(m.group(1)), m.group(2)
    if isinstance(type_, sa.Numeric):
        return type(type_)(precision=first, scale=int(second) if second else 0)
    if isinstance(type_, sa.String) and type_.length is None:
        return type(type_)(length=first)
    if isinstance(type_, pg.BIT):  # reflected without its modifier, a bit is BIT(1)
        return pg.BIT(first, varying=type_.varying)
    return type_


def _unknown_types(conn: Connection, table: sa.Table, rel: str) -> None:
    unknown = [c for c in table.columns if isinstance(c.type, sa.types.NullType)]
    if not unknown:
        return
    names: dict[str, str] = dict(conn.execute(_TYPE_NAMES, {"rel": rel}).all())
    for column in unknown:
        name = names.get(column.name)
        if name is None:
            continue
        column.type = NamedSqlType(name) if name == "xml" else UnknownSqlType(name)


def _partition_foreign_keys(conn: Connection, table: sa.Table, rel: str) -> None:
    have = {
        (tuple(c.name for c in fk.columns), tuple(e.target_fullname for e in fk.elements))
        for fk in table.foreign_key_constraints
    }
    for columns, target, ref_columns in conn.execute(_PARTITION_FKS, {"rel": rel}).all():
        if not all(c in table.c for c in columns):
            continue
        if table.schema is not None and "." not in target:
            target = f"{table.schema}.{target}"  # as reflection names a table in a schema
        refs = tuple(f"{target}.{c}" for c in ref_columns)
        key = (tuple(columns), refs)
        if key in have:
            continue
        have.add(key)
        table.append_constraint(sa.ForeignKeyConstraint(list(columns), list(refs)))


_PARTITION_KEY = sa.text(
    "SELECT pg_get_partkeydef(c.oid) FROM pg_class c"
    " WHERE c.oid = CAST(:rel AS regclass) AND c.relkind = 'p'"
)
_PARTITION_BOUNDS = sa.text(
    "SELECT pg_get_expr(c.relpartbound, c.oid) FROM pg_inherits i"
    " JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = CAST(:rel AS regclass)"
    " ORDER BY 1"
)
_KEY = re.compile(r'^(RANGE|LIST) \((?:"((?:[^"]|"")+)"|([A-Za-z_][A-Za-z0-9_$]*))\)$')
_RANGE = re.compile(r"^FOR VALUES FROM \((.+)\) TO \((.+)\)$")
_LIST = re.compile(r"^FOR VALUES IN \((.+)\)$")


def _partition_bounds(conn: Connection, table: sa.Table, rel: str) -> None:
    key = conn.execute(_PARTITION_KEY, {"rel": rel}).scalar()
    m = _KEY.match(key or "")
    if m is None:  # not partitioned, by HASH, or on an expression or several columns
        return
    strategy, name = m.group(1), (m.group(2) or "").replace('""', '"') or m.group(3)
    column = table.c.get(name)
    bounds = list(conn.execute(_PARTITION_BOUNDS, {"rel": rel}).scalars())
    if column is None or not bounds or "DEFAULT" in bounds:
        return
    if strategy == "LIST":
        lists = [lm.group(1) for lm in map(_LIST.match, bounds) if lm is not None]
        if len(lists) == len(bounds):
            quoted = '"' + column.name.replace('"', '""') + '"'
            table.append_constraint(
                sa.CheckConstraint(sa.text(f"{quoted} IN ({', '.join(lists)})"))
            )
        return
    spans = [_span(rm.group(1), rm.group(2)) for rm in map(_RANGE.match, bounds) if rm]
    if len(spans) == len(bounds) and all(s is not None for s in spans):
        table.info.setdefault(SPANS, {})[column.name] = tuple(spans)


def _span(lo: str, hi: str) -> tuple[Any, Any] | None:
    try:
        return _bound(lo), _bound(hi)
    except ValueError:
        return None


def _bound(text: str) -> Any:
    """A range partition bound as Python: 5, date, datetime, or None for MIN/MAXVALUE."""
    text = text.strip()
    if text in ("MINVALUE", "MAXVALUE"):
        return None
    if re.fullmatch(r"-?\d+", text):
        return int(text)
    if not (text.startswith("'") and text.endswith("'")):
        raise ValueError(text)
    value = text[1:-1]
    if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return dt.date.fromisoformat(value)
    if re.fullmatch(r"-?\d+", value):
        return int(value)
    return dt.datetime.fromisoformat(value)
