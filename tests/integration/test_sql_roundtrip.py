"""The shop manifest into every database, sync and async: every row and every foreign key is
checked against what the same batches wrote to a JSONL file, and backends agree row for row."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import MODELS, REPO, SHOP_TABLES, dump, normalized, shop_manifest

# child table, column, parent table
FOREIGN_KEYS = [
    ("orders", "customer_id", "customers"),
    ("order_lines", "order_id", "orders"),
    ("order_lines", "product_id", "products"),
]
UNIQUE = {"customers": ["email"], "products": ["sku"], "orders": ["number"]}


def jsonl_rows(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()]


def run_shop(manifest, db, name: str = "seed.yaml"):
    path = manifest(shop_manifest(db.url, files=f"out_{Path(name).stem}/{{dataset}}.jsonl"), name)
    plan = build_plan(load_manifest(path))
    report = apply(plan)
    assert report.ok, report.error
    return plan, path.parent / f"out_{Path(name).stem}"


def test_shop_roundtrip_every_row_and_key(manifest, database):
    plan, out = run_shop(manifest, database)
    for table in SHOP_TABLES:
        planned = plan.dataset(table.name).count.total
        assert planned > 0
        with database.engine.connect() as c:
            stored = c.execute(sa.select(table).order_by(table.c.id)).mappings().all()
        assert len(stored) == planned, table.name
        written = sorted(jsonl_rows(out / f"{table.name}.jsonl"), key=lambda r: r["id"])
        assert len(written) == planned
        for db_row, file_row in zip(stored, written, strict=True):
            assert normalized(table, db_row) == normalized(table, file_row), (table.name, db_row)
        for col in table.columns:
            length = getattr(col.type, "length", None)
            if isinstance(length, int) and not isinstance(col.type, sa.Enum):
                assert all(len(r[col.key]) <= length for r in stored if r[col.key]), col
    for child, fk, parent in FOREIGN_KEYS:
        orphans = database.scalar(
            f"SELECT count(*) FROM {child} c LEFT JOIN {parent} p ON c.{fk} = p.id "
            "WHERE p.id IS NULL"
        )
        assert orphans == 0, (child, fk)
    for name, unique_columns in UNIQUE.items():
        for unique in unique_columns:
            dupes = database.scalar(f"SELECT count(*) - count(DISTINCT {unique}) FROM {name}")
            assert dupes == 0, (name, unique)
    dupes = database.scalar(
        "SELECT count(*) FROM (SELECT order_id, line_no FROM order_lines "
        "GROUP BY order_id, line_no HAVING count(*) > 1) t"
    )
    assert dupes == 0
    nulls = database.scalar("SELECT count(*) FROM customers WHERE phone IS NULL")
    assert 0 < nulls < plan.dataset("customers").count.total


def test_same_manifest_gives_the_same_rows_on_every_backend(manifest, make_database):
    dumps = {}
    for backend in ("sqlite", "postgresql", "mariadb", "postgresql-async"):
        db = make_database(backend)
        run_shop(manifest, db, name=f"{backend}.yaml")
        dumps[backend] = dump(db.engine)
    first = dumps.pop("sqlite")
    assert all(len(rows) > 0 for rows in first.values())
    for backend, other in dumps.items():
        for table, rows in first.items():
            assert other[table] == rows, (backend, table)


WIDE_ROWS = 20_000


def test_one_batch_of_20000_wide_rows(manifest, database):
    """One batch far beyond SQLite's bind-variable limit and MariaDB's 16 MB packet if it
    were sent as a single statement: the handler splits it on its own."""
    path = manifest(
        f"""
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        python_path: ["{REPO}"]
        targets:
          db: {{handler: sqlalchemy, url: "{database.url}", create_tables: true}}
        datasets:
          events:
            model: {MODELS}:Event
            count: {WIDE_ROWS}
            batch_size: {WIDE_ROWS}
            fields:
              kind: {{choice: [click, view, buy]}}
              body: {{sequence: "{{n:0500d}}", start: 1}}
              summary: {{sequence: "s{{n:0399d}}", start: 1}}
            persist: [db]
        """
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    persist = next(s for s in report.steps if s.kind == "persist")
    assert (persist.rows, persist.batches) == (WIDE_ROWS, 1)
    assert database.scalar("SELECT count(*) FROM events") == WIDE_ROWS
    assert database.scalar("SELECT count(DISTINCT body) FROM events") == WIDE_ROWS
    total = database.scalar("SELECT sum(length(body)) + sum(length(summary)) FROM events")
    assert total == WIDE_ROWS * 900
    last = database.scalar(f"SELECT body FROM events WHERE id = {WIDE_ROWS}")
    assert last == f"{WIDE_ROWS:0500d}"
