"""Given values -> the field's type: CSV text, and JSON/YAML scalars JSON cannot type.

Fixed rows (``rows:``, ``from: file.csv|json|jsonl``) come as text (CSV) or as JSON and YAML
scalars, which have no dates, decimals or UUIDs.  A JSON or YAML string in a typed column
is read like CSV text (``"1"`` -> 1 for an int, as pydantic's lax mode reads it), except in
JSON columns, where a string is a JSON value of its own.  ``convert_cell`` turns each into what the
field's ``TypeShape`` holds, so rows are written as typed values and checked like generated
ones.  An empty CSV cell is NULL where the field allows it (an empty string otherwise, for
text).  ``true``/``false`` fill an integer column as 1/0: MariaDB and MySQL store BOOLEAN as
TINYINT(1), which reads back as an integer column.  What cannot be converted raises
``CellError`` saying what was expected.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from seedrunner.models.shape import FieldShape, TypeShape

_TRUE = frozenset({"true", "t", "yes", "y", "1", "on"})
_FALSE = frozenset({"false", "f", "no", "n", "0", "off"})


class CellError(ValueError):
    """A given value that does not convert; the message says what was expected."""


def convert_cell(value: Any, f: FieldShape, from_text: bool) -> Any:
    """``value`` (CSV text when ``from_text``, else a JSON/YAML value) as ``f``'s type."""
    if value is None:
        return None
    if from_text and value == "":
        if f.optional:
            return None
        if f.type.kind in ("str", "any"):
            return ""
        raise CellError("is empty, but the column does not allow NULL")
    kind = f.type.kind
    if isinstance(value, str):
        parse = _TEXT.get(kind)
        if parse is not None and (from_text or kind not in _JSON_NATIVE):
            parsed = _parse(parse, value.strip(), kind)
            if kind == "datetime" and f.type.timezone and parsed.tzinfo is None:
                parsed = parsed.replace(tzinfo=dt.UTC)  # a naive time in an aware column: UTC
            return parsed
        if kind in ("enum", "literal"):
            return _choice(f.type, value)
        return value
    if kind == "decimal" and isinstance(value, int | float) and not isinstance(value, bool):
        return Decimal(str(value))
    if kind == "float" and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if kind == "int" and isinstance(value, bool):  # a BOOLEAN stored as TINYINT(1)
        return int(value)
    return value


def _parse(parse: Callable[[str], Any], text: str, kind: str) -> Any:
    try:
        return parse(text)
    except (ValueError, InvalidOperation, json.JSONDecodeError):
        raise CellError(f"is not {_EXPECTED.get(kind, 'a ' + kind)}") from None


def text_bool(text: str) -> bool:
    """A boolean from its word (true/false, t/f, yes/no, y/n, on/off, 1/0; any case)."""
    low = text.lower()
    if low in _TRUE:
        return True
    if low in _FALSE:
        return False
    raise ValueError(text)


def _int(text: str) -> int:
    low = text.lower()
    if low in ("true", "false"):  # a BOOLEAN that is a TINYINT(1) (MariaDB, MySQL)
        return int(low == "true")
    return int(text)


def _decimal(text: str) -> Decimal:
    d = Decimal(text)
    if not d.is_finite():
        raise ValueError(text)
    return d


def _choice(t: TypeShape, text: str) -> Any:
    """An enum member (by value, then by name) or a literal, from its text."""
    for choice in t.choices:
        value = getattr(choice, "value", choice)
        if str(value) == text or getattr(choice, "name", None) == text:
            return choice
    return text  # the row check names what is allowed


_TEXT: dict[str, Callable[[str], Any]] = {
    "int": _int,
    "float": float,
    "decimal": _decimal,
    "bool": text_bool,
    "date": dt.date.fromisoformat,
    "datetime": dt.datetime.fromisoformat,
    "time": dt.time.fromisoformat,
    "uuid": uuid.UUID,
    "json": json.loads,
    "dict": json.loads,
    "list": json.loads,
}
#: kinds where a JSON or YAML string is a value of its own, not text to parse
_JSON_NATIVE = frozenset({"json", "dict", "list"})
_EXPECTED = {
    "int": "an integer",
    "float": "a number",
    "decimal": "a decimal number",
    "bool": "a boolean (true/false, yes/no, 1/0)",
    "date": "a date (YYYY-MM-DD)",
    "datetime": "a date and time (ISO 8601)",
    "time": "a time (HH:MM[:SS])",
    "uuid": "a UUID",
    "json": "JSON",
    "dict": "a JSON object",
    "list": "a JSON list",
}
