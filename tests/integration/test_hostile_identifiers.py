"""Hostile table and column names from a manifest are names, never SQL (catalogue S04).

A schemaless dataset with ``create_tables: true`` takes its table name from the target's
``table`` option and its column names from its field names, so both come straight from
the manifest.  Names built to break out of a quoted identifier (``"``, ``'``, backtick,
``;``, ``--``, ``#``, ``%(x)s``, ``:name``, parentheses) are applied to real SQLite,
PostgreSQL and MariaDB databases holding two other tables (``users`` and ``audit``) that
the names try to drop.  Afterwards those tables and their rows are still there, and the
rows landed in a table and columns literally so named.  The document-store handlers
(``sqlite-json``, ``postgres-jsonb``) get the same treatment for their ``table`` option.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.databases import Database

TABLE = 'x"; DROP TABLE users; --'
COLUMNS = [
    'a") VALUES (1); DROP TABLE audit; --',
    "b'); DROP TABLE users; --",
    "c`; DROP TABLE audit; #",
    "d%(x)s :e ?f (g)",
]
ROWS = 7


def _yaml(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _plant(db: Database) -> None:
    """The tables the names try to drop, each with one row."""
    db.execute(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name VARCHAR(20))",
        "INSERT INTO users VALUES (1, 'alice')",
        "CREATE TABLE audit (id INTEGER PRIMARY KEY, what VARCHAR(20))",
        "INSERT INTO audit VALUES (1, 'kept')",
    )


def _survivors(db: Database) -> None:
    assert db.scalar("SELECT name FROM users") == "alice"
    assert db.scalar("SELECT what FROM audit") == "kept"
    assert db.scalar("SELECT count(*) FROM users") == 1
    assert db.scalar("SELECT count(*) FROM audit") == 1


def test_table_and_column_names_are_quoted(manifest, sync_database: Database) -> None:
    db = sync_database
    _plant(db)
    fields = "\n".join(f"      {_yaml(c)}: {_yaml('v' + str(i))}" for i, c in enumerate(COLUMNS))
    path = manifest(
        f"""\
version: 1
targets:
  db: {{handler: sqlalchemy, url: "{db.url}", create_tables: true, table: {_yaml(TABLE)}}}
datasets:
  hostile:
    count: {ROWS}
    fields:
      id: {{sequence: null, start: 1}}
{fields}
    persist: [db]
"""
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    _survivors(db)
    assert _column_names(db, TABLE) == {"id", *COLUMNS}
    table = sa.Table(
        TABLE, sa.MetaData(), sa.Column("id"), *(sa.Column(c) for c in COLUMNS), quote=True
    )
    with db.engine.connect() as con:
        rows = con.execute(sa.select(table)).mappings().all()
    assert sorted(int(r["id"]) for r in rows) == list(range(1, ROWS + 1))
    assert {str(rows[0][c]).strip('"') for c in COLUMNS} == {f"v{i}" for i in range(len(COLUMNS))}


def _column_names(db: Database, table: str) -> set[str]:
    """Read from the catalogue, not SQLAlchemy's MySQL reflection (it keeps doubled backticks)."""
    if db.family == "sqlite":
        return {c["name"] for c in sa.inspect(db.engine).get_columns(table)}
    current = "DATABASE()" if db.family == "mariadb" else "current_schema()"
    with db.engine.connect() as con:
        found = con.execute(
            sa.text(
                "SELECT column_name FROM information_schema.columns "
                f"WHERE table_schema = {current} AND table_name = :t"
            ),
            {"t": table},
        )
        return {row[0] for row in found}


def test_sqlite_json_table_name_is_quoted(manifest, tmp_path: Path) -> None:
    db_path = tmp_path / "docs.db"
    engine = sa.create_engine(f"sqlite:///{db_path}")
    with engine.begin() as con:
        con.exec_driver_sql("CREATE TABLE audit (id INTEGER PRIMARY KEY, what TEXT)")
        con.exec_driver_sql("INSERT INTO audit VALUES (1, 'kept')")
    path = manifest(
        f"""\
version: 1
targets:
  docs: {{handler: sqlite-json, database: docs.db, table: {_yaml(TABLE)}, ensure_table: true}}
datasets:
  hostile:
    count: {ROWS}
    fields: {{id: {{sequence: null, start: 1}}}}
    persist: [docs]
"""
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    with engine.connect() as con:
        assert con.exec_driver_sql("SELECT what FROM audit").scalar() == "kept"
        quoted = '"' + TABLE.replace('"', '""') + '"'
        assert con.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar() == ROWS
    engine.dispose()


def test_postgres_jsonb_table_name_is_quoted(manifest, make_database) -> None:  # type: ignore[no-untyped-def]
    db: Database = make_database("postgresql")
    _plant(db)
    path = manifest(
        f"""\
version: 1
targets:
  docs: {{handler: postgres-jsonb, url: "{db.url}", table: {_yaml(TABLE)}}}
datasets:
  hostile:
    count: {ROWS}
    fields: {{id: {{sequence: null, start: 1}}, name: n}}
    persist: [docs]
"""
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    _survivors(db)
    quoted = '"' + TABLE.replace('"', '""') + '"'
    assert db.scalar(f"SELECT count(*) FROM {quoted}") == ROWS


@pytest.mark.parametrize("option", ["schema", "ledger_table"])
def test_hostile_schema_and_ledger_names_never_run(manifest, make_database, option: str) -> None:  # type: ignore[no-untyped-def]
    """A schema or ledger table named like SQL either fails as a missing name or is quoted."""
    db: Database = make_database("postgresql")
    _plant(db)
    path = manifest(
        f"""\
version: 1
targets:
  db: {{handler: sqlalchemy, url: "{db.url}", create_tables: true,
      ledger: {str(option == "ledger_table").lower()}, {option}: {_yaml(TABLE)}}}
datasets:
  hostile:
    count: {ROWS}
    fields: {{id: {{sequence: null, start: 1}}}}
    persist: [db]
"""
    )
    report = apply(build_plan(load_manifest(path)))
    if option == "schema":
        assert not report.ok  # no such schema: a clean failure, not an injection
        assert "does not exist" in str(report.error)
    else:
        assert report.ok, report.error
        quoted = '"' + TABLE.replace('"', '""') + '"'
        assert db.scalar(f"SELECT count(*) FROM {quoted}") >= 1  # the ledger, so named
    _survivors(db)


@pytest.fixture(autouse=True)
def _collect() -> Iterator[None]:
    """Collect this module's engines' connections here; left to a later GC pass, psycopg's
    ``__del__`` warning lands in whichever test happens to run then."""
    yield
    gc.collect()
