"""reflect_tables on SQLite files: what reflection misses is completed, nothing is written,
and async URLs work inside and outside a running event loop."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from seedrunner.models.reflect import ReflectionError, reflect_tables, reflected_shape


@pytest.fixture
def app_db(tmp_path):
    path = tmp_path / "app.db"
    con = sqlite3.connect(path)
    con.executescript(
        """
        CREATE TABLE teams (id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE);
        CREATE TABLE people (
            id INTEGER PRIMARY KEY,
            team_id INTEGER REFERENCES teams (id),
            email VARCHAR(80) NOT NULL,
            badge TEXT,
            nick TEXT,
            age INTEGER CHECK (age BETWEEN 18 AND 99),
            name_len INTEGER GENERATED ALWAYS AS (length(email)) VIRTUAL,
            UNIQUE (badge, nick)
        );
        CREATE UNIQUE INDEX people_email ON people (email);
        """
    )
    con.close()
    return path


def test_reflects_keys_unique_columns_checks_and_foreign_keys(app_db, tmp_path):
    found = reflect_tables("sqlite:///app.db", tmp_path, [(None, "people"), (None, "teams")])
    assert found.names == {None: ["people", "teams"]}
    people = reflected_shape(found.tables[(None, "people")], "staff")
    assert (people.name, people.kind, people.table_name) == ("staff", "table", "people")
    assert people.model is found.tables[(None, "people")]
    assert people.field("team_id").foreign_key.table == "teams"
    assert people.field("team_id").optional
    assert people.field("email").unique  # a unique index
    assert ("badge", "nick") in people.unique_together
    assert (people.field("age").type.ge, people.field("age").type.le) == (18, 99)
    assert people.field("name_len").generated
    teams = reflected_shape(found.tables[(None, "teams")], "teams")
    assert teams.field("code").unique  # inline UNIQUE: only an automatic index in SQLite


def test_missing_tables_are_left_out_with_the_names_that_exist(app_db, tmp_path):
    found = reflect_tables(f"sqlite:///{app_db}", tmp_path, [(None, "peeple")])
    assert found.tables == {}
    assert found.names[None] == ["people", "teams"]


def test_a_missing_file_is_an_error_and_is_not_created(tmp_path):
    with pytest.raises(ReflectionError, match="the database file does not exist"):
        reflect_tables("sqlite:///none.db", tmp_path, [(None, "x")])
    assert not (tmp_path / "none.db").exists()


def test_errors_mask_the_password(tmp_path):
    with pytest.raises(ReflectionError) as info:
        reflect_tables("nosuchdb://user:pa55word@host/db", tmp_path, [(None, "x")])
    assert "pa55word" not in info.value.message
    assert "nosuchdb://user:***@host/db" in info.value.message


def test_async_url_outside_and_inside_a_running_loop(app_db, tmp_path):
    url = "sqlite+aiosqlite:///app.db"
    found = reflect_tables(url, tmp_path, [(None, "teams")])
    assert list(found.tables) == [(None, "teams")]

    async def from_async_code():
        return reflect_tables(url, tmp_path, [(None, "people")])

    found = asyncio.run(from_async_code())
    assert list(found.tables) == [(None, "people")]
