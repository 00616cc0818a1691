"""A field's value spec as written: ``faker``, ``choice``, ``sequence``, ``ref``, ``skip``,
``value``, ``template``, a template string or a plain scalar.

One union with a callable discriminator (``spec_kind``), so that one mistake gives one error,
not one per kind; a mapping naming no kind, or several, is refused before it is tried.
"""

from __future__ import annotations

import datetime as dt
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

from seedrunner.manifest.specbase import Spec
from seedrunner.sandbox import SecurityError, check_format

SPEC_KINDS = ("faker", "choice", "sequence", "ref", "skip", "value", "template")


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
    ref: (
        Annotated[
            str,
            Field(
                pattern=r"^[A-Za-z_][A-Za-z0-9_\-]*\.[A-Za-z_][A-Za-z0-9_]*$",
                description="`DATASET.FIELD`: a value from another dataset's rows (the parent's "
                "with count.per, else a seeded pick).",
            ),
        ]
        | TableRefSpec
    ) = Field(
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


def spec_kind(v: Any) -> str | None:
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
    Discriminator(spec_kind),
    BeforeValidator(_check_spec_mapping),
]
