"""The SQL handler's parts: the error table, the guard's messages, modes and the null ledger."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from handler_support import users_shape

from seedrunner.db.errors import (
    READ_ERRORS,
    SQL_ERRORS,
    SQLITE3_ERRORS,
    ErrorRow,
    Facts,
    map_error,
    phase_of,
    translate,
)
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.sqlguard import SqlGuard
from seedrunner.handlers.sqlmodes import MODES
from seedrunner.handlers.sqloptions import SqlAlchemyOptions
from seedrunner.handlers.sqlstepledger import NoLedger
from seedrunner.handlers.sqltable import table_target


class _DriverError(Exception):
    def __init__(self, *args, sqlstate=None):
        super().__init__(*args)
        self.sqlstate = sqlstate


def _dbapi(cls, *args, sqlstate=None, invalidated=False):
    return cls(
        "SQL", None, _DriverError(*args, sqlstate=sqlstate), connection_invalidated=invalidated
    )


@pytest.mark.parametrize(
    ("what", "phase"),
    [
        ("take the database's apply lock", "lock"),
        ("connect to the database", "connect"),
        ("reconnect", "connect"),
        ("read the run ledger", "ledger"),
        ("write batch 3", "write"),
        ("commit", "commit"),
        ("advance the key sequences", "advance"),
        ("create the table", "other"),
        ("read the recorded keys", "other"),
    ],
)
def test_phases_are_named_once(what, phase):
    assert phase_of(what) == phase


def test_the_first_matching_row_decides_class_message_and_hint():
    denied = _dbapi(
        sa.exc.ProgrammingError, "permission denied for schema public", sqlstate="42501"
    )
    facts = Facts(ledger_table="my_ledger")
    in_ledger = map_error(SQL_ERRORS, denied, "ledger", facts)
    assert in_ledger is not None
    assert in_ledger.error is HandlerError
    assert in_ledger.message == "_DriverError: permission denied for schema public"
    assert "tables named my_ledger*" in in_ledger.hint
    in_advance = map_error(SQL_ERRORS, denied, "advance", facts)
    assert in_advance is not None
    assert "GRANT UPDATE ON SEQUENCE" in in_advance.hint
    assert in_advance.hint.endswith("with {skip: true}.")
    elsewhere = map_error(SQL_ERRORS, denied, "write", facts)
    assert elsewhere is not None
    assert elsewhere.hint == ""


def test_a_lost_connection_maps_to_a_transient_error():
    lost = _dbapi(sa.exc.OperationalError, "server closed the connection", invalidated=True)
    mapped = map_error(SQL_ERRORS, lost, "write")
    assert mapped is not None
    assert mapped.error is TransientHandlerError


def test_an_error_no_row_knows_is_raised_again_as_it_was():
    error = KeyError("not the database's")
    with pytest.raises(KeyError) as raised:
        translate(SQL_ERRORS, error, "write")
    assert raised.value is error
    assert map_error(READ_ERRORS, FileNotFoundError(2, "gone"), "read") is not None
    assert map_error(SQL_ERRORS, FileNotFoundError(2, "gone"), "read") is None


def test_rows_can_be_a_class_or_a_predicate_and_limited_to_phases():
    rows = (
        ErrorRow(
            lambda e: "locked" in str(e),
            TransientHandlerError,
            lambda e, f: "busy",
            phases=frozenset({"write"}),
        ),
        ErrorRow(RuntimeError, HandlerError, lambda e, f: "other"),
    )
    assert map_error(rows, RuntimeError("locked"), "write").message == "busy"
    assert map_error(rows, RuntimeError("locked"), "commit").message == "other"
    assert map_error(rows, ValueError("locked"), "commit") is None


def test_sqlite3_locked_is_transient():
    import sqlite3

    locked = map_error(SQLITE3_ERRORS, sqlite3.OperationalError("database is locked"), "write")
    assert locked is not None
    assert locked.error is TransientHandlerError
    assert locked.message == "OperationalError: database is locked"


@pytest.mark.parametrize(
    ("mode", "kept"),
    [
        ("batch", "Batches before this one stay committed."),
        ("dataset", "Nothing of this step was kept."),
        ("run", "Nothing of this run was kept on this database."),
    ],
)
def test_the_guard_says_what_each_mode_keeps(tmp_path, mode, kept):
    options = SqlAlchemyOptions(url="sqlite:///x.db", transaction=mode)
    target = table_target(users_shape(), "users", ["id", "email", "name"], options)
    cls = MODES[mode]
    guard = SqlGuard(
        target.where, target.table, sa.make_url("sqlite://"), "seedrunner_ledger", cls.kept,
        cls.loses_transaction,
    )  # fmt: skip
    lost = _dbapi(sa.exc.OperationalError, "gone", invalidated=True)
    with pytest.raises(TransientHandlerError) as raised:
        guard.run("write batch 0", lambda: (_ for _ in ()).throw(lost))
    assert (
        str(raised.value)
        == f"dataset 'users' -> table 'users': cannot write batch 0: _DriverError: gone. {kept}"
    )
    assert guard.lost is (mode != "batch")


def test_without_a_ledger_every_row_is_written_and_nothing_is_recorded():
    options = SqlAlchemyOptions(url="sqlite://", ledger=False)
    target = table_target(users_shape(), "users", ["email", "name"], options)
    ledger = NoLedger(target)
    batch = Batch.from_records("users", 0, 10, [{"email": "a", "name": "b"}])
    assert ledger.todo(batch) == [(10, 11)]
    assert not ledger.keeps
    keyed = ledger.with_keys(batch, [(10, 11)], [(7,)], read=None)
    assert keyed.columns["id"] == [7]
    with pytest.raises(HandlerError, match=r"rows 10\.\.10 are written, but the keys"):
        ledger.with_keys(batch, [], [], read=None)
