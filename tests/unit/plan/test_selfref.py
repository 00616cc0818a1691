"""Self-references through SQLAlchemy models and written refs: planned as a forest, applied
into SQLite in index order, the same rows however the batches are cut or generated; keys
the database would assign are refused at plan with a hint."""

from __future__ import annotations

import json
import sqlite3

import pytest

from seedrunner import PlanError, apply, build_plan, load_manifest, preview_rows
from seedrunner.execute.parallel import order_dependent

MODELS = """
import uuid
from typing import Optional
from sqlalchemy import ForeignKey, String, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Employee(Base):
    __tablename__ = "employee"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    reports_to: Mapped[Optional[int]] = mapped_column(ForeignKey("employee.id"))

class Category(Base):  # NOT NULL: a root points at itself
    __tablename__ = "category"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    parent_id: Mapped[int] = mapped_column(ForeignKey("category.id"))

class Node(Base):  # UUID keys: earlier batches' keys come from the KeyStore
    __tablename__ = "node"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)
    parent_id: Mapped[Optional[uuid.UUID]] = mapped_column(ForeignKey("node.id"))
"""


def shop(manifest, name: str, batch: int, extra: str = "", db: str = "out.db", n: int = 300):
    return manifest(
        f"""
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        python_path: ["."]
        defaults: {{batch_size: {batch}}}
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///{db}", create_tables: true, ledger: true}}
        datasets:
          employee: {{model: "treemodels:Employee", count: {n}, persist: [db]{extra}}}
          category: {{model: "treemodels:Category", count: {n * 2 // 5}, persist: [db]}}
          node: {{model: "treemodels:Node", count: {n * 5 // 6}, persist: [db]}}
        """,
        name,
        **{"treemodels.py": MODELS},
    )


def walk(path, table: str, column: str) -> dict[object, int]:
    """Depth of every row by walking to its root; asserts every parent exists and is
    earlier (by rowid: the write order) and that there is no cycle but a root's own key."""
    con = sqlite3.connect(path)
    rows = con.execute(f"SELECT id, {column}, rowid FROM {table}").fetchall()
    con.close()
    parent = {r[0]: r[1] for r in rows}
    order = {r[0]: r[2] for r in rows}
    depth: dict[object, int] = {}
    for key in parent:
        seen, k, d = set(), key, 0
        while parent[k] is not None and parent[k] != k:
            assert parent[k] in parent, f"{table}: {k} points at a missing row"
            assert order[parent[k]] < order[k], f"{table}: {k}'s parent comes later"
            assert k not in seen
            seen.add(k)
            k, d = parent[k], d + 1
        depth[key] = d
    return depth


def test_model_self_references_are_forests_in_sqlite(manifest, tmp_path):
    path = shop(manifest, "seed.yaml", 64)
    plan = build_plan(load_manifest(path))
    assert plan.dataset("employee").parents == []
    assert apply(plan).ok
    db = tmp_path / "out.db"
    emp = walk(db, "employee", "reports_to")
    assert len(emp) == 300
    assert max(emp.values()) <= 4
    assert sum(1 for d in emp.values() if d == 0) == 30  # one in ten
    cat = walk(db, "category", "parent_id")
    con = sqlite3.connect(db)
    assert con.execute("SELECT count(*) FROM category WHERE parent_id = id").fetchone() == (12,)
    assert con.execute("SELECT count(*) FROM employee WHERE reports_to IS NULL").fetchone() == (30,)
    con.close()
    assert max(cat.values()) <= 4
    node = walk(db, "node", "parent_id")
    assert max(node.values()) <= 4
    assert sum(1 for d in node.values() if d == 0) == 25
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    skipped = {r.dataset: r.skipped for r in again.steps if r.kind == "persist"}
    assert skipped == {"employee": 300, "category": 120, "node": 250}  # nothing written


def test_batches_and_workers_do_not_change_the_rows(manifest, tmp_path):
    small = shop(manifest, "small.yaml", 70, db="small.db", n=9000)
    big = shop(manifest, "big.yaml", 1000, db="big.db", n=9000)
    plan = build_plan(load_manifest(big))
    assert order_dependent(plan.dataset("employee")) is None  # ids 1..N: split over workers
    assert "not ids 1..N" in (order_dependent(plan.dataset("node")) or "")  # UUIDs: in order
    assert apply(build_plan(load_manifest(small))).ok
    assert apply(plan, workers=2).ok
    for table in ("employee", "category", "node"):
        one = sqlite3.connect(tmp_path / "small.db").execute(f"SELECT * FROM {table} ORDER BY 1")
        two = sqlite3.connect(tmp_path / "big.db").execute(f"SELECT * FROM {table} ORDER BY 1")
        assert one.fetchall() == two.fetchall()


def test_roots_max_depth_and_null_probability_from_a_written_ref(manifest, tmp_path):
    extra = ", fields: {reports_to: {ref: employee.id, roots: 3, max_depth: 2}}"
    path = shop(manifest, "seed.yaml", 50, extra)
    plan = build_plan(load_manifest(path))
    field = next(f for f in plan.dataset("employee").fields if f.name == "reports_to")
    assert field.source.startswith("tree: 3 roots, depth <= 2")
    assert apply(plan).ok
    emp = walk(tmp_path / "out.db", "employee", "reports_to")
    assert max(emp.values()) == 2
    assert sum(1 for d in emp.values() if d == 0) == 3
    extra = ", fields: {reports_to: {ref: employee.id, null_probability: 0.5}}"
    path = shop(manifest, "more.yaml", 50, extra, db="more.db")
    assert apply(build_plan(load_manifest(path))).ok
    emp = walk(tmp_path / "more.db", "employee", "reports_to")
    assert 100 < sum(1 for d in emp.values() if d == 0) < 200  # 30 roots + about half the rest


def test_schemaless_self_reference_keys_by_the_written_field(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        datasets:
          c:
            count: 40
            fields:
              code: {sequence: "C{n:03d}", start: 1}
              parent: {ref: c.code, roots: 4}
            persist: [{handler: jsonl, path: c.jsonl}]
        """
    )
    assert apply(build_plan(load_manifest(path))).ok
    rows = [json.loads(x) for x in (tmp_path / "c.jsonl").read_text().splitlines()]
    codes = [r["code"] for r in rows]
    assert [r["parent"] for r in rows[:4]] == [None] * 4
    assert all(codes.index(r["parent"]) < i for i, r in enumerate(rows) if r["parent"])


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ("exclude: [id]", "it is excluded or skipped"),
        ("fields: {id: {skip: true}}", "it is excluded or skipped"),
        ('fields: {id: "{{ index }}"}', "which is a template"),
    ],
)
def test_a_key_the_database_assigns_is_refused_with_a_hint(manifest, fields, expected):
    path = manifest(
        f"""
        version: 1
        python_path: ["."]
        datasets:
          category:
            model: "treemodels:Category"
            count: 3
            {fields}
        """,
        **{"treemodels.py": MODELS},
    )
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    (problem,) = err.value.problems
    assert problem.code == "SR-E031"
    assert expected in problem.message
    assert "give id a value" in (problem.hint or "") or "give id a sequence" in (problem.hint or "")
    assert problem.location is not None
    assert problem.location.line == 6  # the model: key (parent_id NOT NULL: a tree is needed)


def test_a_nullable_self_reference_over_a_database_key_stays_null_with_a_warning(manifest):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        datasets:
          employee: {model: "treemodels:Employee", count: 3, exclude: [id]}
        """,
        **{"treemodels.py": MODELS},
    )
    plan = build_plan(load_manifest(path))
    field = next(f for f in plan.dataset("employee").fields if f.name == "reports_to")
    assert field.tree is None
    assert field.source == "null (foreign key)"
    assert any("reports_to references employee's own rows by id" in w for w in plan.warnings)
    asked = path.read_text().replace(
        "exclude: [id]", "exclude: [id], fields: {reports_to: {ref: employee.id}}"
    )
    path.write_text(asked)
    with pytest.raises(PlanError) as err:  # a tree asked for: refused, at the field
        build_plan(load_manifest(path))
    assert "it is excluded or skipped" in err.value.problems[0].message


def test_roots_on_a_ref_to_another_dataset_is_refused(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          a: {count: 2, fields: {id: {sequence: null, start: 1}}}
          b: {count: 2, fields: {a_id: {ref: a.id, roots: 2}}}
        """
    )
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    (problem,) = err.value.problems
    assert "roots applies to a reference to the dataset's own rows" in problem.message
    assert problem.location is not None
    assert problem.location.line == 5


def _rows(db, table: str) -> dict[object, tuple[object, ...]]:
    con = sqlite3.connect(db)
    try:
        return {r[0]: tuple(r) for r in con.execute(f"SELECT * FROM {table}")}
    finally:
        con.close()


def test_a_raised_tree_keeps_its_rows_and_the_new_ones_form_trees_of_their_own(
    manifest, tmp_path, cli
):
    """300 -> 330 -> 400 employees (and categories, nodes): every earlier row is kept as
    written; each batch of added rows is a forest of its own (parents earlier rows of the
    same addition, depth <= 4), so the whole table stays a forest; destroy removes all."""
    db = tmp_path / "out.db"
    path = str(shop(manifest, "seed.yaml", 50))
    assert cli("apply", path, "-q")[0] == 0
    tables = ("employee", "category", "node")
    before = {t: _rows(db, t) for t in tables}
    for n in (330, 400):
        path = str(shop(manifest, "seed.yaml", 50, n=n))
        code, out, err = cli("apply", path)
        assert code == 0, out + err
        now = {t: _rows(db, t) for t in tables}
        for t in tables:
            assert {k: now[t][k] for k in before[t]} == before[t], t
        assert len(now["employee"]) == n
        for table, column in (("employee", "reports_to"), ("category", "parent_id"),
                              ("node", "parent_id")):  # fmt: skip
            assert max(walk(db, table, column).values()) <= 4
        added = [k for k in now["employee"] if k not in before["employee"]]
        roots = [k for k in added if now["employee"][k][2] is None]
        assert roots  # the added rows hang from roots of their own
        assert cli("plan", path, "--detailed-exitcode")[0] == 0
        before = now
    assert cli("destroy", path, "--yes")[0] == 0
    assert all(not _rows(db, t) for t in tables)


def test_preview_shows_the_parents_apply_writes(manifest, tmp_path):
    extra = ", fields: {reports_to: {ref: employee.id, roots: 2}}"
    plan = build_plan(load_manifest(shop(manifest, "seed.yaml", 4, extra, n=600)))
    rows = preview_rows(plan, 6)["employee"]
    assert apply(plan).ok
    con = sqlite3.connect(tmp_path / "out.db")
    written = con.execute("SELECT id, reports_to FROM employee ORDER BY id LIMIT 6").fetchall()
    assert [(r["id"], r["reports_to"]) for r in rows] == written
    assert [p for _, p in written][:2] == [None, None]
    assert all(p is not None and p < k for k, p in written[2:])
