"""sqlalchemy handler into SQLite files: tables, transactions, FK enforcement, redaction."""

from __future__ import annotations

import datetime as dt
import enum
import importlib.util
import uuid
from decimal import Decimal

import pytest
import sqlalchemy as sa
from handler_support import make_ctx, posts_shape, user_batches, users_shape
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.sqlalchemy import SqlAlchemyHandler, SqlAlchemyOptions
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(80), unique=True)
    kind: Mapped[str] = mapped_column("type", sa.String(10), default="basic")


def account_shape() -> ModelShape:
    return ModelShape(
        name="Account",
        kind="sqlalchemy",
        model=Account,
        table_name="accounts",
        fields=[
            FieldShape("id", TypeShape("int"), primary_key=True),
            FieldShape("email", TypeShape("str", max_length=80), unique=True),
            FieldShape("kind", TypeShape("str", max_length=10)),
        ],
    )


def handler(url, **kw):
    return SqlAlchemyHandler(SqlAlchemyOptions(url=url, **kw))


def rows(db, table):
    engine = sa.create_engine(f"sqlite:///{db}")
    try:
        with engine.connect() as c:
            return [tuple(r) for r in c.execute(sa.text(f"SELECT * FROM {table} ORDER BY 1"))]
    finally:
        engine.dispose()


def run(h, ctx, batches, error=None):
    h.open(ctx)
    for b in batches:
        assert h.write(b) is None
    h.close(error)


def test_create_table_from_shape_and_commit_on_close(tmp_path, pool):
    h = handler("sqlite:///seed.db", create_tables=True)  # relative: against base_dir
    run(h, make_ctx(tmp_path, resources=pool), user_batches())
    assert rows(tmp_path / "seed.db", "users") == [
        (1, "u1@example.test", "U0"),
        (2, "u2@example.test", None),
        (3, "u3@example.test", "U2"),
        (4, "u4@example.test", None),
    ]


def test_table_built_with_types_keys_and_nullability(tmp_path, pool):
    h = handler(f"sqlite:///{tmp_path / 'x.db'}", create_tables=True, table="people")
    run(h, make_ctx(tmp_path, resources=pool), [])
    inspector = sa.inspect(sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}"))
    cols = {c["name"]: c for c in inspector.get_columns("people")}
    assert cols["id"]["primary_key"] == 1
    assert str(cols["email"]["type"]) == "VARCHAR(80)"
    assert cols["email"]["nullable"] is False
    assert cols["name"]["nullable"] is True
    assert inspector.get_unique_constraints("people") or inspector.get_indexes("people")


def test_nothing_committed_on_close_with_error(tmp_path, pool):
    db = tmp_path / "seed.db"
    h = handler(f"sqlite:///{db}", create_tables=True)
    run(h, make_ctx(tmp_path, resources=pool), user_batches(), error=RuntimeError("boom"))
    assert rows(db, "users") == []  # the table exists (DDL committed apart), no rows


def test_declarative_model_table_and_renamed_attribute(tmp_path, pool):
    db = tmp_path / "seed.db"
    first = Batch.from_records("accounts", 0, 0, [{"id": 1, "email": "a@x.test", "kind": "pro"}])
    second = Batch.from_records("accounts", 1, 1, [{"id": 2, "email": "b"}])
    h = handler(f"sqlite:///{db}", create_tables=True)
    run(h, make_ctx(tmp_path, account_shape(), dataset="accounts", resources=pool), [first, second])
    # attribute 'kind' maps to column 'type'; a batch without it gets the model's default
    assert rows(db, "accounts") == [(1, "a@x.test", "pro"), (2, "b", "basic")]


def test_declarative_model_table_cannot_be_renamed(tmp_path, pool):
    h = handler(f"sqlite:///{tmp_path / 's.db'}", table="other")
    with pytest.raises(HandlerError, match="cannot move the table"):
        h.open(make_ctx(tmp_path, account_shape(), resources=pool))


def test_foreign_keys_are_enforced(tmp_path, pool):
    url = f"sqlite:///{tmp_path / 'seed.db'}"
    run(handler(url, create_tables=True), make_ctx(tmp_path, resources=pool), user_batches(1))
    posts = handler(url, create_tables=True)
    posts.open(make_ctx(tmp_path, posts_shape(), dataset="posts", resources=pool))
    posts.write(Batch.from_records("posts", 0, 0, [{"id": 1, "user_id": 1, "title": "ok"}]))
    bad = Batch.from_records("posts", 1, 1, [{"id": 2, "user_id": 99, "title": "orphan"}])
    with pytest.raises(HandlerError, match=r"table 'posts'.*FOREIGN KEY constraint failed") as e:
        posts.write(bad)
    posts.close(e.value)
    assert rows(tmp_path / "seed.db", "posts") == []  # dataset transaction: all or nothing


def test_transaction_batch_commits_each_batch(tmp_path, pool):
    db = tmp_path / "seed.db"
    h = handler(f"sqlite:///{db}", create_tables=True, transaction="batch")
    h.open(make_ctx(tmp_path, resources=pool))
    first, second = user_batches()
    h.write(first)
    assert len(rows(db, "users")) == 2  # visible to another connection already
    dup = Batch.from_records("users", 1, 2, [{"id": 3, "email": "new@x"}, {"id": 1, "email": "d"}])
    expected = r"\(constraint 'primary key users\.id' on \(id\)\).* Batches before this one"
    with pytest.raises(HandlerError, match=expected):
        h.write(dup)
    h.write(second)  # the failed batch rolled back; the connection is still usable
    h.close(None)
    assert [r[:2] for r in rows(db, "users")][2] == (3, "u3@example.test")  # not "new@x"
    assert [r[0] for r in rows(db, "users")] == [1, 2, 3, 4]


def test_failed_open_returns_its_connection(tmp_path, pool):
    db = tmp_path / "ro.db"
    sa.create_engine(f"sqlite:///{db}").dispose()
    db.touch()
    h = handler(f"sqlite:///file:{db}?mode=ro&uri=true", create_tables=True)
    with pytest.raises(HandlerError, match=r"table 'users': cannot create the table: .*readonly"):
        h.open(make_ctx(tmp_path, resources=pool))
    assert h._engine is not None
    assert h._engine.pool.checkedout() == 0


def test_integrity_error_message_has_no_values(tmp_path, pool):
    h = handler(f"sqlite:///{tmp_path / 's.db'}", create_tables=True)
    h.open(make_ctx(tmp_path, resources=pool))
    secret_row = {"id": 1, "email": "SENTINEL_PII@x", "name": "n"}
    h.write(Batch.from_records("users", 0, 0, [secret_row]))
    with pytest.raises(HandlerError) as e:
        h.write(Batch.from_records("users", 1, 1, [secret_row]))
    h.close(e.value)
    assert "SENTINEL_PII" not in str(e.value)
    assert "batch 1" in str(e.value)
    assert "constraint 'primary key users.id' on (id)" in str(e.value)
    assert "on_conflict: ignore" in str(e.value)


def test_unknown_field_named(tmp_path, pool):
    h = handler(f"sqlite:///{tmp_path / 's.db'}", create_tables=True)
    h.open(make_ctx(tmp_path, resources=pool))
    with pytest.raises(HandlerError, match="lacks: nickname"):
        h.write(Batch.from_records("users", 0, 0, [{"id": 1, "email": "e", "nickname": "x"}]))
    h.close(RuntimeError())


def test_only_the_batch_columns_are_inserted(tmp_path, pool):
    db = tmp_path / "s.db"
    run(
        handler(f"sqlite:///{db}", create_tables=True),
        make_ctx(tmp_path, resources=pool),
        [Batch.from_records("users", 0, 0, [{"email": "e1"}, {"email": "e2"}])],
    )
    assert rows(db, "users") == [(1, "e1", None), (2, "e2", None)]  # id autoincremented


def test_empty_batch_inserts_nothing(tmp_path, pool):
    db = tmp_path / "s.db"
    run(handler(f"sqlite:///{db}", create_tables=True), make_ctx(tmp_path, resources=pool), [
        Batch("users", 0, 0, 0, {"id": [], "email": []})
    ])  # fmt: skip
    assert rows(db, "users") == []


@pytest.mark.parametrize(("mode", "expected"), [("ignore", "old"), ("update", "new")])
def test_on_conflict_sqlite(tmp_path, pool, mode, expected):
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = Batch.from_records("users", 0, 0, [{"id": 1, "email": "a", "name": "old"}])
    run(handler(url, create_tables=True), make_ctx(tmp_path, resources=pool), [first])
    again = Batch.from_records(
        "users", 0, 0, [{"id": 1, "email": "a", "name": "new"}, {"id": 2, "email": "b"}]
    )
    # no ledger: it would skip rows 0..1 as written by this very spec (that is its job)
    run(handler(url, on_conflict=mode, ledger=False), make_ctx(tmp_path, resources=pool), [again])
    assert rows(tmp_path / "s.db", "users") == [(1, "a", expected), (2, "b", None)]


def test_on_conflict_on_a_unique_column(tmp_path, pool):
    url = f"sqlite:///{tmp_path / 's.db'}"
    first = Batch.from_records("users", 0, 0, [{"id": 1, "email": "a", "name": "old"}])
    run(handler(url, create_tables=True), make_ctx(tmp_path, resources=pool), [first])
    again = Batch.from_records("users", 0, 0, [{"email": "a", "name": "new"}])
    h = handler(url, on_conflict="update", conflict_on=["email"], ledger=False)
    run(h, make_ctx(tmp_path, resources=pool), [again])
    assert rows(tmp_path / "s.db", "users") == [(1, "a", "new")]


class Color(enum.Enum):
    RED = "red"


def test_rich_types_round_trip(tmp_path, pool):
    shape = ModelShape(
        name="Thing",
        kind="pydantic",
        fields=[
            FieldShape("id", TypeShape("uuid"), primary_key=True),
            FieldShape("price", TypeShape("decimal", max_digits=8, decimal_places=2)),
            FieldShape("at", TypeShape("datetime")),
            FieldShape("wait", TypeShape("timedelta")),
            FieldShape("color", TypeShape("enum", choices=(Color.RED,), enum_class=Color)),
            FieldShape("tags", TypeShape("list", item=TypeShape("str"))),
            FieldShape("meta", TypeShape("dict")),
            FieldShape("blob", TypeShape("bytes")),
            FieldShape("ok", TypeShape("bool")),
        ],
    )
    uid = uuid.UUID(int=7)
    row = {
        "id": uid,
        "price": Decimal("12.34"),
        "at": dt.datetime(2024, 5, 6, 7, 8, 9),
        "wait": dt.timedelta(hours=1),
        "color": Color.RED,
        "tags": ["a", "b"],
        "meta": {"when": dt.date(2024, 1, 1), "n": Decimal("1.5")},
        "blob": b"\x00\x01",
        "ok": True,
    }
    db = tmp_path / "s.db"
    batch = Batch.from_records("things", 0, 0, [row, {**row, "id": str(uuid.UUID(int=8))}])
    run(handler(f"sqlite:///{db}", create_tables=True), make_ctx(
        tmp_path, shape, dataset="things", resources=pool), [batch])  # fmt: skip
    engine = sa.create_engine(f"sqlite:///{db}")
    from seedrunner.handlers.sqltypes import build_table

    table = build_table(shape, "things")
    with engine.connect() as c:
        got = [dict(r._mapping) for r in c.execute(sa.select(table).order_by(table.c.id))]
    engine.dispose()
    assert got[0] == {**row, "color": "red", "meta": {"when": "2024-01-01", "n": "1.5"}}
    assert got[1]["id"] == uuid.UUID(int=8)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://app:p@ss:w/rd%40!Z@127.0.0.1:1/seed",  # unparseable as written
        "postgresql://app:p%40ss%3Aw%2Frd%2540!Z@127.0.0.1:1/seed",  # encoded: driver/connect
    ],
)
def test_options_repr_and_errors_hide_the_password(tmp_path, pool, url):
    opts = SqlAlchemyOptions(url=url)
    assert "rd%" not in repr(opts)
    assert "rd%" not in str(opts)
    assert "***" in repr(opts)
    h = SqlAlchemyHandler(opts)
    assert "rd%" not in repr(h)
    with pytest.raises(HandlerError) as e:  # no driver, or no server on port 1
        h.open(make_ctx(tmp_path, resources=pool))
    h.close(e.value)
    for text in (str(e.value), repr(e.value)):
        assert "p@ss" not in text
        assert "p%40ss" not in text
        assert "rd%" not in text
    assert e.value.__cause__ is None
    assert e.value.__suppress_context__


@pytest.mark.skipif(
    importlib.util.find_spec("psycopg") is None,
    reason="psycopg (SQLAlchemy 2.1's default PostgreSQL driver) is not installed",
)
def test_unreachable_postgres_error_is_transient_and_redacted(tmp_path, pool):
    url = "postgresql://app:SENTINEL_PW_9@127.0.0.1:1/seed"
    h = handler(url)
    with pytest.raises(HandlerError) as e:
        h.open(make_ctx(tmp_path, resources=pool))
    h.close(e.value)
    assert "SENTINEL_PW_9" not in str(e.value)
    assert "connect" in str(e.value)


def test_unparseable_url_is_redacted(tmp_path, pool):
    h = handler("postgresql://u:SENTINEL_PW@host:notaport/db")
    with pytest.raises(HandlerError) as e:
        h.open(make_ctx(tmp_path, resources=pool))
    assert "SENTINEL_PW" not in str(e.value)


def test_on_conflict_unsupported_dialect_is_named():
    from seedrunner.handlers.sqlalchemy import insert_statement
    from seedrunner.handlers.sqltypes import build_table

    table = build_table(users_shape(), "users")
    with pytest.raises(HandlerError, match="on_conflict: ignore is not supported for the mssql"):
        insert_statement(table, ["id"], "mssql", "ignore", None)


def test_engine_is_shared_through_the_resource_pool(tmp_path, pool):
    url = f"sqlite:///{tmp_path / 's.db'}"
    a, b = handler(url, create_tables=True), handler(url)
    run(a, make_ctx(tmp_path, resources=pool), [])
    run(b, make_ctx(tmp_path, resources=pool), [])
    assert a._engine is b._engine


class _FakeDriverError(Exception):
    def __init__(self, *args, sqlstate=None):
        super().__init__(*args)
        self.sqlstate = sqlstate


@pytest.mark.parametrize(
    ("orig", "invalidated", "transient"),
    [
        (_FakeDriverError("terminating connection", sqlstate="57P01"), False, True),
        (_FakeDriverError("connection failure", sqlstate="08006"), False, True),
        (_FakeDriverError("deadlock detected", sqlstate="40P01"), False, True),
        (_FakeDriverError("duplicate key", sqlstate="23505"), False, False),
        (_FakeDriverError(2006, "MySQL server has gone away"), False, True),
        (_FakeDriverError(1062, "Duplicate entry"), False, False),
        (_FakeDriverError("anything"), True, True),
    ],
)
def test_transient_classification(orig, invalidated, transient):
    from seedrunner.handlers.sqlalchemy import is_transient

    error = sa.exc.OperationalError("INSERT ...", None, orig, connection_invalidated=invalidated)
    assert is_transient(error) is transient


def test_describe_keeps_only_the_first_line():
    from seedrunner.handlers.sqlalchemy import describe

    orig = _FakeDriverError(
        'duplicate key value violates unique constraint "users_email_key"\n'
        "DETAIL:  Key (email)=(SENTINEL_PII@x) already exists."
    )
    text = describe(sa.exc.IntegrityError("INSERT ...", {"email": "SENTINEL_PII@x"}, orig))
    assert (
        text == '_FakeDriverError: duplicate key value violates unique constraint "users_email_key"'
    )
