"""Growth: a parent raised under datasets that pick among its rows (``ref`` without
``count.per``), on a blog schema written by hand in each database.

The rule (plan/growth.py): rows already written keep their values; new rows pick among the
grown parent.  Checked against the tables themselves: every earlier row unchanged, every
foreign key valid, apply again writes nothing, and destroy regenerates each row range as it
was written, so it deletes exactly seedrunner's rows (the application's stay) and as many
as ``plan --destroy`` said.
"""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa

SCHEMA = [
    "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)",
    """CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL,
        title VARCHAR(200) NOT NULL, FOREIGN KEY (author_id) REFERENCES authors (id))""",
    """CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL,
        author_id INTEGER NOT NULL, body VARCHAR(500) NOT NULL,
        FOREIGN KEY (post_id) REFERENCES posts (id),
        FOREIGN KEY (author_id) REFERENCES authors (id))""",
    """CREATE TABLE likes (id INTEGER PRIMARY KEY, comment_id INTEGER NOT NULL,
        author_id INTEGER NULL, FOREIGN KEY (comment_id) REFERENCES comments (id),
        FOREIGN KEY (author_id) REFERENCES authors (id))""",
]
TABLES = ("authors", "posts", "comments", "likes")
#: (child, column, parent): every foreign key of the schema
FKS = [
    ("posts", "author_id", "authors"),
    ("comments", "post_id", "posts"),
    ("comments", "author_id", "authors"),
    ("likes", "comment_id", "comments"),
    ("likes", "author_id", "authors"),
]


def blog(url: str) -> str:
    return f"""\
        version: 1
        name: blog
        seed: 7
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          authors: {{table: authors, count: 25, persist: [db]}}
          posts: {{table: posts, count: {{per: authors, min: 1, max: 3}}, persist: [db]}}
          comments: {{table: comments, count: 80, batch_size: 32, persist: [db]}}
          likes: {{table: likes, count: {{per: comments, min: 0, max: 2}}, persist: [db]}}
        """


def rows(db) -> dict[str, dict[int, tuple[object, ...]]]:
    with db.engine.connect() as c:
        return {
            t: {r[0]: tuple(r) for r in c.execute(sa.text(f"SELECT * FROM {t}"))} for t in TABLES
        }


def dangling(db) -> int:
    """Foreign keys that point at no row (the databases check them too; SQLite only
    when asked, so this counts them itself)."""
    total = 0
    with db.engine.connect() as c:
        for child, column, parent in FKS:
            total += c.execute(
                sa.text(
                    f"SELECT count(*) FROM {child} WHERE {column} IS NOT NULL AND {column} "
                    f"NOT IN (SELECT id FROM {parent})"
                )
            ).scalar_one()
    return total


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_grown_parent_keeps_the_written_rows_and_adds_the_new(
    manifest, make_database, cli, backend
):
    db = make_database(backend)
    db.execute(*SCHEMA)
    path = str(manifest(blog(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    before = rows(db)

    more = ["--set", "datasets.authors.count=30"]
    plan = json.loads(cli("plan", path, *more, "--json")[1])
    states = {d["name"]: d["targets"][0]["state"] for d in plan["datasets"]}
    assert states["authors"]["to_write"] == 5
    assert states["comments"]["to_write"] == 0
    assert not states["comments"]["other_spec"]
    assert not states["likes"]["other_spec"]

    code, out, err = cli("apply", path, *more)
    assert code == 0, out + err
    after = rows(db)
    for table in TABLES:  # every row written before is there, as it was
        assert {k: after[table][k] for k in before[table]} == before[table], table
    assert len(after["authors"]) == 30
    assert len(after["posts"]) > len(before["posts"])  # the new authors' posts
    assert after["comments"] == before["comments"]  # same count: nothing new to pick
    assert dangling(db) == 0
    code, out, err = cli("apply", path, *more)
    assert code == 0, out + err
    assert "nothing written" in out

    # comments grow too: the new ones pick among all 30 authors, the old keep theirs
    both = [*more, "--set", "datasets.comments.count=200"]
    assert cli("apply", path, *both, "-q")[0] == 0
    grown = rows(db)
    assert {k: grown["comments"][k] for k in before["comments"]} == before["comments"]
    new_authors = {r[2] for k, r in grown["comments"].items() if k not in before["comments"]}
    assert max(new_authors) > 25  # 120 picks among 30: one past the first 25, surely
    assert dangling(db) == 0
    assert cli("plan", path, *both, "--detailed-exitcode")[0] == 0

    with db.engine.begin() as c:  # the application's own rows, among seedrunner's
        c.execute(sa.text("INSERT INTO authors (id, name) VALUES (1000, 'app')"))
        c.execute(sa.text("INSERT INTO posts (id, author_id, title) VALUES (1000, 1000, 'p')"))
        c.execute(
            sa.text(
                "INSERT INTO comments (id, post_id, author_id, body) VALUES (1000, 1000, 3, 'b')"
            )
        )  # an application comment on a seeded author: plan --destroy counts without it
    code, out, _ = cli("plan", path, *both, "--destroy", "--json")
    counts = {d["name"]: d["targets"][0]["state"]["recorded"] for d in json.loads(out)["datasets"]}
    assert counts == {t: len(grown[t]) for t in TABLES}
    with db.engine.begin() as c:
        c.execute(sa.text("DELETE FROM comments WHERE id = 1000"))
    code, out, err = cli("destroy", path, *both, "--yes")
    assert code == 0, out + err
    assert rows(db) == {
        "authors": {1000: (1000, "app")},
        "posts": {1000: (1000, 1000, "p")},
        "comments": {},
        "likes": {},
    }


def test_a_parent_grown_twice_regenerates_each_range_with_its_own_count(
    manifest, make_database, cli
):
    """25 -> 30 -> 40 authors, comments raised each time: three ranges, each picking
    among the authors there were when it was written; destroy finds every one of them."""
    db = make_database("sqlite")
    db.execute(*SCHEMA)
    path = str(manifest(blog(db.url)))
    steps = [(25, 80), (30, 160), (40, 240)]
    seen: dict[int, tuple[object, ...]] = {}
    for authors, comments in steps:
        sets = ["--set", f"datasets.authors.count={authors}",
                "--set", f"datasets.comments.count={comments}"]  # fmt: skip
        assert cli("apply", path, *sets, "-q")[0] == 0
        now = rows(db)["comments"]
        assert {k: now[k] for k in seen} == seen  # earlier ranges kept
        new = [r[2] for k, r in now.items() if k not in seen]
        assert max(new) <= authors  # picked among the authors of their time
        seen = now
    assert dangling(db) == 0
    assert cli("destroy", path, *sets, "--yes")[0] == 0
    assert all(not r for r in rows(db).values())


JOIN = [
    "CREATE TABLE tags (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)",
    "CREATE TABLE items (id INTEGER PRIMARY KEY, name VARCHAR(50) NOT NULL)",
    """CREATE TABLE item_tags (item_id INTEGER NOT NULL, tag_id INTEGER NOT NULL,
        PRIMARY KEY (item_id, tag_id), FOREIGN KEY (item_id) REFERENCES items (id),
        FOREIGN KEY (tag_id) REFERENCES tags (id))""",
]


def join(url: str) -> str:
    return f"""\
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          tags: {{table: tags, count: 10, persist: [db]}}
          items: {{table: items, count: 20, persist: [db]}}
          item_tags: {{table: item_tags, count: 60, persist: [db]}}
        """


def test_a_distinct_draw_over_a_grown_parent_is_refused_before_any_row(
    manifest, make_database, cli
):
    """A key made of two refs draws distinct pairs over all of them: more tags reshuffle
    the draw, so the earlier pairs cannot be kept.  apply refuses before writing (the new
    tags are not written either), saying --replace is the way."""
    db = make_database("sqlite")
    db.execute(*JOIN)
    path = str(manifest(join(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    code, out, err = cli("apply", path, "--set", "datasets.tags.count=12")
    assert code == 2, out + err
    assert "item_tags" in err
    assert "--replace" in err
    assert db.scalar("SELECT count(*) FROM tags") == 10


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_replace_finds_the_way_back_after_a_parent_count_changed(
    manifest, make_database, cli, backend
):
    """--replace rebuilds the earlier rows with the parent counts their ledger records
    (tags 10 then, 12 or 8 now), deletes exactly them and writes the current draw."""
    db = make_database(backend)
    db.execute(*JOIN)
    path = str(manifest(join(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    for tags in (12, 8):
        more = ["--set", f"datasets.tags.count={tags}"]
        code, out, err = cli("apply", path, *more, "--replace", "--prune")
        assert code == 0, out + err
        assert db.scalar("SELECT count(*) FROM item_tags") == 60
        assert db.scalar("SELECT count(DISTINCT item_id * 1000 + tag_id) FROM item_tags") == 60
        assert db.scalar("SELECT max(tag_id) FROM item_tags") <= tags
        assert db.scalar("SELECT count(*) FROM tags") == tags
        assert cli("plan", path, *more, "--detailed-exitcode")[0] == 0
    assert cli("destroy", path, *more, "--yes")[0] == 0
    assert sum(db.scalar(f"SELECT count(*) FROM {t}") for t in ("tags", "items", "item_tags")) == 0


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_raised_count_per_bounds_are_refused_then_replaced(manifest, make_database, cli, backend):
    """count.per's bounds lay the rows out over the parent's (row i belongs to parent p):
    raising ``max`` would move rows already written to other parents, so it is a change
    of spec (``count.per``), refused before any row; --replace rewrites the posts and
    what picked among them, and every author then has at most the new max."""
    db = make_database(backend)
    db.execute(*SCHEMA)
    path = str(manifest(blog(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    before = rows(db)
    more = ["--set", "datasets.posts.count.max=5"]
    code, out, err = cli("apply", path, *more)
    assert code == 2, out + err
    assert "changed: count.per" in err
    assert rows(db) == before
    code, out, err = cli("apply", path, *more, "--replace")
    assert code == 0, out + err
    per_author = db.scalar(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM posts GROUP BY author_id) t"
    )
    assert 3 < per_author <= 5
    assert dangling(db) == 0
    assert cli("plan", path, *more, "--detailed-exitcode")[0] == 0
