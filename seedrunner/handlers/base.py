"""The handler protocol: open once per dataset step, write batches, close with the outcome.

Every handler, built in or plugin, is a class with a ``name``, an ``Options`` pydantic
model (so a typo in a target's options is a located error at validate time and
``seedrunner handlers`` can list them) and three methods.  ``close(error)`` is where a
handler commits (error is None) or rolls back, so a failed step leaves nothing behind.
"""

from __future__ import annotations

import dataclasses
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Protocol, TypeVar, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from seedrunner.db.pool import ResourcePool
from seedrunner.generate.rows import Batch
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.ledger.context import LedgerContext
from seedrunner.models.shape import ModelShape

T = TypeVar("T")


class TargetRetries(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    max: int | None = Field(default=None, ge=0, description="Retries of a failed batch.")
    wait: float | None = Field(default=None, ge=0, description="Seconds before the first retry.")
    backoff: float | None = Field(default=None, ge=1, description="Multiplier per retry.")


class HandlerOptions(BaseModel):
    """Options shared by every handler; each handler extends this."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    handler: str = Field(description="Which handler this target uses.")
    protected: bool = Field(
        default=False,
        description="Refuse to write unless apply is given --allow-protected.",
    )
    retries: TargetRetries | None = Field(
        default=None,
        description="This target's own retry policy (max, wait, backoff), over the dataset's.",
    )

    def retry_policy(self, dataset: RetryPolicy) -> RetryPolicy:
        """The dataset's policy with this target's overrides (--max-retries still wins)."""
        if self.retries is None or dataset.forced:
            return dataset
        given = self.retries.model_dump(exclude_none=True)
        return RetryPolicy(**{**dataclasses.asdict(dataset), **given})


@dataclass
class HandlerContext:
    """What a handler is told before the first batch of a dataset step.

    Built by ``execute.contexts.handler_context``.  ``ledger`` is what a ledger-keeping
    handler records its rows under; None when the target keeps no ledger."""

    dataset: str
    target: str  # the target's name in the manifest (or "<inline n>")
    model: ModelShape
    fields: list[str]  # the columns every batch carries, in order
    batch_size: int
    total_rows: int
    run_id: str
    seed: int
    base_dir: Path  # the manifest's folder: relative paths resolve against it
    resources: ResourcePool = field(default_factory=ResourcePool)
    retries: RetryPolicy = field(default_factory=RetryPolicy)  # for retries the handler owns
    options: HandlerOptions | None = None  # the target's validated options
    ledger: LedgerContext | None = None

    @property
    def ledger_step(self) -> LedgerContext:
        """``ledger``, or a blank one when there is none (a context a test built by hand):
        what a handler keeping a ledger reads."""
        return self.ledger if self.ledger is not None else _NO_LEDGER

    # The ledger's fields, once on the context itself: read-only and deprecated.

    @property
    def manifest(self) -> str:
        return str(self._moved("manifest"))

    @property
    def position(self) -> int:
        return int(self._moved("position"))

    @property
    def fingerprint(self) -> str:
        return str(self._moved("fingerprint"))

    @property
    def lock_timeout(self) -> float:
        return float(self._moved("lock_timeout"))

    @property
    def spec_parts(self) -> dict[str, str]:
        return dict(self._moved("spec_parts"))

    @property
    def where(self) -> str:
        return str(self._moved("where"))

    def _moved(self, name: str) -> Any:
        warnings.warn(
            f"HandlerContext.{name} moved to HandlerContext.ledger.{name} (None when the "
            "target keeps no ledger); the old name will be removed",
            DeprecationWarning,
            stacklevel=3,
        )
        return getattr(self.ledger_step, name)


_NO_LEDGER = LedgerContext()


@runtime_checkable
class Handler(Protocol):
    """What the executor calls; implement it with a class taking its Options."""

    name: ClassVar[str]
    Options: ClassVar[type[HandlerOptions]]

    def open(self, ctx: HandlerContext) -> None: ...

    def write(self, batch: Batch) -> Batch | None:
        """Persist a batch; may return the rows as written (database defaults filled in)."""
        ...

    def close(self, error: BaseException | None) -> None:
        """Commit when ``error`` is None, otherwise roll back; called exactly once."""
        ...
