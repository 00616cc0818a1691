"""sqlite-json into real SQLite files: pfg's table layout, JSON payloads identical to the jsonl
handler's lines, one transaction per step, journal modes, located option errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import REPO

HANDLER = "seedrunner.handlers.sqlitejson:SqliteJsonHandler"

# pydantic-fixturegen 1.3's `pfg persist --handler sqlite-json` creates exactly this table
# (read from a real run: `sqlite3 pfg.db .schema`).
PFG_DDL = (
    "CREATE TABLE pfg_records (id INTEGER PRIMARY KEY AUTOINCREMENT,"
    "model TEXT NOT NULL,payload TEXT NOT NULL)"
)

FAIL = """
def on_third_batch(batch, ctx):
    if batch.index == 2:
        raise ValueError("stop here")
    return batch
"""


def customers_manifest(
    options: str = "", *, count: int = 50, extra: str = "", seed: int = 11
) -> str:
    return f"""\
version: 1
seed: {seed}
now: "2026-01-01T00:00:00Z"
python_path: [{json.dumps(str(REPO))}]
defaults: {{batch_size: 16}}
targets:
  docs: {{handler: "{HANDLER}", database: data/docs.db{options}}}
  lines: {{handler: jsonl, path: customers.jsonl}}
datasets:
  customers:
    model: tests.integration.shopmodels:Customer
    count: {count}{extra}
    persist: [docs, lines]
"""


def rows(db: Path, table: str) -> list[tuple[int, str, str]]:
    con = sqlite3.connect(db)
    try:
        return con.execute(f'SELECT id, model, payload FROM "{table}" ORDER BY id').fetchall()
    finally:
        con.close()


def tables(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        found = con.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        return [r[0] for r in found]
    finally:
        con.close()


def run(path: Path):
    return apply(build_plan(load_manifest(path)))


def test_documents_match_the_jsonl_lines_in_pfgs_layout(manifest, tmp_path):
    report = run(manifest(customers_manifest()))
    assert report.ok, report.error
    db = tmp_path / "data" / "docs.db"  # relative to the manifest's folder, folder created
    stored = rows(db, "customers")  # the table is named after the dataset by default
    lines = (tmp_path / "customers.jsonl").read_text().splitlines()
    assert len(stored) == 50
    assert [r[0] for r in stored] == list(range(1, 51))
    assert {r[1] for r in stored} == {"Customer"}
    assert [r[2] for r in stored] == lines  # the same JSON text as the jsonl handler
    first = json.loads(stored[0][2])
    assert first["tier"] in {"BRZ", "SLV", "GLD"}  # an enum by value
    assert first["created_at"].endswith("+00:00")  # aware datetime, ISO 8601
    assert len(first["birth_date"]) == 10  # a date, ISO 8601
    con = sqlite3.connect(db)
    info = con.execute("PRAGMA table_info(customers)").fetchall()
    con.close()
    # (name, type, notnull, pk) as pfg's table has them
    assert [(c[1], c[2], c[3], c[5]) for c in info] == [
        ("id", "INTEGER", 0, 1),
        ("model", "TEXT", 1, 0),
        ("payload", "TEXT", 1, 0),
    ]


def test_appends_to_a_table_pfg_created(manifest, tmp_path):
    db = tmp_path / "data" / "docs.db"
    db.parent.mkdir()
    con = sqlite3.connect(db)
    con.execute(PFG_DDL)
    con.execute("""INSERT INTO pfg_records (model, payload) VALUES ('User', '{"id": 1}')""")
    con.commit()
    con.close()
    report = run(manifest(customers_manifest(", table: pfg_records, ensure_table: false")))
    assert report.ok, report.error
    stored = rows(db, "pfg_records")
    assert len(stored) == 51
    assert stored[0] == (1, "User", '{"id": 1}')
    assert [r[0] for r in stored[1:]] == list(range(2, 52))  # AUTOINCREMENT continues
    assert tables(db) == ["pfg_records", "sqlite_sequence"]


def test_two_runs_store_the_same_documents(manifest, tmp_path):
    first = tmp_path / "one"
    second = tmp_path / "two"
    for folder in (first, second):
        folder.mkdir()
        assert run(manifest(customers_manifest(), f"{folder.name}/seed.yaml")).ok
    one = rows(first / "data" / "docs.db", "customers")
    assert one == rows(second / "data" / "docs.db", "customers")


def test_journal_mode_is_set_and_validated(manifest, tmp_path, cli):
    assert run(manifest(customers_manifest(", journal_mode: wal"))).ok
    con = sqlite3.connect(tmp_path / "data" / "docs.db")
    assert con.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    con.close()
    bad = manifest(customers_manifest(", journal_mode: fast"), "bad.yaml")
    code, _, err = cli("validate", str(bad))
    assert code == 2
    assert "bad.yaml:7:" in err
    assert "journal_mode" in err


def test_an_option_typo_is_a_located_error(manifest, cli, tmp_path):
    path = manifest(customers_manifest(", ensure_tabel: false"))
    code, _, err = cli("validate", str(path))
    assert code == 2
    assert "seed.yaml:7:" in err
    assert "unknown option 'ensure_tabel'" in err
    assert "did you mean 'ensure_table'?" in err
    assert not (tmp_path / "data").exists()


def test_a_failure_mid_dataset_leaves_the_file_unchanged(manifest, tmp_path):
    failing = "\n    transforms: [fail.py:on_third_batch]"
    # A new table: not even the table is left behind.
    report = run(manifest(customers_manifest(extra=failing), **{"fail.py": FAIL}))
    assert not report.ok
    assert "stop here" in (report.error or "")
    db = tmp_path / "data" / "docs.db"
    assert tables(db) == []
    # An existing table keeps exactly what it had.
    assert run(manifest(customers_manifest(count=5), "ok.yaml")).ok
    before = rows(db, "customers")
    report = run(manifest(customers_manifest(extra=failing), "again.yaml"))
    assert not report.ok
    assert rows(db, "customers") == before


def test_a_missing_table_without_ensure_table_is_a_clear_error(manifest, tmp_path):
    report = run(manifest(customers_manifest(", ensure_table: false")))
    assert not report.ok
    error = report.error or ""
    assert "customers → docs" in error
    assert "table 'customers'" in error
    assert "ensure_table: true" in error
    assert tables(tmp_path / "data" / "docs.db") == []


def test_a_table_of_another_shape_is_refused_before_writing(manifest, tmp_path):
    db = tmp_path / "data" / "docs.db"
    db.parent.mkdir()
    con = sqlite3.connect(db)
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    con.commit()
    con.close()
    report = run(manifest(customers_manifest()))
    assert not report.ok
    assert "lacks column(s) model, payload" in (report.error or "")
    assert rows_count(db, "customers") == 0


def rows_count(db: Path, table: str) -> int:
    con = sqlite3.connect(db)
    try:
        return int(con.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])
    finally:
        con.close()


def test_a_table_name_is_quoted_not_pasted(manifest, tmp_path):
    name = 'docs"; DROP TABLE x; --'
    report = run(manifest(customers_manifest(f", table: {json.dumps(name)}", count=3)))
    assert report.ok, report.error
    assert tables(tmp_path / "data" / "docs.db") == [name, "sqlite_sequence"]
    assert len(rows(tmp_path / "data" / "docs.db", name.replace('"', '""'))) == 3
