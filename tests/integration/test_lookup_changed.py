"""destroy and plan after the application changed a lookup table (issue 13, lookups).

The rows of a dataset that picks from a lookup table were written under a fingerprint that
holds the lookup's values; once the application changes the table, the spec is "another
spec".  Their keys (ids 1..N) read nothing from the lookup, so destroy still finds exactly
the seeded rows by regenerating the keys, and ``plan`` says so; keys that do read the
lookup (a template over the picked code) are refused as before.  SQLite, PostgreSQL, MariaDB.
"""

from __future__ import annotations

import json
import re

import pytest

from tests.integration.test_existing_rows import COUNTRIES, lookup_manifest, schema_sql

APP_ROWS = [(1001, "App Customer", "DE"), (1002, "Other App Customer", "NL")]


def _flat(out: str) -> str:
    """The CLI's text with its wrapping (and the tree's and table's rules) undone."""
    return re.sub(r"[ │┃|]*\n[ │┃|]*", " ", out)


def _activate_sweden(db) -> None:
    true = "TRUE" if db.family == "postgresql" else "1"
    db.execute(f"UPDATE country SET active = {true} WHERE code = 'SE'")


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_destroy_deletes_the_seeded_rows_after_the_lookup_changed(
    manifest, make_database, cli, backend
):
    db = make_database(backend)
    db.execute(*schema_sql(db.family))
    path = str(manifest(lookup_manifest(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    db.execute(
        *(f"INSERT INTO customer (id, name, country) VALUES ({i}, '{n}', '{c}')"
          for i, n, c in APP_ROWS)
    )  # fmt: skip
    _activate_sweden(db)

    code, out, _ = cli("plan", path, "--json")
    states = {d["name"]: d["targets"][0]["state"] for d in json.loads(out)["datasets"]}
    assert (states["customers"]["other_spec"], states["customers"]["changed"]) == (True, ["data"])
    assert states["customers"]["same_keys"] == 40
    assert (states["cities"]["other_spec"], states["cities"]["same_keys"]) == (False, 0)
    code, out, _ = cli("plan", path)
    assert (
        "written by another spec (changed: data): apply refuses; apply --replace deletes its "
        "40 rows and writes this spec's, destroy deletes them"
    ) in _flat(out)
    code, out, _ = cli("plan", path, "--destroy", "--detailed-exitcode")
    assert code == 3
    assert "would delete 40 rows (written by another spec: changed: data; their keys" in _flat(out)
    assert "would delete 30 rows" in out

    code, out, err = cli("destroy", path, "--yes")
    assert code == 0, out + err
    assert "written by an earlier spec (changed: data)" in _flat(out)
    assert sorted(db.rows("customer")) == sorted(APP_ROWS)  # exactly the seeded rows went
    assert db.rows("city") == []
    assert len(db.rows("country")) == len(COUNTRIES)
    code, out, _ = cli("plan", path, "--json")  # the ledger forgot them: a fresh start
    states = {d["name"]: d["targets"][0]["state"] for d in json.loads(out)["datasets"]}
    assert (states["customers"]["other_spec"], states["customers"]["applied"]) == (False, 0)
    assert cli("apply", path, "-q")[0] == 0  # and the current spec applies
    seeded = [r for r in db.rows("customer") if r[0] <= 40]
    assert len(seeded) == 40
    assert "SE" in {r[2] for r in seeded}


def _keyed_by_lookup(url: str) -> str:
    """A dataset whose key is made from the picked country: it reads the lookup."""
    return f"""\
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", ledger: true}}
        datasets:
          regions:
            table: region
            count: 12
            fields:
              country: {{ref: {{table: country, column: code, where: "active"}}}}
              code: "{{{{ row.country }}}}-{{{{ index }}}}"
            persist: [db]
        """


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb"])
def test_keys_that_read_the_lookup_are_not_guessed(manifest, make_database, cli, backend):
    db = make_database(backend)
    db.execute(
        *schema_sql(db.family),
        "CREATE TABLE region (code VARCHAR(10) PRIMARY KEY, country CHAR(2) NOT NULL)",
    )
    path = str(manifest(_keyed_by_lookup(db.url)))
    assert cli("apply", path, "-q")[0] == 0
    before = sorted(db.rows("region"))
    _activate_sweden(db)
    out = _flat(cli("plan", path, "--destroy")[1])
    # not guessed from this spec's keys: the keys the ledger recorded as it wrote them
    said = "(written by another spec: changed: data; by the keys the ledger recorded)"
    assert f"would delete {len(before)} rows {said}" in out
    code, out, err = cli("destroy", path, "--yes")
    assert code == 0, out + err
    assert sorted(db.rows("region")) == []
