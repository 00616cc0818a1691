"""Driver errors -> messages a person can act on, with no row value and no password.

Drivers put row values in their messages (PostgreSQL's ``DETAIL: Key (email)=(...)``,
MariaDB's ``Duplicate entry 'x' for key 'email'``); only the first line is kept, and a
duplicate key is rewritten into a message that names the table, the constraint and its
columns, and how to choose ``on_conflict``.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from sqlalchemy import exc

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
#: MariaDB/MySQL refusing a value for a column: 1292 "Incorrect date value: '...' for column
#: `db`.`t`.`c` at row 1", 1366 (the same for numbers, strings), 1406 "Data too long for
#: column 'c' at row 1", 1264 "Out of range value for column 'c' ...", 1265 "Data truncated"
_MYSQL_COLUMN_VALUE = frozenset({1292, 1366, 1406, 1264, 1265})
_MYSQL_WHAT = re.compile(r"(Incorrect \w+ value|Data too long|Out of range value|Data truncated)")
_MYSQL_COLUMN = re.compile(
    r"for column (?:`((?:[^`]|``)*)`\.)?(?:`((?:[^`]|``)*)`\.)?"
    r"(?:`((?:[^`]|``)*)`|'([^']*)') at row (\d+)\W*$"
)


def _mysql_code(error: BaseException) -> int | None:
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def mysql_column(error: BaseException | None) -> tuple[str, str | None] | None:
    """(column, table or None) a MariaDB/MySQL error names when it refused a value for it."""
    orig = getattr(error, "orig", None) or error
    if orig is None or _mysql_code(orig) not in _MYSQL_COLUMN_VALUE:
        return None
    found = _MYSQL_COLUMN.search(_mysql_message(orig))
    if found is None:
        return None
    column = found.group(3) if found.group(3) is not None else found.group(4)
    table = found.group(2) if found.group(2) is not None else found.group(1)
    return column.replace("``", "`"), (table.replace("``", "`") if table else None)


def _mysql_message(orig: BaseException) -> str:
    """The server's text of a MariaDB error (its second argument)."""
    args: tuple[object, ...] = tuple(getattr(orig, "args", ()))
    return str(args[1]) if len(args) > 1 else ""


def _mysql_value_error(orig: BaseException) -> str | None:
    """``Incorrect date value for column 'd' of table 't' at row 1 (value hidden)``: the
    message MariaDB gives, its column and table kept, the value it quotes left out."""
    named = mysql_column(orig)
    if named is None:
        return None
    column, table = named
    text = _mysql_message(orig)
    what = _MYSQL_WHAT.match(text)
    row = _MYSQL_COLUMN.search(text)
    assert row is not None
    of = f" of table '{table}'" if table else ""
    return (
        f"{type(orig).__name__}: MariaDB error {_mysql_code(orig)}: "
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
    mysql = _mysql_code(orig) if orig is not None else None
    if mysql is not None:
        return mysql in _TRANSIENT_MYSQL
    return isinstance(error, exc.OperationalError) and "database is locked" in str(orig)


def is_permission_denied(error: exc.DBAPIError) -> bool:
    """Did the server refuse the role a privilege (create a table, say)?"""
    if sqlstate(error) == "42501":
        return True
    orig = error.orig
    return orig is not None and _mysql_code(orig) in (1044, 1142)


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
    if _mysql_code(orig) == _MYSQL_DUPLICATE:  # the line quotes the duplicate value
        key = _MYSQL_KEY.search(str(orig))
        return f"{type(orig).__name__}: duplicate entry for key '{key.group(1) if key else '?'}'"
    column_error = _mysql_value_error(orig)
    if column_error is not None:
        return scrub(column_error)
    lines = str(orig).strip().splitlines()
    first = lines[0] if lines else ""
    if (sqlstate(orig) or "").startswith("22"):  # PostgreSQL data exception
        first = _PG_VALUE.sub("<value hidden>", first)
    if _mysql_code(orig) is not None:
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
    if _mysql_code(orig) == _MYSQL_DUPLICATE:
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
