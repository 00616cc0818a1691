"""Unique keys made of references: distinct draws, one-to-one counts, their plan errors, and
refs into fields of another type (converted when lossless, else refused at plan)."""

from __future__ import annotations

import sqlite3
import uuid

import pytest

from seedrunner import PlanError, apply, build_plan, load_manifest

MODELS = """
import uuid
from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

class Base(DeclarativeBase):
    pass

class Post(Base):
    __tablename__ = "posts"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(40))

class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40))

class PostTag(Base):
    __tablename__ = "post_tag"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    tag_id: Mapped[int] = mapped_column(ForeignKey("tags.id"), primary_key=True)

class PostStats(Base):
    __tablename__ = "post_stats"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    views: Mapped[int]

class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)

class Follow(Base):
    __tablename__ = "follows"
    follower_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)
    followee_id: Mapped[int] = mapped_column(ForeignKey("users.id"), primary_key=True)

class Line(Base):
    __tablename__ = "lines"
    id: Mapped[int] = mapped_column(primary_key=True)
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"))
    line_no: Mapped[int]
    note: Mapped[str] = mapped_column(String(20))
    __table_args__ = (UniqueConstraint("post_id", "line_no"),)

class ShortLine(Base):
    __tablename__ = "short_lines"
    post_id: Mapped[int] = mapped_column(ForeignKey("posts.id"), primary_key=True)
    line_no: Mapped[int] = mapped_column(primary_key=True)
    __table_args__ = (CheckConstraint("line_no BETWEEN 1 AND 3"),)

class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True)

class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    account: Mapped[str] = mapped_column(String(36))
    short: Mapped[str] = mapped_column(String(10))
    number: Mapped[int]
"""


def _manifest(manifest, tmp_path, datasets: str):
    return manifest(
        f"""
        version: 1
        seed: 4
        python_path: ["."]
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///{tmp_path}/out.db", create_tables: true}}
        datasets:
        {datasets}
        """,
        **{"joinmodels.py": MODELS},
    )


def _rows(tmp_path, sql: str) -> list[tuple[object, ...]]:
    con = sqlite3.connect(tmp_path / "out.db")
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


PARENTS = """
          posts: {model: "joinmodels:Post", count: 20, persist: [db]}
          tags: {model: "joinmodels:Tag", count: 15, persist: [db]}"""


def test_a_join_table_gets_every_pair_once_and_says_so(manifest, tmp_path):
    path = _manifest(
        manifest,
        tmp_path,
        PARENTS + '\n          post_tag: {model: "joinmodels:PostTag", count: 300, persist: [db]}',
    )
    plan = build_plan(load_manifest(path))
    fields = {f.name: f.source for f in plan.dataset("post_tag").fields}
    assert fields["post_id"] == "ref posts.id, distinct (post_id, tag_id) of 20 x 15 = 300"
    assert apply(plan).ok
    pairs = _rows(tmp_path, "SELECT post_id, tag_id FROM post_tag")
    assert len(pairs) == len(set(pairs)) == 300  # every (post, tag) exactly once


def test_more_rows_than_pairs_is_a_plan_error_naming_key_and_capacity(manifest, tmp_path):
    path = _manifest(
        manifest,
        tmp_path,
        PARENTS + '\n          post_tag: {model: "joinmodels:PostTag", count: 301, persist: [db]}',
    )
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    p = err.value.problems[0]
    assert p.code == "SR-E042"
    assert p.message == (
        "post_tag: 301 rows need distinct (post_id, tag_id), but posts x tags give only "
        "20 x 15 = 300"
    )
    assert p.hint == "lower count to at most 300, or seed more rows in posts or tags"
    assert p.location is not None
    assert p.location.line == 11  # the count that asks too much
    assert not (tmp_path / "out.db").exists()  # nothing written, not even opened


def test_per_parent_pairs_are_distinct_per_parent_and_bounded_by_the_others(manifest, tmp_path):
    per = "{per: posts, min: 0, max: %d}"
    text = PARENTS + '\n          post_tag: {model: "joinmodels:PostTag", count: %s, persist: [db]}'
    path = _manifest(manifest, tmp_path, text % (per % 15))
    plan = build_plan(load_manifest(path))
    assert apply(plan).ok
    pairs = _rows(tmp_path, "SELECT post_id, tag_id FROM post_tag")
    assert len(pairs) == len(set(pairs)) == plan.dataset("post_tag").count.total > 20
    path = _manifest(manifest, tmp_path, text % (per % 16))
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    p = err.value.problems[0]
    assert p.code == "SR-E042"
    assert "up to 16 rows per posts row need distinct (post_id, tag_id)" in p.message
    assert p.message.endswith("but for one posts row tags give only 15")
    assert p.hint == "lower count.max (or exactly) to at most 15, or seed more rows in tags"


def test_a_key_that_is_a_foreign_key_gives_one_row_per_parent(manifest, tmp_path):
    stats = '\n          post_stats: {model: "joinmodels:PostStats", %spersist: [db]}'
    path = _manifest(manifest, tmp_path, PARENTS + stats % "")
    plan = build_plan(load_manifest(path))
    assert plan.dataset("post_stats").count.total == 20  # the count is not written
    assert apply(plan).ok
    assert _rows(tmp_path, "SELECT post_id FROM post_stats ORDER BY rowid") == [
        (i,) for i in range(1, 21)
    ]
    (tmp_path / "out.db").unlink()
    path = _manifest(manifest, tmp_path, PARENTS + stats % "count: 7, ")
    assert apply(build_plan(load_manifest(path))).ok
    keys = [r[0] for r in _rows(tmp_path, "SELECT post_id FROM post_stats")]
    assert len(keys) == len(set(keys)) == 7
    assert keys != list(range(1, 8))  # a seeded choice of 7 distinct posts
    path = _manifest(manifest, tmp_path, PARENTS + stats % "count: 21, ")
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    p = err.value.problems[0]
    assert p.message == "post_stats: 21 rows need distinct (post_id), but posts give only 20"
    assert p.hint == (
        "leave count out (one row per posts row), lower count to at most 20, or seed more "
        "rows in posts"
    )


def test_a_plain_int_beside_the_parent_numbers_its_children(manifest, tmp_path):
    count = "{per: posts, min: 1, max: 6}"
    lines = f'\n          lines: {{model: "joinmodels:Line", count: {count}, persist: [db]}}'
    path = _manifest(manifest, tmp_path, PARENTS + lines)
    assert apply(build_plan(load_manifest(path))).ok
    rows = _rows(tmp_path, "SELECT post_id, line_no FROM lines ORDER BY id")
    by_post: dict[object, list[object]] = {}
    for post, no in rows:
        by_post.setdefault(post, []).append(no)
    assert len(by_post) == 20
    assert all(nos == list(range(1, len(nos) + 1)) for nos in by_post.values())


def test_a_ref_into_a_uuid_key_is_converted_to_text(manifest, tmp_path):
    notes = """
          accounts: {model: "joinmodels:Account", count: 5, persist: [db]}
          notes:
            model: "joinmodels:Note"
            count: 8
            fields: {account: {ref: accounts.id}, short: {ref: posts.id}}
            persist: [db]"""
    path = _manifest(manifest, tmp_path, PARENTS + notes)
    plan = build_plan(load_manifest(path))
    fields = {f.name: f.source for f in plan.dataset("notes").fields}
    assert fields["account"] == "ref accounts.id (as str)"
    assert apply(plan).ok
    accounts = {uuid.UUID(r[0]) for r in _rows(tmp_path, "SELECT id FROM accounts")}
    for account, short in _rows(tmp_path, "SELECT account, short FROM notes"):
        assert uuid.UUID(account) in accounts
        assert 1 <= int(short) <= 20


@pytest.mark.parametrize(
    ("field", "target", "why"),
    [
        ("short", "accounts.id", "its values take up to 36 characters, the column holds 10"),
        ("number", "tags.name", "str values do not convert to int without loss"),
    ],
)
def test_a_ref_that_cannot_convert_is_a_plan_error(manifest, tmp_path, field, target, why):
    notes = f"""
          accounts: {{model: "joinmodels:Account", count: 5, persist: [db]}}
          notes:
            model: "joinmodels:Note"
            count: 8
            fields: {{{field}: {{ref: {target}}}}}
            persist: [db]"""
    path = _manifest(manifest, tmp_path, PARENTS + notes)
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(path))
    p = err.value.problems[0]
    assert p.code == "SR-E044"
    assert p.message.startswith(f"notes.{field} (")
    assert p.message.endswith(why)
    assert p.location is not None
    assert p.location.line == 15


@pytest.mark.parametrize("count", ["90", "{per: users, exactly: 9}"])
def test_two_references_to_one_table_never_pair_a_row_with_itself(manifest, tmp_path, count):
    follows = f"""
          users: {{model: "joinmodels:User", count: 10, persist: [db]}}
          follows: {{model: "joinmodels:Follow", count: {count}, persist: [db]}}"""
    path = _manifest(manifest, tmp_path, follows)
    plan = build_plan(load_manifest(path))
    assert apply(plan).ok
    pairs = _rows(tmp_path, "SELECT follower_id, followee_id FROM follows")
    assert len(pairs) == len(set(pairs)) == 90  # every ordered pair of two users
    assert all(a != b for a, b in pairs)


@pytest.mark.parametrize(
    ("count", "message"),
    [
        ("91", "91 rows need distinct (follower_id, followee_id), but users x users give "
         "only 10 x 9 = 90 (no row paired with itself)"),
        ("{per: users, exactly: 10}", "up to 10 rows per users row need distinct "
         "(follower_id, followee_id), but for one users row users give only 9 (no row "
         "paired with itself)"),
    ],
)  # fmt: skip
def test_pairs_of_one_table_count_without_the_diagonal(manifest, tmp_path, count, message):
    follows = f"""
          users: {{model: "joinmodels:User", count: 10, persist: [db]}}
          follows: {{model: "joinmodels:Follow", count: {count}, persist: [db]}}"""
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(_manifest(manifest, tmp_path, follows)))
    assert err.value.problems[0].message == f"follows: {message}"


def test_refs_written_on_the_key_columns_join_the_same_draw(manifest, tmp_path):
    declared = """
          post_tag:
            model: "joinmodels:PostTag"
            count: 120
            fields: {post_id: {ref: posts.id}, tag_id: {ref: tags.id}}
            persist: [db]"""
    inferred = '\n          post_tag: {model: "joinmodels:PostTag", count: 120, persist: [db]}'
    pairs = []
    for text in (declared, inferred):
        (tmp_path / "out.db").unlink(missing_ok=True)
        assert apply(build_plan(load_manifest(_manifest(manifest, tmp_path, PARENTS + text)))).ok
        pairs.append(_rows(tmp_path, "SELECT post_id, tag_id FROM post_tag ORDER BY rowid"))
    assert pairs[0] == pairs[1]
    assert len(set(pairs[0])) == 120


def test_a_pydantic_id_that_refers_to_a_parent_is_one_to_one(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        datasets:
          users: {model: "people:User", count: 12}
          profiles:
            model: "people:Profile"
            fields: {id: {ref: users.id}}
        """,
        **{
            "people.py": """
            from pydantic import BaseModel

            class User(BaseModel):
                id: int
                name: str

            class Profile(BaseModel):
                id: int
                bio: str
            """
        },
    )
    plan = build_plan(load_manifest(path))
    profiles = plan.dataset("profiles")
    assert profiles.count.total == 12  # one per user, the count not written
    (key,) = [f for f in profiles.fields if f.name == "id"]
    assert key.source == "ref users.id, one per users row, in order (one-to-one)"


def test_numbered_children_must_fit_the_columns_bounds(manifest, tmp_path):
    count = "{per: posts, min: 1, max: %d}"
    lines = '\n          lines: {model: "joinmodels:ShortLine", count: %s, persist: [db]}'
    path = _manifest(manifest, tmp_path, PARENTS + lines % (count % 3))
    assert apply(build_plan(load_manifest(path))).ok
    assert max(r[0] for r in _rows(tmp_path, "SELECT line_no FROM short_lines")) == 3
    with pytest.raises(PlanError) as err:
        build_plan(load_manifest(_manifest(manifest, tmp_path, PARENTS + lines % (count % 4))))
    p = err.value.problems[0]
    assert p.message == (
        "lines: up to 4 rows per posts row are numbered 1, 2, ... in line_no for a distinct "
        "(post_id, line_no), but line_no stops at 3"
    )
    assert p.hint == "lower count.max (or exactly) to at most 3, or give line_no a spec"
