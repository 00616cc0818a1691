"""MariaDB refusing a value names the column (and its table and type), never the value.

MariaDB's errors 1292 / 1366 (an incorrect date or number), 1406 (data too long), 1264
(out of range) and 1265 (data truncated) quote the value, then the column; seedrunner
keeps the column and hides the value (a row's values may be personal data).  Each error
is raised by a real apply into a real MariaDB table, through the CLI as a user runs it:
the model says ``str`` (so seedrunner's own check lets the value through), the
application's table, made before, says otherwise.
"""

from __future__ import annotations

import pytest

#: (error, column type, the planted value as the manifest writes it, its text)
CASES = [  # through a pydantic model
    (1292, "DATE", '"SENTINEL-1292"', "SENTINEL-1292"),
    # a value that looks like the end of MariaDB's message: the real column is found
    (1292, "DATE", '"SENTINEL\' for column `fake` at row 7"', "SENTINEL' for column `fake`"),
    (1366, "INTEGER", '"SENTINEL1366"', "SENTINEL1366"),
    (1406, "VARCHAR(3)", '"SENTINEL1406"', "SENTINEL1406"),
    (1264, "TINYINT", '"917264"', "917264"),
    (1265, "ENUM('a','b')", '"SENTINEL1265"', "SENTINEL1265"),
]


MODELS = """
from pydantic import BaseModel


class Event(BaseModel):
    id: int
    payload: str
"""


def _manifest(url: str, value: str) -> str:
    return f"""\
        version: 1
        seed: 1
        now: "2026-01-01T00:00:00Z"
        targets:
          db: {{handler: sqlalchemy, url: "{url}", ledger: true}}
        datasets:
          events:
            model: models.py:Event
            count: 3
            fields:
              payload: {{value: {value}}}
            persist: [db]
        """


@pytest.mark.mariadb
@pytest.mark.parametrize(("code", "sql_type", "written", "planted"), CASES,
                         ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])  # fmt: skip
def test_a_refused_value_names_its_column_not_the_value(
    manifest, make_database, cli, code, sql_type, written, planted
):
    db = make_database("mariadb")
    db.execute(f"CREATE TABLE events (id INTEGER PRIMARY KEY, payload {sql_type} NOT NULL)")
    path = str(manifest(_manifest(db.url, written), **{"models.py": MODELS}))
    status, out, err = cli("apply", path)
    text = out + err
    assert status == 1, text
    assert f"MariaDB error {code}" in text
    assert "column 'payload'" in text
    assert "table 'events'" in text
    assert planted not in text
    assert "SENTINEL" not in text
    assert "fake" not in text
    assert db.rows("events") == []


@pytest.mark.mariadb
def test_a_reflected_column_also_gives_its_type(manifest, make_database, cli):
    """A trigger of the application scales the value past TINYINT: the column's type, read
    from the database, says why."""
    db = make_database("mariadb")
    db.execute(
        "CREATE TABLE events (id INTEGER PRIMARY KEY, payload TINYINT NOT NULL)",
        "CREATE TRIGGER events_scale BEFORE INSERT ON events FOR EACH ROW "
        "SET NEW.payload = NEW.payload * 100",
    )
    text = _manifest(db.url, "91").replace("model: models.py:Event", "table: events")
    status, out, err = cli("apply", str(manifest(text)))
    text = out + err
    assert status == 1, text
    assert "MariaDB error 1264: Out of range value for column 'payload' at row " in text
    assert "(column 'payload' of type TINYINT)" in text
    assert db.rows("events") == []


@pytest.mark.mariadb
@pytest.mark.parametrize("backend", ["mariadb", "mariadb-async"])
def test_an_unknown_type_names_the_column_and_the_type(manifest, make_database, cli, backend):
    """INET6 is not a type seedrunner knows (a plan warning, words written): MariaDB's
    refusal names the column, its table and the type, and the words stay hidden (pymysql
    and aiomysql alike)."""
    db = make_database(backend)
    db.execute("CREATE TABLE events (id INTEGER PRIMARY KEY, last_ip INET6 NOT NULL)")
    text = _manifest(db.url, "x").replace("model: models.py:Event", "table: events")
    text = text.replace("payload: {value: x}", "last_ip: {value: SENTINEL-IP}")
    status, out, err = cli("apply", str(manifest(text)))
    text = out + err
    assert status == 1, text
    assert (
        "MariaDB error 1292: Incorrect inet6 value for column 'last_ip' of table 'events' "
        "at row 1 of the statement (value hidden)"
    ) in text
    assert "SENTINEL" not in text
