"""A template or a faker on a foreign-key column is checked against the parent's keys at
plan (issue 13 item 7): the values of the first rows, the last ones and a seeded spread are
drawn as apply draws them, and one the parent does not have is a located SR-E030 naming the
row, the value and the keys, with nothing written.  Parents whose keys plan knows: ids
1..N of a reflected table, fixed rows, a table the application filled (read at plan).
SQLite, PostgreSQL and MariaDB.
"""

from __future__ import annotations

import re

import pytest

from seedrunner import apply, build_plan, load_manifest
from tests.integration import test_existing_rows as existing_rows
from tests.integration import test_fk_specs as fk_specs


def schema_sql(family: str) -> list[str]:
    """album and track (tests/integration/test_fk_specs.py), and the application's status
    lookup, with one row of its own, and its tickets."""
    key = "INTEGER PRIMARY KEY" if family == "sqlite" else "INT PRIMARY KEY"
    return [
        *fk_specs.schema_sql(family),
        "CREATE TABLE status (code VARCHAR(10) PRIMARY KEY, label VARCHAR(40) NOT NULL)",
        "INSERT INTO status (code, label) VALUES ('LEGACY', 'Kept by the application')",
        f"CREATE TABLE ticket (id {key}, status_code VARCHAR(10) NOT NULL "
        "REFERENCES status (code))",
    ]


def music(url: str, album_id: str) -> str:
    """60 tracks over 12 albums, with a variable the templates read."""
    text = fk_specs.music(url, album_id).replace(
        "seed: 3\n", "seed: 3\n        vars: {albums: 12}\n"
    )
    assert "vars:" in text
    return text


def tickets(url: str, status_code: str) -> str:
    return f"""\
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          statuses:
            table: status
            rows:
              - {{code: NEW, label: New}}
              - {{code: OPEN, label: Open}}
              - {{code: DONE, label: Done}}
            persist: [db]
          tickets:
            table: ticket
            count: 40
            fields:
              status_code: {status_code}
            persist: [db]
        """


@pytest.mark.parametrize(
    ("album_id", "expect"),
    [
        ('"{{ index + 1 }}"', lambda row, value: row >= 12 and value == row + 1),
        ('"{{ index // 5 + vars.albums - 10 }}"', lambda row, value: value == 13),
        ("{faker: pyint, min_value: 1, max_value: 40}", lambda row, value: 12 < value <= 40),
    ],
    ids=["index", "vars", "faker"],
)
def test_values_outside_the_parents_keys_are_refused_at_plan(
    manifest, sync_database, cli, album_id, expect
):
    db = sync_database
    db.execute(*schema_sql(db.family))
    path = str(manifest(music(db.url, album_id)))
    code, _, err = cli("plan", path)
    assert code == 2, err
    assert "seed.yaml:11:17: error SR-E030" in err  # at the field
    found = re.search(r"track\.album_id: row (\d+) gets (\d+), which is not among album's keys "
                      r"\(album\.album_id is 1\.\.12\)", err)  # fmt: skip
    assert found, err
    assert expect(int(found.group(1)), int(found.group(2)))
    assert "hint: write album_id: {ref: album.album_id}" in err
    assert "add depends_on: [] to the field if the values are meant for rows that exist" in err
    assert cli("apply", path)[0] == 2
    assert db.rows("album") == []
    assert db.rows("track") == []


def test_values_within_the_parents_keys_apply(manifest, sync_database, cli):
    db = sync_database
    db.execute(*schema_sql(db.family))
    path = str(manifest(music(db.url, '"{{ index // 5 + vars.albums - 11 }}"')))  # 1..12
    code, out, err = cli("apply", path)
    assert code == 0, out + err
    assert "album_id" not in err  # no warning either: the values were checked
    assert db.scalar("SELECT COUNT(*) FROM track WHERE album_id BETWEEN 1 AND 12") == 60
    assert db.scalar("SELECT COUNT(DISTINCT album_id) FROM track") == 12


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_template_over_fixed_rows_is_checked_and_depends_on_lets_it_be(
    manifest, make_database, cli, backend
):
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    bad = "\"{{ ['NEW', 'OPEN', 'CLOSED'][index % 3] }}\""
    code, _, err = cli("plan", str(manifest(tickets(db.url, bad))))
    assert code == 2
    assert "tickets.status_code: row 2 gets 'CLOSED', which is not among statuses's keys" in err
    assert "statuses.code is 'DONE', 'NEW', 'OPEN'" in err

    good = "\"{{ ['NEW', 'OPEN', 'DONE'][index % 3] }}\""
    assert cli("apply", str(manifest(tickets(db.url, good), "good.yaml")), "-q")[0] == 0
    assert db.scalar("SELECT COUNT(DISTINCT status_code) FROM ticket") == 3

    # values meant for a row the application has: depends_on: [] says so, no check
    other = make_database(backend)
    other.execute(*schema_sql(other.family))
    legacy = "{template: \"{{ 'LEGACY' }}\", depends_on: []}"
    plan = build_plan(load_manifest(manifest(tickets(other.url, legacy), "legacy.yaml")))
    assert not [w for w in plan.warnings if "status_code" in w]
    report = apply(plan)
    assert report.ok, report.error
    assert other.scalar("SELECT COUNT(*) FROM ticket WHERE status_code = 'LEGACY'") == 40


def cities(url: str, country_code: str) -> str:
    return f"""\
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", ledger: true}}
        datasets:
          cities:
            table: city
            count: 30
            fields:
              name: {{faker: city}}
              country_code: {country_code}
            persist: [db]
        """


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_template_on_a_key_to_a_table_the_application_filled(
    manifest, make_database, cli, backend
):
    """The table no dataset seeds is read at plan to check the values (read-only), and
    only for that: the spec's rows do not read it, so it stays out of the fingerprint."""
    db = make_database(backend)
    db.execute(*existing_rows.schema_sql(db.family))
    bad = "\"{{ ['DE', 'FR', 'XX'][index % 3] }}\""
    code, _, err = cli("plan", str(manifest(cities(db.url, bad))))
    assert code == 2
    assert "seed.yaml:12:21: error SR-E030" in err
    assert (
        "cities.country_code: row 2 gets 'XX', which is not among table country's keys "
        "(country.code is 'DE', 'FR', 'NL', ... (5 keys))"
    ) in err
    assert "hint: write country_code: {ref: {table: country, column: code}}" in err
    assert db.rows("city") == []

    path = str(manifest(cities(db.url, "\"{{ ['DE', 'FR'][index % 2] }}\""), "good.yaml"))
    assert cli("apply", path, "-q")[0] == 0
    assert db.scalar("SELECT COUNT(*) FROM city WHERE country_code IN ('DE', 'FR')") == 30
    db.execute("INSERT INTO country (code, name, active) VALUES ('IT', 'Italy', 1)"
               if db.family != "postgresql" else
               "INSERT INTO country (code, name, active) VALUES ('IT', 'Italy', TRUE)")  # fmt: skip
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 0, out  # the check's read is no part of the rows: still up to date
    assert "up to date (30 rows applied)" in out
