"""Fixed rows: datasets that give their rows inline (``rows:``) or from a CSV, JSON or
JSONL file beside the manifest, typed by the table or model, written like generated rows
(ledger, apply again writes 0, destroy removes exactly them) and referenced by children."""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy

STATUSES = [  # code, label, weight, since, active
    ("new", "New", Decimal("1.50"), dt.date(2020, 1, 1), True),
    ("open", "Open, in progress", Decimal("2.00"), dt.date(2021, 6, 30), True),
    ("closed", "Closed", None, None, False),
]
CSV = """\
code,label,weight,since,active
new,New,1.50,2020-01-01,true
open,"Open, in progress",2.00,2021-06-30,yes
closed,Closed,,,false
"""
JSON = json.dumps(
    [
        {"code": "new", "label": "New", "weight": 1.5, "since": "2020-01-01", "active": True},
        {"code": "open", "label": "Open, in progress", "weight": "2.00",
         "since": "2021-06-30", "active": True},
        {"code": "closed", "label": "Closed", "weight": None, "since": None, "active": False},
    ],
    indent=2,
)  # fmt: skip
JSONL = "\n".join(json.dumps(r) for r in json.loads(JSON)) + "\n"
FILES = {"csv": CSV, "json": JSON, "jsonl": JSONL}


def schema_sql(family: str) -> list[str]:
    boolean = "BOOLEAN"  # a TINYINT(1) on MariaDB: true/false fill it as 1/0
    return [
        "CREATE TABLE status (id INTEGER PRIMARY KEY, code VARCHAR(10) NOT NULL UNIQUE, "
        f"label VARCHAR(40) NOT NULL, weight NUMERIC(5, 2), since DATE, active {boolean} "
        "NOT NULL)",
        "CREATE TABLE ticket (id INTEGER PRIMARY KEY, "
        "status_id INTEGER NOT NULL REFERENCES status (id), "
        "currency CHAR(3) NOT NULL REFERENCES currency (code), title VARCHAR(80) NOT NULL)",
    ]


CURRENCY_MODEL = """\
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Currency(Base):
    __tablename__ = "currency"
    code: Mapped[str] = mapped_column(String(3), primary_key=True)
    name: Mapped[str] = mapped_column(String(30))
    digits: Mapped[int]
"""


def fixed_manifest(url: str, fmt: str = "csv", currency_count: str = "") -> str:
    return f"""\
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", ledger: true, create_tables: true}}
        datasets:
          currencies:
            model: models.py:Currency
            {currency_count}
            rows:
              - {{code: EUR, name: Euro, digits: 2}}
              - {{code: JPY, name: Yen, digits: 0}}
              - {{code: USD, name: US dollar, digits: 2}}
            persist: [db]
          statuses:
            table: status
            from: data/statuses.{fmt}
            persist: [db]
          tickets:
            table: ticket
            count: 25
            fields:
              title: {{faker: sentence, nb_words: 4}}
            persist: [db]
        """


def _normal(row: tuple) -> tuple:
    _, code, label, weight, since, active = row
    since = dt.date.fromisoformat(since) if isinstance(since, str) else since
    weight = None if weight is None else Decimal(str(weight)).quantize(Decimal("0.01"))
    return code, label, weight, since, bool(active)


def _setup(manifest, db, fmt: str = "csv", **kw):
    db.execute(*_currency_first(db.family))
    files = {f"data__statuses.{fmt}": FILES[fmt], "models.py": CURRENCY_MODEL}
    return manifest(fixed_manifest(db.url, fmt, **kw), **files)


def _currency_first(family: str) -> list[str]:
    """The app's schema, currency included (the model's create_tables leaves it as is)."""
    return [
        "CREATE TABLE currency (code CHAR(3) PRIMARY KEY, name VARCHAR(30) NOT NULL, "
        "digits INTEGER NOT NULL)",
        *schema_sql(family),
    ]


def test_fixed_rows_are_written_referenced_and_destroyed_exactly(manifest, database):
    path = _setup(manifest, database)
    plan = build_plan(load_manifest(path))
    assert [d.name for d in plan.datasets] == ["currencies", "statuses", "tickets"]
    assert (plan.dataset("statuses").count.total, plan.dataset("currencies").count.total) == (
        3,
        3,
    )
    sources = {f.name: f.source for f in plan.dataset("statuses").fields}
    assert sources["code"] == "fixed rows"
    assert sources["id"] != "fixed rows"  # not given: generated as usual
    report = apply(plan)
    assert report.ok, report.error

    statuses = database.rows("status", order_by="id")
    assert [r[0] for r in statuses] == [1, 2, 3]
    assert [_normal(r) for r in statuses] == STATUSES
    assert database.rows("currency", order_by="code") == [
        ("EUR", "Euro", 2),
        ("JPY", "Yen", 0),
        ("USD", "US dollar", 2),
    ]
    tickets = database.rows("ticket", order_by="id")
    assert len(tickets) == 25
    assert {t[1] for t in tickets} <= {1, 2, 3}
    assert {t[2] for t in tickets} <= {"EUR", "JPY", "USD"}
    assert len({t[2] for t in tickets}) > 1

    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    assert {r.dataset: r.skipped for r in again.steps if r.kind == "persist"} == {
        "currencies": 3,
        "statuses": 3,
        "tickets": 25,
    }
    assert database.rows("status", order_by="id") == statuses

    database.execute(
        "INSERT INTO status (id, code, label, active) VALUES (100, 'app', 'By the app', TRUE)"
    )
    results = destroy(build_plan(load_manifest(path)))
    assert [(r.dataset, r.status, r.rows) for r in results] == [
        ("tickets", "done", 25),
        ("statuses", "done", 3),
        ("currencies", "done", 3),
    ]
    assert [r[1] for r in database.rows("status")] == ["app"]
    assert database.rows("currency") == []
    assert database.rows("ticket") == []


@pytest.mark.parametrize("fmt", ["json", "jsonl"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_json_and_jsonl_files_give_the_same_rows(manifest, make_database, backend, fmt):
    db = make_database(backend)
    report = apply(build_plan(load_manifest(_setup(manifest, db, fmt))))
    assert report.ok, report.error
    assert [_normal(r) for r in db.rows("status", order_by="id")] == STATUSES


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_bad_cell_is_located_in_its_file_and_nothing_is_written(
    manifest, make_database, cli, backend
):
    db = make_database(backend)
    path = _setup(manifest, db)
    bad = CSV.replace("2021-06-30", "2021-02-30").replace("closed,Closed,,", "closed,,x,")
    (path.parent / "data" / "statuses.csv").write_text(bad)
    code, _, err = cli("apply", str(path))
    assert code == 2, err
    assert "data/statuses.csv:3:1: error SR-E044" in err
    assert "column 'since': '2021-02-30' is not a date (YYYY-MM-DD)" in err
    assert "data/statuses.csv:4:1" in err
    assert "column 'weight': 'x' is not a decimal number" in err
    assert db.rows("status") == []
    assert db.rows("currency") == []


def test_a_bad_inline_row_and_a_wrong_count_are_located(manifest, make_database, cli):
    db = make_database("sqlite")
    path = _setup(manifest, db, currency_count="count: 4")
    code, _, err = cli("plan", str(path))
    assert code == 2
    assert "seed.yaml:9:12: error SR-E030: count is 4 but the fixed rows are 3" in err
    text = path.read_text().replace("count: 4", "").replace("digits: 0", "digits: zero")
    path.write_text(text)
    code, _, err = cli("plan", str(path))
    assert code == 2
    assert "error SR-E044: fixed row 1: 'digits'" in err
    assert "seed.yaml:12:" in err


def test_a_changed_file_changes_the_fingerprint(manifest, make_database, cli):
    db = make_database("sqlite")
    path = _setup(manifest, db)
    assert cli("apply", str(path), "-q")[0] == 0
    assert cli("plan", str(path), "--detailed-exitcode")[0] == 0
    (path.parent / "data" / "statuses.csv").write_text(CSV.replace("New,", "Fresh,"))
    code, out, _ = cli("plan", str(path), "--detailed-exitcode")
    assert code != 0
    assert "written by another spec (changed: data)" in out
    # the earlier file is gone, but status ids (1..N) read nothing from it: --replace
    # deletes the earlier rows (tickets first) by those keys, then writes the new ones
    code, _, err = cli("apply", str(path), "--replace", "-q")
    assert code == 0, err
    assert [r[2] for r in db.rows("status", order_by="id")] == ["Fresh", "Open, in progress",
                                                                 "Closed"]  # fmt: skip
    assert len(db.rows("ticket")) == 25
    assert cli("plan", str(path), "--detailed-exitcode")[0] == 0


def test_replace_refuses_an_edited_file_that_gives_the_keys(manifest, make_database, cli):
    """Currency keys are the rows' own codes: rows of an earlier file cannot be found."""
    db = make_database("sqlite")
    path = _setup(manifest, db)
    text, n = re.subn(r"rows:\n(\s+- .*\n)+", "from: data/currencies.csv\n", path.read_text())
    assert n == 1
    path.write_text(text)
    (path.parent / "data" / "currencies.csv").write_text("code,name,digits\nEUR,Euro,2\n")
    assert cli("apply", str(path), "-q")[0] == 0
    (path.parent / "data" / "currencies.csv").write_text("code,name,digits\nGBP,Pound,2\n")
    code, _, err = cli("apply", str(path), "--replace")
    assert code == 2
    assert "differs in: data" in err
    assert db.rows("currency") == [("EUR", "Euro", 2)]


def test_fixed_rows_files_stay_inside_the_manifest_folder(manifest, make_database, cli):
    db = make_database("sqlite")
    path = _setup(manifest, db)
    path.write_text(path.read_text().replace("data/statuses.csv", "../statuses.csv"))
    code, _, err = cli("plan", str(path))
    assert code == 2
    assert "outside the manifest folder" in err
    assert "SR-E020" in err


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_apply_replace_swaps_changed_inline_rows(manifest, make_database, cli, backend):
    """Edited inline rows: apply refuses (another spec), --replace deletes the earlier rows
    (rebuilt from the spec the ledger keeps) with the children that point at them, then
    writes the new ones."""
    db = make_database(backend)
    path = _setup(manifest, db)
    assert cli("apply", str(path), "-q")[0] == 0
    path.write_text(path.read_text().replace("{code: JPY, name: Yen", "{code: GBP, name: Pound"))
    code, _, err = cli("apply", str(path), "-q")
    assert code == 2  # refused up front (preflight)
    assert "--replace" in err
    code, _, err = cli("apply", str(path), "--replace", "-q")
    assert code == 0, err
    assert [r[0] for r in db.rows("currency", order_by="code")] == ["EUR", "GBP", "USD"]
    tickets = db.rows("ticket", order_by="id")
    assert len(tickets) == 25
    assert {t[2] for t in tickets} <= {"EUR", "GBP", "USD"}
    assert len(db.rows("status")) == 3
    assert cli("plan", str(path), "--detailed-exitcode")[0] == 0


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb-async"])
def test_a_long_file_is_read_in_batches_at_apply(
    manifest, make_database, monkeypatch, backend, fmt
):
    """Past the held limit a CSV/JSONL file is not kept: apply reads each batch again from
    the offsets the plan noted (an index entry every few rows here, batches that straddle
    them), and the rows are exactly the file's; an edited file is then refused."""
    from seedrunner.plan import fixedrows
    from seedrunner.plan.rowfiles import FileWindow

    monkeypatch.setattr(fixedrows, "FIXED_ROWS_HELD", 500)
    monkeypatch.setattr(fixedrows, "_INDEX_EVERY", 37)
    db = make_database(backend)
    db.execute("CREATE TABLE code (id INTEGER PRIMARY KEY, code VARCHAR(12) NOT NULL UNIQUE, "
               "rank INTEGER, since DATE NOT NULL)")  # fmt: skip
    rows = [(f"C{i:05d}", None if i % 7 == 0 else i * 3, dt.date(2020, 1, 1) + dt.timedelta(i))
            for i in range(2_000)]  # fmt: skip
    if fmt == "csv":
        text = "code,rank,since\n" + "".join(
            f"{c},{'' if r is None else r},{d}\n" for c, r, d in rows
        )
    else:
        text = "".join(
            json.dumps({"code": c, "rank": r, "since": str(d)}) + "\n" for c, r, d in rows
        )
    path = manifest(
        f"""\
        version: 1
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}", ledger: false}}
        datasets:
          codes: {{table: code, from: data/codes.{fmt}, batch_size: 300, persist: [db]}}
        """,
        **{f"data__codes.{fmt}": text},
    )
    plan = build_plan(load_manifest(path))
    codes = plan.dataset("codes")
    assert codes.count.total == 2_000
    window = next(f.column for f in codes.fields if f.name == "code").rows
    assert isinstance(window, FileWindow)
    assert len(window.offsets) == -(-2_000 // 37)
    report = apply(plan)
    assert report.ok, report.error
    written = db.rows("code", order_by="id")
    assert [r[0] for r in written] == list(range(1, 2_001))
    since = [dt.date.fromisoformat(d) if isinstance(d, str) else d for *_, d in written]
    assert [(c, r) for _, c, r, _ in written] == [(c, r) for c, r, _ in rows]
    assert since == [d for *_, d in rows]

    plan = build_plan(load_manifest(path))
    (path.parent / "data" / f"codes.{fmt}").write_text(text.replace("C00001", "X00001"))
    report = apply(plan)
    assert not report.ok
    assert "changed after the plan was made" in str(report.error)


ROLE_MODEL = """\
from pydantic import BaseModel, Field


class Role(BaseModel):
    id: int
    name: str = Field(max_length=12)
    level: int = Field(ge=0)
"""


def test_a_pydantic_model_types_and_checks_fixed_rows(manifest, cli, tmp_path):
    """No database: rows from JSON checked by the model's own validators, then written."""
    text = """\
        version: 1
        datasets:
          roles:
            model: models.py:Role
            from: data/roles.json
            persist: [{handler: jsonl, path: out/roles.jsonl}]
          users:
            count: 6
            fields:
              role: {ref: roles.name}
            persist: [{handler: jsonl, path: out/users.jsonl}]
        """
    good = '[{"name": "admin", "level": 9},\n {"name": "member", "level": "1"}]'
    path = manifest(text, **{"models.py": ROLE_MODEL, "data__roles.json": good})
    bad = '[{"name": "admin", "level": 9},\n {"name": "member-of-staff", "level": -1}]'
    (tmp_path / "data" / "roles.json").write_text(bad)
    code, _, err = cli("apply", str(path))
    assert code == 2
    assert "data/roles.json:2:1: error SR-E044: column 'name'" in err
    assert "data/roles.json:2:1: error SR-E044: column 'level'" in err
    assert not (tmp_path / "out").exists()
    (tmp_path / "data" / "roles.json").write_text(good)
    code, _, err = cli("apply", str(path), "-q")
    assert code == 0, err
    roles = [
        json.loads(line) for line in (tmp_path / "out" / "roles.jsonl").read_text().splitlines()
    ]
    assert roles == [
        {"id": 1, "name": "admin", "level": 9},
        {"id": 2, "name": "member", "level": 1},
    ]
    users = [
        json.loads(line) for line in (tmp_path / "out" / "users.jsonl").read_text().splitlines()
    ]
    assert {u["role"] for u in users} <= {"admin", "member"}
