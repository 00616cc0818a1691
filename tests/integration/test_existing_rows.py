"""Rows the application already has: a ``ref`` to a table no dataset seeds, and a foreign
key to one, pick among its rows, read once while planning (read-only) on every database.
A changed lookup table changes the dataset's fingerprint, and destroy leaves it alone."""

from __future__ import annotations

import json

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy

COUNTRIES = [("DE", "Germany", 1), ("FR", "France", 1), ("NL", "Netherlands", 0),
             ("PL", "Poland", 1), ("SE", "Sweden", 0)]  # fmt: skip
ACTIVE = {"DE", "FR", "PL"}


def schema_sql(family: str) -> list[str]:
    """The application's lookup table (filled by it) and two tables seedrunner seeds."""
    boolean = "BOOLEAN" if family == "postgresql" else "SMALLINT"
    values = ", ".join(
        f"('{c}', '{n}', {('TRUE' if a else 'FALSE') if family == 'postgresql' else a})"
        for c, n, a in COUNTRIES
    )
    return [
        f"CREATE TABLE country (code CHAR(2) PRIMARY KEY, name VARCHAR(40) NOT NULL, "
        f"active {boolean} NOT NULL)",
        f"INSERT INTO country (code, name, active) VALUES {values}",
        "CREATE TABLE customer (id INTEGER PRIMARY KEY, name VARCHAR(60) NOT NULL, "
        "country VARCHAR(2) NOT NULL)",
        "CREATE TABLE city (id INTEGER PRIMARY KEY, name VARCHAR(60) NOT NULL, "
        "country_code CHAR(2) NOT NULL REFERENCES country (code))",
    ]


def lookup_manifest(url: str, where: str = "active") -> str:
    return f"""\
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", ledger: true}}
        datasets:
          customers:
            table: customer
            count: 40
            fields:
              name: {{faker: name}}
              country: {{ref: {{table: country, column: code, where: "{where}"}}}}
            persist: [db]
          cities:
            table: city
            count: 30
            fields:
              name: {{faker: city}}
            persist: [db]
        """


def test_a_lookup_ref_and_a_foreign_key_pick_existing_rows(manifest, database, cli):
    database.execute(*schema_sql(database.family))
    path = manifest(lookup_manifest(database.url))
    plan = build_plan(load_manifest(path))
    fields = {f.name: f.source for d in plan.datasets for f in d.fields}
    assert fields["country"] == "ref table country.code where active (3 rows)"
    assert fields["country_code"] == "ref table country.code (5 rows)"
    note = "cities.country_code references table country"
    assert any(note in w and "5 existing rows" in w for w in plan.warnings), plan.warnings
    assert [d.parents for d in plan.datasets] == [[], []]  # no dataset seeds country

    report = apply(plan)
    assert report.ok, report.error
    customers = database.rows("customer", order_by="id")
    cities = database.rows("city", order_by="id")
    assert len(customers) == 40
    assert len(cities) == 30
    assert {c[2] for c in customers} == ACTIVE  # every active country, and only those
    assert {c[2] for c in cities} <= {c for c, _, _ in COUNTRIES}
    assert len({c[2] for c in cities}) > 3
    orphans = database.scalar(
        "SELECT count(*) FROM city LEFT JOIN country ON city.country_code = country.code "
        "WHERE country.code IS NULL"
    )
    assert orphans == 0

    again = apply(build_plan(load_manifest(path)))  # same lookup: same picks, nothing to do
    assert again.ok, again.error
    assert {r.dataset: r.skipped for r in again.steps if r.kind == "persist"} == {
        "customers": 40,
        "cities": 30,
    }
    assert database.rows("customer", order_by="id") == customers

    results = destroy(build_plan(load_manifest(path)))
    assert sorted((r.dataset, r.status, r.rows) for r in results) == [
        ("cities", "done", 30),
        ("customers", "done", 40),
    ]
    assert database.rows("customer") == []
    assert database.rows("city") == []
    kept = database.rows("country", order_by="code")
    assert [(c, n) for c, n, _ in kept] == [(c, n) for c, n, _ in COUNTRIES]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_changed_lookup_table_shows_in_plan(manifest, make_database, cli, backend):
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    path = str(manifest(lookup_manifest(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 0, out
    assert "up to date (40 rows applied)" in out
    assert "country ← ref table country.code where active (3 rows)" in out
    assert "country_code ← ref table country.code (5 rows)" in out
    db.execute("UPDATE country SET active = " + ("TRUE" if db.family == "postgresql" else "1")
               + " WHERE code = 'SE'")  # fmt: skip
    code, out, _ = cli("plan", path, "--detailed-exitcode", "--json")
    data = json.loads(out)
    states = {d["name"]: d["targets"][0]["state"] for d in data["datasets"]}
    assert states["customers"]["other_spec"] is True
    assert states["customers"]["changed"] == ["data"]
    assert states["cities"]["other_spec"] is False  # its lookup (every country) is unchanged
    code, out, _ = cli("plan", path)
    assert "written by another spec (changed: data)" in out
    assert cli("apply", path, "-q")[0] == 2  # refused: the picks would differ
    # the keys (ids 1..N) read nothing from the lookup: --replace deletes the earlier rows
    code, _, err = cli("apply", path, "--replace", "-q")
    assert code == 0, err
    customers = db.rows("customer", order_by="id")
    assert len(customers) == 40
    assert {c[2] for c in customers} == {*ACTIVE, "SE"}
    assert cli("plan", path, "--detailed-exitcode")[0] == 0
    assert cli("destroy", path, "--yes")[0] == 0
    assert db.rows("customer") == []
    assert db.rows("city") == []
    assert len(db.rows("country")) == 5


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_lookup_problems_are_located(manifest, make_database, cli, backend):
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    path = str(manifest(lookup_manifest(db.url, where="code = 'XX'")))
    code, _, err = cli("plan", path)
    assert code == 2
    assert "seed.yaml:12:22" in err
    assert "SR-E030" in err
    assert "ref table country.code where code = 'XX' has no rows" in err
    path = str(manifest(lookup_manifest(db.url, where="no_such_column = 1"), "b.yaml"))
    code, _, err = cli("apply", path)
    assert code == 2
    assert "b.yaml:12:22" in err
    assert "SR-E020" in err
    assert "cannot read ref table" in err
    assert db.rows("customer") == []


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_the_where_clause_runs_read_only(manifest, make_database, cli, backend):
    """SQL in where: cannot write: the read runs in a read-only transaction, rolled back."""
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    sneaky = {
        "postgresql": "active AND nextval('sneak') > 0",
        "mariadb": "active AND nextval(sneak) > 0",
        "sqlite": "active AND (SELECT count(*) FROM country) > 0",
    }[backend]
    if backend != "sqlite":
        db.execute("CREATE SEQUENCE sneak")
    path = str(manifest(lookup_manifest(db.url, where=sneaky)))
    code, _, err = cli("plan", path)
    if backend == "sqlite":
        assert code == 0, err  # a read-only where is fine
    else:
        assert code == 2
        assert "SR-E020" in err
        assert "cannot read ref table" in err
        assert "read-only" in err.lower() or "read only" in err.lower()
    assert len(db.rows("country")) == 5


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_lookup_in_another_database_through_target_and_schema(manifest, make_database, backend):
    """``target:`` names the database holding the lookup, ``schema:`` its schema; the same
    lookup gives the same picks in a fresh database."""
    app, lookups, fresh = make_database(backend), make_database(backend), make_database(backend)
    lookups.execute(*schema_sql(lookups.family)[:2])
    for db in (app, fresh):
        db.execute(schema_sql(db.family)[2])
    schema = "" if backend == "sqlite" else f", schema: {lookups.name}"

    def seed(db) -> list:
        text = f"""\
            version: 1
            seed: 9
            now: "2026-01-01T00:00:00Z"
            targets:
              db: {{handler: sqlalchemy, url: "{db.url}"}}
              lookups: {{handler: sqlalchemy, url: "{lookups.url}"}}
            datasets:
              customers:
                table: customer
                count: 30
                fields:
                  country: {{ref: {{table: country, column: code, target: lookups{schema}}}}}
                persist: [db]
            """
        report = apply(build_plan(load_manifest(manifest(text, f"{db.name}.yaml"))))
        assert report.ok, report.error
        return db.rows("customer", order_by="id")

    first, second = seed(app), seed(fresh)
    assert first == second
    assert {c[2] for c in first} == {c for c, _, _ in COUNTRIES}


CITY_MODEL = """\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Country(Base):  # the application's table: no dataset seeds it
    __tablename__ = "country"
    code: Mapped[str] = mapped_column(String(2), primary_key=True)


class City(Base):
    __tablename__ = "city"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(60))
    country_code: Mapped[str] = mapped_column(ForeignKey("country.code"))
"""


@pytest.mark.parametrize("backend", ["sqlite", "postgresql-async", "mariadb"])
def test_a_models_foreign_key_to_an_unseeded_table_picks_its_rows(manifest, make_database, backend):
    db = make_database(backend)
    db.execute(*schema_sql(db.family)[:2])
    text = f"""\
        version: 1
        seed: 4
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{db.url}", create_tables: true}}
        datasets:
          cities: {{model: models.py:City, count: 25, persist: [db]}}
        """
    plan = build_plan(load_manifest(manifest(text, **{"models.py": CITY_MODEL})))
    (field,) = [f for f in plan.dataset("cities").fields if f.name == "country_code"]
    assert field.source == "ref table country.code (5 rows)"
    report = apply(plan)
    assert report.ok, report.error
    picked = {r[2] for r in db.rows("city")}
    assert picked <= {c for c, _, _ in COUNTRIES}
    assert len(picked) > 2


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb-async"])
def test_where_is_sql_as_written_percent_and_colon_included(manifest, make_database, backend):
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    where = "name LIKE '%an%' AND name <> 'a:b' AND code <> 'x::y'"
    plan = build_plan(load_manifest(manifest(lookup_manifest(db.url, where=where))))
    (field,) = [f for f in plan.dataset("customers").fields if f.name == "country"]
    assert field.source == f"ref table country.code where {where} (4 rows)"
    assert field.column.pool == ["DE", "FR", "NL", "PL"]  # ordered by the column


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_a_lookup_past_the_cap_is_located(manifest, make_database, cli, monkeypatch, backend):
    from seedrunner.plan import lookups

    monkeypatch.setattr(lookups, "LOOKUP_CAP", 4)
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    code, _, err = cli("apply", str(manifest(lookup_manifest(db.url, where="code <> 'XX'"))))
    assert code == 2
    assert (
        "seed.yaml:12:22: error SR-E042: ref table country.code where code <> 'XX' has more "
        "than 4 rows" in err
    )
    assert "hint: narrow it with where:" in err
    assert db.rows("customer") == []
