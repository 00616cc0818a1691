"""Which column a refused value was meant for, when the database does not say.

PostgreSQL names the type a value did not fit, not its column; MariaDB names the column,
not its type.  Naming both (`` (column 'x' of type inet)``) tells the person which field of
the manifest to fix without quoting the value.
"""

from __future__ import annotations

import re
from typing import Any

import sqlalchemy as sa

#: Table.info key: the table was built from a model's shape (handlers/sqltypes), not
#: reflected, so its types are seedrunner's guesses rather than the database's
BUILT = "seedrunner.built"

#: MariaDB/MySQL refusing a value for a column: 1292 "Incorrect date value: '...' for column
#: `db`.`t`.`c` at row 1", 1366 (the same for numbers, strings), 1406 "Data too long for
#: column 'c' at row 1", 1264 "Out of range value for column 'c' ...", 1265 "Data truncated"
_COLUMN_VALUE = frozenset({1292, 1366, 1406, 1264, 1265})
MYSQL_COLUMN = re.compile(
    r"for column (?:`((?:[^`]|``)*)`\.)?(?:`((?:[^`]|``)*)`\.)?"
    r"(?:`((?:[^`]|``)*)`|'([^']*)') at row (\d+)\W*$"
)


def mysql_code(error: BaseException) -> int | None:
    args = getattr(error, "args", ())
    return args[0] if args and isinstance(args[0], int) else None


def mysql_column(error: BaseException | None) -> tuple[str, str | None] | None:
    """(column, table or None) a MariaDB/MySQL error names when it refused a value for it."""
    orig = getattr(error, "orig", None) or error
    if orig is None or mysql_code(orig) not in _COLUMN_VALUE:
        return None
    found = MYSQL_COLUMN.search(mysql_message(orig))
    if found is None:
        return None
    column = found.group(3) if found.group(3) is not None else found.group(4)
    table = found.group(2) if found.group(2) is not None else found.group(1)
    return column.replace("``", "`"), (table.replace("``", "`") if table else None)


def mysql_message(orig: BaseException) -> str:
    """The server's text of a MariaDB error (its second argument)."""
    args: tuple[object, ...] = tuple(getattr(orig, "args", ()))
    return str(args[1]) if len(args) > 1 else ""


# How PostgreSQL names the type a value did not fit (the message names no column):
# 'invalid input syntax for type inet', 'value for domain year violates ...',
# 'invalid input value for enum mood', 'invalid cidr value', '... does not match type bit(4)'
_TYPE_IN_MESSAGE = [
    re.compile(r'for (?:type|domain|enum) "?([\w.]+)'),
    re.compile(r"invalid (\w+) value"),
    re.compile(r"match type (\w+)"),
    re.compile(r"invalid (xml) ", re.IGNORECASE),
    re.compile(r"in (tsvector)"),
]


def type_error_columns(table: sa.Table, error: BaseException) -> str:
    """`` (column 'x' of type T)`` when the database refused a value for a type without
    saying for which column; "" when it named the column or the type fits no column.
    MariaDB names the column but not its type: `` (column 'x' of type VARCHAR(3))``."""
    orig = getattr(error, "orig", error)
    named = mysql_column(orig)
    if named is not None:
        return _column_type(table, named[0])
    diag = getattr(orig, "diag", None)
    if getattr(diag, "column_name", None):
        return ""
    name = getattr(diag, "datatype_name", None)
    if not name:
        text = str(orig)
        found = (p.search(text) for p in _TYPE_IN_MESSAGE)
        name = next((m.group(1) for m in found if m is not None), None)
    if not name:
        return ""
    wanted = name.rpartition(".")[2].lower()
    columns = [c.name for c in table.columns if wanted in _type_names(c.type)]
    if not columns:
        return ""
    shown = ", ".join(f"'{c}'" for c in columns)
    return f" (column{'s' if len(columns) > 1 else ''} {shown} of type {wanted})"


def _column_type(table: sa.Table, name: str) -> str:
    column = table.columns.get(name)
    if column is None or isinstance(column.type, sa.types.NullType) or table.info.get(BUILT):
        return ""  # a table built from a model: its types are seedrunner's, not the database's
    try:
        shown = str(column.type)
    except Exception:  # a type with no generic SQL (a dialect's own), say nothing
        return ""
    return f" (column '{name}' of type {shown})"


def _type_names(type_: Any) -> set[str]:
    """Every name the database may use for ``type_``: its class, domain or enum name, and
    those of a domain's base type or an array's items."""
    names = {type(type_).__name__.lower()}
    own = getattr(type_, "name", None)
    if isinstance(own, str):
        names.add(own.lower())
    for inner in (getattr(type_, "data_type", None), getattr(type_, "item_type", None)):
        if inner is not None:
            names |= _type_names(inner)
    return names
