"""destroy counts every row it deletes from a self-referencing table whose key says
ON DELETE CASCADE (shop's category.parent_id, forum's comment.parent_id): SQLite cascades
row by row inside one DELETE, so a parent met before its child took the child along and the
child went uncounted (4 of 40 categories reported); children go first, one by one, now."""

from __future__ import annotations

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from tests.integration.test_destroy_order import category_manifest


def cascading_category_sql(family: str) -> list[str]:
    key = "INTEGER" if family == "sqlite" else "INT"
    return [
        f"CREATE TABLE category (id {key} PRIMARY KEY, parent_id {key} NULL, "
        "name VARCHAR(40) NOT NULL, CONSTRAINT category_parent_fk FOREIGN KEY (parent_id) "
        "REFERENCES category (id) ON DELETE CASCADE)"
    ]


def test_a_cascading_self_reference_is_destroyed_and_counted_row_by_row(manifest, database):
    database.execute(*cascading_category_sql(database.family))
    path = manifest(category_manifest(database.url, count=600))  # more than one chunk of 500
    assert apply(build_plan(load_manifest(path))).ok
    database.execute("INSERT INTO category (id, parent_id, name) VALUES (1000, NULL, 'app')")
    undone = destroy(build_plan(load_manifest(path)))
    assert [(u.dataset, u.status, u.rows) for u in undone] == [("category", "done", 600)]
    assert [r[:2] for r in database.rows("category")] == [(1000, None)]
