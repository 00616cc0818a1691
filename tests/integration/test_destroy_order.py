"""destroy deletes exactly the seeded rows of a self-referencing table (each row's parent an
earlier row: deleted in reverse row order, so MariaDB's row-by-row check never sees a
parent go before its child) and of a cycle (the deferred column cut first), on SQLite,
PostgreSQL and MariaDB, sync and async."""

from __future__ import annotations

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from tests.integration.test_cycles import add_app_rows, store_manifest, store_staff_sql


def category_sql(family: str, parent: str = "NULL") -> list[str]:
    key = "INTEGER" if family == "sqlite" else "INT"
    return [
        f"CREATE TABLE category (id {key} PRIMARY KEY, parent_id {key} {parent}, "
        "name VARCHAR(40) NOT NULL, "
        "CONSTRAINT category_parent_fk FOREIGN KEY (parent_id) REFERENCES category (id))"
    ]


def category_manifest(url: str, count: int = 30) -> str:
    # row i (id i + 1) points at id (i + 1) // 2: an earlier row; the first at itself
    return f"""\
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          category:
            table: category
            count: {count}
            batch_size: 8
            fields:
              parent_id: "{{{{ [1, (index + 1) // 2] | max }}}}"
            persist: [db]
        """


@pytest.mark.parametrize("parent", ["NULL", "NOT NULL"])
def test_a_self_referencing_table_is_destroyed_children_first(manifest, database, parent):
    """The first row is its own parent (a NOT NULL tree's root): on MariaDB it goes with
    the key check off for that one row, since nothing else points at it any more."""
    database.execute(*category_sql(database.family, parent))
    path = manifest(category_manifest(database.url))
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    rows = database.rows("category")
    assert len(rows) == 30
    assert all(parent <= key for key, parent, _ in rows)
    # the application adds a child under a seeded row, and a tree of its own
    database.execute(
        "INSERT INTO category (id, parent_id, name) VALUES (100, 100, 'app root')",
        "INSERT INTO category (id, parent_id, name) VALUES (101, 100, 'app child')",
    )
    undone = destroy(build_plan(load_manifest(path)))
    assert [(u.dataset, u.status, u.rows) for u in undone] == [("category", "done", 30)]
    assert [r[:2] for r in database.rows("category")] == [(100, 100), (101, 100)]
    # the ledger is forgotten with the rows: apply writes them all again
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert database.scalar("SELECT COUNT(*) FROM category") == 32


def test_a_seeded_row_the_application_points_at_is_kept_with_the_whole_step(manifest, database):
    """destroy never deletes a row something else still needs: the step rolls back whole."""
    database.execute(*category_sql(database.family))
    path = manifest(category_manifest(database.url))
    assert apply(build_plan(load_manifest(path))).ok
    database.execute("INSERT INTO category (id, parent_id, name) VALUES (100, 3, 'app')")
    [undone] = destroy(build_plan(load_manifest(path)))
    assert (undone.status, undone.rows) == ("failed", 0)
    assert database.scalar("SELECT COUNT(*) FROM category") == 31


def test_a_cycle_is_destroyed_exactly(manifest, database):
    """store <-> staff with a nullable manager: the seeded stores' managers are cut, then
    staff and store go; the application's own store and staff member stay as they were."""
    database.execute(*store_staff_sql(database.family))
    path = manifest(store_manifest(database.url, stores=6, staff=30))
    assert apply(build_plan(load_manifest(path))).ok
    add_app_rows(database, 500)
    undone = destroy(build_plan(load_manifest(path)))
    assert {(u.dataset, u.status, u.rows) for u in undone} == {
        ("staff", "done", 30),
        ("store", "done", 6),
    }
    assert database.rows("store") == [(500, 500, "app")]
    assert database.rows("staff") == [(500, 500, "app")]


@pytest.mark.parametrize("backend", ["mariadb"])
def test_forward_order_would_fail_on_mariadb(manifest, make_database, backend):
    """The case the reverse order exists for: one DELETE of a parent and its child, parent
    first, is refused by MariaDB's row-by-row check (so the test above is not vacuous)."""
    db = make_database(backend)
    db.execute(*category_sql(db.family))
    db.execute(
        "INSERT INTO category (id, parent_id, name) VALUES (1, 1, 'a')",
        "INSERT INTO category (id, parent_id, name) VALUES (2, 1, 'b')",
    )
    with pytest.raises(Exception, match="foreign key constraint fails"):
        db.execute("DELETE FROM category WHERE id IN (1, 2) ORDER BY id")


def test_apply_replace_swaps_a_cycle_written_by_an_earlier_spec(manifest, sync_database, cli):
    """--replace removes the rows of the earlier spec the way destroy does (managers cut
    first), then the new spec writes and completes the cycle again."""
    db = sync_database
    db.execute(*store_staff_sql(db.family))
    path = manifest(store_manifest(db.url))
    assert apply(build_plan(load_manifest(path))).ok
    add_app_rows(db, 500)
    changed = store_manifest(db.url).replace(
        "table: store\n", "table: store\n            fields: {name: renamed}\n"
    )
    path = manifest(changed)
    code, out, err = cli("apply", str(path), "--quiet")
    assert code == 2, out + err  # another spec wrote store (and staff, its child)
    assert "apply --replace" in err
    code, out, err = cli("apply", str(path), "--replace", "--yes", "--quiet")
    assert code == 0, out + err
    assert db.scalar("SELECT COUNT(*) FROM store WHERE name = 'renamed'") == 5
    assert db.scalar("SELECT COUNT(*) FROM store") == 6
    assert db.scalar("SELECT COUNT(*) FROM staff") == 41
    assert db.scalar("SELECT COUNT(manager_staff_id) FROM store") == 6
    assert db.rows("staff")[-1] == (500, 500, "app")


def test_destroy_only_the_parent_of_a_deferred_edge(manifest, sync_database):
    """destroy --only staff: the stores stay, their managers cut (nothing left dangling)."""
    db = sync_database
    db.execute(*store_staff_sql(db.family))
    path = manifest(store_manifest(db.url))
    assert apply(build_plan(load_manifest(path))).ok
    undone = destroy(build_plan(load_manifest(path), only=["staff"]), only=["staff"])
    assert [(u.dataset, u.status, u.rows) for u in undone] == [("staff", "done", 40)]
    assert db.scalar("SELECT COUNT(*) FROM store") == 5
    assert db.scalar("SELECT COUNT(manager_staff_id) FROM store") == 0
    again = apply(build_plan(load_manifest(path)))  # staff again, managers set again
    assert again.ok, again.error
    assert db.scalar("SELECT COUNT(manager_staff_id) FROM store") == 5
