"""The manifest as written: pydantic models of format version 1.

These models describe the YAML and nothing more; names are resolved, models imported and
templates compiled later (plan/).  They feed the JSON Schema in ``schemas/``, so every key
carries a description.  Unions use callable discriminators so that one mistake gives one
error, not one per union member.
"""

from __future__ import annotations

import datetime as dt
import re
import string
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

from seedrunner.sandbox import SecurityError, check_format

NAME_PATTERN = r"^[A-Za-z_][A-Za-z0-9_\-]*$"
SPEC_KINDS = ("faker", "choice", "sequence", "ref", "skip", "value", "template")


class Spec(BaseModel):
    """Base of every manifest model: unknown keys are errors, YAML types are taken strictly."""

    model_config = ConfigDict(extra="forbid", strict=True, populate_by_name=True)


# --------------------------------------------------------------------------- value specs


class Modifiers(Spec):
    unique: bool = Field(default=False, description="No repeated values within the dataset.")
    null_probability: float = Field(
        default=0.0, ge=0.0, le=1.0, description="Share of rows whose value is null (0..1)."
    )
    depends_on: list[str] | None = Field(
        default=None,
        description="On a foreign-key column: the datasets this field's values must exist in "
        "first. Default: the dataset that seeds the referenced table; `[]` drops that edge.",
    )


class FakerSpec(Modifiers):
    """``{faker: provider, ...kwargs}``: a Faker provider called with keyword arguments."""

    model_config = ConfigDict(extra="allow", strict=True)

    faker: str = Field(description="Faker provider name, e.g. `email` or `pyint`.")
    locale: str | list[str] | None = Field(
        default=None, description="Faker locale(s) for this field only."
    )

    @property
    def kwargs(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class ChoiceSpec(Modifiers):
    choice: list[Any] = Field(min_length=1, description="The values to pick from.")
    weights: list[float] | None = Field(
        default=None, description="Relative weights, one per value (default: equal)."
    )

    @model_validator(mode="after")
    def _weights_match(self) -> ChoiceSpec:
        if self.weights is not None:
            if len(self.weights) != len(self.choice):
                raise PydanticCustomError(
                    "choice_weights",
                    "choice has {n} values but {w} weights",
                    {"n": len(self.choice), "w": len(self.weights)},
                )
            if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
                raise PydanticCustomError(
                    "choice_weights", "choice weights must be >= 0 and not all zero"
                )
        return self


class SequenceSpec(Modifiers):
    sequence: str | None = Field(
        description="Python format string fed n = start, start+1, ... (e.g. `ORD-{n:06d}`); "
        "null for plain integers."
    )
    start: int = Field(default=0, description="The first number.")
    step: int = Field(default=1, description="Increment between rows (not 0).")

    @field_validator("step")
    @classmethod
    def _moves(cls, v: int) -> int:
        if v == 0:
            raise PydanticCustomError(
                "sequence_step", "sequence step must not be 0 (every row would repeat the first)"
            )
        return v

    @field_validator("sequence")
    @classmethod
    def _format_ok(cls, v: str | None) -> str | None:
        if v is not None:
            try:
                _plain_n_format(v)
                v.format(0, n=0)
            except (KeyError, IndexError, ValueError, TypeError, SecurityError) as e:
                raise PydanticCustomError(
                    "sequence_format",
                    "sequence format '{fmt}' is not a valid format for n: {err}",
                    {"fmt": v, "err": str(e)},
                ) from None
        return v


def _plain_n_format(fmt: str) -> None:
    """Only ``{n}`` / ``{}`` / ``{0}`` with a small spec: ``str.format`` walks attributes
    (``{n.__class__.__mro__}``) and pads to any width (``{n:>999999999}``) otherwise."""
    for _, name, _, _ in string.Formatter().parse(fmt):
        if name not in (None, "", "0", "n"):
            raise ValueError(f"only {{n}} may be formatted, not {{{name}}}")
    check_format(fmt, "{}")


class TableRefSpec(Spec):
    """``{table: country, column: code, where: "active"}``: rows the application already has."""

    table: str = Field(description="A table in the target's database that no dataset seeds.")
    column: str = Field(description="The column whose values are picked.")
    schema_: str | None = Field(
        default=None, alias="schema", description="The table's schema (default: the target's)."
    )
    where: str | None = Field(
        default=None,
        description="A SQL condition on the table's rows, e.g. `active` or `region = 'EU'`; "
        "read once while planning.",
    )
    target: str | None = Field(
        default=None,
        description="The sqlalchemy target whose database holds the table (default: the "
        "dataset's first sqlalchemy target).",
    )


class RefSpec(Spec):
    ref: Annotated[
        str,
        Field(
            pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*\.[A-Za-z_][A-Za-z0-9_]*$",
            description="`DATASET.FIELD`: a value from another dataset's rows (the parent's "
            "with count.per, else a seeded pick).",
        ),
    ] | TableRefSpec = Field(
        description="`DATASET.FIELD` (another dataset's rows), or `{table, column, where}` "
        "(rows already in the database that no dataset seeds)."
    )
    null_probability: float = Field(default=0.0, ge=0.0, le=1.0, description="Share of nulls.")
    roots: int | None = Field(
        default=None,
        ge=1,
        description="A reference to the dataset's own rows (a tree): how many rows are roots "
        "(no parent); under count.per, per parent row. Default: about one in ten, at least one.",
    )
    max_depth: int | None = Field(
        default=None,
        ge=1,
        description="A reference to the dataset's own rows: the deepest level below a root "
        "(default 4).",
    )
    depends_on: list[str] | None = Field(
        default=None, description="`[]`: this reference makes no ordering edge."
    )

    @property
    def dataset_ref(self) -> tuple[str, str] | None:
        """``(dataset, field)`` of a ``DATASET.FIELD`` reference, else None."""
        if isinstance(self.ref, str):
            dataset, _, target = self.ref.partition(".")
            return dataset, target
        return None

    @property
    def table_ref(self) -> TableRefSpec | None:
        return self.ref if isinstance(self.ref, TableRefSpec) else None


class SkipSpec(Spec):
    skip: Literal[True] = Field(description="Leave the field out of the row.")


class ValueSpec(Spec):
    value: Any = Field(description="A literal value, even a mapping or a string with braces.")


class TemplateSpec(Modifiers):
    template: str = Field(description="A Jinja2 template rendered per row in the sandbox.")


def _spec_kind(v: Any) -> str | None:
    if isinstance(v, dict):
        kinds = [k for k in SPEC_KINDS if k in v]
        return kinds[0] if len(kinds) == 1 else None
    if isinstance(v, BaseModel):
        for k in SPEC_KINDS:
            if k in type(v).model_fields:
                return k
    if isinstance(v, str) and ("{{" in v or "{%" in v):
        return "template_str"
    return "scalar"


def _check_spec_mapping(v: Any) -> Any:
    if isinstance(v, dict):
        kinds = [k for k in SPEC_KINDS if k in v]
        if len(kinds) > 1:
            raise PydanticCustomError(
                "field_spec_ambiguous",
                "a field spec takes one of {kinds}, not several ({found})",
                {"kinds": ", ".join(SPEC_KINDS), "found": ", ".join(kinds)},
            )
        if not kinds:
            raise PydanticCustomError(
                "field_spec_kind",
                "a field spec mapping needs one of: {kinds} (for a literal mapping write "
                "{example})",
                {"kinds": ", ".join(SPEC_KINDS), "example": "{value: {...}}"},
            )
    return v


Scalar = str | int | float | bool | dt.date | dt.datetime | list[Any] | None

FieldSpec = Annotated[
    Annotated[FakerSpec, Tag("faker")]
    | Annotated[ChoiceSpec, Tag("choice")]
    | Annotated[SequenceSpec, Tag("sequence")]
    | Annotated[RefSpec, Tag("ref")]
    | Annotated[SkipSpec, Tag("skip")]
    | Annotated[ValueSpec, Tag("value")]
    | Annotated[TemplateSpec, Tag("template")]
    | Annotated[str, Tag("template_str")]
    | Annotated[Scalar, Tag("scalar")],
    Discriminator(_spec_kind),
    BeforeValidator(_check_spec_mapping),
]

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
    on_cycle: Annotated[
        Literal["empty", "null", "error"], BeforeValidator(_null_word)
    ] = Field(
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
