"""Join tables and one-to-one keys, out of the box: a schema made by raw DDL on every database
(a composite primary key over two foreign keys, two foreign keys to the same table, a unique
constraint over two foreign keys, order details and numbered order lines under count.per,
a primary key that is a foreign key), seeded by a manifest that lists only ``table:`` and
``count:``; then checked with SQL: exact counts, distinct tuples, every foreign key valid,
apply again writes nothing, destroy leaves only the application's rows, a run killed half
way and applied again gives the rows of an uninterrupted run, and two workers the same rows
as one."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
import sqlalchemy as sa

from seedrunner import PlanError, apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from tests.conftest import REPO

INT_KEY = {
    "postgresql": "SERIAL PRIMARY KEY",
    "mariadb": "INT AUTO_INCREMENT PRIMARY KEY",
    "sqlite": "INTEGER PRIMARY KEY",
}


def schema_sql(family: str) -> list[str]:
    """A small social shop, written as its application would (one dialect per database)."""
    key = INT_KEY[family]
    return [
        f"CREATE TABLE users (id {key}, name VARCHAR(40) NOT NULL)",
        """CREATE TABLE user_profiles (
            user_id INTEGER NOT NULL PRIMARY KEY REFERENCES users (id),
            bio VARCHAR(200))""",
        f"CREATE TABLE tags (id {key}, label VARCHAR(30) NOT NULL UNIQUE)",
        f"""CREATE TABLE posts (
            id {key},
            author_id INTEGER NOT NULL REFERENCES users (id),
            title VARCHAR(80) NOT NULL)""",
        """CREATE TABLE post_tags (
            post_id INTEGER NOT NULL REFERENCES posts (id),
            tag_id INTEGER NOT NULL REFERENCES tags (id),
            PRIMARY KEY (post_id, tag_id))""",
        """CREATE TABLE follows (
            follower_id INTEGER NOT NULL REFERENCES users (id),
            followee_id INTEGER NOT NULL REFERENCES users (id),
            since DATE NOT NULL,
            PRIMARY KEY (follower_id, followee_id),
            CHECK (follower_id <> followee_id))""",
        f"""CREATE TABLE memberships (
            id {key},
            user_id INTEGER NOT NULL REFERENCES users (id),
            tag_id INTEGER NOT NULL REFERENCES tags (id),
            CONSTRAINT one_membership UNIQUE (user_id, tag_id))""",
        f"CREATE TABLE products (id {key}, name VARCHAR(60) NOT NULL)",
        f"""CREATE TABLE orders (
            id {key},
            user_id INTEGER NOT NULL REFERENCES users (id))""",
        """CREATE TABLE order_details (
            order_id INTEGER NOT NULL REFERENCES orders (id),
            product_id INTEGER NOT NULL REFERENCES products (id),
            quantity INTEGER NOT NULL CHECK (quantity > 0),
            PRIMARY KEY (order_id, product_id))""",
        """CREATE TABLE order_lines (
            order_id INTEGER NOT NULL REFERENCES orders (id),
            line_no INTEGER NOT NULL,
            amount NUMERIC(8, 2) NOT NULL,
            PRIMARY KEY (order_id, line_no))""",
    ]


# table -> (key columns, foreign keys as (column, parent table))
TABLES = {
    "users": (("id",), []),
    "user_profiles": (("user_id",), [("user_id", "users")]),
    "tags": (("id",), []),
    "posts": (("id",), [("author_id", "users")]),
    "post_tags": (("post_id", "tag_id"), [("post_id", "posts"), ("tag_id", "tags")]),
    "follows": (
        ("follower_id", "followee_id"),
        [("follower_id", "users"), ("followee_id", "users")],
    ),
    "memberships": (("user_id", "tag_id"), [("user_id", "users"), ("tag_id", "tags")]),
    "products": (("id",), []),
    "orders": (("id",), [("user_id", "users")]),
    "order_details": (
        ("order_id", "product_id"),
        [("order_id", "orders"), ("product_id", "products")],
    ),
    "order_lines": (("order_id", "line_no"), [("order_id", "orders")]),
}

COUNTS = {
    "users": "30",
    "user_profiles": None,  # one per user, by default
    "tags": "12",
    "posts": "60",
    "post_tags": "400",
    "follows": "{per: users, min: 0, max: 10}",
    "memberships": "360",  # every (user, tag) pair
    "products": "25",
    "orders": "{per: users, min: 0, max: 3}",
    "order_details": "{per: orders, min: 1, max: 5}",
    "order_lines": "{per: orders, min: 1, max: 4}",
}


def join_manifest(
    url: str, batch_size: int = 500, chain: str = "[db]", extra: str = "", db: str = ""
) -> str:
    lines = []
    for table, count in COUNTS.items():
        count_part = f", count: {count}" if count is not None else ""
        lines.append(f"  {table}: {{table: {table}{count_part}, persist: {chain}}}")
    return (
        'version: 1\nseed: 13\nnow: "2026-01-01T00:00:00Z"\n'
        f"defaults: {{batch_size: {batch_size}}}\n"
        f'targets:\n  db: {{handler: sqlalchemy, url: "{url}"{db}}}\n{extra}'
        "datasets:\n" + "\n".join(lines) + "\n"
    )


def _count(db, sql: str) -> int:
    return int(db.scalar(sql))


def check_tables(db, plan) -> None:
    """Exact counts, distinct keys, every foreign key valid, lines numbered 1..n."""
    for table, (key, fks) in TABLES.items():
        total = plan.dataset(table).count.total
        cols = ", ".join(key)
        assert _count(db, f"SELECT COUNT(*) FROM {table}") == total, table
        distinct = f"SELECT COUNT(*) FROM (SELECT DISTINCT {cols} FROM {table}) k"
        assert _count(db, distinct) == total, table
        for column, parent in fks:
            orphans = (
                f"SELECT COUNT(*) FROM {table} c LEFT JOIN {parent} p ON c.{column} = p.id "
                "WHERE p.id IS NULL"
            )
            assert _count(db, orphans) == 0, (table, column)
    assert plan.dataset("user_profiles").count.total == 30
    assert plan.dataset("memberships").count.total == 360
    assert _count(db, "SELECT COUNT(*) FROM order_lines WHERE line_no < 1") == 0
    numbered = (
        "SELECT COUNT(*) FROM (SELECT order_id FROM order_lines GROUP BY order_id "
        "HAVING MAX(line_no) <> COUNT(*)) g"
    )
    assert _count(db, numbered) == 0
    assert plan.dataset("follows").count.total > 100  # many pairs per follower, none twice
    assert _count(db, "SELECT COUNT(*) FROM follows WHERE follower_id = followee_id") == 0


def test_a_schema_of_join_tables_seeds_out_of_the_box(manifest, database):
    db = database
    db.execute(*schema_sql(db.family))
    path = manifest(join_manifest(db.url, batch_size=64))
    plan = build_plan(load_manifest(path))
    sources = {f.name: f.source for f in plan.dataset("post_tags").fields}
    assert sources["tag_id"] == "ref tags.id, distinct (post_id, tag_id) of 60 x 12 = 720"
    report = apply(plan)
    assert report.ok, report.error
    check_tables(db, plan)
    before = {t: db.rows(t, ", ".join(k)) for t, (k, _) in TABLES.items()}

    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    written = {r.dataset: r.rows - r.skipped for r in again.steps if r.kind == "persist"}
    assert set(written.values()) == {0}
    assert {t: db.rows(t, ", ".join(k)) for t, (k, _) in TABLES.items()} == before

    # the application's own rows, then destroy: only they are left
    db.execute(
        "INSERT INTO users (id, name) VALUES (9001, 'app user')",
        "INSERT INTO user_profiles (user_id, bio) VALUES (9001, 'mine')",
        "INSERT INTO tags (id, label) VALUES (901, 'app-tag')",
        "INSERT INTO posts (id, author_id, title) VALUES (9001, 9001, 'by the app')",
        "INSERT INTO post_tags (post_id, tag_id) VALUES (9001, 901)",
        "INSERT INTO memberships (id, user_id, tag_id) VALUES (9001, 9001, 901)",
    )
    results = destroy(build_plan(load_manifest(path)))
    assert {r.status for r in results} == {"done"}, results
    assert db.rows("users") == [(9001, "app user")]
    assert db.rows("user_profiles") == [(9001, "mine")]
    assert db.rows("post_tags") == [(9001, 901)]
    assert db.rows("memberships") == [(9001, 9001, 901)]
    for table in ("follows", "orders", "order_details", "order_lines", "products"):
        assert db.rows(table) == [], table


def test_sqlalchemy_models_get_distinct_pairs_and_one_to_one_rows(manifest, sync_database):
    db = sync_database
    models = """
        from sqlalchemy import ForeignKey, String, UniqueConstraint
        from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

        class Base(DeclarativeBase):
            pass

        class Film(Base):
            __tablename__ = "film"
            id: Mapped[int] = mapped_column(primary_key=True)
            title: Mapped[str] = mapped_column(String(60))

        class Actor(Base):
            __tablename__ = "actor"
            id: Mapped[int] = mapped_column(primary_key=True)
            name: Mapped[str] = mapped_column(String(60))

        class FilmActor(Base):
            __tablename__ = "film_actor"
            actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"), primary_key=True)
            film_id: Mapped[int] = mapped_column(ForeignKey("film.id"), primary_key=True)

        class FilmText(Base):
            __tablename__ = "film_text"
            film_id: Mapped[int] = mapped_column(ForeignKey("film.id"), primary_key=True)
            description: Mapped[str] = mapped_column(String(200))

        class Rating(Base):
            __tablename__ = "rating"
            id: Mapped[int] = mapped_column(primary_key=True)
            film_id: Mapped[int] = mapped_column(ForeignKey("film.id"))
            actor_id: Mapped[int] = mapped_column(ForeignKey("actor.id"))
            __table_args__ = (UniqueConstraint("film_id", "actor_id"),)
        """
    text = f"""
        version: 1
        seed: 5
        python_path: ["."]
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}", create_tables: true}}
        datasets:
          film: {{model: "filmmodels:Film", count: 40, persist: [db]}}
          actor: {{model: "filmmodels:Actor", count: 30, persist: [db]}}
          film_actor:
            model: "filmmodels:FilmActor"
            count: {{per: film, min: 1, max: 10}}
            persist: [db]
          film_text: {{model: "filmmodels:FilmText", count: 25, persist: [db]}}
          rating: {{model: "filmmodels:Rating", count: 1200, persist: [db]}}
        """
    path = manifest(text, **{"filmmodels.py": models})
    plan = build_plan(load_manifest(path))
    report = apply(plan)
    assert report.ok, report.error
    pairs = db.rows("film_actor", "film_id, actor_id")
    assert len(pairs) == len(set(pairs)) == plan.dataset("film_actor").count.total
    per_film = db.scalar(
        "SELECT MAX(n) FROM (SELECT COUNT(*) AS n FROM film_actor GROUP BY film_id) t"
    )
    assert 1 <= per_film <= 10
    texts = [r[0] for r in db.rows("film_text", "film_id")]
    assert len(texts) == len(set(texts)) == 25  # 25 distinct films of 40
    rating = {(r[1], r[2]) for r in db.rows("rating", "id")}
    assert len(rating) == 1200  # every (film, actor) pair exactly once
    for table, column, parent in [
        ("film_actor", "film_id", "film"),
        ("film_actor", "actor_id", "actor"),
        ("film_text", "film_id", "film"),
        ("rating", "actor_id", "actor"),
    ]:
        orphans = (
            f"SELECT COUNT(*) FROM {table} c LEFT JOIN {parent} p ON c.{column} = p.id "
            "WHERE p.id IS NULL"
        )
        assert db.scalar(orphans) == 0


def _apply_cli(path, cwd, kill: str | None) -> subprocess.CompletedProcess[bytes]:
    env = {k: v for k, v in os.environ.items() if k != "SEEDRUNNER_TEST_KILL"}
    env["PYTHONPATH"] = str(REPO)  # the killer handler lives in tests/
    if kill:
        env["SEEDRUNNER_TEST_KILL"] = kill
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=180)


def _dump(db) -> dict[str, list[tuple[object, ...]]]:
    return {t: db.rows(t, ", ".join(k)) for t, (k, _) in TABLES.items()}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_join_table_killed_half_way_resumes_to_the_same_rows(
    manifest, make_database, tmp_path, backend
):
    db, clean = make_database(backend), make_database(backend)
    for d in (db, clean):
        d.execute(*schema_sql(d.family))
    killer = '  killer: {"handler": "tests.integration.resumekill:Killer"}\n'

    def text(d) -> str:
        chain, batch = "[db, killer]", ", transaction: batch"
        return join_manifest(d.url, batch_size=32, chain=chain, extra=killer, db=batch)

    path = manifest(text(db), "killed.yaml")
    killed = _apply_cli(path, tmp_path, "post_tags:3:KILL")
    assert killed.returncode == -9, killed.stderr.decode()
    assert _count(db, "SELECT COUNT(*) FROM post_tags") == 128  # batches 0..3, each whole
    again = _apply_cli(path, tmp_path, None)
    assert again.returncode == 0, again.stderr.decode()
    assert apply(build_plan(load_manifest(manifest(text(clean), "clean.yaml")))).ok
    assert _dump(db) == _dump(clean)
    check_tables(db, build_plan(load_manifest(path)))


def test_two_workers_draw_the_same_pairs_as_one(manifest, make_database):
    one, two = make_database("sqlite"), make_database("sqlite")
    ddl = [
        "CREATE TABLE posts (id INTEGER PRIMARY KEY, title VARCHAR(40) NOT NULL)",
        "CREATE TABLE tags (id INTEGER PRIMARY KEY, label VARCHAR(30) NOT NULL)",
        """CREATE TABLE post_tags (
            post_id INTEGER NOT NULL REFERENCES posts (id),
            tag_id INTEGER NOT NULL REFERENCES tags (id),
            weight INTEGER NOT NULL,
            PRIMARY KEY (post_id, tag_id))""",
    ]
    dumps = []
    for workers, d in ((1, one), (2, two)):
        d.execute(*ddl)
        text = f"""
            version: 1
            seed: 3
            defaults: {{batch_size: 1000}}
            targets:
              db: {{handler: sqlalchemy, url: "{d.url}"}}
            datasets:
              posts: {{table: posts, count: 300, persist: [db]}}
              tags: {{table: tags, count: 50, persist: [db]}}
              post_tags: {{table: post_tags, count: 14000, persist: [db]}}
            """
        report = apply(
            build_plan(load_manifest(manifest(text, f"w{workers}.yaml"))), workers=workers
        )
        assert report.ok, report.error
        dumps.append(d.rows("post_tags", "post_id, tag_id"))
    assert dumps[0] == dumps[1]
    assert len({(p, t) for p, t, _ in dumps[0]}) == 14000
    with one.engine.connect() as c:
        spread = c.execute(sa.text("SELECT COUNT(DISTINCT post_id) FROM post_tags")).scalar()
    assert spread == 300  # 14,000 of 15,000 pairs reach every post


@pytest.mark.parametrize("backend", ["postgresql", "mariadb", "postgresql-async"])
def test_a_ref_into_a_uuid_or_int_key_is_written_as_text(manifest, make_database, backend):
    db = make_database(backend)
    db.execute(
        "CREATE TABLE accounts (id UUID NOT NULL PRIMARY KEY, name VARCHAR(40) NOT NULL)",
        f"CREATE TABLE people (id {INT_KEY[db.family]}, name VARCHAR(40) NOT NULL)",
        """CREATE TABLE audit (
            id INTEGER NOT NULL PRIMARY KEY,
            account_ref VARCHAR(36) NOT NULL,
            person_code VARCHAR(4) NOT NULL)""",
    )
    text = f"""
        version: 1
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}"}}
        datasets:
          accounts: {{table: accounts, count: 6, persist: [db]}}
          people: {{table: people, count: 50, persist: [db]}}
          audit:
            table: audit
            count: 40
            fields:
              account_ref: {{ref: accounts.id}}
              person_code: {{ref: people.id}}
            persist: [db]
        """
    path = manifest(text)
    plan = build_plan(load_manifest(path))
    sources = {f.name: f.source for f in plan.dataset("audit").fields}
    assert sources["account_ref"] == "ref accounts.id (as str)"
    assert apply(plan).ok
    joined = (
        "SELECT COUNT(*) FROM audit a JOIN accounts c ON a.account_ref = "
        + ("CAST(c.id AS VARCHAR(36))" if db.family == "postgresql" else "c.id")
        + " JOIN people p ON a.person_code = CAST(p.id AS CHAR(4))"
    )
    assert _count(db, joined) == 40  # every reference names a real row
    db.execute(
        "DROP TABLE audit",
        "CREATE TABLE audit (id INTEGER NOT NULL PRIMARY KEY, "
        "account_ref VARCHAR(36) NOT NULL, person_code VARCHAR(1) NOT NULL)",
    )
    with pytest.raises(PlanError) as err:  # ids up to 50 do not fit in one character
        build_plan(load_manifest(path))
    p = err.value.problems[0]
    assert (p.code, p.path) == ("SR-E044", "datasets.audit.fields.person_code")
    assert p.message == (
        "audit.person_code (str of at most 1) refers to people.id (int): its values take up "
        "to 2 characters, the column holds 1"
    )
