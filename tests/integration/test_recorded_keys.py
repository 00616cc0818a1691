"""Rows whose spec can no longer be rebuilt are still found: every SQL range's primary keys
are recorded in ``<ledger>_keys`` as they are written, so ``apply --replace`` deletes an
earlier spec's rows by them when the model changed (here: the table gained a column), and
refuses, deleting nothing, when a row's key is not on record."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

SCHEMA = [
    "CREATE TABLE teams (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)",
    """CREATE TABLE members (code VARCHAR(40) PRIMARY KEY, team_id INTEGER NOT NULL,
        email VARCHAR(200) NOT NULL, FOREIGN KEY (team_id) REFERENCES teams (id))""",
]


def text(url: str) -> str:
    return f"""\
        version: 1
        seed: 11
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}"}}
        datasets:
          teams: {{table: teams, count: 6, persist: [db]}}
          members:
            table: members
            count: 40
            batch_size: 16
            fields: {{code: {{faker: uuid4}}}}
            persist: [db]
        """


def seeded(db, table: str) -> set[tuple[object, ...]]:
    with db.engine.connect() as c:
        return {tuple(r) for r in c.execute(sa.text(f"SELECT * FROM {table}"))}


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_replace_deletes_rows_of_a_changed_model_by_their_recorded_keys(
    manifest, make_database, cli, backend
):
    db = make_database(backend)
    db.execute(*SCHEMA)
    path = str(manifest(text(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    first = seeded(db, "members")
    assert len(first) == 40
    with db.engine.begin() as c:  # the application's member, and a new column for all
        c.execute(sa.text("INSERT INTO teams (id, name) VALUES (1000, 'app')"))
        c.execute(sa.text("INSERT INTO members (code, team_id, email) VALUES ('app', 1000, 'a@x')"))
        c.execute(sa.text("ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL"))
        c.execute(sa.text("UPDATE members SET email = 'old' WHERE code <> 'app'"))  # marked

    code, out, err = cli("apply", path)
    assert code == 2, out + err
    assert "changed: model" in err
    code, out, err = cli("apply", path, "--replace")
    assert code == 0, out + err
    assert "deleted 40 rows of dataset 'members'" in " ".join(err.split())
    now = seeded(db, "members")
    assert ("app", 1000, "a@x", None) in now  # the application's row stays
    assert not [r for r in now if r[2] == "old"]  # every earlier row went, by its key
    assert len(now) == 41
    assert cli("plan", path, "--detailed-exitcode")[0] == 0
    assert cli("destroy", path, "--yes")[0] == 0
    assert seeded(db, "members") == {("app", 1000, "a@x", None)}


def test_replace_refuses_when_a_key_is_not_on_record(manifest, make_database, cli):
    """A ledger without recorded keys (written before they were kept): the rows of a
    changed model cannot be found, so --replace refuses before deleting anything."""
    db = make_database("sqlite")
    db.execute(*SCHEMA)
    path = str(manifest(text(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    with db.engine.begin() as c:
        c.execute(sa.text("DELETE FROM seedrunner_ledger_keys WHERE dataset = 'members'"))
        c.execute(sa.text("ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL"))
    before = {t: seeded(db, t) for t in ("teams", "members")}
    code, out, err = cli("apply", path, "--replace")
    assert code == 2, out + err
    assert "no recorded key" in " ".join(err.split())
    assert {t: seeded(db, t) for t in ("teams", "members")} == before


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_destroy_deletes_rows_of_a_changed_model_by_their_recorded_keys(
    manifest, make_database, cli, backend
):
    """destroy removes what the ledger says whatever changed since: rows it cannot
    regenerate go by their recorded keys, children first; the application's rows stay."""
    db = make_database(backend)
    db.execute(*SCHEMA)
    path = str(manifest(text(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    with db.engine.begin() as c:
        c.execute(sa.text("INSERT INTO teams (id, name) VALUES (1000, 'app')"))
        c.execute(sa.text("INSERT INTO members (code, team_id, email) VALUES ('app', 1000, 'a@x')"))
        c.execute(sa.text("ALTER TABLE members ADD COLUMN nickname VARCHAR(50) NULL"))
    (manifest(text(db.url).replace("seed: 11", "seed: 12")))  # and the seed changed too
    out = " ".join(cli("plan", path, "--destroy")[1].split())
    assert "would delete 40 rows (written by another spec" in out  # plan says what goes
    assert "would delete 6 rows (written by another spec" in out
    code, out, err = cli("destroy", path, "--yes")
    assert code == 0, out + err
    assert seeded(db, "members") == {("app", 1000, "a@x", None)}
    assert seeded(db, "teams") == {(1000, "app")}
