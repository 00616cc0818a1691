"""A dataset's transform steps as written: ``drop``, ``rename``, ``call``, ``set``,
``template``, ``hash``, or a ``package.module:callable`` path.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Discriminator, Field, Tag

from seedrunner.manifest.specbase import Spec


class DropTransform(Spec):
    drop: list[str] = Field(description="Fields removed from every row before persisting.")


class RenameTransform(Spec):
    rename: dict[str, str] = Field(description="Old name -> new name.")


class CallTransform(Spec):
    call: str = Field(description="`package.module:callable` taking (batch, ctx).")
    options: dict[str, Any] = Field(default_factory=dict, description="Passed as ctx.options.")


class SetTransform(Spec):
    set: dict[str, Any] = Field(
        description="Field -> value given to every row (added or replaced)."
    )


class TemplateTransform(Spec):
    template: dict[str, str] = Field(
        description="Field -> template rendered per row from the row as it is at this step "
        "(added or replaced); sees the row's fields, row, vars, index and now."
    )


class HashTransform(Spec):
    hash: list[str] = Field(description="Fields whose values are replaced by their hash.")
    algorithm: Literal["sha256", "pbkdf2_sha256", "bcrypt"] = Field(
        default="sha256",
        description="sha256 (hex digest), pbkdf2_sha256 (Django's format, stdlib) or bcrypt "
        "(needs the bcrypt package: pip install 'seedrunner[passwords]'). Salts are derived "
        "from the seed and the row, so hashes are the same on every run.",
    )
    rounds: int | None = Field(
        default=None,
        ge=1,
        description="Work factor: PBKDF2 iterations (default 1000) or bcrypt cost (default 4, "
        "at least 4). Seed data favours speed; raise it if your tests measure login time.",
    )


def _transform_kind(v: Any) -> str:
    if isinstance(v, str):
        return "path"
    if isinstance(v, dict):
        for k in ("drop", "rename", "call", "set", "template", "hash"):
            if k in v:
                return k
    if isinstance(v, BaseModel):
        return next(iter(type(v).model_fields))
    return "call"


TransformEntry = Annotated[
    Annotated[str, Tag("path")]
    | Annotated[DropTransform, Tag("drop")]
    | Annotated[RenameTransform, Tag("rename")]
    | Annotated[CallTransform, Tag("call")]
    | Annotated[SetTransform, Tag("set")]
    | Annotated[TemplateTransform, Tag("template")]
    | Annotated[HashTransform, Tag("hash")],
    Discriminator(_transform_kind),
]
