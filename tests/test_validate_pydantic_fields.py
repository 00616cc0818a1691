"""pydantic-like models are checked per field, and only where the shape is not the whole check.

A field is left unchecked only when pydantic validates it with nothing beyond its TypeShape;
everything else (field validators, model validators, validating config) is still checked, so
a row the model would refuse never reaches a handler.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

import pydantic
import pytest
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator
from typing_extensions import TypedDict

from seedrunner import apply, build_plan, load_manifest
from seedrunner.execute.batches import BatchBuilder
from seedrunner.execute.keys import KeyStore
from seedrunner.models import RowProblem, RowValidator, shape_of
from seedrunner.models.validate import values_fit


class Tier(enum.Enum):
    free = "F"
    pro = "P"


class Plain(BaseModel):
    id: int = Field(ge=1)
    code: str = Field(max_length=5)
    price: Decimal = Field(max_digits=6, decimal_places=2)
    ratio: float = Field(ge=0, le=1)
    tier: Tier
    kind: Literal["a", "b"]
    at: pydantic.AwareDatetime
    day: dt.date
    ok: bool
    ext: uuid.UUID
    note: str | None = None


def _validator(model: Any) -> RowValidator:
    return RowValidator(shape_of(model, model.__name__))


def _columns(rows: list[dict[str, Any]]) -> dict[str, list[Any]]:
    return {name: [r[name] for r in rows] for name in rows[0]}


def _plain_row(**changes: Any) -> dict[str, Any]:
    row: dict[str, Any] = {
        "id": 1,
        "code": "abc",
        "price": Decimal("12.50"),
        "ratio": 0.5,
        "tier": Tier.free,
        "kind": "a",
        "at": dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
        "day": dt.date(2026, 1, 1),
        "ok": True,
        "ext": uuid.UUID(int=1),
        "note": None,
    }
    return {**row, **changes}


# -- (a) a plain model: only the listed fields are checked, column by column ---------------


def test_scoped_check_names_the_row_and_field_of_a_bad_value():
    rows = [_plain_row(), _plain_row(), _plain_row(code="toolong"), _plain_row(price="1.234")]
    rows[1]["id"] = 0  # bad, but ``id`` is not asked for
    check = _validator(Plain).scoped(["code", "price", "note"])

    assert check is not None
    assert check.fields == ("code", "price", "note")
    problems = check(_columns(rows), len(rows))

    assert [(p.row, p.field) for p in problems] == [(2, "code"), (3, "price")]
    assert problems[0].message == "String should have at most 5 characters"
    assert "toolong" not in problems[0].message
    # the same verdict whole-row validation gives for those fields
    whole = [p for p in _validator(Plain).validate(rows) if p.field in check.fields]
    assert problems == whole


def test_problems_are_ordered_by_row_then_field_order():
    rows = [_plain_row(), _plain_row(ratio=2.0, code="toolong"), _plain_row(ratio=-1.0)]
    check = _validator(Plain).scoped(["ratio", "code"])
    assert check is not None
    found = [(p.row, p.field) for p in check(_columns(rows), 3)]
    assert found == [(1, "code"), (1, "ratio"), (2, "ratio")]


def test_a_missing_column_falls_back_to_whole_rows():
    """pydantic decides what an absent field means (its default, or "Field required")."""
    cols = _columns([_plain_row()])
    del cols["code"], cols["note"]
    check = _validator(Plain).scoped(["code", "note"])
    assert check is not None
    assert check(cols, 1) == [RowProblem(row=0, field="code", message="Field required")]
    cols = _columns([_plain_row()])
    del cols["note"]  # it has a default
    only_note = _validator(Plain).scoped(["note"])
    assert only_note is not None
    assert only_note(cols, 1) == []


def test_nothing_listed_and_nothing_model_wide_gives_no_check():
    assert _validator(Plain).scoped([]) is None


# -- (b) field validators are never vouched for, and a row failing one is stopped ----------


AFTER_MODELS = """
from typing import Annotated
from pydantic import AfterValidator, BaseModel, Field, field_validator


def _not_x(v: str) -> str:
    if v.startswith("x"):
        raise ValueError("starts with x")
    return v


class Thing(BaseModel):
    id: int
    code: Annotated[str, AfterValidator(_not_x)] = Field(max_length=10)
    n: int = Field(ge=0)

    @field_validator("n")
    @classmethod
    def _not_seven(cls, v: int) -> int:
        if v == 7:
            raise ValueError("seven is refused")
        return v
"""


def _things(manifest, module: str, models: str, fields: str, count: int = 20) -> Any:
    body = "\n".join(f"              {line.strip()}" for line in fields.strip().splitlines())
    return manifest(
        f"""
        version: 1
        seed: 5
        now: "2026-01-01T00:00:00Z"
        python_path: ["."]
        datasets:
          things:
            model: "{module}:Thing"
            count: {count}
            batch_size: 10
            fields:
{body}
        """,
        **{f"{module}.py": models},
    )


def _planned(path: Any) -> tuple[Any, Any, set[str]]:
    """The plan, its ``things`` dataset and the fields proven at plan time."""
    plan = build_plan(load_manifest(path))
    dp = plan.dataset("things")
    return plan, dp, {f.name for f in dp.fields if f.guaranteed}


def test_a_field_validator_is_never_vouched_and_its_failures_stop_the_run(manifest):
    path = _things(
        manifest,
        "pfvalid_models_after",
        AFTER_MODELS,
        """
        id: {sequence: null, start: 1}
        code: {value: ok}
        n: {sequence: null, start: 0}
        """,
    )
    plan, dp, guaranteed = _planned(path)
    # 0 and 19 (the ends) pass pydantic, so the sequence is proven to fit the shape ...
    assert {"id", "code", "n"} <= guaranteed
    # ... but only ``id`` is nothing more than its shape
    assert dp.validator.vouched(guaranteed) == {"id"}

    report = apply(plan, dry_run=True)

    assert not report.ok
    assert report.failure is not None
    assert report.failure["cause"] == "GenerationError"
    assert re.search(r"generated row 7 of 'things' .* n: Value error, seven", report.error or "")


def test_an_annotated_validator_failure_stops_the_run(manifest):
    path = _things(
        manifest,
        "pfvalid_models_after2",
        AFTER_MODELS,
        """
        code: {choice: [ok, xbad]}
        n: {value: 1}
        """,
    )
    report = apply(build_plan(load_manifest(path)), dry_run=True)
    assert not report.ok
    assert report.failure is not None
    assert report.failure["cause"] == "GenerationError"
    assert re.search(
        r"does not validate against Thing: code: Value error, starts with x", report.error or ""
    )


# -- (c) model validators keep whole-row validation ---------------------------------------


CROSS_MODELS = """
from pydantic import BaseModel, model_validator


class Thing(BaseModel):
    lo: int
    hi: int

    @model_validator(mode="after")
    def _ordered(self) -> "Thing":
        if self.lo > self.hi:
            raise ValueError("lo above hi")
        return self
"""


def test_a_model_validator_still_catches_a_cross_field_violation(manifest):
    path = _things(
        manifest,
        "pfvalid_models_cross",
        CROSS_MODELS,
        """
        lo: {value: 5}
        hi: {sequence: null, start: 1}
        """,
    )
    plan, dp, guaranteed = _planned(path)
    assert guaranteed == {"lo", "hi"}
    assert dp.validator.vouched(guaranteed) == set()
    check = dp.validator.scoped([])  # even with nothing listed: the rows are checked whole
    assert check is not None
    assert check.fields == ("lo", "hi")

    report = apply(plan, dry_run=True)

    assert not report.ok
    assert report.failure is not None
    assert report.failure["cause"] == "GenerationError"
    assert "generated row 0 of 'things'" in (report.error or "")
    assert "lo above hi" in (report.error or "")


def test_a_validator_reading_other_fields_keeps_whole_rows():
    class Ranged(BaseModel):
        lo: int
        hi: int

        @field_validator("hi")
        @classmethod
        def _above(cls, v: int, info: pydantic.ValidationInfo) -> int:
            if v < info.data["lo"]:
                raise ValueError("below lo")
            return v

    validator = _validator(Ranged)
    assert validator.vouched(["lo", "hi"]) == {"lo"}
    check = validator.scoped(["hi"])
    assert check is not None
    assert check.fields == ("lo", "hi")
    problems = check({"lo": [1, 5], "hi": [2, 3]}, 2)
    assert [(p.row, p.field) for p in problems] == [(1, "hi")]


# -- (d) which guaranteed fields are vouched for ------------------------------------------


def _not_empty(v: str) -> str:
    if not v:
        raise ValueError("empty")
    return v


class Validated(BaseModel):
    plain: int = Field(le=10)
    after: Annotated[str, AfterValidator(_not_empty)]
    decorated: str
    pattern: str = Field(pattern="^a")
    multiple: int = Field(multiple_of=2)
    v4: pydantic.UUID4
    naive: pydantic.NaiveDatetime
    email: pydantic.EmailStr
    items: list[int]
    no_nan: float = Field(allow_inf_nan=False)
    strict: int = Field(strict=True)

    @field_validator("decorated")
    @classmethod
    def _strip(cls, v: str) -> str:
        return v


class Strict(BaseModel):
    model_config = ConfigDict(strict=True)
    a: int


class Stripped(BaseModel):
    model_config = ConfigDict(str_strip_whitespace=True)
    a: str = Field(max_length=3)


class Harmless(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)
    a: int = Field(alias="A")


class PostInit(BaseModel):
    a: int

    def model_post_init(self, context: Any) -> None:
        if self.a < 0:
            raise ValueError("negative")


class Cross(BaseModel):
    a: int

    @model_validator(mode="before")
    @classmethod
    def _any(cls, data: Any) -> Any:
        return data


@dataclasses.dataclass
class PlainDC:
    a: int
    b: str


@dataclasses.dataclass
class PostInitDC:
    a: int

    def __post_init__(self) -> None:
        if self.a < 0:
            raise ValueError("negative")


class PlainTD(TypedDict):
    a: int
    b: Annotated[str, Field(max_length=2)]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (Plain, set(Plain.model_fields)),
        (Validated, {"plain"}),
        (Strict, set()),
        (Stripped, set()),
        (Harmless, {"a"}),
        (PostInit, set()),
        (Cross, set()),
        (PlainDC, {"a", "b"}),
        (PostInitDC, set()),
        (PlainTD, {"a", "b"}),
    ],
)
def test_vouched_fields(model, expected):
    validator = _validator(model)
    names = validator.shape.field_names
    assert validator.vouched(names) == expected
    assert validator.vouched([]) == set()
    assert validator.vouched(names[:1]) == expected & set(names[:1])


def test_dataclass_and_typeddict_fields_are_checked_alone():
    for model in (PlainDC, PlainTD):
        check = _validator(model).scoped(["b"])
        assert check is not None
        assert check.fields == ("b",)
        problems = check({"a": ["bad", 1], "b": ["ok", 7]}, 2)
        assert [(p.row, p.field) for p in problems] == [(1, "b")]
    check = _validator(PostInitDC).scoped([])
    assert check is not None
    problems = check({"a": [1, -1]}, 2)
    assert [p.row for p in problems] == [1]


def test_values_fit_asks_pydantic_where_the_shape_check_is_loose():
    shape = shape_of(Plain, "Plain")
    tier, ratio, kind = (
        shape.fields[shape.field_names.index(n)] for n in ("tier", "ratio", "kind")
    )
    assert values_fit(shape, tier, [Tier.free, Tier.pro])
    assert not values_fit(shape, tier, ["free"])  # a member's name: pydantic refuses it
    assert values_fit(shape, ratio, [0.0, 1.0])
    assert not values_fit(shape, ratio, [float("nan")])  # passes the bounds check, not pydantic
    assert values_fit(shape, kind, ["a", "b"])
    assert not values_fit(shape, kind, ["c"])


# -- (e) a plain model of guaranteed fields is not checked at all -------------------------


PLAIN_MODELS = """
import datetime as dt
import uuid
from decimal import Decimal

from pydantic import BaseModel, Field


class Thing(BaseModel):
    id: int
    external_id: uuid.UUID
    code: str = Field(max_length=10)
    day: dt.date
    active: bool
    price: Decimal = Field(max_digits=6, decimal_places=2)
"""


def test_a_plain_model_of_guaranteed_fields_builds_no_check(manifest):
    path = _things(
        manifest,
        "pfvalid_models_plain",
        PLAIN_MODELS,
        """
        id: {sequence: null, start: 1}
        code: {sequence: "C-{n:04d}", start: 1}
        """,
        count=50,
    )
    plan, dp, guaranteed = _planned(path)
    assert guaranteed == set(dp.shape.field_names)
    unchecked = dp.skip_validation | dp.validator.vouched(guaranteed)
    assert dp.validator.scoped(n for n in dp.shape.field_names if n not in unchecked) is None

    report = apply(plan, dry_run=True)
    assert report.ok, report.error
    # what went unchecked does validate
    batch = BatchBuilder(dp, KeyStore(), {}, plan.now).build(0, 0, 50)
    assert dp.validator.validate(batch.records()) == []
