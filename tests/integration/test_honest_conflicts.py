"""``on_conflict: ignore / update`` count and ledger only the rows the target took: a row
whose key the table held is reported as ignored (or updated), recorded as the table's own,
and never deleted by destroy (issue 15, item 4)."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import dump, shop_manifest

BACKENDS = ["sqlite", "postgresql", "mariadb", "postgresql-async", "mariadb-async"]


def _manifest(manifest, db, file: str, count: int, name: str, **options):
    text = shop_manifest(
        db.url, batch_size=8, customers=count, datasets=["customers"], db=options
    ).replace("version: 1\n", f"version: 1\nname: {name}\n", 1)
    return manifest(text, file)


def _customers(db) -> list[tuple]:
    return dump(db.engine)["customers"]


def _destroy(path):
    from seedrunner.commands.destroy import destroy

    return destroy(build_plan(load_manifest(path)))


@pytest.mark.parametrize("how", ["ignore", "update"])
@pytest.mark.parametrize("backend", BACKENDS)
def test_rows_the_table_held_are_counted_as_its_own_and_kept_by_destroy(
    manifest, make_database, cli, backend, how
):
    """10 application rows, apply 20 with ignore/update, destroy: the 10 are left."""
    db = make_database(backend)
    app = _manifest(manifest, db, "app.yaml", 10, "app", ledger=False)
    assert apply(build_plan(load_manifest(app))).ok
    held = _customers(db)
    assert len(held) == 10

    seeded = _manifest(manifest, db, "seed.yaml", 20, "seed", on_conflict=how)
    report = apply(build_plan(load_manifest(seeded)))
    assert report.ok, report.error
    (step,) = [s for s in report.steps if s.kind == "persist"]
    kept = step.ignored if how == "ignore" else step.updated
    assert (kept, step.taken) == (10, 10)
    assert (step.ignored + step.updated) == 10
    assert report.to_json()["steps"][1][how + "d"] == 10
    assert len(_customers(db)) == 20

    again = apply(build_plan(load_manifest(seeded)))  # the ledger: nothing to write
    assert again.ok
    assert (again.steps[1].skipped, again.steps[1].ignored) == (20, 0)

    results = _destroy(seeded)
    assert [(r.status, r.rows) for r in results] == [("done", 10)]
    left = _customers(db)
    assert len(left) == 10
    if how == "ignore":
        assert left == held
    assert [r[0] for r in left] == [r[0] for r in held]


@pytest.mark.parametrize("backend", BACKENDS)
def test_destroying_one_manifest_keeps_anothers_rows(manifest, make_database, backend):
    """A and B seed one table; B's rows with A's keys were A's: destroying B keeps them,
    and A's ledger stays true (apply A again writes nothing, destroy A removes its 10)."""
    db = make_database(backend)
    a = _manifest(manifest, db, "a.yaml", 10, "a")
    b = _manifest(manifest, db, "b.yaml", 15, "b", on_conflict="ignore")
    assert apply(build_plan(load_manifest(a))).ok
    held = _customers(db)
    report = apply(build_plan(load_manifest(b)))
    assert report.ok, report.error
    assert report.steps[1].ignored == 10
    assert [(r.status, r.rows) for r in _destroy(b)] == [("done", 5)]
    assert _customers(db) == held
    again = apply(build_plan(load_manifest(a)))
    assert again.ok
    assert again.steps[1].skipped == 10
    assert [(r.status, r.rows) for r in _destroy(a)] == [("done", 10)]
    assert _customers(db) == []


def test_the_summary_says_what_was_ignored(manifest, make_database, cli):
    db = make_database("sqlite")
    app = _manifest(manifest, db, "app.yaml", 4, "app", ledger=False)
    assert apply(build_plan(load_manifest(app))).ok
    seeded = _manifest(manifest, db, "seed.yaml", 6, "seed", on_conflict="ignore")
    code, out, err = cli("apply", str(seeded))
    assert code == 0, out + err
    assert "4 rows ignored (already there" in " ".join(out.split())


def test_without_conflicts_no_record_is_written(manifest, make_database):
    """The common path: nothing held, nothing recorded beside the ledger."""
    db = make_database("sqlite")
    seeded = _manifest(manifest, db, "seed.yaml", 12, "seed", on_conflict="ignore")
    report = apply(build_plan(load_manifest(seeded)))
    assert report.ok
    assert report.steps[1].ignored == 0
    with db.engine.connect() as c:
        theirs = c.execute(sa.text("SELECT COUNT(*) FROM seedrunner_ledger_theirs")).scalar()
    assert theirs == 0
    assert [(r.status, r.rows) for r in _destroy(seeded)] == [("done", 12)]
