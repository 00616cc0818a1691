"""The plan as data: datasets in dependency order, each a chain of steps.

A Plan holds everything apply needs and nothing that touches the outside world: compiled
column generators, resolved counts, validated handler options.  ``seedrunner plan``
renders it; ``apply`` executes it.
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from seedrunner.generate.columns import Column
from seedrunner.generate.forest import Forest
from seedrunner.generate.templates import TemplateField
from seedrunner.handlers.base import HandlerOptions
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.ledger.spec import LedgerSpec
from seedrunner.models.shape import ModelShape
from seedrunner.redact import MASK, redact_options, secret_fields


@dataclass(frozen=True)
class RefPlan:
    """A value taken from another dataset's rows."""

    dataset: str
    field: str
    via_parent: bool  # the count.per parent's row; else a seeded pick over all parent rows
    # The field's column gives parent row indexes (a distinct draw, plan.joins), not a
    # uniform number to scale to the parent's rows.
    indexed: bool = False
    # How a parent value becomes this field's type when they differ (plan.reftypes), e.g.
    # "str" for a UUID or int key into a string column; None: taken as it is.
    convert: str | None = None
    # Rows written before the parent grew: (start, stop, n) says rows [start, stop) picked
    # among the parent's first n rows (plan/growth.py); other rows pick among all of them.
    among: tuple[tuple[int, int, int], ...] = ()


@dataclass(frozen=True)
class TreePlan:
    """A reference to the dataset's own rows: each row's parent is an earlier row (a forest)."""

    forest: Forest
    key: str  # the dataset's own field whose value a child takes from its parent row
    self_roots: bool  # NOT NULL column: a root points at itself instead of holding null
    grouped: bool = False  # count.per: a forest within each parent row's children
    # Rows added by raised counts (plan/growth.py): (start, forest) says rows from
    # ``start`` on (to the next segment) are a forest of their own; () is one forest.
    segments: tuple[tuple[int, Forest], ...] = ()

    def parents(self, start: int, n: int, groups: Sequence[int] | None) -> list[int | None]:
        """The parent row of rows ``[start, start + n)`` (None: a root)."""
        if not self.segments:
            return self.forest.parents(start, n, groups)
        out: list[int | None] = []
        bounds = [s for s, _ in self.segments[1:]] + [start + n]
        for (first, forest), stop in zip(self.segments, bounds, strict=True):
            a, b = max(start, first), min(start + n, stop)
            if a < b:
                local = forest.parents(a - first, b - a)
                out += [None if p is None else p + first for p in local]
        return out


@dataclass
class FieldPlan:
    name: str
    kind: Literal["column", "template", "ref"]
    source: str  # how the value is made, for `plan` output ("faker email", "by name", ...)
    column: Column | None = None  # for "column", and the row picker for a "ref"
    template: TemplateField | None = None
    ref: RefPlan | None = None
    null_probability: float = 0.0
    null_column: Column | None = None  # the null mask stream for refs and templates
    unique: bool = False  # templates: checked as rendered (they cannot be redrawn)
    # Every value the generator can produce fits the field's TypeShape, proven at plan time
    # (plan.fields); apply then leaves the field out of the per-batch check where the model's
    # check is its shape (SQLAlchemy, reflected tables).  False whenever in doubt.
    guaranteed: bool = False
    tree: TreePlan | None = None  # a "ref" to the dataset's own rows (ref.dataset is itself)


@dataclass
class DeferredRef:
    """An edge of a cycle taken out of the order (``plan.cycles``): the child is written
    before the parent, and its column gets the parent's keys afterwards.

    ``update``: the column is written NULL, then UPDATEd in the parent's transaction once
    the parent's rows are in.  ``deferrable``: the column is written with its values at
    once, the foreign key checked at COMMIT (PostgreSQL ``SET CONSTRAINTS ... DEFERRED``)
    of the one transaction that holds both datasets.
    """

    child: str
    field: str  # the child's column
    parent: str
    column: str  # the parent's field the values come from
    mode: Literal["update", "deferrable"]
    why: str  # the edge, as plan shows it
    target: str  # the SQL target both datasets are written to
    ref: FieldPlan | None = None  # the column's ref as compiled: its row picker, null mask
    keys: tuple[str, ...] = ()  # the child's primary key fields (which rows to update)
    unique: bool = False  # a unique column: distinct parents
    constraint: str | None = None  # the deferrable foreign key's name
    table: str | None = None  # the target's table for the child, when its options name one
    schema: str | None = None  # ... and its schema

    @property
    def label(self) -> str:
        return f"{self.child}.{self.field} -> {self.parent}.{self.column}"


@dataclass
class CountPlan:
    """How many rows, and for ``count.per`` which parent row each child belongs to."""

    total: int
    per: str | None = None
    cumulative: Sequence[int] | None = None  # children of parents 0..p, summed
    bounds: tuple[int, int] | None = None  # children per parent, as written

    def parent_of(self, rows: range) -> list[int]:
        assert self.cumulative is not None
        cum = self.cumulative
        return [bisect_right(cum, r) for r in rows]


@dataclass
class TargetPlan:
    name: str  # target name, or "persist[i]" for an inline spec
    handler: str
    handler_cls: type[Any]
    options: HandlerOptions
    state: TargetPlan | None = None  # the sqlalchemy target holding a stored ledger (`state:`)
    ledger: LedgerSpec | None = None  # the ledger it keeps (plan/targets.py); None: none
    source_path: tuple[str | int, ...] = ()  # where the target is written in the manifest
    endpoint: Any = None  # plan.guard.Endpoint: where it writes (None: stdout, plugins)
    protected_by: list[str] | None = None  # why it is protected; None: not worked out
    location: Any = None  # SourceLocation of its protected mark, else of the target

    @property
    def protection(self) -> list[str]:
        """Why apply must refuse this target without --allow-protected ([] if it need not)."""
        if self.protected_by is not None:
            return self.protected_by
        return ["marked protected: true"] if self.options.protected else []

    def display_options(self) -> dict[str, Any]:
        opts = self.options.model_dump(exclude={"handler"}, exclude_defaults=True)
        marked = secret_fields(type(self.options))
        return redact_options({k: MASK if k in marked else v for k, v in opts.items()})


@dataclass
class TransformPlan:
    name: str  # "drop", "rename", or the dotted path
    kind: Literal["drop", "rename", "call", "set", "template", "hash"]
    fn: Any = None
    args: Any = None


@dataclass
class DatasetPlan:
    name: str
    shape: ModelShape
    count: CountPlan
    batch_size: int
    seed: int
    locale: list[str]
    fields: list[FieldPlan]  # in evaluation order (columns and refs first, then templates)
    output: list[str]  # field names in the order rows carry them
    transforms: list[TransformPlan] = field(default_factory=list)
    targets: list[TargetPlan] = field(default_factory=list)
    parents: list[str] = field(default_factory=list)  # datasets this one depends on
    keep: set[str] = field(default_factory=set)  # fields children read (kept for refs)
    skip_validation: set[str] = field(default_factory=set)  # skipped or excluded fields
    validator: Any = None  # seedrunner.models.RowValidator, or None for schemaless
    edges: dict[str, str] = field(default_factory=dict)  # parent -> why ("ref users.id", ...)
    retries: RetryPolicy = field(default_factory=RetryPolicy)
    location: Any = None  # SourceLocation of the dataset in the manifest, for run errors
    fingerprint: Any = None  # state.fingerprint.FingerprintParts: what decides the rows
    # digests of specs this one grew from, whose rows count as its own (plan/growth.py)
    accepted: frozenset[str] = frozenset()
    # cycle edges: those whose child this dataset is (written first), and those this
    # dataset, as their parent, completes (``update``: in its own transaction)
    deferred_fields: list[DeferredRef] = field(default_factory=list)
    deferred: list[DeferredRef] = field(default_factory=list)

    @property
    def batches(self) -> int:
        return -(-self.count.total // self.batch_size) if self.count.total else 0

    def steps(self) -> list[Step]:
        out = [Step(self.name, "generate", "generate")]
        out += [Step(self.name, "transform", t.name) for t in self.transforms]
        out += [Step(self.name, "persist", t.name) for t in self.targets]
        return out


@dataclass(frozen=True)
class Step:
    dataset: str
    kind: Literal["generate", "transform", "persist"]
    name: str

    @property
    def label(self) -> str:
        return f"{self.dataset} → {self.name}" if self.kind != "generate" else self.dataset


@dataclass
class Plan:
    manifest: str  # the manifest's name
    file: str  # its display path
    seed: int
    now: dt.datetime
    datasets: list[DatasetPlan]  # in dependency order
    warnings: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # rendered manifest vars
    base_dir: Path = field(default_factory=Path.cwd)  # relative target paths resolve here
    now_from_ledger: bool = False  # the manifest pins no now: the ledgers' recorded one

    @property
    def steps(self) -> list[Step]:
        return [s for d in self.datasets for s in d.steps()]

    def dataset(self, name: str) -> DatasetPlan:
        for d in self.datasets:
            if d.name == name:
                return d
        raise KeyError(name)

    @property
    def total_rows(self) -> int:
        return sum(d.count.total for d in self.datasets)
