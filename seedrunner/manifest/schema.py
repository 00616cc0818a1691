"""The manifest as written: pydantic models of format version 1.

These models describe the YAML and nothing more; names are resolved, models imported and
templates compiled later (plan/).  They feed the JSON Schema in ``schemas/``, so every key
carries a description.  Unions use callable discriminators so that one mistake gives one
error, not one per union member.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from seedrunner.manifest.fieldspecs import (
    SPEC_KINDS,
    ChoiceSpec,
    FakerSpec,
    FieldSpec,
    Modifiers,
    RefSpec,
    Scalar,
    SequenceSpec,
    SkipSpec,
    TableRefSpec,
    TemplateSpec,
    ValueSpec,
)
from seedrunner.manifest.specbase import Spec
from seedrunner.manifest.transformspecs import (
    CallTransform,
    DropTransform,
    HashTransform,
    RenameTransform,
    SetTransform,
    TemplateTransform,
    TransformEntry,
)

__all__ = [
    "NAME_PATTERN",
    "SPEC_KINDS",
    "CallTransform",
    "ChoiceSpec",
    "CollectionsSpec",
    "Count",
    "CountPerSpec",
    "DatasetSpec",
    "DefaultsSpec",
    "DropTransform",
    "FakerSpec",
    "FieldSpec",
    "HashTransform",
    "Locale",
    "ManifestSpec",
    "Modifiers",
    "PersistEntry",
    "RefSpec",
    "RenameTransform",
    "RetriesSpec",
    "Scalar",
    "SequenceSpec",
    "SetTransform",
    "SkipSpec",
    "Spec",
    "TableRefSpec",
    "TargetSpec",
    "TemplateSpec",
    "TemplateTransform",
    "TransformEntry",
    "ValueSpec",
]

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"

# --------------------------------------------------------------------------- datasets


class CountPerSpec(Spec):
    per: str = Field(description="Parent dataset: this many children for each of its rows.")
    min: int | None = Field(default=None, ge=0, description="Fewest children per parent.")
    max: int | None = Field(default=None, ge=0, description="Most children per parent.")
    exactly: int | None = Field(default=None, ge=0, description="Exactly N children per parent.")

    @model_validator(mode="after")
    def _bounds(self) -> CountPerSpec:
        if self.exactly is not None and (self.min is not None or self.max is not None):
            raise PydanticCustomError("count_per", "give either `exactly` or `min`/`max`, not both")
        if self.exactly is None and self.min is None and self.max is None:
            raise PydanticCustomError("count_per", "count.per needs `exactly` or `min`/`max`")
        lo, hi = self.bounds
        if lo > hi:
            raise PydanticCustomError(
                "count_per", "count.per min ({lo}) is greater than max ({hi})", {"lo": lo, "hi": hi}
            )
        return self

    @property
    def bounds(self) -> tuple[int, int]:
        if self.exactly is not None:
            return self.exactly, self.exactly
        lo = self.min if self.min is not None else 0
        hi = self.max if self.max is not None else max(lo, 3)
        return lo, hi


def _count_kind(v: Any) -> str:
    return "per" if isinstance(v, dict | CountPerSpec) else "int"


Count = Annotated[
    Annotated[Annotated[int, Field(ge=0)], Tag("int")] | Annotated[CountPerSpec, Tag("per")],
    Discriminator(_count_kind),
]


class TargetSpec(BaseModel):
    """A handler instance: ``handler`` plus that handler's own options."""

    model_config = ConfigDict(extra="allow")

    handler: str = Field(
        description="Built-in handler name, entry point, or `package.module:Class`."
    )

    @property
    def options(self) -> dict[str, Any]:
        return {"handler": self.handler, **(self.model_extra or {})}


def _persist_kind(v: Any) -> str:
    return "inline" if isinstance(v, dict | TargetSpec) else "name"


PersistEntry = Annotated[
    Annotated[str, Tag("name")] | Annotated[TargetSpec, Tag("inline")],
    Discriminator(_persist_kind),
]


class RetriesSpec(Spec):
    max: int = Field(default=2, ge=0, description="Retries of a failed batch (transient errors).")
    wait: float = Field(default=0.5, ge=0, description="Seconds before the first retry.")
    backoff: float = Field(default=2.0, ge=1, description="Multiplier of the wait per retry.")

    model_config = ConfigDict(extra="forbid", strict=False)


class CollectionsSpec(Spec):
    min_items: int = Field(default=0, ge=0, description="Fewest items in generated lists.")
    max_items: int = Field(default=3, ge=0, description="Most items in generated lists.")

    @model_validator(mode="after")
    def _order(self) -> CollectionsSpec:
        if self.min_items > self.max_items:
            raise PydanticCustomError("collections", "min_items is greater than max_items")
        return self


Locale = str | list[str]


class DatasetSpec(Spec):
    model: str | None = Field(
        default=None, description="`package.module:Name` or `path/file.py:Name`."
    )
    table: str | None = Field(
        default=None, description="With no model: a table read from the first SQL target."
    )
    count: Count = Field(default=10, description="Rows, or `{per: DATASET, min, max | exactly}`.")
    rows: list[dict[str, Any]] | None = Field(
        default=None,
        description="Fixed rows given inline (reference data: statuses, countries, roles); "
        "typed and validated by the model or table. The count is their number.",
    )
    from_: str | None = Field(
        default=None,
        alias="from",
        description="Fixed rows read from a file beside the manifest: .csv, .json (a list of "
        "objects) or .jsonl. The count is their number.",
    )
    fields: dict[str, FieldSpec] = Field(
        default_factory=dict, description="Field -> value spec; overrides the model."
    )
    exclude: list[str] = Field(
        default_factory=list, description="Fields not generated (left to defaults)."
    )
    transforms: list[TransformEntry] = Field(
        default_factory=list, description="Ordered transform steps."
    )
    persist: list[PersistEntry] = Field(
        default_factory=list, description="Ordered handler chain: target names or inline specs."
    )
    depends_on: list[str] = Field(
        default_factory=list, description="Datasets persisted before this one."
    )
    seed: int | None = Field(default=None, description="This dataset's own seed.")
    locale: Locale | None = Field(default=None, description="Faker locale(s) for this dataset.")
    batch_size: int | None = Field(default=None, ge=1, description="Rows per batch.")
    retries: RetriesSpec | None = Field(default=None, description="Retry policy override.")


def _null_word(v: Any) -> Any:
    """``on_cycle: null`` written bare is YAML's null: it means the word."""
    return "null" if v is None else v


class DefaultsSpec(Spec):
    batch_size: int = Field(default=500, ge=1, description="Rows per batch.")
    retries: RetriesSpec = Field(default_factory=RetriesSpec, description="Retry policy.")
    collections: CollectionsSpec = Field(
        default_factory=CollectionsSpec, description="Sizes of generated lists."
    )
    max_depth: int = Field(
        default=2,
        ge=0,
        description="How deep a model that contains itself (children: list[Node]) is generated.",
    )
    on_cycle: Annotated[Literal["empty", "null", "error"], BeforeValidator(_null_word)] = Field(
        default="empty",
        description="Past max_depth a self-containing field is an empty collection, null, or "
        "a plan error.",
    )


def _parse_now(v: Any) -> Any:
    if isinstance(v, dt.datetime):
        return v if v.tzinfo else v.replace(tzinfo=dt.UTC)
    if isinstance(v, dt.date):
        return dt.datetime(v.year, v.month, v.day, tzinfo=dt.UTC)
    if isinstance(v, str):
        try:
            parsed = dt.datetime.fromisoformat(v.strip())
        except ValueError:
            raise PydanticCustomError(
                "now_format",
                "now must be an ISO 8601 date or time such as 2026-01-01T00:00:00Z, got {v}",
                {"v": repr(v)},
            ) from None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return v


class ManifestSpec(Spec):
    """A seedrunner manifest, format version 1."""

    model_config = ConfigDict(
        extra="forbid",
        strict=True,
        title="seedrunner manifest v1",
        json_schema_extra={"$id": "https://seedrunner.dev/schemas/manifest-v1.schema.json"},
    )

    version: Literal[1] = Field(description="Format version: 1.")
    name: str | None = Field(default=None, description="Shown in output; defaults to the stem.")
    seed: int = Field(default=0, description="Run seed: same manifest + seed = same rows.")
    now: Annotated[dt.datetime | None, BeforeValidator(_parse_now)] = Field(
        default=None, description="ISO 8601 clock for relative dates (default: real time)."
    )
    locale: Locale = Field(default="en_US", description="Default Faker locale(s).")
    locale_map: dict[str, Locale] = Field(
        default_factory=dict,
        description="Glob on `dataset`, `dataset.field` or `*.field` -> locale; "
        "most specific wins.",
    )
    python_path: list[str] = Field(
        default_factory=list, description="Folders (relative to this file) put on sys.path."
    )
    vars: dict[str, Any] = Field(
        default_factory=dict, description="Rendered once in order; templates see vars.NAME."
    )
    defaults: DefaultsSpec = Field(
        default_factory=DefaultsSpec, description="Defaults for datasets."
    )
    targets: dict[str, TargetSpec] = Field(
        default_factory=dict, description="Named handler instances, referenced by `persist`."
    )
    datasets: dict[str, DatasetSpec] = Field(min_length=1, description="What to generate.")
    extends: str | None = Field(
        default=None, description="A manifest this one overrides key by key."
    )

    @field_validator("datasets", "targets")
    @classmethod
    def _names(cls, v: dict[str, Any]) -> dict[str, Any]:
        for name in v:
            if not re.match(NAME_PATTERN, name):
                raise PydanticCustomError(
                    "bad_name",
                    "name {name!r} must start with a letter or _ and hold only letters, digits, "
                    "_ and -",
                    {"name": name},
                )
        return v
