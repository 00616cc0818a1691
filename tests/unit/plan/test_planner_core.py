"""The planner: edges from refs, foreign keys and depends_on; order; counts; cycles; unique."""

from __future__ import annotations

import pytest

from seedrunner import PlanError, build_plan, load_manifest

MODELS = """
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Org(Base):
    __tablename__ = "orgs"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("orgs.id"))
    email: Mapped[str] = mapped_column(String(80), unique=True)
"""


def plan_of(path, **kw):
    return build_plan(load_manifest(path), **kw)


def test_foreign_key_makes_an_edge_and_orders_parents_first(manifest):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        datasets:
          users: {model: "fkmodels:User", count: 5}
          orgs: {model: "fkmodels:Org", count: 2}
        """,
        **{"fkmodels.py": MODELS},
    )
    plan = plan_of(path)
    assert [d.name for d in plan.datasets] == ["orgs", "users"]
    users = plan.dataset("users")
    org_id = next(f for f in users.fields if f.name == "org_id")
    assert org_id.kind == "ref"
    assert org_id.ref is not None
    assert (org_id.ref.dataset, org_id.ref.field) == ("orgs", "id")
    assert "foreign key" in users.edges["orgs"]
    assert plan.dataset("orgs").keep == {"id"}


def test_ties_keep_manifest_order(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          b: {count: 1, fields: {x: 1}}
          a: {count: 1, fields: {x: 1}}
          c: {count: 1, fields: {y: {ref: a.x}}}
        """
    )
    assert [d.name for d in plan_of(path).datasets] == ["b", "a", "c"]


def test_count_per_gives_each_parent_min_to_max_children(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          parents: {count: 50, fields: {id: {sequence: null, start: 1}}}
          kids:
            count: {per: parents, min: 1, max: 3}
            fields: {parent_id: {ref: parents.id}}
        """
    )
    plan = plan_of(path)
    kids = plan.dataset("kids")
    cum = kids.count.cumulative
    assert cum is not None
    assert len(cum) == 50
    per_parent = [b - a for a, b in zip([0, *cum], cum, strict=False)]
    assert all(1 <= c <= 3 for c in per_parent)
    assert kids.count.total == sum(per_parent)
    assert len(set(per_parent)) > 1  # not all the same


def test_cycle_names_every_dataset_and_edge_line(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          a:
            count: 1
            fields: {x: {ref: b.y}}
          b:
            count: 1
            fields: {y: {ref: a.x}}
        """
    )
    with pytest.raises(PlanError) as err:
        plan_of(path)
    (problem,) = err.value.problems
    assert problem.code == "SR-E031"
    assert "dependency cycle" in problem.message
    assert "a.x ref b.y" in problem.message
    assert "b.y ref a.x" in problem.message
    assert "seed.yaml:6" in problem.message
    assert "seed.yaml:9" in problem.message


def test_depends_on_cycle_of_three(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          a: {count: 1, fields: {x: 1}, depends_on: [c]}
          b: {count: 1, fields: {x: 1}, depends_on: [a]}
          c: {count: 1, fields: {x: 1}, depends_on: [b]}
        """
    )
    with pytest.raises(PlanError) as err:
        plan_of(path)
    msg = err.value.problems[0].message
    for name in ("a depends_on c", "b depends_on a", "c depends_on b"):
        assert name in msg


@pytest.mark.parametrize(
    ("spec", "cap"),
    [("{choice: [a, b], unique: true}", 2), ("{faker: boolean, unique: true}", 2)],
)
def test_impossible_unique_is_refused_before_writing(manifest, spec, cap):
    path = manifest(
        f"""
        version: 1
        datasets:
          t:
            count: 10
            fields: {{flag: {spec}}}
        """
    )
    if cap is None:  # a Faker boolean has no known capacity: found at run time, not a hang
        from seedrunner import apply

        report = apply(plan_of(path))
        assert not report.ok
        assert "unique" in (report.error or "")
        return
    with pytest.raises(PlanError) as err:
        plan_of(path)
    p = err.value.problems[0]
    assert "10 unique values requested but the generator can produce at most 2" in p.message
    assert p.location is not None
    assert p.location.line == 6


def test_unknown_names_are_listed_together(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          users:
            count: 1
            fields: {org: {ref: orgz.id}}
            depends_on: [billing]
            persist: [warehouse]
        """
    )
    with pytest.raises(PlanError) as err:
        plan_of(path)
    text = "\n".join(p.format() for p in err.value.problems)
    assert "unknown dataset 'billing' in depends_on" in text
    with pytest.raises(PlanError) as err2:
        build_plan(load_manifest(path, overrides=["datasets.users.depends_on=[]"]))
    text2 = "\n".join(p.format() for p in err2.value.problems)
    assert "unknown dataset 'orgz' in ref" in text2
    assert "unknown target 'warehouse'" in text2


def test_only_generates_ancestors_without_persisting_them(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        targets:
          out: {handler: jsonl, path: "out/{dataset}.jsonl"}
        datasets:
          orgs: {model: "fkmodels:Org", count: 2, persist: [out]}
          users: {model: "fkmodels:User", count: 3, persist: [out]}
        """,
        **{"fkmodels.py": MODELS},
    )
    plan = plan_of(path, only=["users"])
    assert [d.name for d in plan.datasets] == ["orgs", "users"]
    assert plan.dataset("orgs").targets == []
    from seedrunner import apply

    assert apply(plan).ok
    assert not (tmp_path / "out" / "orgs.jsonl").exists()
    assert len((tmp_path / "out" / "users.jsonl").read_text().splitlines()) == 3


def test_ref_to_a_missing_field_is_an_error_and_to_a_skipped_one_a_warning(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          users: {count: 2, fields: {id: 1, sk: {skip: true}}}
          posts: {count: 2, fields: {a: {ref: users.sk}, b: {ref: users.nope}}}
        """
    )
    with pytest.raises(PlanError) as err:
        plan_of(path)
    text = "\n".join(p.message for p in err.value.problems)
    assert "dataset 'users' has no field 'nope'" in text
    ok = path.read_text().replace(", b: {ref: users.nope}", "")
    path.write_text(ok)
    assert any("excludes or skips" in w for w in plan_of(path).warnings)


def test_self_reference_is_a_tree_not_an_edge(manifest):
    path = manifest(
        """
        version: 1
        datasets:
          emp: {count: 2, fields: {id: {sequence: null, start: 1}, boss: {ref: emp.id}}}
        """
    )
    emp = plan_of(path).dataset("emp")
    boss = next(f for f in emp.fields if f.name == "boss")
    assert boss.tree is not None
    assert emp.parents == []  # no edge to itself
    assert emp.keep == {"id"}  # its own keys, for the rows after


def test_retry_policy_from_defaults_dataset_and_overrides(manifest):
    path = manifest(
        """
        version: 1
        defaults: {retries: {max: 3, wait: 0.25}}
        datasets:
          t: {count: 1, fields: {x: 1}}
          u: {count: 1, fields: {x: 1}, retries: {max: 0}}
        """
    )
    plan = plan_of(path)
    by = {d.name: d.retries for d in plan.datasets}
    assert (by["t"].max, by["t"].wait, by["t"].backoff) == (3, 0.25, 2.0)
    assert by["u"].max == 0
    assert not any("retries" in w for w in plan.warnings)
    forced = build_plan(load_manifest(path), max_retries=5, retry_wait=0.0)
    assert {(d.retries.max, d.retries.wait) for d in forced.datasets} == {(5, 0.0)}


def test_retry_delays_grow_with_full_jitter_and_honour_retry_after():
    from seedrunner.handlers.retry import RetryPolicy

    policy = RetryPolicy(max=3, wait=0.5, backoff=2.0, cap=3.0)
    for attempt, ceiling in ((1, 0.5), (2, 1.0), (3, 2.0), (4, 3.0), (9, 3.0)):
        draws = [policy.delay(attempt) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in draws)
        assert max(draws) > ceiling / 2  # full jitter spreads over the range
    assert policy.delay(1, retry_after=2.0) == 2.0
    assert policy.delay(1, retry_after=120.0) == 3.0  # capped


UNIQUE_MODEL = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(20), unique=True)
"""


def test_unique_model_columns_hold_for_constants_and_templates(manifest):
    from seedrunner import apply

    const = manifest(
        """
        version: 1
        python_path: ["."]
        datasets:
          tags: {model: "tagmodel:Tag", count: 5, fields: {slug: abc}}
        """,
        **{"tagmodel.py": UNIQUE_MODEL},
    )
    with pytest.raises(PlanError, match="5 unique values requested"):
        plan_of(const)
    templ = manifest(
        """
        version: 1
        python_path: ["."]
        datasets:
          tags: {model: "tagmodel:Tag", count: 5, fields: {slug: "k{{ index % 3 }}"}}
        """,
        name="t.yaml",
    )
    report = apply(plan_of(templ))
    assert not report.ok
    assert "repeats at row 3 but the field is unique" in (report.error or "")
