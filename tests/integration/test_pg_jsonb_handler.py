"""postgres-jsonb against the PostgreSQL server on this machine: the document table and its
indexes, documents equal to the jsonl handler's rows, seeded ids that repeat across runs,
a UUID primary key kept as the id, on_conflict error/ignore/update, nothing kept after a
failure, located option errors and a masked password."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from seedrunner.handlers.redisstore import seeded_uuid
from tests.integration.shopmodels import REPO

pytestmark = pytest.mark.postgres

HANDLER = "seedrunner.handlers.pgjsonb:PostgresJsonbHandler"
SECRET = "Sup3rS3cretPgPw"

MODELS = """
import uuid

from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Device(Base):
    __tablename__ = "devices"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    label: Mapped[str] = mapped_column(String(20))


def on_third_batch(batch, ctx):
    if batch.index == 2:
        raise ValueError("stop here")
    return batch
"""


def pg_manifest(
    url: str, options: str = "", *, datasets: str | None = None, name: str | None = None
) -> str:
    name_spec = f"\n    fields: {{name: {json.dumps(name)}}}" if name else ""
    datasets = (
        datasets
        or f"""
  customers:
    model: tests.integration.shopmodels:Customer
    count: 40{name_spec}
    persist: [docs, lines]"""
    )
    return f"""\
version: 1
seed: 11
now: "2026-01-01T00:00:00Z"
python_path: [{json.dumps(str(REPO))}]
defaults: {{batch_size: 16}}
targets:
  docs: {{handler: "{HANDLER}", url: "{url}"{options}}}
  lines: {{handler: jsonl, path: "{{dataset}}.jsonl"}}
datasets:{datasets}
"""


def run(path: Path):
    return apply(build_plan(load_manifest(path)))


def documents(db, table: str = "seed_documents", schema: str | None = None):
    with db.engine.connect() as c:
        t = sa.Table(table, sa.MetaData(), autoload_with=c, schema=schema)
        return [
            dict(r) for r in c.execute(sa.select(t).order_by(t.c.created_at, t.c.id)).mappings()
        ]


@pytest.fixture
def db(make_database):
    return make_database("postgresql")


def test_documents_table_indexes_and_contents(manifest, tmp_path, db):
    report = run(manifest(pg_manifest(db.url)))
    assert report.ok, report.error
    lines = [json.loads(line) for line in (tmp_path / "customers.jsonl").read_text().splitlines()]
    docs = {d["id"]: d for d in documents(db)}
    assert len(docs) == 40
    for i, line in enumerate(lines):
        doc = docs[seeded_uuid(11, "customers", i)]  # ids from (seed, dataset, row index)
        assert doc["data"] == line  # the row as the jsonl handler writes it, as JSONB
        assert doc["class_name"] == "Customer"
        assert doc["schema_version"] == 1
        assert doc["created_at"] == doc["updated_at"]
        assert doc["created_at"].tzinfo is not None
    inspector = sa.inspect(db.engine)
    columns = {c["name"]: str(c["type"]) for c in inspector.get_columns("seed_documents")}
    assert columns == {
        "id": "UUID",
        "class_name": "TEXT",
        "data": "JSONB",
        "schema_version": "INTEGER",
        "created_at": "TIMESTAMP",
        "updated_at": "TIMESTAMP",
    }
    with db.engine.connect() as c:
        query = sa.text("SELECT indexname, indexdef FROM pg_indexes WHERE tablename = :t")
        indexes = dict(c.execute(query, {"t": "seed_documents"}).all())
    assert "btree (class_name)" in indexes["ix_seed_documents_class_name"]
    assert "gin (data)" in indexes["ix_seed_documents_data"]
    assert "btree (id)" in indexes["seed_documents_pkey"]
    # the GIN index serves containment queries on the documents
    with db.engine.connect() as c:
        found = c.execute(
            sa.text("SELECT count(*) FROM seed_documents WHERE data @> CAST(:d AS jsonb)"),
            {"d": json.dumps({"id": lines[3]["id"]})},
        ).scalar()
    assert found == 1


def test_a_uuid_primary_key_is_the_document_id(manifest, tmp_path, db):
    datasets = """
  devices:
    model: models.py:Device
    count: 10
    persist: [docs, lines]"""
    report = run(manifest(pg_manifest(db.url, datasets=datasets), **{"models.py": MODELS}))
    assert report.ok, report.error
    lines = [json.loads(line) for line in (tmp_path / "devices.jsonl").read_text().splitlines()]
    docs = documents(db)
    assert {d["id"] for d in docs} == {uuid.UUID(line["id"]) for line in lines}
    assert {d["class_name"] for d in docs} == {"Device"}


def test_on_conflict_error_fails_and_keeps_the_table(manifest, cli, db):
    assert run(manifest(pg_manifest(db.url))).ok
    before = documents(db)
    code, out, err = cli("apply", str(manifest(pg_manifest(db.url), "again.yaml")))
    assert code == 1
    assert "customers → docs" in err
    assert "seed_documents_pkey" in err
    assert "on_conflict: ignore" in err
    assert "Nothing of this step was kept" in err
    for doc in before[:5]:  # no row value reaches the message
        assert doc["data"]["email"] not in out + err
        assert str(doc["id"]) not in out + err
    assert documents(db) == before


def test_on_conflict_ignore_keeps_and_update_replaces(manifest, db):
    assert run(manifest(pg_manifest(db.url))).ok
    before = {d["id"]: d for d in documents(db)}
    # Same seed, same row indexes: the same ids, with another name in every document.
    ignore = pg_manifest(db.url, ", on_conflict: ignore", name="Changed Name")
    assert run(manifest(ignore, "ignore.yaml")).ok
    assert {d["id"]: d for d in documents(db)} == before
    update = pg_manifest(db.url, ", on_conflict: update, schema_version: 2", name="Changed Name")
    assert run(manifest(update, "update.yaml")).ok
    after = {d["id"]: d for d in documents(db)}
    assert set(after) == set(before)
    for key, doc in after.items():
        old = before[key]
        assert doc["data"] == {**old["data"], "name": "Changed Name"}
        assert doc["schema_version"] == 2
        assert doc["created_at"] == old["created_at"]
        assert doc["updated_at"] > old["updated_at"]


def test_two_runs_give_the_same_ids(manifest, make_database):
    one, two = make_database("postgresql"), make_database("postgresql")
    assert run(manifest(pg_manifest(one.url), "one.yaml")).ok
    assert run(manifest(pg_manifest(two.url), "two.yaml")).ok
    strip = [{k: d[k] for k in ("id", "class_name", "data")} for d in documents(one)]
    assert strip == [{k: d[k] for k in ("id", "class_name", "data")} for d in documents(two)]


def test_schema_and_table_options_and_a_plain_postgresql_url(manifest, db):
    plain = "postgresql://postgres@127.0.0.1:5432/test"  # no search_path: the schema option
    options = f", schema: {db.name}, table: docs_v1"
    report = run(manifest(pg_manifest(plain, options)))
    assert report.ok, report.error
    assert len(documents(db, "docs_v1", schema=db.name)) == 40
    assert "docs_v1" in sa.inspect(db.engine).get_table_names(schema=db.name)


def test_async_url_writes_the_same_documents(manifest, make_database):
    sync_db = make_database("postgresql")
    async_db = make_database("postgresql-async")
    assert run(manifest(pg_manifest(sync_db.url), "sync.yaml")).ok
    assert run(manifest(pg_manifest(async_db.url), "async.yaml")).ok
    strip = [{k: d[k] for k in ("id", "data")} for d in documents(sync_db)]
    assert strip == [{k: d[k] for k in ("id", "data")} for d in documents(async_db)]


@pytest.mark.parametrize("on_conflict", ["error", "update"])  # COPY, then INSERT ... ON CONFLICT
def test_a_failure_mid_dataset_leaves_the_database_unchanged(manifest, db, on_conflict):
    datasets = """
  customers:
    model: tests.integration.shopmodels:Customer
    count: 60
    transforms: [models.py:on_third_batch]
    persist: [docs]"""
    options = f", on_conflict: {on_conflict}"
    path = manifest(pg_manifest(db.url, options, datasets=datasets), **{"models.py": MODELS})
    report = run(path)
    assert not report.ok
    assert "stop here" in (report.error or "")
    assert "seed_documents" not in db.table_names()  # the table was created in the step
    assert run(manifest(pg_manifest(db.url), "first.yaml")).ok
    before = documents(db)
    assert not run(path).ok
    assert documents(db) == before


def test_an_option_typo_is_a_located_error(manifest, cli, db):
    code, _, err = cli("validate", str(manifest(pg_manifest(db.url, ", on_conflit: update"))))
    assert code == 2
    assert "seed.yaml:7:" in err
    assert "unknown option 'on_conflit'" in err
    assert "did you mean 'on_conflict'?" in err
    bad = manifest(pg_manifest(db.url, ", on_conflict: merge"), "b.yaml")
    code, _, err = cli("validate", str(bad))
    assert code == 2
    assert "b.yaml:7:" in err


def test_the_password_never_shows(manifest, cli):
    url = f"postgresql://seeder:{SECRET}@127.0.0.1:1/app"
    path = manifest(pg_manifest(url))
    texts = []
    for args in (("plan", str(path)), ("plan", str(path), "--json"), ("apply", str(path))):
        code, out, err = cli(*args)
        texts.append(out + err)
    assert code == 1
    assert "customers → docs" in texts[-1]
    assert "seeder:***@127.0.0.1:1" in texts[-1]
    for text in texts:
        assert SECRET not in text


def test_a_url_of_another_database_is_refused(manifest):
    report = run(manifest(pg_manifest("sqlite:///x.db")))
    assert not report.ok
    assert "needs a PostgreSQL URL" in (report.error or "")


def test_a_table_name_is_quoted_not_pasted(manifest, db):
    name = 'Docs"; DROP TABLE x; --'
    assert run(manifest(pg_manifest(db.url, f", table: {json.dumps(name)}"))).ok
    assert name in db.table_names()
    assert len(documents(db, name)) == 40
