"""Builders for handler tests: a hand-made context, model shapes and batches."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from seedrunner.db.pool import ResourcePool
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext
from seedrunner.models.shape import FieldShape, ForeignKeyShape, ModelShape, TypeShape


def users_shape() -> ModelShape:
    return ModelShape(
        name="User",
        kind="pydantic",
        fields=[
            FieldShape("id", TypeShape("int"), primary_key=True),
            FieldShape("email", TypeShape("str", max_length=80), unique=True),
            FieldShape("name", TypeShape("str"), optional=True),
        ],
    )


def posts_shape() -> ModelShape:
    return ModelShape(
        name="Post",
        kind="dataclass",
        table_name="posts",
        fields=[
            FieldShape("id", TypeShape("int"), primary_key=True),
            FieldShape("user_id", TypeShape("int"), foreign_key=ForeignKeyShape("users", "id")),
            FieldShape("title", TypeShape("str", max_length=200)),
        ],
    )


def make_ctx(
    base_dir: Path,
    model: ModelShape | None = None,
    *,
    dataset: str = "users",
    resources: ResourcePool | None = None,
    fields: list[str] | None = None,
) -> HandlerContext:
    model = users_shape() if model is None else model
    return HandlerContext(
        dataset=dataset,
        target="t",
        model=model,
        fields=model.field_names if fields is None else fields,
        batch_size=2,
        total_rows=4,
        run_id="r",
        seed=0,
        base_dir=base_dir,
        resources=resources or ResourcePool(),
    )


def user_batches(n_batches: int = 2, *, dataset: str = "users") -> list[Batch]:
    out = []
    for b in range(n_batches):
        rows: list[dict[str, Any]] = [
            {"id": i + 1, "email": f"u{i + 1}@example.test", "name": None if i % 2 else f"U{i}"}
            for i in range(b * 2, b * 2 + 2)
        ]
        out.append(Batch.from_records(dataset, b, b * 2, rows))
    return out
