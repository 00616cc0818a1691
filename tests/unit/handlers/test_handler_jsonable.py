"""to_jsonable / dumps_row: every supported type, and determinism."""

from __future__ import annotations

import datetime as dt
import enum
import json
import uuid
from dataclasses import dataclass
from decimal import Decimal

import pytest
from pydantic import BaseModel, TypeAdapter

from seedrunner.jsonable import dumps_row, iso_duration, to_csv_cell, to_jsonable


class Color(enum.Enum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Mode(str, enum.Enum):  # noqa: UP042 -- the str-mixin form on purpose
    FAST = "fast"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (dt.datetime(2024, 1, 2, 3, 4, 5), "2024-01-02T03:04:05"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 6, tzinfo=dt.UTC), "2024-01-02T03:04:05.000006+00:00"),
        (dt.date(2024, 2, 29), "2024-02-29"),
        (dt.time(23, 59), "23:59:00"),
        (dt.timedelta(days=1, hours=2, seconds=4.5), "P1DT2H4.5S"),
        (Decimal("12.50"), "12.50"),
        (Decimal("1E+3"), "1000"),
        (uuid.UUID(int=1), "00000000-0000-0000-0000-000000000001"),
        (Color.RED, "red"),
        (Level.HIGH, 3),
        (Mode.FAST, "fast"),
        (b"\x00\xffhi", "AP9oaQ=="),
        ((1, 2), [1, 2]),
        ({3, 1, 2}, [1, 2, 3]),
        (frozenset({"b", 1}), ["b", 1]),  # mixed: ordered by JSON text
        ({"a": {"b": [dt.date(2020, 1, 1)]}}, {"a": {"b": ["2020-01-01"]}}),
        ({1: "x"}, {"1": "x"}),
        (None, None),
        (True, True),
    ],
)
def test_to_jsonable(value, expected):
    assert to_jsonable(value) == expected


@pytest.mark.parametrize(
    "delta",
    [
        dt.timedelta(0),
        dt.timedelta(seconds=-1),
        dt.timedelta(days=-1, hours=3),
        dt.timedelta(microseconds=1),
        dt.timedelta(days=3),
        dt.timedelta(days=400, minutes=61, microseconds=120),
    ],
)
def test_iso_duration_round_trips_through_pydantic(delta):
    adapter = TypeAdapter(dt.timedelta)
    assert adapter.validate_python(iso_duration(delta)) == delta
    if abs(delta.days) < 365:  # pydantic writes 365 days as "1Y"; we keep days
        assert iso_duration(delta) == adapter.dump_python(delta, mode="json")


def test_models_and_dataclasses_become_dicts():
    class Address(BaseModel):
        city: str
        since: dt.date

    @dataclass
    class Point:
        x: Decimal

    assert to_jsonable(Address(city="Oslo", since=dt.date(2020, 5, 1))) == {
        "city": "Oslo",
        "since": "2020-05-01",
    }
    assert to_jsonable(Point(Decimal("1.5"))) == {"x": "1.5"}


def test_unknown_type_is_a_type_error_not_a_repr():
    with pytest.raises(TypeError, match="'object'"):
        to_jsonable(object())


def test_dumps_row_is_compact_ordered_and_unicode():
    row = {"z": "ø", "a": Decimal("0.10"), "when": dt.date(2021, 1, 1)}
    text = dumps_row(row)
    assert text == '{"z":"ø","a":"0.10","when":"2021-01-01"}'
    assert json.loads(text) == {"z": "ø", "a": "0.10", "when": "2021-01-01"}


def test_mixed_set_is_deterministic():
    assert to_jsonable({1, "a", None}) == to_jsonable({"a", None, 1})


@pytest.mark.parametrize(
    ("value", "cell"),
    [(None, ""), (True, "true"), (False, "false"), ({"a": [1]}, '{"a":[1]}'), (1.5, "1.5")],
)
def test_csv_cell(value, cell):
    assert to_csv_cell(value) == cell


def test_dumps_row_fast_path_gives_the_same_text_as_dumps():
    import datetime as dt
    import enum
    import uuid
    from decimal import Decimal

    from seedrunner.jsonable import dumps

    class Kind(enum.StrEnum):
        a = "x"

    class Level(enum.IntEnum):
        b = 3

    class Mixed(str, enum.Enum):  # noqa: UP042 (the pre-3.11 spelling users still write)
        e = "y"

    class P(enum.Enum):
        c = Decimal("1.5")
        d = (1, 2)

    flat = {
        "a": 1, "b": 'é"\n', "c": None, "d": True, "e": 1.5, "f": float("nan"),
        "g": Decimal("12.50"), "h": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "i": dt.date(2026, 1, 2), "j": uuid.UUID(int=5), "k": Kind.a, "l": Level.b, "m": P.c,
        "n": P.d, "o": b"\x00\xff", "p": dt.time(1, 2), "q": dt.timedelta(days=1, seconds=3),
        "r": Mixed.e,
    }  # fmt: skip
    nested = {"x": {1: 2, None: 3}, "y": [Decimal("1")], "z": {"s"}}
    for row in (flat, nested):
        assert dumps_row(row) == dumps(row)
