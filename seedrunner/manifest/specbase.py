"""The base of every manifest model: what all of them share in how YAML is taken."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Spec(BaseModel):
    """Base of every manifest model: unknown keys are errors, YAML types are taken strictly."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)
