"""Per-batch validation covers exactly the fields whose generator cannot vouch for its values."""

from __future__ import annotations

import datetime as dt
import re
import sqlite3
import uuid
from decimal import Decimal

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.execute.batches import BatchBuilder
from seedrunner.execute.keys import KeyStore
from seedrunner.models import RowValidator
from seedrunner.models.columncheck import ColumnChecker
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape

MODELS = """
import datetime as dt, enum, uuid
from decimal import Decimal
from typing import Optional
from pydantic import BaseModel, Field
from sqlalchemy import Date, DateTime, ForeignKey, Numeric, SmallInteger, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Tier(enum.Enum):
    free = "free"
    pro = "pro"

class Base(DeclarativeBase):
    pass

class Thing(Base):
    __tablename__ = "things"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(10))
    first_name: Mapped[str] = mapped_column(String(12))
    city: Mapped[str] = mapped_column(String(80))
    quantity: Mapped[int] = mapped_column(SmallInteger)
    price: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    active: Mapped[bool]
    tier: Mapped[Tier]
    joined: Mapped[dt.date] = mapped_column(Date)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    external_id: Mapped[uuid.UUID]
    note: Mapped[Optional[str]] = mapped_column(String(20))

class Child(Base):
    __tablename__ = "children"
    id: Mapped[int] = mapped_column(primary_key=True)
    thing_id: Mapped[int] = mapped_column(ForeignKey("things.id"))

class PThing(BaseModel):
    id: int
    code: str = Field(max_length=10)
"""


def _manifest(manifest, fields: str = "", model: str = "Thing", count: int = 300) -> object:
    lines = [line.strip() for line in fields.strip().splitlines()] or ["{}"]
    body = "\n".join(f"              {line}" for line in lines)
    return manifest(
        f"""
        version: 1
        seed: 11
        now: "2026-01-01T00:00:00Z"
        python_path: ["."]
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}}
        datasets:
          things:
            model: "models:{model}"
            count: {count}
            batch_size: 100
            fields:
{body}
            persist: [db]
        """,
        **{"models.py": MODELS},
    )


def _guarantees(path) -> dict[str, bool]:
    dp = build_plan(load_manifest(path)).dataset("things")
    return {f.name: f.guaranteed for f in dp.fields}


# -- (1) what cannot be guaranteed is still checked, and a bad row never reaches a handler --


@pytest.mark.parametrize("model", ["Thing", "PThing"])
def test_a_value_too_long_stops_the_run_before_any_write(manifest, tmp_path, model):
    path = _manifest(manifest, "code: {faker: pystr, max_chars: 50}", model=model)
    plan = build_plan(load_manifest(path))
    code = next(f for f in plan.dataset("things").fields if f.name == "code")
    assert not code.guaranteed
    assert code.column is not None
    first_bad = next(i for i, v in enumerate(code.column.values(0, 300)) if len(v) > 10)

    report = apply(plan)

    assert not report.ok
    assert report.failure is not None
    assert report.failure["cause"] == "GenerationError"
    assert re.search(
        rf"generated row {first_bad} of 'things' does not validate against {model}: code: ",
        report.error or "",
    )
    con = sqlite3.connect(tmp_path / "out.db")
    tables = con.execute("SELECT name FROM sqlite_master WHERE type='table'").fetchall()
    assert all(con.execute(f'SELECT count(*) FROM "{t}"').fetchone() == (0,) for (t,) in tables)


def test_the_check_covers_only_unguaranteed_fields(manifest):
    path = _manifest(
        manifest,
        """
        code: {faker: pystr, max_chars: 8}
        note: "{{ code }}!"
        """,
    )
    dp = build_plan(load_manifest(path)).dataset("things")
    unchecked = dp.skip_validation | {f.name for f in dp.fields if f.guaranteed}
    check = dp.validator.scoped(n for n in dp.shape.field_names if n not in unchecked)
    assert check is not None
    assert check.fields == ("code", "note")


# -- (2) inferred fields are guaranteed, and a dataset of them is never re-checked -----------


def test_inferred_fields_are_guaranteed_and_skip_validation(manifest, tmp_path, monkeypatch):
    path = _manifest(manifest)
    assert _guarantees(path) == dict.fromkeys(
        [
            "id",
            "code",
            "first_name",
            "city",
            "quantity",
            "price",
            "active",
            "tier",
            "joined",
            "created_at",
            "external_id",
            "note",
        ],
        True,
    )
    calls: list[str] = []
    real_columns = ColumnChecker.check_columns
    monkeypatch.setattr(
        ColumnChecker,
        "check_columns",
        lambda self, *a: calls.append("columns") or real_columns(self, *a),
    )
    monkeypatch.setattr(RowValidator, "validate", lambda self, r: calls.append("rows") or [])

    plan = build_plan(load_manifest(path))
    dp = plan.dataset("things")
    unchecked = dp.skip_validation | {f.name for f in dp.fields if f.guaranteed}
    assert dp.validator.scoped(n for n in dp.shape.field_names if n not in unchecked) is None
    report = apply(plan)

    assert report.ok, report.error
    assert calls == []
    con = sqlite3.connect(tmp_path / "out.db")
    assert con.execute("SELECT count(*) FROM things").fetchone() == (300,)


def test_guaranteed_values_do_validate(manifest):
    """The guarantees are checked against the real values: full validation finds nothing."""
    path = _manifest(
        manifest,
        """
        code: {choice: [a, bb, ccc]}
        note: {choice: [x, y], null_probability: 0.3}
        """,
        count=2000,
    )
    plan = build_plan(load_manifest(path))
    dp = plan.dataset("things")
    assert all(f.guaranteed for f in dp.fields)
    builder = BatchBuilder(dp, KeyStore(), {}, plan.now)
    for start in range(0, 2000, 500):
        batch = builder.build(0, start, 500)
        assert RowValidator(dp.shape).validate(batch.records()) == []


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("code: {faker: word}", False),  # a Faker call
        ('code: "{{ first_name }}"', False),  # a template
        ("code: {choice: [short, much-too-long-for-ten]}", False),  # an option checked at plan
        ("code: {choice: [a, b]}", True),
        ("code: {choice: [a, b], null_probability: 0.2}", False),  # None into NOT NULL
        ("note: {choice: [a, b], null_probability: 0.2}", True),  # None into a nullable column
        ('code: {sequence: "C-{n:04d}", start: 1}', True),  # C-0300 fits String(10)
        ('code: {sequence: "CODE-{n:06d}", start: 1}', False),  # 11 chars
        ('code: {sequence: "{n:g}", start: 1}', False),  # length not monotone: unproven
        ("quantity: {sequence: null, start: 32600}", False),  # past SmallInteger's maximum
        ("quantity: {sequence: null, start: 1}", True),
        ("quantity: {value: 70000}", False),  # a constant out of range
        ("quantity: {value: 7}", True),
        ("quantity: {faker: pyint, min_value: 1, max_value: 5}", False),
    ],
)
def test_which_specs_are_guaranteed(manifest, spec, expected):
    name = spec.split(":")[0]
    assert _guarantees(_manifest(manifest, spec))[name] is expected


def test_refs_are_checked(manifest):
    """A ref's values are the parent's as the handler chain returned them: not provable."""
    path = manifest(
        """
        version: 1
        seed: 1
        python_path: ["."]
        datasets:
          things: {model: "models:Thing", count: 5}
          children: {model: "models:Child", count: 5}
        """,
        **{"models.py": MODELS},
    )
    dp = build_plan(load_manifest(path)).dataset("children")
    assert {f.name: (f.kind, f.guaranteed) for f in dp.fields} == {
        "id": ("column", True),
        "thing_id": ("ref", False),
    }


# -- the column-wise check says what the row-wise one says -----------------------------------


def _shape() -> ModelShape:
    return ModelShape(
        "M",
        "table",
        [
            FieldShape("s", TypeShape("str", min_length=2, max_length=4)),
            FieldShape("i", TypeShape("int", ge=0, lt=10)),
            FieldShape("d", TypeShape("decimal", max_digits=4, decimal_places=2, gt=0)),
            FieldShape("b", TypeShape("bool")),
            FieldShape("day", TypeShape("date")),
            FieldShape("ts", TypeShape("datetime", timezone=True)),
            FieldShape("u", TypeShape("uuid")),
            FieldShape("e", TypeShape("enum", choices=("a", "b"))),
            FieldShape("f", TypeShape("float", le=1.5)),
            FieldShape("o", TypeShape("str"), optional=True),
            FieldShape("m", TypeShape("int"), has_default=True),
        ],
    )


BAD = [
    None,
    "x",
    "abcde",
    True,
    -1,
    10,
    9.5,
    Decimal("0"),
    Decimal("1.234"),
    Decimal("123.4"),
    Decimal("1.50"),
    dt.datetime(2020, 1, 1),
    dt.date(2020, 1, 1),
    dt.datetime(2020, 1, 1, tzinfo=dt.UTC),
    uuid.UUID(int=3),
    "a",
    "b",
    [1],
    {"k": 1},
    2.0,
    float("nan"),
    "ab",
    3,
]


def test_column_check_matches_the_row_check():
    shape = _shape()
    names = [f.name for f in shape.fields if f.name != "m"]
    records = [
        {n: BAD[(i * 7 + j * 3) % len(BAD)] for j, n in enumerate(names)} for i in range(200)
    ]
    validator = RowValidator(shape)
    row_wise = validator.validate(records)
    assert len(row_wise) > 200
    check = validator.scoped(f.name for f in shape.fields)
    assert check is not None
    columns = {n: [r[n] for r in records] for n in names}
    assert check(columns, len(records)) == row_wise


def test_missing_required_column_is_reported_per_row():
    shape = ModelShape("M", "table", [FieldShape("a", TypeShape("int"))])
    check = RowValidator(shape).scoped(["a"])
    assert check is not None
    assert [p.message for p in check({}, 2)] == ["required column missing"] * 2


def test_nothing_to_check_gives_no_check():
    validator = RowValidator(_shape())
    assert validator.scoped([]) is None
    assert validator.scoped(["nope"]) is None
