"""Driver errors -> messages a person can act on, with no row value and no password.

Drivers put row values in their messages (PostgreSQL's ``DETAIL: Key (email)=(...)``,
MariaDB's ``Duplicate entry 'x' for key 'email'``); only the first line is kept, and a
duplicate key is rewritten into a message that names the table, the constraint and its
columns, and how to choose ``on_conflict``.

Which seedrunner error, message and hint a driver error becomes is decided by one table
(``SQL_ERRORS``: rows of exception class or code predicate and phase -> error class,
message and hint, read by ``map_error``) rather than by each handler matching messages
on its own; the SQL handlers, reflection and lookups consult it, and the Redis handler
keeps a small table of its own in the same style.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy import exc

from seedrunner.db.typeerrors import (
    MYSQL_COLUMN,
    mysql_code,
    mysql_column,
    mysql_message,
    type_error_columns,
)
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.redact import scrub

# SQLSTATE / MySQL codes worth a retry on a fresh connection (see reliability-cases.md).
_TRANSIENT_SQLSTATE_PREFIX = ("08",)
_TRANSIENT_SQLSTATE = {"57P01", "57P02", "57P03", "40001", "40P01"}
_TRANSIENT_MYSQL = {1205, 1213, 2006, 2013}
_MYSQL_DUPLICATE = 1062
_MYSQL_KEY = re.compile(r"for key '(?:[^'.]*\.)?([^']+)'")
_SQLITE_UNIQUE = re.compile(r"UNIQUE constraint failed: (.+)$")
_PG_VALUE = re.compile(r'"(?:[^"]|"")*"')
_MYSQL_VALUE = re.compile(r"value: '(?:[^'\\]|\\.|'')*'")
_MYSQL_WHAT = re.compile(r"(Incorrect \w+ value|Data too long|Out of range value|Data truncated)")


def _mysql_value_error(orig: BaseException) -> str | None:
    """``Incorrect date value for column 'd' of table 't' at row 1 (value hidden)``: the
    message MariaDB gives, its column and table kept, the value it quotes left out."""
    named = mysql_column(orig)
    if named is None:
        return None
    column, table = named
    text = mysql_message(orig)
    what = _MYSQL_WHAT.match(text)
    row = MYSQL_COLUMN.search(text)
    assert row is not None
    of = f" of table '{table}'" if table else ""
    return (
        f"{type(orig).__name__}: MariaDB error {mysql_code(orig)}: "
        f"{what.group(1) if what else 'Incorrect value'} for column '{column}'{of} "
        f"at row {row.group(5)} of the statement (value hidden)"
    )


def sqlstate(error: BaseException | None) -> str | None:
    """The SQLSTATE of a driver error, or of the one a SQLAlchemy error wraps (PostgreSQL)."""
    orig = getattr(error, "orig", None) or error
    code = getattr(orig, "sqlstate", None) or getattr(orig, "pgcode", None)
    return code if isinstance(code, str) else None


def is_transient(error: exc.DBAPIError) -> bool:
    """Does a retry on a fresh connection stand a chance (lost link, deadlock)?"""
    if error.connection_invalidated:
        return True
    orig = error.orig
    code = sqlstate(error)
    if code is not None:
        return code.startswith(_TRANSIENT_SQLSTATE_PREFIX) or code in _TRANSIENT_SQLSTATE
    mysql = mysql_code(orig) if orig is not None else None
    if mysql is not None:
        return mysql in _TRANSIENT_MYSQL
    return isinstance(error, exc.OperationalError) and "database is locked" in str(orig)


def is_permission_denied(error: exc.DBAPIError) -> bool:
    """Did the server refuse the role a privilege (create a table, say)?"""
    if sqlstate(error) == "42501":
        return True
    orig = error.orig
    return orig is not None and mysql_code(orig) in (1044, 1142)


def describe(error: BaseException) -> str:
    """``Type: first line of the driver message``, redacted; never a row's value.

    Drivers quote the offending value in the first line of data errors (PostgreSQL's
    ``invalid input syntax for type date: "..."``, MariaDB's ``Incorrect integer value:
    '...' for column``); those quotes are replaced by ``<value hidden>``.
    """
    if isinstance(error, exc.StatementError) and not isinstance(error, exc.DBAPIError):
        # a bind processor refused a value before it reached the driver (an enum member
        # that does not exist, say): its message is the value itself
        cause = type(error.orig).__name__ if error.orig is not None else type(error).__name__
        return f"{cause}: a value does not convert to its column's type (value hidden)"
    if isinstance(error, exc.DBAPIError) and error.orig is not None:
        orig: BaseException = error.orig
    else:
        orig = error
    if mysql_code(orig) == _MYSQL_DUPLICATE:  # the line quotes the duplicate value
        key = _MYSQL_KEY.search(str(orig))
        return f"{type(orig).__name__}: duplicate entry for key '{key.group(1) if key else '?'}'"
    column_error = _mysql_value_error(orig)
    if column_error is not None:
        return scrub(column_error)
    lines = str(orig).strip().splitlines()
    first = lines[0] if lines else ""
    if (sqlstate(orig) or "").startswith("22"):  # PostgreSQL data exception
        first = _PG_VALUE.sub("<value hidden>", first)
    if mysql_code(orig) is not None:
        first = _MYSQL_VALUE.sub("value: <value hidden>", first)
    first += _SQLITE_WHY.get(getattr(orig, "sqlite_errorname", ""), "")
    return f"{type(orig).__name__}: {scrub(first)}".rstrip(": ")


#: SQLite's own error names (Python 3.11+) that say more than its message
_SQLITE_WHY = {
    "SQLITE_FULL": " (the disk is full)",
    "SQLITE_IOERR_WRITE": " (a write to the database file failed: the disk may be full, "
    "or the process's file size limit reached)",
    "SQLITE_IOERR_FSYNC": " (the database file could not be synced to disk)",
    "SQLITE_READONLY": " (the database file is read-only)",
    "SQLITE_CANTOPEN": " (the database file cannot be opened: check the folder exists "
    "and is writable)",
}


def duplicate_key(error: BaseException, table: sa.Table) -> tuple[str, list[str]] | None:
    """(constraint name, its columns) when ``error`` is a unique-key violation, else None."""
    if not isinstance(error, exc.IntegrityError) or error.orig is None:
        return None
    orig = error.orig
    if sqlstate(orig) == "23505":  # PostgreSQL unique_violation
        diag = getattr(orig, "diag", None)
        name = getattr(diag, "constraint_name", None) or "?"
        return name, _columns_of(table, name)
    if mysql_code(orig) == _MYSQL_DUPLICATE:
        found = _MYSQL_KEY.search(str(orig))
        name = found.group(1) if found else "?"
        cols = [c.name for c in table.primary_key.columns] if name == "PRIMARY" else []
        return name, cols or _columns_of(table, name)
    found = _SQLITE_UNIQUE.search(str(orig).strip().splitlines()[0] if str(orig) else "")
    if found:  # "UNIQUE constraint failed: customers.email, customers.x"
        qualified = [c.strip() for c in found.group(1).split(",")]
        cols = [c.rsplit(".", 1)[-1] for c in qualified]
        return f"{_sqlite_constraint(table, cols)} {', '.join(qualified)}", cols
    return None


def _columns_of(table: sa.Table, name: str) -> list[str]:
    for constraint in table.constraints:
        if constraint.name == name and isinstance(
            constraint, sa.UniqueConstraint | sa.PrimaryKeyConstraint
        ):
            return [c.name for c in constraint.columns]
    for index in table.indexes:
        if index.name == name:
            return [c.name for c in index.columns if isinstance(c, sa.Column)]
    if name == f"{table.name}_pkey":
        return [c.name for c in table.primary_key.columns]
    return []


def _sqlite_constraint(table: sa.Table, cols: list[str]) -> str:
    """SQLite does not name the constraint; say which kind of key it was."""
    if cols == [c.name for c in table.primary_key.columns]:
        return "primary key"
    return "unique key"


def conflict_message(table: sa.Table, name: str, cols: list[str]) -> str:
    on = f" on ({', '.join(cols)})" if cols else ""
    return (
        f"a row duplicates a key already in table '{table.fullname}' "
        f"(constraint '{name}'{on}). Set on_conflict: ignore to keep the existing rows, or "
        "on_conflict: update to overwrite them (conflict_on: [column, ...] names the key "
        "to match)."
    )


def is_duplicate_key(error: BaseException) -> bool:
    """Is ``error`` a unique-key violation that ``duplicate_key`` can name?"""
    if not isinstance(error, exc.IntegrityError) or error.orig is None:
        return False
    orig = error.orig
    if sqlstate(orig) == "23505" or mysql_code(orig) == _MYSQL_DUPLICATE:
        return True
    return _SQLITE_UNIQUE.search(str(orig).strip().splitlines()[0] if str(orig) else "") is not None


# -- the mapping: (error, phase) -> (seedrunner error class, message, hint) ----------------

#: What a handler was doing, by the words it reports it with ("write batch 3"): the phase
#: a row of the table applies to.  Everything else is the phase "other".
_PHASE_OF = {
    "take the database's apply lock": "lock",
    "connect to the database": "connect",
    "reconnect": "connect",
    "read the run ledger": "ledger",
}
_PHASE_PREFIXES = ("write", "commit", "advance")


def phase_of(what: str) -> str:
    """The phase of the action ``what`` (lock, connect, ledger, write, commit, advance or
    other)."""
    if what in _PHASE_OF:
        return _PHASE_OF[what]
    return next((p for p in _PHASE_PREFIXES if what.startswith(p)), "other")


@dataclass(frozen=True)
class Facts:
    """What a message may name besides the error itself.

    ``duplicate`` words a duplicate key (constraint name, its columns) the handler's way;
    ``type_columns`` names the column behind a refused value (tables the handler writes
    field by field, not documents)."""

    table: sa.Table | None = None
    ledger_table: str = ""
    duplicate: Callable[[str, list[str]], str] | None = None
    type_columns: bool = True


@dataclass(frozen=True)
class Mapped:
    """A driver error as seedrunner reports it: the class to raise, what went wrong (no
    row value, no password) and what to do about it ("" when the message says it all)."""

    error: type[Exception]
    message: str
    hint: str = ""


Matcher = type[BaseException] | tuple[type[BaseException], ...] | Callable[[BaseException], bool]
ErrorClass = type[Exception] | Callable[[BaseException], type[Exception]]


@dataclass(frozen=True)
class ErrorRow:
    """One row of a mapping table: errors ``match`` (an exception class, or a predicate on
    codes) in ``phases`` (empty: every phase) become ``error`` (a class, or a function of
    the error) with ``message`` and ``hint`` (formatted with the ``Facts``)."""

    match: Matcher
    error: ErrorClass
    message: Callable[[BaseException, Facts], str]
    hint: str = ""
    phases: frozenset[str] = frozenset()

    def matches(self, error: BaseException, phase: str) -> bool:
        if self.phases and phase not in self.phases:
            return False
        if isinstance(self.match, type | tuple):
            return isinstance(error, self.match)
        return self.match(error)


def map_error(
    rows: Sequence[ErrorRow], error: BaseException, phase: str, facts: Facts | None = None
) -> Mapped | None:
    """The first row of ``rows`` that matches ``error`` in ``phase``, applied; None when
    no row does (the error is not the table's to translate: let it propagate)."""
    facts = facts or Facts()
    for row in rows:
        if row.matches(error, phase):
            cls = row.error if isinstance(row.error, type) else row.error(error)
            hint = row.hint.format(ledger_table=facts.ledger_table)
            return Mapped(cls, row.message(error, facts), hint)
    return None


def translate(
    rows: Sequence[ErrorRow], error: BaseException, phase: str, facts: Facts | None = None
) -> Mapped:
    """``map_error`` for an error just caught; one no row matches is raised again as is."""
    found = map_error(rows, error, phase, facts)
    if found is None:
        raise error
    return found


def by_transience(error: BaseException) -> type[HandlerError]:
    """Transient (worth a retry on a fresh connection) for a lost link or a deadlock."""
    if isinstance(error, exc.DBAPIError) and is_transient(error):
        return TransientHandlerError
    return HandlerError


def cause(error: BaseException, facts: Facts) -> str:
    """The driver's first line, redacted, with the column it refused a value for."""
    text = describe(error)
    if facts.table is not None and facts.type_columns:
        text += type_error_columns(facts.table, error)
    return text


def first_line(error: BaseException, _facts: Facts) -> str:
    """``Type: first line of the message``, redacted (drivers that are not SQLAlchemy's)."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {scrub(lines[0] if lines else '')}".rstrip(": .")


def _duplicate(error: BaseException, facts: Facts) -> str:
    found = duplicate_key(error, facts.table) if facts.table is not None else None
    if facts.table is None or found is None:  # no table written: nothing to name
        return cause(error, facts)
    if facts.duplicate is not None:
        return facts.duplicate(*found)
    return conflict_message(facts.table, *found)


def _permission_denied(error: BaseException) -> bool:
    return isinstance(error, exc.DBAPIError) and is_permission_denied(error)


def _no_sequence_privilege(error: BaseException) -> bool:
    return sqlstate(error) == "42501"


_LEDGER_HINT = (
    " (seedrunner keeps its run ledger in tables named {ledger_table}*; let this role "
    "create them, or set ledger: false on the target to write without one)"
)
_SEQUENCE_HINT = (
    " seedrunner writes explicit keys and moves the table's sequence past them so the "
    "application's next insert does not collide; the role needs UPDATE on that sequence "
    "(GRANT UPDATE ON SEQUENCE <table>_<column>_seq TO <role>), or leave the key to the "
    "database with {{skip: true}}."
)

#: SQLAlchemy errors, for every handler and reader that talks SQL through it
SQL_ERRORS: tuple[ErrorRow, ...] = (
    ErrorRow(is_duplicate_key, by_transience, _duplicate),
    ErrorRow(_permission_denied, by_transience, cause, _LEDGER_HINT, frozenset({"lock", "ledger"})),
    ErrorRow(_no_sequence_privilege, by_transience, cause, _SEQUENCE_HINT, frozenset({"advance"})),
    ErrorRow(exc.SQLAlchemyError, by_transience, cause),
)

#: reading a database while planning (reflection, lookups): a missing driver or an
#: unreadable file is reported the same way
READ_ERRORS: tuple[ErrorRow, ...] = (
    *SQL_ERRORS,
    ErrorRow((ImportError, OSError), HandlerError, cause),
)


def _locked_or_not(error: BaseException) -> type[HandlerError]:
    return TransientHandlerError if "locked" in str(error) else HandlerError


#: Python's own sqlite3, used without SQLAlchemy (sqlite-json): a locked file is worth a retry
SQLITE3_ERRORS: tuple[ErrorRow, ...] = (ErrorRow(sqlite3.Error, _locked_or_not, first_line),)
