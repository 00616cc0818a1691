"""Models that contain themselves (pydantic, dataclass, TypedDict, and A -> B -> A) are
generated to ``defaults.max_depth``, written as JSON (jsonl, sqlite-json, postgres-jsonb)
and validated back by the model; ``on_cycle`` null and error behave as documented."""

from __future__ import annotations

import json
import sqlite3

import pydantic
import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from seedrunner.errors import PlanError
from seedrunner.models import import_object

MODELS = """
from __future__ import annotations

import dataclasses

from pydantic import BaseModel, Field
from typing_extensions import NotRequired, TypedDict


class Node(BaseModel):
    name: str
    children: list[Node] = []


class Tree(BaseModel):
    id: int
    root: Node


class Person(BaseModel):
    id: int
    name: str
    manager: Person | None = None


@dataclasses.dataclass
class Folder:
    title: str
    subfolders: list[Folder] = dataclasses.field(default_factory=list)


class Section(TypedDict):
    heading: str
    sections: list[Section]


class Team(BaseModel):  # A -> B -> A
    id: int
    label: str
    lead: Member


class Member(BaseModel):
    name: str
    teams: list[Team] = []


class Strict(BaseModel):
    id: int
    parts: list[Strict] = Field(min_length=1)


class Link(BaseModel):
    id: int
    next: Link
"""

KINDS = {"trees": "Tree", "people": "Person", "folders": "Folder", "sections": "Section"}


def manifest_text(depth: int, on_cycle: str = "empty", datasets: dict[str, str] | None = None,
                  targets: str = "") -> str:  # fmt: skip
    datasets = datasets or KINDS
    entries = "\n".join(
        f"  {name}: {{model: models.py:{model}, count: 6, persist: [out]}}"
        for name, model in datasets.items()
    )
    return f"""\
version: 1
seed: 3
now: "2026-01-01T00:00:00Z"
defaults:
  max_depth: {depth}
  on_cycle: {on_cycle}  # bare: `null` means the word here
  collections: {{min_items: 1, max_items: 2}}
targets:
  out: {{handler: jsonl, path: "out/{{dataset}}.jsonl"}}{targets}
datasets:
{entries}
"""


def depth_of(value, key: str) -> int:
    """How many levels below ``value`` its ``key`` lists (or single values) go."""
    inner = value.get(key)
    if not inner:
        return 0
    items = inner if isinstance(inner, list) else [inner]
    return 1 + max(depth_of(item, key) for item in items)


def lines(tmp_path, dataset: str) -> list[dict]:
    text = (tmp_path / "out" / f"{dataset}.jsonl").read_text()
    return [json.loads(line) for line in text.splitlines()]


def model(tmp_path, name: str):
    return import_object(f"models.py:{name}", base_dir=tmp_path, python_path=[])


@pytest.mark.parametrize("depth", [2, 3])
def test_recursive_models_reach_max_depth_and_validate(manifest, tmp_path, depth):
    path = manifest(manifest_text(depth), **{"models.py": MODELS})
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    measure = {
        "trees": lambda r: depth_of(r["root"], "children"),
        "people": lambda r: depth_of(r, "manager"),
        "folders": lambda r: depth_of(r, "subfolders"),
        "sections": lambda r: depth_of(r, "sections"),
    }
    for dataset, name in KINDS.items():
        rows = lines(tmp_path, dataset)
        assert len(rows) == 6
        # at least one child per level (min_items 1) and nothing past the limit
        assert {measure[dataset](r) for r in rows} == {depth}, dataset
        pydantic.TypeAdapter(list[model(tmp_path, name)]).validate_python(rows)
    # again: the same rows (seeded), the same depth
    first = lines(tmp_path, "trees")
    path.write_text(path.read_text().replace("seed: 3", "seed: 3\nname: again"))
    assert apply(build_plan(load_manifest(path))).ok
    assert lines(tmp_path, "trees") == first


@pytest.mark.parametrize(("depth", "teams"), [(2, 2), (3, 3)])
def test_mutual_recursion_counts_every_return_to_a_model_on_the_path(
    manifest, tmp_path, depth, teams
):
    text = manifest_text(depth, datasets={"teams": "Team"})
    report = apply(build_plan(load_manifest(manifest(text, **{"models.py": MODELS}))))
    assert report.ok, report.error
    rows = lines(tmp_path, "teams")

    def teams_on_path(team) -> int:  # Team -> lead: Member -> teams: [Team ...]
        below = team["lead"]["teams"]
        return 1 + max((teams_on_path(t) for t in below), default=0)

    # depth 2: Team -> Member -> Team (1) -> Member (2), whose teams are empty.  depth 3:
    # Team.lead (required) cannot end it at level 3, so the path goes one further, to the
    # next Member's teams: Team -> Member -> Team -> Member -> Team -> Member.
    assert {teams_on_path(r) for r in rows} == {teams}
    pydantic.TypeAdapter(list[model(tmp_path, "Team")]).validate_python(rows)


def test_max_depth_zero_gives_empty_lists_and_no_parent(manifest, tmp_path):
    path = manifest(manifest_text(0), **{"models.py": MODELS})
    assert apply(build_plan(load_manifest(path))).ok
    assert all(r["root"]["children"] == [] for r in lines(tmp_path, "trees"))
    assert all(r["manager"] is None for r in lines(tmp_path, "people"))


def test_on_cycle_null_ends_optional_fields_and_refuses_lists(manifest, tmp_path):
    path = manifest(manifest_text(1, "null", {"people": "Person"}), **{"models.py": MODELS})
    assert apply(build_plan(load_manifest(path))).ok
    rows = lines(tmp_path, "people")
    assert all(r["manager"]["manager"] is None for r in rows)  # depth 1, then None

    path = manifest(manifest_text(1, "null", {"trees": "Tree"}), **{"models.py": MODELS})
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(path))
    (problem,) = info.value.problems
    assert problem.code == "SR-E031"
    assert problem.path == "datasets.trees.model"
    model_line = (
        path.read_text()
        .splitlines()
        .index("  trees: {model: models.py:Tree, count: 6, persist: [out]}")
    )
    assert problem.location is not None
    assert problem.location.line == model_line + 1
    assert "on_cycle is null but Node.children (Node -> Node) does not accept None" in (
        problem.message
    )
    assert "on_cycle: empty" in problem.hint


def test_on_cycle_error_names_model_field_and_cycle(manifest, tmp_path):
    text = manifest_text(2, "error", {"teams": "Team", "folders": "Folder"})
    path = manifest(text, **{"models.py": MODELS})
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(path))
    messages = [p.message for p in info.value.problems]
    assert messages == [
        "model Member contains itself: Member.teams goes round the cycle Team -> Member -> "
        "Team, and on_cycle is error (past max_depth 2)",
        "model Folder contains itself: Folder.subfolders goes round the cycle Folder -> "
        "Folder, and on_cycle is error (past max_depth 2)",
    ]
    assert all(p.code == "SR-E031" and p.hint for p in info.value.problems)
    assert not (tmp_path / "out").exists()


def test_rows_that_would_be_too_big_are_refused_at_plan(manifest, tmp_path):
    models = (
        MODELS
        + """

class Wide(BaseModel):
    id: int
    a: list[Wide] = []
    b: list[Wide] = []
"""
    )
    text = manifest_text(4, datasets={"wide": "Wide"}).replace("max_items: 2", "max_items: 9")
    path = manifest(text, **{"models.py": models})
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(path))
    (problem,) = info.value.problems
    assert problem.code == "SR-E031"
    assert problem.message.startswith("a Wide row could hold 111,150 nested objects")
    assert "defaults.max_depth" in problem.hint
    assert apply(
        build_plan(
            load_manifest(
                manifest(text.replace("max_depth: 4", "max_depth: 2"), **{"models.py": models})
            )
        )
    ).ok


def test_fields_that_cannot_stop_are_plan_errors(manifest, tmp_path):
    text = manifest_text(2, datasets={"strict": "Strict", "links": "Link"})
    path = manifest(text, **{"models.py": MODELS})
    with pytest.raises(PlanError) as info:
        build_plan(load_manifest(path))
    strict, link = info.value.problems
    assert strict.message == (
        "Strict.parts (Strict -> Strict) needs at least 1 item(s) and no other field round "
        "the cycle can end it, so the recursion cannot stop"
    )
    assert "Link.next always holds another Link (Link -> Link)" in link.message
    assert "optional (Link | None)" in link.hint


def test_sqlite_json_documents_validate_by_the_model(manifest, tmp_path):
    targets = '\n  docs: {handler: sqlite-json, database: "docs.db"}'
    text = manifest_text(2, datasets={"trees": "Tree"}, targets=targets)
    path = manifest(text.replace("persist: [out]", "persist: [out, docs]"), **{"models.py": MODELS})
    assert apply(build_plan(load_manifest(path))).ok
    con = sqlite3.connect(tmp_path / "docs.db")
    payloads = [json.loads(p) for (p,) in con.execute("SELECT payload FROM trees ORDER BY id")]
    con.close()
    assert payloads == lines(tmp_path, "trees")
    trees = pydantic.TypeAdapter(list[model(tmp_path, "Tree")]).validate_python(payloads)
    assert {depth_of(t.root.model_dump(), "children") for t in trees} == {2}


@pytest.mark.postgres
def test_postgres_jsonb_documents_validate_by_the_model(manifest, tmp_path, make_database):
    db = make_database("postgresql")
    targets = f'\n  docs: {{handler: postgres-jsonb, url: "{db.url}"}}'
    text = manifest_text(3, datasets={"trees": "Tree"}, targets=targets)
    path = manifest(text.replace("persist: [out]", "persist: [out, docs]"), **{"models.py": MODELS})
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    with db.engine.connect() as c:
        docs = c.execute(sa.text("SELECT data FROM seed_documents ORDER BY created_at, id"))
        data = [row[0] for row in docs]
        deepest = c.execute(
            sa.text("SELECT count(*) FROM seed_documents WHERE jsonb_path_exists(data, "
                    "'$.root.children[*].children[*].children[*].name')")
        ).scalar()  # fmt: skip
    assert sorted(map(json.dumps, data)) == sorted(map(json.dumps, lines(tmp_path, "trees")))
    pydantic.TypeAdapter(list[model(tmp_path, "Tree")]).validate_python(data)
    assert deepest == 6  # every tree reaches depth 3
