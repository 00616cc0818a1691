"""Edge cases from review, each against real databases: model defaults with COPY, wide
rows with database-assigned keys on MariaDB, databases without RETURNING, values kept out
of error messages, aware datetimes in naive columns, odd identifiers, sequences that start
high, apply() inside a running event loop, and a failed commit at the end of a run."""

from __future__ import annotations

import asyncio
import datetime as dt
import textwrap

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from seedrunner.db.errors import describe
from seedrunner.handlers.sqlkeys import insert_returning

MODELS = """
import datetime as dt
import uuid

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40))
    status: Mapped[str] = mapped_column(sa.String(10), default="active")
    token: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)


class Blob(Base):
    __tablename__ = "blobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    body: Mapped[str] = mapped_column(sa.Text)


class Stamp(Base):
    __tablename__ = "stamps"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(sa.DateTime(timezone=False))


class Odd(Base):
    __tablename__ = "margin%"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_date: Mapped[str] = mapped_column("Order Date", sa.String(20))
    pct: Mapped[int] = mapped_column("per%(x)scent")
"""


def _apply(manifest, text: str, name: str = "seed.yaml"):
    path = manifest(text, name, **{"models.py": MODELS})
    return apply(build_plan(load_manifest(path)))


def _one(url: str, dataset: str, model: str, body: str, target: str = "") -> str:
    return f"""
        version: 1
        seed: 9
        now: "2026-01-01T12:00:00+05:00"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", create_tables: true{target}}}
        datasets:
          {dataset}:
            model: models.py:{model}
{textwrap.indent(textwrap.dedent(body), " " * 12)}
            persist: [db]
        """


@pytest.mark.parametrize("copy", ["true", "false"])
def test_model_defaults_fill_excluded_columns_on_every_path(manifest, database, copy):
    body = "count: 30\nexclude: [status, token]"
    report = _apply(manifest, _one(database.url, "accounts", "Account", body, f", copy: {copy}"))
    assert report.ok, report.error
    rows = database.rows("accounts")
    assert len(rows) == 30
    assert {r[2] for r in rows} == {"active"}
    assert all(r[3] is not None for r in rows)


def test_wide_rows_with_database_keys_fit_the_packet(manifest, sync_database):
    db = sync_database
    body = "count: 500\nbatch_size: 500\nfields:\n  id: {skip: true}\n  body: \"{{ 'x' * 60000 }}\""
    text = _one(db.url, "blobs", "Blob", body)  # 30 MB in one batch; the packet is 16 MB
    report = _apply(manifest, text)
    assert report.ok, report.error
    assert db.scalar("SELECT count(*) FROM blobs") == 500
    assert db.scalar("SELECT min(length(body)) FROM blobs") == 60000


def test_keys_read_back_row_by_row_where_there_is_no_returning(sync_database):
    db = sync_database
    md = sa.MetaData()
    table = sa.Table("items", md, sa.Column("id", sa.Integer, primary_key=True),
                     sa.Column("name", sa.String(10)))  # fmt: skip
    md.create_all(db.engine)
    with db.engine.begin() as c:
        c.dialect.insert_returning = False  # as MySQL 8 and MariaDB < 10.5
        try:
            keys = insert_returning(c, table.insert(), [table.c.id], [{"name": "a"}, {"name": "b"}])
        finally:
            c.dialect.insert_returning = True
    assert keys == [(1,), (2,)]


def test_driver_errors_never_show_the_value(sync_database):
    db = sync_database
    if db.family == "sqlite":
        pytest.skip("SQLite stores any value in any column")
    db.execute("CREATE TABLE typed (n INTEGER, d DATE)")
    for sql in (
        "INSERT INTO typed (n) VALUES ('SECRETINT')",
        "INSERT INTO typed (d) VALUES ('SECRET-DATE')",
    ):
        with db.engine.connect() as c:
            if db.family == "mariadb":
                c.exec_driver_sql("SET SESSION sql_mode = 'STRICT_ALL_TABLES'")
            with pytest.raises(sa.exc.DBAPIError) as e:
                c.exec_driver_sql(sql)
        text = describe(e.value)
        assert "SECRET" not in text
        assert "value hidden" in text


@pytest.mark.parametrize("copy", ["true", "false"])
def test_aware_datetimes_in_naive_columns_are_stored_as_utc(manifest, database, copy):
    body = 'count: 3\nfields:\n  at: "{{ now }}"'
    text = _one(database.url, "stamps", "Stamp", body, f", copy: {copy}")
    report = _apply(manifest, text)
    assert report.ok, report.error
    stored = {r[1] for r in database.rows("stamps")}
    if isinstance(next(iter(stored)), str):  # SQLite keeps text
        stored = {dt.datetime.fromisoformat(s) for s in stored}
    assert stored == {dt.datetime(2026, 1, 1, 7, 0)}


def test_odd_identifiers_on_every_path(manifest, database):
    report = _apply(manifest, _one(database.url, "odd", "Odd", "count: 12"))
    assert report.ok, report.error
    assert len(database.rows("margin%")) == 12
    if database.family == "postgresql":  # and the sequence moved past the keys
        database.execute('INSERT INTO "margin%%" ("Order Date", "per%%(x)scent") VALUES (\'x\', 1)')
        assert database.scalar('SELECT max(id) FROM "margin%"') == 13


def test_a_sequence_that_starts_high_is_not_moved_back(manifest, make_database):
    db = make_database("postgresql")
    db.execute(
        "CREATE TABLE items (id INTEGER GENERATED BY DEFAULT AS IDENTITY (START WITH 1000) "
        "PRIMARY KEY, name VARCHAR(20))"
    )
    text = f"""
        version: 1
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}"}}
        datasets:
          items: {{table: items, count: 50, persist: [db]}}
        """
    report = apply(build_plan(load_manifest(manifest(text))))
    assert report.ok, report.error
    db.execute("INSERT INTO items (name) VALUES ('app')")
    assert db.scalar("SELECT id FROM items WHERE name = 'app'") == 1000


def test_apply_inside_a_running_event_loop(manifest, tmp_path):
    text = _one(f"sqlite+aiosqlite:///{tmp_path / 'a.db'}", "accounts", "Account", "count: 5")
    path = manifest(text, **{"models.py": MODELS})

    async def main():
        return apply(build_plan(load_manifest(path)))

    report = asyncio.run(main())
    assert report.ok, report.error
    assert (
        sa.create_engine(f"sqlite:///{tmp_path / 'a.db'}")
        .connect()
        .execute(sa.text("SELECT count(*) FROM accounts"))
        .scalar()
        == 5
    )


def test_a_failed_commit_at_the_end_of_the_run_marks_every_step(manifest, tmp_path):
    db = tmp_path / "d.db"
    engine = sa.create_engine(f"sqlite:///{db}")
    with engine.begin() as c:
        c.exec_driver_sql("CREATE TABLE parents (id INTEGER PRIMARY KEY, name TEXT)")
        c.exec_driver_sql(
            "CREATE TABLE kids (id INTEGER PRIMARY KEY, parent INTEGER NOT NULL "
            "REFERENCES parents(id) DEFERRABLE INITIALLY DEFERRED)"
        )
    engine.dispose()
    text = f"""
        version: 1
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///{db}", transaction: run}}
        datasets:
          parents: {{table: parents, count: 5, persist: [db]}}
          kids:
            table: kids
            count: 5
            # depends_on on the field: its values are not checked at plan, only apply sees them
            fields: {{parent: {{template: "{{{{ 999 }}}}", depends_on: [parents]}}}}
            depends_on: [parents]
            persist: [db]
        """
    report = apply(build_plan(load_manifest(manifest(text))))
    assert not report.ok
    assert "commit" in (report.error or "")
    status = {s.dataset: s.status for s in report.steps if s.kind == "persist"}
    assert status == {"parents": "rolled back", "kids": "rolled back"}
    check = sa.create_engine(f"sqlite:///{db}")
    with check.connect() as c:
        assert c.execute(sa.text("SELECT count(*) FROM parents")).scalar() == 0
    check.dispose()
