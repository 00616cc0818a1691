"""Self-referencing tables made by raw DDL (an employee hierarchy, a category tree, threaded
comments, a NOT NULL org chart), seeded from a manifest of only ``table:`` and ``count:`` on
every backend: every parent exists and comes earlier, no cycle, depth within the limit; apply
again writes nothing; a killed run resumed, and two workers, give a clean run's rows."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import pytest
import sqlalchemy as sa

from seedrunner import PlanError, apply, build_plan, load_manifest
from tests.unit.plan.test_selfref import MODELS

COUNTS = {"employee": 40, "category": 120, "post": 15, "comment": 300, "org_unit": 90}
TREES = [  # table, key, self-reference, nullable
    ("employee", "employee_id", "reports_to", True),
    ("category", "id", "parent_id", True),
    ("comment", "id", "parent_id", True),
    ("org_unit", "id", "parent_id", False),
]


def schema_sql(family: str) -> list[str]:
    """The four shapes in each database's own dialect, keys assigned by default as an
    application would have them (SERIAL, AUTO_INCREMENT, INTEGER PRIMARY KEY)."""
    key = {
        "postgresql": "SERIAL PRIMARY KEY",
        "mariadb": "INT AUTO_INCREMENT PRIMARY KEY",
        "sqlite": "INTEGER PRIMARY KEY",
    }[family]
    text = "TEXT" if family != "mariadb" else "VARCHAR(2000)"
    return [
        f"""CREATE TABLE employee (
            employee_id {key},
            last_name VARCHAR(20) NOT NULL,
            first_name VARCHAR(20) NOT NULL,
            title VARCHAR(30),
            reports_to INTEGER REFERENCES employee (employee_id),
            email VARCHAR(60))""",
        f"""CREATE TABLE category (
            id {key},
            name VARCHAR(50) NOT NULL,
            parent_id INTEGER NULL,
            FOREIGN KEY (parent_id) REFERENCES category (id))""",
        f"CREATE TABLE post (id {key}, title VARCHAR(120) NOT NULL, body {text} NOT NULL)",
        f"""CREATE TABLE comment (
            id {key},
            post_id INTEGER NOT NULL,
            parent_id INTEGER NULL,
            body {text} NOT NULL,
            FOREIGN KEY (post_id) REFERENCES post (id),
            FOREIGN KEY (parent_id) REFERENCES comment (id))""",
        f"""CREATE TABLE org_unit (
            id {key},
            name VARCHAR(40) NOT NULL,
            parent_id INTEGER NOT NULL,
            FOREIGN KEY (parent_id) REFERENCES org_unit (id))""",
    ]


def tree_manifest(
    url: str, batch_size: int = 16, extra: str = "", counts: dict[str, int] | None = None
) -> str:
    # children before parents in the manifest: only the foreign keys order them
    datasets = "".join(
        f"  {name}: {{table: {name}, count: {count}, persist: [db]}}\n"
        for name, count in reversed({**COUNTS, **(counts or {})}.items())
    )
    return (
        'version: 1\nseed: 11\nnow: "2026-01-01T00:00:00Z"\n'
        f"defaults: {{batch_size: {batch_size}}}\n"
        f'targets:\n  db: {{handler: sqlalchemy, url: "{url}", ledger: true, '
        f"transaction: batch}}\n{extra}"
        f"datasets:\n{datasets}"
    )


def check_tree(
    db: Any, table: str, key: str, parent: str, nullable: bool, expected: int | None = None
) -> dict[str, int]:
    """Walk every tree from its roots with a recursive CTE: each row reached once (no
    cycle, no orphan), parents before children, and the depth of the deepest row."""
    walk = f"""
        WITH RECURSIVE walk (k, depth) AS (
            SELECT {key}, 0 FROM {table} WHERE {parent} IS NULL OR {parent} = {key}
            UNION ALL
            SELECT c.{key}, w.depth + 1 FROM {table} c JOIN walk w ON c.{parent} = w.k
            WHERE c.{parent} <> c.{key} AND w.depth < 50)
        SELECT COUNT(*), COUNT(DISTINCT k), MAX(depth) FROM walk"""
    with db.engine.connect() as c:
        reached, distinct, depth = c.execute(sa.text(walk)).one()
        total = c.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar_one()
        orphans = c.execute(
            sa.text(
                f"SELECT COUNT(*) FROM {table} c LEFT JOIN {table} p ON c.{parent} = p.{key} "
                f"WHERE c.{parent} IS NOT NULL AND p.{key} IS NULL"
            )
        ).scalar_one()
        later = c.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE {parent} > {key}"))
        nulls = c.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE {parent} IS NULL"))
        selves = c.execute(sa.text(f"SELECT COUNT(*) FROM {table} WHERE {parent} = {key}"))
        counts = {"nulls": nulls.scalar_one(), "selves": selves.scalar_one()}
        assert later.scalar_one() == 0  # every parent is an earlier row
    assert total == (COUNTS[table] if expected is None else expected)
    assert (reached, distinct, orphans) == (total, total, 0)  # each row once: no cycle
    assert depth <= 4
    roots = counts["nulls"] if nullable else counts["selves"]
    if expected is None:
        assert roots == max(1, total // 10)
    assert counts["selves" if nullable else "nulls"] == 0
    return {"depth": depth, "roots": roots}


def dump(db: Any) -> dict[str, list[tuple[Any, ...]]]:
    return {t: db.rows(t) for t in COUNTS}


def test_self_referencing_tables_seed_as_forests(manifest, database):
    database.execute(*schema_sql(database.family))
    path = manifest(tree_manifest(database.url))
    plan = build_plan(load_manifest(path))
    order = [d.name for d in plan.datasets]
    assert order.index("post") < order.index("comment")
    assert all(plan.dataset(t).parents == (["post"] if t == "comment" else []) for t, *_ in TREES)
    report = apply(plan)
    assert report.ok, report.error
    for table, key, parent, nullable in TREES:
        shape = check_tree(database, table, key, parent, nullable)
        assert shape["depth"] >= 2  # a real hierarchy, not a flat list
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert {r.dataset: r.skipped for r in again.steps if r.kind == "persist"} == COUNTS
    assert all(r.rows == r.skipped for r in again.steps if r.kind == "persist")


def test_replies_stay_within_their_post_under_count_per(manifest, sync_database):
    """comment: {count: {per: post, ...}}: each post's comments are a forest of their own."""
    db = sync_database
    db.execute(*schema_sql(db.family))
    text = tree_manifest(db.url).replace("count: 300", "count: {per: post, min: 0, max: 40}")
    plan = build_plan(load_manifest(manifest(text)))
    comment = plan.dataset("comment")
    field = next(f for f in comment.fields if f.name == "parent_id")
    assert field.source.startswith("tree: about 1 in 10 roots per post row, depth <= 4")
    assert apply(plan).ok
    check_tree(db, "comment", "id", "parent_id", True, comment.count.total)
    other_post = db.scalar(
        "SELECT COUNT(*) FROM comment c JOIN comment p ON c.parent_id = p.id "
        "WHERE c.post_id <> p.post_id"
    )
    assert other_post == 0
    threads = db.scalar("SELECT COUNT(DISTINCT post_id) FROM comment WHERE parent_id IS NULL")
    assert threads == db.scalar("SELECT COUNT(DISTINCT post_id) FROM comment")


def test_a_unique_self_reference_is_a_set_of_chains(manifest, sync_database):
    """previous_id UNIQUE: no row may be the previous of two, so each level points at the
    level before row for row (chains), and the database's unique index accepts every row."""
    db = sync_database
    key = {"postgresql": "SERIAL", "mariadb": "INT AUTO_INCREMENT", "sqlite": "INTEGER"}
    db.execute(
        f"""CREATE TABLE doc_version (
            id {key[db.family]} PRIMARY KEY,
            title VARCHAR(80) NOT NULL,
            previous_id INTEGER NULL UNIQUE,
            FOREIGN KEY (previous_id) REFERENCES doc_version (id))"""
    )
    text = (
        f'version: 1\ntargets:\n  db: {{handler: sqlalchemy, url: "{db.url}"}}\n'
        "defaults: {batch_size: 7}\n"
        "datasets:\n  doc_version: {table: doc_version, count: 100, persist: [db]}\n"
    )
    plan = build_plan(load_manifest(manifest(text)))
    field = next(f for f in plan.dataset("doc_version").fields if f.name == "previous_id")
    assert "unique: one child each" in field.source
    report = apply(plan)
    assert report.ok, report.error
    repeated = db.scalar(
        "SELECT COUNT(*) FROM (SELECT previous_id FROM doc_version WHERE previous_id IS NOT "
        "NULL GROUP BY previous_id HAVING COUNT(*) > 1) AS r"
    )
    assert repeated == 0
    check_tree(db, "doc_version", "id", "previous_id", True, expected=100)
    assert db.scalar("SELECT COUNT(*) FROM doc_version WHERE previous_id IS NULL") == 20


def test_sqlalchemy_models_with_self_references(manifest, database):
    """The same through mapped classes and create_tables: int keys, a NOT NULL parent and
    UUID keys (earlier batches' keys from the KeyStore)."""
    text = f"""\
        version: 1
        seed: 2
        now: "2026-01-01T00:00:00Z"
        python_path: ["."]
        defaults: {{batch_size: 16}}
        targets:
          db: {{handler: sqlalchemy, url: "{database.url}", create_tables: true, ledger: true}}
        datasets:
          node: {{model: "treemodels:Node", count: 70, persist: [db]}}
          category: {{model: "treemodels:Category", count: 50, persist: [db]}}
          employee: {{model: "treemodels:Employee", count: 60, persist: [db]}}
        """
    path = manifest(text, **{"treemodels.py": MODELS})
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    for table, parent, nullable, total in [
        ("employee", "reports_to", True, 60),
        ("category", "parent_id", False, 50),
        ("node", "parent_id", True, 70),
    ]:
        orphans = database.scalar(
            f"SELECT COUNT(*) FROM {table} c LEFT JOIN {table} p ON c.{parent} = p.id "
            f"WHERE c.{parent} IS NOT NULL AND p.id IS NULL"
        )
        assert orphans == 0
        roots = f"{parent} IS NULL" if nullable else f"{parent} = id"
        assert database.scalar(f"SELECT COUNT(*) FROM {table} WHERE {roots}") == total // 10
    assert database.scalar("SELECT MAX(reports_to - id) FROM employee") < 0  # earlier rows
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert sum(r.skipped for r in again.steps if r.kind == "persist") == 180


def test_plan_shows_the_tree(manifest, cli, sync_database):
    sync_database.execute(*schema_sql(sync_database.family))
    manifest(tree_manifest(sync_database.url))
    code, out, err = cli("plan", "seed.yaml")
    assert code == 0, err
    assert "reports_to  tree: 4 roots, depth <= 4 (the parent row's employee_id; roots null)" in out
    assert (
        "parent_id  tree: 9 roots, depth <= 4 (the parent row's id; a root points at itself)" in out
    )


def _apply_cli(path, cwd, kill: str | None, *args: str) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SEEDRUNNER_TEST_KILL"}
    if kill:
        env["SEEDRUNNER_TEST_KILL"] = kill
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet", *args]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=120)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_killed_then_resumed_gives_a_clean_runs_rows(manifest, make_database, tmp_path, backend):
    killed, clean = make_database(backend), make_database(backend)
    for db in (killed, clean):
        db.execute(*schema_sql(db.family))
    killer = '  killer: {"handler": "tests.integration.resumekill:Killer"}\n'
    text = tree_manifest(killed.url, extra=killer).replace("persist: [db]", "persist: [db, killer]")
    path = manifest(text, "killed.yaml")
    first = _apply_cli(path, tmp_path, "category:3:KILL")
    assert first.returncode == -9, first.stderr.decode()
    assert 0 < len(killed.rows("category")) < COUNTS["category"]
    again = _apply_cli(path, tmp_path, None)
    assert again.returncode == 0, again.stderr.decode()
    assert apply(build_plan(load_manifest(manifest(tree_manifest(clean.url), "clean.yaml")))).ok
    assert dump(killed) == dump(clean)
    check_tree(killed, "category", "id", "parent_id", True)


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_two_workers_write_the_rows_of_one(manifest, make_database, tmp_path, backend):
    """9,000 comments: more than one chunk, so helpers make some of them (ids 1..N: each
    parent's key is computed from its index, not read from rows another process wrote)."""
    one, two = make_database(backend), make_database(backend)
    for db in (one, two):
        db.execute(*schema_sql(db.family))
    counts = {"comment": 9000}
    path = manifest(tree_manifest(one.url, 1000, counts=counts), "one.yaml")
    assert apply(build_plan(load_manifest(path))).ok
    path = manifest(tree_manifest(two.url, 500, counts=counts), "two.yaml")
    done = _apply_cli(path, tmp_path, None, "--workers", "2")
    assert done.returncode == 0, done.stderr.decode()
    assert dump(one) == dump(two)
    assert len(two.rows("comment")) == 9000


def test_a_key_the_database_must_assign_is_refused_at_the_table_key(manifest, make_database):
    db = make_database("postgresql")
    db.execute(
        """CREATE TABLE node (
            id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            parent_id INTEGER NOT NULL REFERENCES node (id))"""
    )
    text = (
        f'version: 1\ntargets:\n  db: {{handler: sqlalchemy, url: "{db.url}"}}\n'
        "datasets:\n  node:\n    count: 5\n    table: node\n    persist: [db]\n"
    )
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(manifest(text)))
    (problem,) = err.value.problems
    assert problem.code == "SR-E031"
    assert "the database generates it" in problem.message
    hint = problem.hint or ""
    assert "make id GENERATED BY DEFAULT" in hint
    assert "or make parent_id nullable and leave it null" in hint
    assert problem.location is not None
    assert problem.location.line == 7  # datasets.node.table


def test_a_nullable_self_reference_over_an_always_identity_stays_null(manifest, make_database):
    """As before trees: nothing the user asked for is refused; the plan says why."""
    db = make_database("postgresql")
    db.execute(
        """CREATE TABLE node (
            id INTEGER GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            parent_id INTEGER REFERENCES node (id))"""
    )
    text = (
        f'version: 1\ntargets:\n  db: {{handler: sqlalchemy, url: "{db.url}"}}\n'
        "datasets:\n  node:\n    count: 5\n    table: node\n    persist: [db]\n"
    )
    plan = build_plan(load_manifest(manifest(text)))
    assert any("which the database assigns: left null" in w for w in plan.warnings)
    assert apply(plan).ok
    assert db.scalar("SELECT COUNT(*) FROM node WHERE parent_id IS NULL") == 5
