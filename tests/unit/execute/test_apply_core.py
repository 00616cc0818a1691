"""apply end to end into SQLite and files: every model kind, transforms, failures, dry runs."""

from __future__ import annotations

import json
import sqlite3

import pytest

from seedrunner import apply, build_plan, load_manifest

KINDS = """
import dataclasses, datetime as dt, enum, uuid
from decimal import Decimal
from typing import Literal, Optional
from typing_extensions import TypedDict, NotRequired
from pydantic import BaseModel, Field
from sqlalchemy import String, Numeric
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Tier(enum.Enum):
    free = "free"
    pro = "pro"

class Address(BaseModel):
    street: str
    city: str

class PUser(BaseModel):
    id: int
    email: str = Field(max_length=80)
    age: int = Field(ge=18, le=90)
    tier: Tier
    kind: Literal["a", "b"]
    score: Decimal = Field(max_digits=5, decimal_places=2)
    nickname: Optional[str] = None
    address: Address
    tags: list[str] = Field(min_length=1, max_length=3)
    created_at: dt.datetime

@dataclasses.dataclass
class DUser:
    id: int
    first_name: str
    balance: float
    active: bool
    signup: dt.date

class TUser(TypedDict):
    id: int
    city: str
    ref: uuid.UUID
    note: NotRequired[str]

class Base(DeclarativeBase):
    pass

class SUser(Base):
    __tablename__ = "s_users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(30), unique=True)
    price: Mapped[Decimal] = mapped_column(Numeric(6, 2))
    tier: Mapped[Tier]
"""


@pytest.mark.parametrize("model", ["PUser", "DUser", "TUser", "SUser"])
def test_each_model_kind_applies_and_rows_validate(manifest, tmp_path, model):
    path = manifest(
        f"""
        version: 1
        seed: 7
        now: "2026-01-01T00:00:00Z"
        python_path: ["."]
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}}
        datasets:
          users: {{model: "kinds:{model}", count: 300, batch_size: 64, persist: [db]}}
        """,
        **{"kinds.py": KINDS},
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    con = sqlite3.connect(tmp_path / "out.db")
    table = "s_users" if model == "SUser" else "users"
    assert con.execute(f"SELECT count(*) FROM {table}").fetchone() == (300,)
    ids = [r[0] for r in con.execute(f"SELECT id FROM {table} ORDER BY id")]
    assert ids == list(range(1, 301))
    gen = next(s for s in report.steps if s.kind == "generate")
    assert (gen.rows, gen.batches) == (300, 5)


def test_schemaless_dataset_with_every_value_spec(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        vars: {domain: example.test}
        targets:
          out: {handler: jsonl, path: "{dataset}.jsonl"}
        datasets:
          things:
            count: 40
            fields:
              n: {sequence: null, start: 1}
              code: {sequence: "T-{n:03d}", start: 5}
              status: active
              meta: {value: {a: 1, "{{x}}": "{{y}}"}}
              color: {choice: [red, blue], weights: [1, 3]}
              word: {faker: word, unique: true}
              maybe: {faker: pyint, min_value: 1, max_value: 9, null_probability: 0.5}
              joined: "{{ code }}-{{ status | upper }}@{{ vars.domain }}"
              seeded: "{{ fake.first_name() }}"
              gone: {skip: true}
            persist: [out]
        """
    )
    assert apply(build_plan(load_manifest(path))).ok
    rows = [json.loads(line) for line in (tmp_path / "things.jsonl").read_text().splitlines()]
    assert len(rows) == 40
    assert [r["n"] for r in rows] == list(range(1, 41))
    assert rows[0]["code"] == "T-005"
    assert rows[39]["code"] == "T-044"
    assert {r["status"] for r in rows} == {"active"}
    assert rows[0]["meta"] == {"a": 1, "{{x}}": "{{y}}"}
    assert {r["color"] for r in rows} <= {"red", "blue"}
    assert len({r["word"] for r in rows}) == 40
    nulls = sum(r["maybe"] is None for r in rows)
    assert 5 < nulls < 35
    assert rows[2]["joined"] == "T-007-ACTIVE@example.test"
    assert all(r["seeded"].isalpha() for r in rows)
    assert "gone" not in rows[0]


def test_locale_map_picks_the_most_specific_locale(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        locale: en_US
        locale_map:
          people: ja_JP
          "*.city": de_DE
        targets:
          out: {handler: jsonl, path: "{dataset}.jsonl"}
        datasets:
          people:
            count: 30
            fields:
              name: {faker: name}
              city: {faker: city}
              street: {faker: street_name, locale: fr_FR}
            persist: [out]
          others:
            count: 30
            fields: {name: {faker: name}}
            persist: [out]
        """
    )
    assert apply(build_plan(load_manifest(path))).ok
    people = [json.loads(x) for x in (tmp_path / "people.jsonl").read_text().splitlines()]
    others = [json.loads(x) for x in (tmp_path / "others.jsonl").read_text().splitlines()]

    def non_ascii(values):
        return sum(any(ord(c) > 127 for c in v) for v in values)

    assert non_ascii(r["name"] for r in people) == 30  # ja_JP for the dataset
    assert non_ascii(r["name"] for r in others) == 0  # en_US by default
    from faker.providers.address.de_DE import Provider as GermanAddress

    assert {r["city"] for r in people} <= set(GermanAddress.cities)  # "*.city" beats "people"
    fr_words = ("rue", "avenue", "boulevard", "place", "chemin", "impasse", "allée", "quai")
    assert all(r["street"].lower().startswith(fr_words) for r in people)  # the field's own


FAILING_HANDLER = """
from typing import ClassVar
from seedrunner.handlers.base import HandlerOptions

class FailOptions(HandlerOptions):
    at_batch: int = 1

class Failing:
    name: ClassVar[str] = "failing"
    Options = FailOptions

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        pass

    def write(self, batch):
        if batch.index == self.options.at_batch:
            raise RuntimeError(f"boom at batch {batch.index}")

    def close(self, error):
        pass
"""


def test_failure_rolls_back_the_step_and_reports_where(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}
          bad: {handler: "plugin:Failing", at_batch: 2}
        datasets:
          first:
            count: 10
            fields: {id: {sequence: null, start: 1}}
            persist: [db]
          items:
            count: 50
            batch_size: 10
            fields: {id: {sequence: null, start: 1}, name: {faker: word}}
            persist: [db, bad]
          after:
            count: 5
            fields: {id: {sequence: null, start: 1}}
            depends_on: [items]
            persist: [db]
        """,
        **{"plugin.py": FAILING_HANDLER},
    )
    report = apply(build_plan(load_manifest(path)))
    assert not report.ok
    assert "items → bad" in (report.error or "")
    assert "batch 2, rows 20..29" in (report.error or "")
    assert "boom at batch 2" in (report.error or "")
    con = sqlite3.connect(tmp_path / "out.db")
    assert con.execute("SELECT count(*) FROM first").fetchone() == (10,)
    assert con.execute("SELECT count(*) FROM items").fetchone() == (0,)  # rolled back
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert "after" not in tables
    statuses = {(s.dataset, s.name): s.status for s in report.steps}
    assert statuses[("first", "db")] == "done"
    assert statuses[("items", "bad")] == "failed"
    assert statuses[("after", "db")] == "not started"


def test_dry_run_calls_no_handler(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}
        datasets:
          t: {count: 100, fields: {x: {faker: word}}, persist: [db]}
        """
    )
    report = apply(build_plan(load_manifest(path)), dry_run=True)
    assert report.ok
    assert report.rows == 100
    assert not (tmp_path / "out.db").exists()
    assert [s.status for s in report.steps] == ["done", "dry run"]


TRANSFORMS = """
def shout(batch, ctx):
    suffix = ctx.options.get("suffix", "")
    batch.columns["name"] = [n.upper() + suffix for n in batch.columns["name"]]

def as_records(batch, ctx):
    return [dict(r, extra=1) for r in batch.records()]
"""


def test_transforms_drop_rename_and_callables(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        targets:
          out: {handler: jsonl, path: "{dataset}.jsonl"}
        datasets:
          t:
            count: 5
            fields: {name: {faker: first_name}, secret: {faker: password}, x: 1}
            transforms:
              - drop: [secret]
              - {call: "tfs:shout", options: {suffix: "!"}}
              - tfs:as_records
              - rename: {x: y}
            persist: [out]
        """,
        **{"tfs.py": TRANSFORMS},
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    rows = [json.loads(x) for x in (tmp_path / "t.jsonl").read_text().splitlines()]
    assert set(rows[0]) == {"name", "y", "extra"}
    assert rows[0]["name"].endswith("!")
    assert rows[0]["name"][:-1].isupper()


RETURNING = '''
from typing import ClassVar
from seedrunner.handlers.base import HandlerOptions

class Opts(HandlerOptions):
    pass

class Stamp:
    """Pretends to be a database that assigns ids: returns the rows as written."""
    name: ClassVar[str] = "stamp"
    Options = Opts

    def __init__(self, options):
        pass

    def open(self, ctx):
        pass

    def write(self, batch):
        cols = dict(batch.columns)
        cols["id"] = [1000 + batch.start + i for i in range(batch.size)]
        return batch.replace_columns(cols)

    def close(self, error):
        pass
'''


def test_rows_returned_by_a_handler_feed_the_next_handler_and_refs(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        targets:
          stamp: {handler: "stamping:Stamp"}
          out: {handler: jsonl, path: "{dataset}.jsonl"}
        datasets:
          parents:
            count: 3
            fields: {id: {skip: true}, name: {faker: word}}
            persist: [stamp, out]
          kids:
            count: {per: parents, exactly: 2}
            fields: {parent_id: {ref: parents.id}}
            persist: [out]
        """,
        **{"stamping.py": RETURNING},
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    parents = [json.loads(x) for x in (tmp_path / "parents.jsonl").read_text().splitlines()]
    kids = [json.loads(x) for x in (tmp_path / "kids.jsonl").read_text().splitlines()]
    assert [p["id"] for p in parents] == [1000, 1001, 1002]
    assert [k["parent_id"] for k in kids] == [1000, 1000, 1001, 1001, 1002, 1002]


def test_protected_target_needs_permission(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        targets:
          prod: {handler: jsonl, path: out.jsonl, protected: true}
        datasets:
          t: {count: 2, fields: {x: 1}, persist: [prod]}
        """
    )
    from seedrunner.execute.runner import ProtectedTargetError

    plan = build_plan(load_manifest(path))
    with pytest.raises(ProtectedTargetError, match="--allow-protected"):
        apply(plan)
    assert not (tmp_path / "out.jsonl").exists()
    assert apply(plan, allow_protected=True).ok
    assert (tmp_path / "out.jsonl").exists()
