"""A dataset with neither ``model`` nor ``table``: its fields are the keys of ``fields``."""

from __future__ import annotations

from collections.abc import Sequence

from seedrunner.models.shape import FieldShape, ModelShape, TypeShape


def schemaless_shape(name: str, field_names: Sequence[str]) -> ModelShape:
    """Every field typed ``any``; values come only from the manifest's specs."""
    fields = [FieldShape(name=n, type=TypeShape("any")) for n in field_names]
    return ModelShape(name=name, kind="schemaless", fields=fields)
