"""plan.cycles: which edge of a cycle is deferred, and why a cycle cannot be broken."""

from __future__ import annotations

import itertools

import pytest

from seedrunner.plan.cycles import Link, break_cycles, find_cycle
from seedrunner.plan.edges import Edge


def fk(child: str, field: str, parent: str, *, null=False, unique=False, deferrable=False):
    path = ("datasets", child, "table")
    edge = Edge(parent, child, f"{child}.{field} foreign key -> {parent}.id", path)
    link = Link(child, field, parent, "id", null, unique, deferrable, f"{child}_{field}", path)
    return edge, link


def run(names, pairs, dialect="postgresql", shared=True):
    edges = [e for e, _ in pairs]
    links = [lk for _, lk in pairs if lk is not None]
    return break_cycles(names, edges, links, lambda c, p: ("db", dialect) if shared else None)


def test_the_nullable_edge_is_deferred():
    deferred, unbroken = run(
        ["store", "staff"],
        [fk("store", "manager_id", "staff", null=True), fk("staff", "store_id", "store")],
    )
    assert unbroken == []
    [d] = deferred
    assert (d.parent, d.child, d.mode, d.target) == ("staff", "store", "update", "db")
    assert [lk.field for lk in d.links] == ["manager_id"]


def test_two_nullable_edges_prefer_a_non_unique_column_then_manifest_order():
    both = [
        fk("a", "b_id", "b", null=True, unique=True),
        fk("b", "a_id", "a", null=True),
    ]
    [d], _ = run(["a", "b"], both)
    assert (d.child, d.links[0].field) == ("b", "a_id")  # a.b_id is unique
    plain = [fk("a", "b_id", "b", null=True), fk("b", "a_id", "a", null=True)]
    [d], _ = run(["a", "b"], plain)
    assert d.child == "a"  # the first child in the manifest
    [d], _ = run(["b", "a"], plain)
    assert d.child == "b"


def test_the_choice_does_not_depend_on_the_order_edges_come_in():
    pairs = [
        fk("a", "b_id", "b"),
        fk("b", "c_id", "c", null=True),
        fk("c", "a_id", "a", null=True),
        fk("c", "d_id", "d"),
        fk("d", "c_id", "c", null=True),
    ]
    results = {
        tuple((d.parent, d.child) for d in run(["a", "b", "c", "d"], list(p))[0])
        for p in itertools.permutations(pairs)
    }
    assert len(results) == 1
    [chosen] = results
    assert set(chosen) == {("c", "b"), ("c", "d")}  # b and d before c: both cycles broken


def test_a_not_null_deferrable_key_is_deferred_only_on_postgresql():
    pairs = [fk("a", "b_id", "b", deferrable=True), fk("b", "a_id", "a")]
    [d], unbroken = run(["a", "b"], pairs)
    assert (d.child, d.mode, unbroken) == ("a", "deferrable", [])
    deferred, [u] = run(["a", "b"], pairs, dialect="mysql")
    assert deferred == []
    assert "a.b_id is NOT NULL, and its DEFERRABLE key is deferred on PostgreSQL only" in (
        u.message
    )


def test_nullable_beats_deferrable():
    pairs = [fk("a", "b_id", "b", deferrable=True), fk("b", "a_id", "a", null=True)]
    [d], _ = run(["a", "b"], pairs)
    assert (d.child, d.mode) == ("b", "update")


def test_not_null_cycle_is_refused_with_the_columns_and_the_ways_out():
    deferred, [u] = run(["a", "b"], [fk("a", "b_id", "b"), fk("b", "a_id", "a")])
    assert deferred == []
    assert u.nodes in (["a", "b", "a"], ["b", "a", "b"])
    assert u.message.endswith(": a.b_id is NOT NULL; b.a_id is NOT NULL")
    assert u.path == ("datasets", "a", "table")  # what the user wrote, first dataset first
    assert "make one of a.b_id, b.a_id nullable" in u.hint
    assert "DEFERRABLE" in u.hint
    assert "exclude: [b_id] under datasets.a" in u.hint


def test_depends_on_and_count_per_are_never_deferred():
    depends = Edge("b", "a", "a depends_on b", ("datasets", "a", "depends_on", 0))
    pairs = [(depends, None), fk("b", "a_id", "a")]
    deferred, [u] = run(["a", "b"], pairs)
    assert deferred == []
    assert u.message.endswith(": b.a_id is NOT NULL")
    _, nullable = fk("a", "b_id", "b", null=True)
    fixed_too = [(depends, nullable), fk("b", "a_id", "a")]
    deferred, [u] = run(["a", "b"], fixed_too)
    assert "a.b_id comes with a depends_on or count.per on b" in u.message
    _, link = fk("b", "a_id", "a", null=True)
    deferred, _ = run(["a", "b"], [(depends, None), (pairs[1][0], link)])
    [d] = deferred
    assert (d.parent, d.child) == ("a", "b")  # the depends_on edge stays


def test_without_a_shared_sql_target_nothing_is_deferred():
    pairs = [fk("a", "b_id", "b", null=True), fk("b", "a_id", "a")]
    deferred, [u] = run(["a", "b"], pairs, shared=False)
    assert deferred == []
    assert "a.b_id is not written to a sqlalchemy target both datasets share" in u.message
    assert u.hint.startswith("persist a and b to the same sqlalchemy target")


@pytest.mark.parametrize("n", [2, 3, 50])
def test_find_cycle_reports_parent_to_child(n):
    names = [f"d{i}" for i in range(n)]
    pairs = [(names[i], names[(i + 1) % n]) for i in range(n)]
    cycle = find_cycle(names, pairs)
    assert cycle is not None
    assert cycle[0] == cycle[-1]
    assert all(p in pairs for p in itertools.pairwise(cycle))
    assert find_cycle(names, pairs[1:]) is None


def test_a_sqlalchemy_model_declares_a_deferrable_foreign_key():
    import sqlalchemy as sa
    from sqlalchemy.orm import DeclarativeBase

    from seedrunner.models import shape_of

    class Base(DeclarativeBase):
        pass

    class Staff(Base):
        __tablename__ = "staff"
        staff_id = sa.Column(sa.Integer, primary_key=True)

    class Store(Base):
        __tablename__ = "store"
        store_id = sa.Column(sa.Integer, primary_key=True)
        manager = sa.Column(
            sa.Integer, sa.ForeignKey("staff.staff_id", deferrable=True, name="store_manager_fk")
        )
        plain = sa.Column(sa.Integer, sa.ForeignKey("staff.staff_id"))

    shape = shape_of(Store, "m:Store")
    manager, plain = shape.field("manager").foreign_key, shape.field("plain").foreign_key
    assert (manager.table, manager.deferrable, manager.constraint) == (
        "staff",
        True,
        "store_manager_fk",
    )
    assert (plain.deferrable, plain.constraint) == (False, None)


def test_a_self_reference_is_no_cycle_between_datasets():
    own = Edge("tree", "tree", "tree.parent_id foreign key -> tree.id", ("datasets", "tree"))
    deferred, unbroken = run(["tree"], [(own, None)])
    assert (deferred, unbroken) == ([], [])
