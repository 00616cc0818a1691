"""postgres-jsonb keeps a run ledger beside its documents (issue 15, item 4): apply again
writes nothing, a raised count writes only the new documents, destroy deletes exactly
the ledger's, and documents whose id the table held are ignored, counted and kept."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.integration.test_pg_jsonb_handler import documents, pg_manifest


@pytest.fixture
def db(make_database):
    return make_database("postgresql")


def _with_count(text: str, count: int) -> str:
    return text.replace("count: 40", f"count: {count}")


def _persist(report):
    (step,) = [s for s in report.steps if s.name == "docs"]
    return step


def _destroy(path):
    from seedrunner.commands.destroy import destroy

    return destroy(build_plan(load_manifest(path)))


def test_apply_again_writes_nothing_and_a_raised_count_only_the_new(manifest, db):
    path = manifest(pg_manifest(db.url))
    assert apply(build_plan(load_manifest(path))).ok
    first = documents(db)
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert _persist(again).skipped == 40
    assert documents(db) == first
    grown = apply(build_plan(load_manifest(path, overrides=["datasets.customers.count=50"])))
    assert grown.ok, grown.error
    assert _persist(grown).skipped == 40
    assert len(documents(db)) == 50
    results = _destroy(manifest(_with_count(pg_manifest(db.url), 50)))
    assert [(r.target, r.status, r.rows) for r in results if r.target == "docs"] == [
        ("docs", "done", 50)
    ]
    assert documents(db) == []


def test_documents_the_table_held_are_ignored_counted_and_kept(manifest, db, cli):
    own = manifest(pg_manifest(db.url, ", ledger: false"), "own.yaml")
    assert apply(build_plan(load_manifest(own))).ok  # the application's 40 documents
    held = documents(db)
    seeded = manifest(_with_count(pg_manifest(db.url, ", on_conflict: ignore"), 50), "seed.yaml")
    report = apply(build_plan(load_manifest(seeded)))
    assert report.ok, report.error
    step = _persist(report)
    assert (step.ignored, step.taken) == (40, 10)
    assert len(documents(db)) == 50
    results = _destroy(seeded)
    assert [(r.status, r.rows) for r in results if r.target == "docs"] == [("done", 10)]
    assert documents(db) == held


def test_the_ledger_sits_beside_the_documents(manifest, db):
    """The sql ledger's table, in the documents' database, records every row written."""
    path = manifest(pg_manifest(db.url))
    assert apply(build_plan(load_manifest(path))).ok
    with db.engine.connect() as c:
        recorded = c.execute(sa.text("SELECT SUM(row_stop - row_start) FROM seedrunner_ledger"))
        assert recorded.scalar() == 40


# -- sqlite-json ---------------------------------------------------------------------------


def _docs(path) -> list[tuple]:
    import sqlite3

    con = sqlite3.connect(path)
    try:
        return con.execute("SELECT id, model, payload FROM customers ORDER BY id").fetchall()
    finally:
        con.close()


def test_sqlite_json_with_a_ledger_writes_once_grows_and_destroys_exactly(manifest, tmp_path):
    from tests.integration.test_sqlite_json_handler import customers_manifest

    path = manifest(customers_manifest(", ledger: true", count=30))
    db = tmp_path / "data" / "docs.db"
    first = apply(build_plan(load_manifest(path)))
    assert first.ok, first.error
    written = _docs(db)
    assert len(written) == 30
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert _persist(again).skipped == 30
    assert _docs(db) == written  # not doubled
    grown = manifest(customers_manifest(", ledger: true", count=45))
    report = apply(build_plan(load_manifest(grown)))
    assert report.ok, report.error
    assert _persist(report).skipped == 30
    assert _docs(db)[:30] == written
    assert len(_docs(db)) == 45
    import sqlite3

    con = sqlite3.connect(db)  # the application's own document, after ours
    con.execute("""INSERT INTO customers (model, payload) VALUES ('App', '{}')""")
    con.commit()
    con.close()
    results = _destroy(grown)
    assert [(r.target, r.status, r.rows) for r in results if r.target == "docs"] == [
        ("docs", "done", 45)
    ]
    assert [r[1:] for r in _docs(db)] == [("App", "{}")]


def test_sqlite_json_refuses_another_spec_before_writing(manifest, tmp_path, cli):
    from tests.integration.test_sqlite_json_handler import customers_manifest

    path = manifest(customers_manifest(", ledger: true", count=10))
    assert apply(build_plan(load_manifest(path))).ok
    before = _docs(tmp_path / "data" / "docs.db")
    changed = manifest(customers_manifest(", ledger: true", count=10, seed=12))
    report = apply(build_plan(load_manifest(changed)))
    assert not report.ok
    assert "changed" in (report.error or "")
    assert _docs(tmp_path / "data" / "docs.db") == before
