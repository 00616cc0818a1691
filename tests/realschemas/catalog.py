"""What the database itself says after a run, read from its catalog with plain SQL.

Foreign keys come from the catalog (``pg_constraint``, so the FKs declared only on the
partitions of a partitioned table are there too; ``information_schema`` on MariaDB;
``PRAGMA foreign_key_list`` on SQLite), never from what seedrunner reflected, so a key it
missed is still checked.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from tests.databases import Database

LEDGER_PREFIX = "seedrunner_"

_PG_FKS = """
SELECT c.conname, cn.nspname, cl.relname, rn.nspname, rl.relname,
       array(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.n ORDER BY k.i),
       array(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(n, i)
             JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.n ORDER BY k.i)
FROM pg_constraint c
JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_namespace cn ON cn.oid = cl.relnamespace
JOIN pg_class rl ON rl.oid = c.confrelid JOIN pg_namespace rn ON rn.oid = rl.relnamespace
WHERE c.contype = 'f' AND cn.nspname = ANY(:schemas)
ORDER BY 2, 3, 1
"""

_MARIADB_FKS = """
SELECT CONSTRAINT_NAME, TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME,
       REFERENCED_TABLE_SCHEMA, REFERENCED_TABLE_NAME, REFERENCED_COLUMN_NAME
FROM information_schema.KEY_COLUMN_USAGE
WHERE REFERENCED_TABLE_NAME IS NOT NULL AND TABLE_SCHEMA IN :schemas
ORDER BY TABLE_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, ORDINAL_POSITION
"""

_PG_GENERATED_KEYS = """
SELECT DISTINCT c.relname, a.attname FROM pg_attribute a
JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
WHERE n.nspname = ANY(:schemas) AND c.relkind IN ('r', 'p') AND NOT c.relispartition
  AND a.attnum > 0 AND NOT a.attisdropped
  AND (a.attidentity <> '' OR pg_get_expr(d.adbin, d.adrelid) LIKE 'nextval(%')
"""

_MARIADB_GENERATED_KEYS = """
SELECT DISTINCT TABLE_NAME, COLUMN_NAME FROM information_schema.COLUMNS
WHERE TABLE_SCHEMA IN :schemas AND EXTRA LIKE '%auto_increment%'
"""


@dataclass(frozen=True)
class ForeignKey:
    name: str
    schema: str
    table: str
    columns: tuple[str, ...]
    ref_schema: str
    ref_table: str
    ref_columns: tuple[str, ...]

    @property
    def is_self_reference(self) -> bool:
        return (self.schema, self.table) == (self.ref_schema, self.ref_table)

    def __str__(self) -> str:
        cols, refs = ", ".join(self.columns), ", ".join(self.ref_columns)
        return f"{self.table}({cols}) -> {self.ref_table}({refs}) [{self.name}]"


def _query(db: Database, sql: str, **params: Any) -> list[tuple[Any, ...]]:
    statement = sa.text(sql)
    if "schemas" in params and db.family == "mariadb":
        statement = statement.bindparams(sa.bindparam("schemas", expanding=True))
    with db.engine.connect() as c:
        return [tuple(r) for r in c.execute(statement, params)]


def _quote(db: Database, name: str) -> str:
    return str(db.engine.dialect.identifier_preparer.quote(name))


def qualified(db: Database, schema: str, table: str) -> str:
    return f"{_quote(db, schema)}.{_quote(db, table)}"


def foreign_keys(db: Database, schemas: list[str]) -> list[ForeignKey]:
    if db.family == "postgresql":
        return [
            ForeignKey(n, s, t, tuple(cols), rs, rt, tuple(refs))
            for n, s, t, rs, rt, cols, refs in _query(db, _PG_FKS, schemas=schemas)
        ]
    if db.family == "mariadb":
        grouped: dict[tuple[str, str, str, str, str], list[tuple[str, str]]] = defaultdict(list)
        for n, s, t, col, rs, rt, ref in _query(db, _MARIADB_FKS, schemas=schemas):
            grouped[(n, s, t, rs, rt)].append((col, ref))
        return [
            ForeignKey(n, s, t, tuple(c for c, _ in p), rs, rt, tuple(r for _, r in p))
            for (n, s, t, rs, rt), p in grouped.items()
        ]
    out = []
    for table in tables(db, schemas):
        rows = _query(db, f"PRAGMA foreign_key_list({_quote(db, table)})")
        by_id: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
        for row in rows:
            by_id[row[0]].append(row)
        for fk_id, parts in sorted(by_id.items()):
            parts.sort(key=lambda r: r[1])
            out.append(ForeignKey(
                f"{table}_fk{fk_id}", "main", table, tuple(p[3] for p in parts),
                "main", parts[0][2], tuple(p[4] for p in parts),
            ))  # fmt: skip
    return out


def tables(db: Database, schemas: list[str]) -> list[str]:
    """The application's tables (seedrunner's ledger tables left out)."""
    inspector = sa.inspect(db.engine)
    names = []
    for schema in schemas:
        own = None if db.family == "sqlite" else schema
        names += inspector.get_table_names(schema=own)
    return sorted(t for t in names if not t.startswith(LEDGER_PREFIX))


def orphans(db: Database, fk: ForeignKey) -> int:
    """Child rows whose (non-NULL) key has no parent row: a LEFT JOIN anti-join."""
    quote = db.engine.dialect.identifier_preparer.quote
    on = " AND ".join(
        f"c.{quote(a)} = p.{quote(b)}" for a, b in zip(fk.columns, fk.ref_columns, strict=True)
    )
    filled = " AND ".join(f"c.{quote(a)} IS NOT NULL" for a in fk.columns)
    sql = (
        f"SELECT count(*) FROM {qualified(db, fk.schema, fk.table)} c "
        f"LEFT JOIN {qualified(db, fk.ref_schema, fk.ref_table)} p ON {on} "
        f"WHERE {filled} AND p.{quote(fk.ref_columns[0])} IS NULL"
    )
    return int(_query(db, sql)[0][0])


def count(db: Database, schema: str, table: str) -> int:
    return int(_query(db, f"SELECT count(*) FROM {qualified(db, schema, table)}")[0][0])


def distinct_pairs(db: Database, schema: str, table: str, columns: tuple[str, str]) -> int:
    quote = db.engine.dialect.identifier_preparer.quote
    a, b = (quote(c) for c in columns)
    sql = f"SELECT count(*) FROM (SELECT DISTINCT {a}, {b} FROM {qualified(db, schema, table)}) t"
    return int(_query(db, sql)[0][0])


def parents(db: Database, fk: ForeignKey) -> dict[Any, Any]:
    """key -> parent key of a single-column self-reference (None for a root)."""
    quote = db.engine.dialect.identifier_preparer.quote
    key, parent = quote(fk.ref_columns[0]), quote(fk.columns[0])
    sql = f"SELECT {key}, {parent} FROM {qualified(db, fk.schema, fk.table)}"
    return dict(_query(db, sql))


def cycles(links: dict[Any, Any]) -> tuple[list[Any], int]:
    """Rows whose chain of parents never reaches a root (the walk is bounded by the number
    of rows), and the deepest chain that does."""
    looping, deepest = [], 0
    for start in links:
        node, depth = links[start], 0
        while node is not None and depth <= len(links):
            node, depth = links.get(node), depth + 1
        if node is not None:
            looping.append(start)
        else:
            deepest = max(deepest, depth)
    return looping, deepest


def generated_keys(db: Database, schemas: list[str]) -> dict[str, str]:
    """table -> the key column the database generates (sequence, identity, AUTO_INCREMENT,
    rowid)."""
    if db.family in ("postgresql", "mariadb"):
        sql = _PG_GENERATED_KEYS if db.family == "postgresql" else _MARIADB_GENERATED_KEYS
        found = dict(_query(db, sql, schemas=schemas))
        return {t: c for t, c in found.items() if not t.startswith(LEDGER_PREFIX)}
    out = {}
    for table in tables(db, schemas):
        info = _query(db, f"PRAGMA table_info({_quote(db, table)})")
        keys = [r for r in info if r[5]]
        if len(keys) == 1 and keys[0][2].upper() == "INTEGER":
            sql = "SELECT sql FROM sqlite_master WHERE name = :t"
            if "WITHOUT ROWID" not in _query(db, sql, t=table)[0][0].upper():
                out[table] = keys[0][1]
    return out


def highest(db: Database, schema: str, table: str, column: str) -> Any:
    sql = f"SELECT max({_quote(db, column)}) FROM {qualified(db, schema, table)}"
    return _query(db, sql)[0][0]


def filled(db: Database, schema: str, table: str, column: str) -> tuple[int, int]:
    """(rows, rows whose ``column`` is not NULL)."""
    sql = f"SELECT count(*), count({_quote(db, column)}) FROM {qualified(db, schema, table)}"
    rows, set_ = _query(db, sql)[0]
    return int(rows), int(set_)


def snapshot(db: Database, schemas: list[str]) -> dict[str, list[tuple[Any, ...]]]:
    """Every application row, table by table, in a stable order (for before/after)."""
    out = {}
    for schema in schemas:
        own = None if db.family == "sqlite" else schema
        for table in sa.inspect(db.engine).get_table_names(schema=own):
            if not table.startswith(LEDGER_PREFIX):
                rows = _query(db, f"SELECT * FROM {qualified(db, schema, table)}")
                out[f"{schema}.{table}"] = sorted(rows, key=repr)
    return out
