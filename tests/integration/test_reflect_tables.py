"""Datasets with ``table:`` and no model: a schema made by raw SQL on every backend is read
while planning (columns, types, keys, CHECKs, foreign keys) and seeded through it."""

from __future__ import annotations

import datetime as dt
import json
import sqlite3
from decimal import Decimal

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest

KINDS = {"staff", "guest", "bot"}
STATUSES = {"draft", "live"}


def schema_sql(family: str) -> list[str]:
    """``authors`` and ``posts`` in each database's own dialect (no Python model anywhere)."""
    if family == "postgresql":
        return [
            "CREATE TYPE author_kind AS ENUM ('staff', 'guest', 'bot')",
            """CREATE TABLE authors (
                id SERIAL PRIMARY KEY,
                email VARCHAR(200) NOT NULL UNIQUE,
                kind author_kind NOT NULL,
                status VARCHAR(10) NOT NULL CHECK (status IN ('draft', 'live')),
                created DATE NOT NULL,
                score NUMERIC(8, 2) NOT NULL CHECK (score >= 0),
                stars INTEGER CHECK (stars BETWEEN 1 AND 5),
                bio TEXT NULL,
                meta JSONB,
                ext_id UUID NOT NULL UNIQUE,
                joined_at TIMESTAMPTZ NOT NULL DEFAULT now())""",
            """CREATE TABLE posts (
                id SERIAL PRIMARY KEY,
                author_id INTEGER NOT NULL REFERENCES authors (id),
                title VARCHAR(120) NOT NULL,
                views INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0))""",
        ]
    if family == "mariadb":
        return [
            """CREATE TABLE authors (
                id INT AUTO_INCREMENT PRIMARY KEY,
                email VARCHAR(200) NOT NULL UNIQUE,
                kind ENUM('staff', 'guest', 'bot') NOT NULL,
                status VARCHAR(10) NOT NULL CHECK (status IN ('draft', 'live')),
                created DATE NOT NULL,
                score DECIMAL(8, 2) NOT NULL CHECK (score >= 0),
                stars INT CHECK (stars BETWEEN 1 AND 5),
                bio TEXT NULL,
                meta JSON,
                ext_id UUID NOT NULL UNIQUE,
                joined_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
            """CREATE TABLE posts (
                id INT AUTO_INCREMENT PRIMARY KEY,
                author_id INT NOT NULL,
                title VARCHAR(120) NOT NULL,
                views INT NOT NULL DEFAULT 0 CHECK (views >= 0),
                FOREIGN KEY (author_id) REFERENCES authors (id))""",
        ]
    return [
        """CREATE TABLE authors (
            id INTEGER PRIMARY KEY,
            email VARCHAR(200) NOT NULL UNIQUE,
            kind VARCHAR(10) NOT NULL CHECK (kind IN ('staff', 'guest', 'bot')),
            status VARCHAR(10) NOT NULL CHECK (status IN ('draft', 'live')),
            created DATE NOT NULL,
            score NUMERIC(8, 2) NOT NULL CHECK (score >= 0),
            stars INTEGER CHECK (stars BETWEEN 1 AND 5),
            bio TEXT NULL,
            meta JSON,
            joined_at TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP)""",
        """CREATE TABLE posts (
            id INTEGER PRIMARY KEY,
            author_id INTEGER NOT NULL REFERENCES authors (id),
            title VARCHAR(120) NOT NULL,
            views INTEGER NOT NULL DEFAULT 0 CHECK (views >= 0))""",
    ]


def reflected_manifest(url: str, posts_count: str) -> str:
    # posts comes first: only what the database says puts authors before it
    return f"""\
        version: 1
        seed: 7
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          posts:
            table: posts
            count: {posts_count}
            persist: [db]
          authors:
            table: authors
            count: 20
            persist: [db]
        """


def test_plan_reads_columns_keys_checks_and_orders_by_the_foreign_key(manifest, database):
    database.execute(*schema_sql(database.family))
    plan = build_plan(load_manifest(manifest(reflected_manifest(database.url, "30"))))
    assert [p.name for p in plan.datasets] == ["authors", "posts"]
    posts = plan.dataset("posts")
    assert posts.edges == {"authors": "posts.author_id foreign key -> authors.id"}
    assert posts.shape.kind == "table"
    assert posts.shape.table_name == "posts"
    author_id = next(f for f in posts.fields if f.name == "author_id")
    assert (author_id.ref.dataset, author_id.ref.field) == ("authors", "id")
    assert not posts.shape.field("views").required  # server default
    assert posts.shape.field("views").type.ge == 0
    assert posts.shape.field("title").type.max_length == 120

    authors = plan.dataset("authors").shape
    key = authors.field("id")
    assert (key.primary_key, key.unique, key.optional, key.type.kind) == (True, True, False, "int")
    assert authors.field("email").unique
    assert (authors.field("email").type.max_length, authors.field("email").required) == (200, True)
    kind = authors.field("kind").type
    assert (kind.kind, set(kind.choices)) == ("enum", KINDS)
    status = authors.field("status").type
    assert (status.kind, set(status.choices)) == ("enum", STATUSES)  # from the CHECK
    score = authors.field("score").type
    assert (score.kind, score.max_digits, score.decimal_places, score.ge) == ("decimal", 8, 2, 0)
    stars = authors.field("stars")
    assert (stars.optional, stars.type.ge, stars.type.le) == (True, 1, 5)
    assert authors.field("created").type.kind == "date"
    assert authors.field("bio").optional
    assert authors.field("meta").type.kind == "json"
    joined = authors.field("joined_at")
    assert (joined.type.kind, joined.required, joined.has_default) == ("datetime", False, True)
    if database.family != "sqlite":
        ext = authors.field("ext_id")
        assert (ext.type.kind, ext.unique) == ("uuid", True)


def test_apply_seeds_the_reflected_schema(manifest, database):
    database.execute(*schema_sql(database.family))
    path = manifest(reflected_manifest(database.url, "{per: authors, min: 1, max: 4}"))
    plan = build_plan(load_manifest(path))
    assert [p.name for p in plan.datasets] == ["authors", "posts"]
    report = apply(plan)
    assert report.ok, report.error

    authors = database.rows("authors", order_by="id")
    posts = database.rows("posts", order_by="id")
    assert len(authors) == 20
    assert len(posts) == plan.dataset("posts").count.total >= 20
    orphans = database.scalar(
        "SELECT count(*) FROM posts p LEFT JOIN authors a ON p.author_id = a.id WHERE a.id IS NULL"
    )
    assert orphans == 0
    per_author = database.scalar(
        "SELECT max(n) FROM (SELECT count(*) AS n FROM posts GROUP BY author_id) t"
    )
    assert 1 <= per_author <= 4
    cols = ["id", "email", "kind", "status", "created", "score", "stars", "bio", "meta"]
    rows = [dict(zip(cols, r[: len(cols)], strict=True)) for r in authors]
    assert len({r["email"] for r in rows}) == 20
    assert {r["kind"] for r in rows} <= KINDS
    assert {r["status"] for r in rows} <= STATUSES
    for r in rows:
        assert isinstance(r["created"], dt.date | str)
        assert Decimal(str(r["score"])) >= 0
        assert r["stars"] is None or 1 <= r["stars"] <= 5
        meta = json.loads(r["meta"]) if isinstance(r["meta"], str) else r["meta"]
        assert meta is None or isinstance(meta, dict | list)  # a document, not a JSON string
    for _, _, title, views in posts:
        assert len(title) <= 120
        assert views >= 0
    # the application's next insert gets a key past the seeded ones (sequence advanced)
    database.execute("INSERT INTO posts (author_id, title) VALUES (1, 'by the app')")
    assert database.rows("posts", order_by="id")[-1][0] == len(posts) + 1


def test_generated_columns_are_read_and_left_to_the_database(manifest, sync_database):
    db = sync_database
    computed = {
        "postgresql": "GENERATED ALWAYS AS (length(label)) STORED",
        "mariadb": "AS (length(label)) STORED",
        "sqlite": "GENERATED ALWAYS AS (length(label)) VIRTUAL",
    }[db.family]
    identity = "ident INTEGER GENERATED ALWAYS AS IDENTITY, " if db.family == "postgresql" else ""
    db.execute(
        f"CREATE TABLE gadgets (id INTEGER PRIMARY KEY, {identity}"
        f"label VARCHAR(20) NOT NULL, label_len INTEGER {computed})"
    )
    text = f"""\
        version: 1
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}"}}
        datasets:
          gadgets: {{table: gadgets, count: 3, persist: [db]}}
        """
    plan = build_plan(load_manifest(manifest(text)))
    shape = plan.dataset("gadgets").shape
    generated = {f.name for f in shape.fields if f.generated}
    expected = {"label_len", "ident"} if db.family == "postgresql" else {"label_len"}
    assert generated == expected
    assert not shape.field("label_len").required
    report = apply(plan)  # the database fills the generated columns
    assert report.ok, report.error
    rows = db.rows("gadgets", order_by="id")
    assert len(rows) == 3
    for row in rows:
        values = dict(zip([f.name for f in shape.fields], row, strict=True))
        assert values["label_len"] == len(values["label"])


def test_the_target_schema_option_is_where_tables_are_read(manifest, sync_database):
    db = sync_database
    db.execute(*schema_sql(db.family))
    url = sa.make_url(db.url)
    if db.family == "sqlite":
        schema = "main"
    else:  # connect to the server's default schema and name the test's one explicitly
        schema = db.name
        url = url.set(query={}, database="test" if db.family == "mariadb" else url.database)
    text = reflected_manifest(url.render_as_string(hide_password=False), "10").replace(
        "sqlalchemy, url:", f"sqlalchemy, schema: {schema}, url:"
    )
    plan = build_plan(load_manifest(manifest(text)))
    assert plan.dataset("posts").edges == {"authors": "posts.author_id foreign key -> authors.id"}
    assert plan.dataset("authors").shape.model.schema == schema
    report = apply(plan)
    assert report.ok, report.error
    assert len(db.rows("posts")) == 10


def test_a_type_sqlalchemy_does_not_know_is_a_warning_and_a_spec_fills_it(manifest, make_database):
    db = make_database("postgresql")
    db.execute("CREATE TABLE spots (id INTEGER PRIMARY KEY, spot point NOT NULL, label text)")
    text = f"""\
        version: 1
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}"}}
        datasets:
          spots: {{table: spots, count: 3, persist: [db], fields: {{spot: "(1,2)"}}}}
        """
    plan = build_plan(load_manifest(manifest(text)))
    assert plan.warnings == [
        "reading the tables of spots: Did not recognize type 'point' of column 'spot'; "
        "give that column a spec under fields: or exclude it"
    ]
    report = apply(plan)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM spots WHERE spot ~= point(1, 2)") == 3


# --- located errors through the CLI ----------------------------------------------------


def sqlite_schema(path, *statements: str) -> None:
    con = sqlite3.connect(path)
    try:
        con.executescript(";\n".join(statements))
    finally:
        con.close()


SQLITE_TARGET = "  db: {handler: sqlalchemy, url: 'sqlite:///app.db'}\n"


def write_seed(tmp_path, targets: str, datasets: str) -> None:
    """seed.yaml with these (already indented) target and dataset lines."""
    text = f"version: 1\ntargets:\n{targets}datasets:\n{datasets}"
    (tmp_path / "seed.yaml").write_text(text)


def test_missing_table_is_located_with_a_suggestion(cli, tmp_path):
    sqlite_schema(tmp_path / "app.db", *schema_sql("sqlite"))
    write_seed(tmp_path, SQLITE_TARGET, "  authors:\n    table: autors\n    persist: [db]\n")
    code, out, err = cli("validate", "seed.yaml")
    assert code == 2, out + err
    assert "seed.yaml:6:12" in err
    assert "table 'autors' not found in the database" in err
    assert "did you mean 'authors'?" in err
    assert "Traceback" not in err


def test_table_dataset_without_a_sql_target_is_located(cli, tmp_path):
    jsonl = "  out: {handler: jsonl, path: 'out/{dataset}.jsonl'}\n"
    write_seed(tmp_path, jsonl, "  authors:\n    table: authors\n    persist: [out]\n")
    code, out, err = cli("plan", "seed.yaml")
    assert code == 2, out + err
    assert "seed.yaml:6:12" in err
    assert "a table: dataset needs a sqlalchemy target to read its columns from" in err
    assert not (tmp_path / "out").exists()


def test_unreachable_database_is_located_without_its_password(cli, tmp_path):
    url = "postgresql+psycopg://app:s3cretpw@127.0.0.1:1/app"
    write_seed(
        tmp_path,
        f"  db: {{handler: sqlalchemy, url: '{url}'}}\n",
        "  authors: {table: authors, persist: [db]}\n  posts: {table: posts, persist: [db]}\n",
    )
    code, out, err = cli("validate", "seed.yaml")
    assert code == 2, out + err
    assert "s3cretpw" not in out + err
    assert "cannot read tables from postgresql+psycopg://app:***@127.0.0.1:1/app" in err
    assert "needed by datasets authors, posts" in err
    assert "seed.yaml:5:" in err


def test_missing_sqlite_file_is_reported_not_created(cli, tmp_path):
    write_seed(tmp_path, SQLITE_TARGET, "  authors: {table: authors, persist: [db]}\n")
    code, out, err = cli("validate", "seed.yaml")
    assert code == 2, out + err
    assert "the database file does not exist" in err
    assert not (tmp_path / "app.db").exists()


@pytest.mark.parametrize("inline", [False, True])
def test_sql_target_may_follow_other_targets_and_be_inline(cli, tmp_path, inline):
    sqlite_schema(tmp_path / "app.db", *schema_sql("sqlite"))
    targets = "  out: {handler: jsonl, path: 'out/{dataset}.jsonl'}\n"
    if inline:
        persist = f"[out, {SQLITE_TARGET.partition(': ')[2].strip()}]"
    else:
        targets, persist = targets + SQLITE_TARGET, "[out, db]"
    write_seed(tmp_path, targets, f"  authors: {{table: authors, count: 4, persist: {persist}}}\n")
    code, out, err = cli("apply", "seed.yaml")
    assert code == 0, out + err
    con = sqlite3.connect(tmp_path / "app.db")
    try:
        assert con.execute("SELECT count(*) FROM authors").fetchone() == (4,)
    finally:
        con.close()
