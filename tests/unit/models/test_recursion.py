"""Self-containing models are shaped to max_depth and closed as on_cycle says."""

from __future__ import annotations

import dataclasses
import sys
import typing

import pytest
from pydantic import BaseModel

from seedrunner.models import ModelReferenceError, Nesting, RecursiveModelError, shape_of
from seedrunner.models.shape import ModelShape


class Cat(BaseModel):
    name: str
    kittens: list[Cat] | None = None
    rivals: tuple[Cat, ...] = ()


@dataclasses.dataclass
class Step:
    label: str
    then: Step | None = None


def levels(shape: ModelShape, field: str) -> int:
    """How many nested shapes ``field`` (a model or a container of one) goes through."""
    t = shape.field(field).type
    t = t.item if t.item is not None else t
    return 0 if t.nested is None else 1 + levels(t.nested, field)


@pytest.mark.parametrize("depth", [0, 1, 2, 4])
def test_depth_counts_the_levels_below_the_first(depth):
    nesting = Nesting(max_depth=depth)
    assert levels(shape_of(Cat, "Cat", nesting=nesting), "kittens") == depth
    assert levels(shape_of(Step, "Step", nesting=nesting), "then") == depth


def _deepest(shape: ModelShape, field: str) -> ModelShape:
    t = shape.field(field).type
    inner = t.item if t.item is not None else t
    return shape if inner.nested is None else _deepest(inner.nested, field)


def test_empty_closes_containers_and_optional_models():
    last = _deepest(shape_of(Cat, "Cat", nesting=Nesting(max_depth=1)), "kittens")
    kittens, rivals = last.field("kittens").type, last.field("rivals").type
    assert (kittens.kind, kittens.max_length) == ("list", 0)
    assert (rivals.kind, rivals.max_length) == ("tuple", 0)
    then = _deepest(shape_of(Step, "Step"), "then").field("then").type
    assert (then.kind, then.choices) == ("literal", (None,))


def test_null_gives_none_where_the_field_accepts_it():
    nesting = Nesting(max_depth=1, on_cycle="null")
    with pytest.raises(RecursiveModelError, match=r"Cat\.rivals \(Cat -> Cat\) does not accept"):
        shape_of(Cat, "Cat", nesting=nesting)

    class Owner(BaseModel):
        name: str
        kittens: list[Owner] | None = None

    last = _deepest(shape_of(Owner, "Owner", nesting=nesting), "kittens")
    kittens = last.field("kittens").type
    assert (kittens.kind, kittens.choices) == ("literal", (None,))


def test_error_refuses_any_recursion_and_names_the_cycle():
    with pytest.raises(RecursiveModelError) as info:
        shape_of(Step, "Step", nesting=Nesting(on_cycle="error"))
    assert "Step.then goes round the cycle Step -> Step" in info.value.message
    assert info.value.code == "SR-E031"


class Chapter(typing.TypedDict):
    title: str
    chapters: list[Chapter]


def test_a_nested_typing_typeddict_is_a_model_error_before_python_3_12():
    if sys.version_info >= (3, 12):  # pydantic validates typing.TypedDict there
        assert levels(shape_of(Chapter, "Chapter"), "chapters") == 2
        return
    with pytest.raises(ModelReferenceError, match=r"nests the typing\.TypedDict 'Chapter'") as info:
        shape_of(Chapter, "Chapter")
    assert "typing_extensions" in info.value.hint


class Fan(BaseModel):
    a: list[Fan] = []
    b: list[Fan] = []
    c: list[Fan] = []
    d: list[Fan] = []
    e: list[Fan] = []
    f: list[Fan] = []
    g: list[Fan] = []
    h: list[Fan] = []


def test_shaping_stops_before_it_runs_away():
    fan = shape_of(Fan, "Fan", nesting=Nesting(max_depth=3, max_items=1))  # 585 shapes
    assert levels(fan, "a") == 3
    with pytest.raises(RecursiveModelError, match="model Fan nests more than 5,000 models"):
        shape_of(Fan, "Fan", nesting=Nesting(max_depth=5, max_items=0))


def test_a_required_field_at_the_limit_lets_the_path_reach_one_that_can_end_it():
    class Lead(BaseModel):
        name: str
        crews: list[Crew] = []

    class Crew(BaseModel):
        label: str
        lead: Lead

    Lead.model_rebuild()
    crew = shape_of(Crew, "Crew", nesting=Nesting(max_depth=1))
    # Crew -> Lead -> Crew (1) -> Lead: Crew.lead cannot be empty, so the Lead below the
    # limit is generated and its crews list (which can) is closed
    lead = crew.field("lead").type.nested.field("crews").type.item.nested.field("lead").type
    assert lead.nested is not None
    assert lead.nested.field("crews").type.max_length == 0
