"""Given values -> typed: CSV text and JSON/YAML scalars into each field kind."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal

import pytest

from seedrunner.models.cells import CellError, convert_cell
from seedrunner.models.shape import FieldShape, TypeShape


def field(kind, optional=False, **type_kw):
    return FieldShape("f", TypeShape(kind, **type_kw), optional=optional)


@pytest.mark.parametrize(
    ("kind", "text", "expected"),
    [
        ("int", " 42 ", 42),
        ("int", "true", 1),
        ("float", "1.5", 1.5),
        ("decimal", "2.50", Decimal("2.50")),
        ("bool", "Yes", True),
        ("bool", "0", False),
        ("date", "2024-02-29", dt.date(2024, 2, 29)),
        ("datetime", "2024-02-29T10:00:00", dt.datetime(2024, 2, 29, 10)),
        ("time", "10:30", dt.time(10, 30)),
        ("uuid", "12345678-1234-5678-1234-567812345678",
         uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ("json", '{"a": [1]}', {"a": [1]}),
        ("str", " kept as is ", " kept as is "),
    ],
)  # fmt: skip
def test_csv_text_takes_the_fields_type(kind, text, expected):
    assert convert_cell(text, field(kind), from_text=True) == expected


def test_an_aware_column_reads_a_naive_time_as_utc():
    value = convert_cell("2024-01-01 08:00", field("datetime", timezone=True), True)
    assert value == dt.datetime(2024, 1, 1, 8, tzinfo=dt.UTC)


def test_empty_cells_are_null_where_allowed():
    assert convert_cell("", field("int", optional=True), True) is None
    assert convert_cell("", field("str", optional=True), True) is None
    assert convert_cell("", field("str"), True) == ""
    with pytest.raises(CellError, match="does not allow NULL"):
        convert_cell("", field("date"), True)


@pytest.mark.parametrize(
    ("kind", "text", "message"),
    [
        ("int", "4.5", "is not an integer"),
        ("decimal", "NaN", "is not a decimal number"),
        ("bool", "maybe", "is not a boolean"),
        ("date", "2023-02-29", "is not a date"),
        ("json", "{", "is not JSON"),
    ],
)
def test_text_that_does_not_convert_says_what_was_expected(kind, text, message):
    with pytest.raises(CellError, match=message):
        convert_cell(text, field(kind), True)


def test_json_values_keep_their_json_type_and_gain_what_json_lacks():
    assert convert_cell("7", field("int"), False) == 7  # as pydantic reads it
    assert convert_cell('"a"', field("json"), False) == '"a"'  # a JSON string stays one
    assert convert_cell(True, field("int"), False) == 1
    assert convert_cell(1.5, field("decimal"), False) == Decimal("1.5")
    assert convert_cell("2024-01-02", field("date"), False) == dt.date(2024, 1, 2)
    assert convert_cell(None, field("int"), False) is None
