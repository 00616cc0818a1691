"""Load a real schema's DDL into a test database and write the manifest that seeds it.

The manifest is what a new user writes first: one sqlalchemy target, and per table only
``table:`` and ``count:`` (plus ``persist:``, which names the target), with ``seed`` and
``now`` pinned. The HR schema spans two schemas (PostgreSQL) or databases (MariaDB): the
second one is created here, uniquely named after the test's own, and dropped on exit.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.databases import Database
from tests.realschemas.cases import RealSchema

HERE = Path(__file__).resolve().parent
SEED = 13
NOW = "2026-06-01T00:00:00Z"


@dataclass(frozen=True)
class Names:
    """Where the schema's tables are: the test's schema/database, and the second one."""

    family: str
    main: str
    second: str | None = None

    @property
    def schemas(self) -> list[str]:
        if self.family == "sqlite":
            return ["main"]
        return [self.main] + ([self.second] if self.second else [])

    def schema_of(self, schema: RealSchema, table: str) -> str:
        if self.family == "sqlite":
            return "main"
        return self.second if self.second and table in schema.second_schema else self.main

    def sql(self, text: str) -> str:
        """Statement text with the ``__hr__`` / ``__payroll__`` placeholders filled in."""
        return text.replace("__hr__", self.main).replace("__payroll__", self.second or "")


def statements(schema: RealSchema, names: Names) -> list[str]:
    """The DDL file of ``schema`` for the family, split into statements (comments dropped)."""
    text = (HERE / f"{schema.name}.{names.family}.sql").read_text()
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    return [names.sql(s.strip()) for s in body.split(";\n") if s.strip().rstrip(";")]


def _second_schema_sql(family: str, name: str) -> tuple[str, str]:
    if family == "postgresql":
        return f'CREATE SCHEMA "{name}"', f'DROP SCHEMA IF EXISTS "{name}" CASCADE'
    return (
        f"CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
        f"DROP DATABASE IF EXISTS `{name}`",
    )


@contextmanager
def loaded(db: Database, schema: RealSchema, app_rows: bool = False) -> Iterator[Names]:
    """Run the schema's DDL (and, with ``app_rows``, the application's own first rows)."""
    second = f"{db.name}_pay" if schema.second_schema else None
    names = Names(db.family, db.name, second)
    drop = None
    try:
        if second is not None:
            create, drop = _second_schema_sql(db.family, second)
            db.execute(create)
        db.execute(*statements(schema, names))
        if app_rows:
            db.execute(*(names.sql(s) for s in schema.app_rows))
        yield names
    finally:
        if drop is not None:
            db.dispose()
            db.execute(drop)
            db.dispose()


def manifest_text(schema: RealSchema, db: Database, names: Names) -> str:
    """Only ``table:`` and ``count:`` per table: what seedrunner must do out of the box."""
    lines = [
        "version: 1",
        f"name: {schema.name}",
        f"seed: {SEED}",
        f'now: "{NOW}"',
        "targets:",
        f'  db: {{handler: sqlalchemy, url: "{db.url}"}}',
    ]
    if names.second:
        lines.append(
            f'  payroll: {{handler: sqlalchemy, url: "{db.url}", schema: "{names.second}"}}'
        )
    lines.append("datasets:")
    for table, count in schema.counts.items():
        target = "payroll" if table in schema.second_schema else "db"
        lines += [f"  {table}:", f"    table: {table}", f"    count: {count}"]
        lines.append(f"    persist: [{target}]")
    return "\n".join(lines) + "\n"


def write_manifest(folder: Path, schema: RealSchema, db: Database, names: Names) -> Path:
    path = folder / f"{schema.name}.yaml"
    path.write_text(manifest_text(schema, db, names))
    return path
