"""Templates write NULL, dates, numbers and booleans into typed SQL columns on every database;
a NULL for a NOT NULL column or text that is not of the column's type is refused at plan."""

from __future__ import annotations

import datetime as dt
import sqlite3
from decimal import Decimal

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.errors import PlanError

COUNT = 12


def events_sql(family: str) -> str:
    boolean = "TINYINT(1)" if family == "mariadb" else "BOOLEAN"
    return f"""CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        happened DATE NULL,
        due DATE NOT NULL,
        qty INTEGER NULL,
        total NUMERIC(10, 2) NOT NULL,
        paid {boolean} NULL,
        note VARCHAR(40) NULL)"""


def events_manifest(url: str, **fields: str) -> str:
    specs = {
        "happened": "{{ none if index % 3 else fake.date_object() }}",
        "due": "2024-03-{{ index % 20 + 10 }}",
        "qty": "{% if index % 2 %}{{ none }}{% else %}{{ index * 10 }}{% endif %}",
        "total": "{{ index }}.25",
        "paid": "{{ none if index % 5 == 4 else index % 4 == 0 }}",
        "note": "{{ none if index % 2 else 'n' ~ index }}",
        **fields,
    }
    lines = "\n".join(f'              {k}: "{v}"' for k, v in specs.items())
    return f"""\
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        vars: {{amount: "lots"}}
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          events:
            table: events
            count: {COUNT}
            fields:
{lines}
            persist: [db]
        """


def test_templates_write_null_dates_numbers_and_booleans(manifest, database):
    db = database  # sync and async drivers
    db.execute(events_sql(db.family))
    report = apply(build_plan(load_manifest(manifest(events_manifest(db.url)))))
    assert report.ok, report.error
    rows = db.rows("events", order_by="id")
    assert len(rows) == COUNT
    for i, (key, happened, due, qty, total, paid, note) in enumerate(rows):
        assert key == i + 1
        assert (happened is None) == bool(i % 3)
        assert happened is None or isinstance(happened, dt.date)
        assert due == dt.date(2024, 3, i % 20 + 10)
        assert qty == (None if i % 2 else i * 10)
        assert Decimal(str(total)) == Decimal(f"{i}.25")
        assert paid == (None if i % 5 == 4 else i % 4 == 0)
        assert note == (None if i % 2 else f"n{i}")
    nulls = db.scalar("SELECT count(*) FROM events WHERE happened IS NULL")
    assert nulls == sum(1 for i in range(COUNT) if i % 3)


def _problems(path) -> list:
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(path))
    return info.value.problems


def _line_of(path, key: str) -> int:
    lines = path.read_text().splitlines()
    return next(n for n, line in enumerate(lines, 1) if line.strip().startswith(f"{key}:"))


def test_null_for_not_null_and_bad_text_are_refused_at_plan(manifest, sync_database):
    db = sync_database
    db.execute(events_sql(db.family))
    path = manifest(
        events_manifest(
            db.url,
            due="{{ none if index == 3 else fake.date_object() }}",
            total="{{ 'n/a' if index == 1 else index }}",
        )
    )
    problems = _problems(path)
    assert [p.code for p in problems] == ["SR-E041", "SR-E041"]
    due, total = problems
    assert due.location.line == _line_of(path, "due")
    assert due.path == "datasets.events.fields.due"
    assert "events.due: row 3: the template gave NULL but due does not accept NULL" in due.message
    assert due.hint
    assert total.location.line == _line_of(path, "total")
    assert "events.total: row 1: the template gave 'n/a', which is not a decimal" in total.message
    assert db.scalar("SELECT count(*) FROM events") == 0


def test_a_value_only_apply_can_see_names_field_row_and_value(manifest, sync_database):
    db = sync_database
    db.execute(events_sql(db.family))
    text = events_manifest(db.url, qty="{{ vars.amount if index == 2 else index }}")
    report = apply(build_plan(load_manifest(manifest(text))))  # vars: checked when applied
    assert not report.ok
    assert "events.qty: row 2: the template gave 'lots', which is not an integer" in str(
        report.error
    )
    assert db.scalar("SELECT count(*) FROM events") == 0


def test_plan_cli_exits_2_with_file_and_line(manifest, cli, tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    con = sqlite3.connect(tmp_path / "cli.db")
    con.execute(events_sql("sqlite"))
    con.close()
    path = manifest(events_manifest(url, due="{{ none }}"))
    code, out, err = cli("plan", str(path))
    assert code == 2
    text = out + err
    assert f"seed.yaml:{_line_of(path, 'due')}:" in text
    assert "events.due: row 0: the template gave NULL" in text
