"""ApplyReport: what a run did, per step; the CLI turns it into a table and an exit code."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

from seedrunner.errors import RunError

Status = Literal["done", "failed", "not started", "dry run", "interrupted", "rolled back"]


@dataclass
class StepResult:
    dataset: str
    kind: Literal["generate", "transform", "persist"]
    name: str
    total: int  # rows planned
    rows: int = 0
    batches: int = 0
    seconds: float = 0.0
    status: Status = "not started"
    skipped: int = 0  # persist steps: rows a ledger showed as already written (not rewritten)
    retries: int = 0  # persist steps: batches written again after a transient failure
    ignored: int = 0  # persist steps: rows whose key the table held, ignored (not ours)
    updated: int = 0  # persist steps: rows whose key the table held, updated in place

    @property
    def taken(self) -> int:
        """Rows the target took from this step as its own: written, less those it held."""
        return self.rows - self.ignored - self.updated

    @property
    def rows_per_second(self) -> float:
        return self.rows / self.seconds if self.seconds > 0 else 0.0


@dataclass
class ApplyReport:
    manifest: str
    run_id: str
    dry_run: bool
    steps: list[StepResult] = field(default_factory=list)
    seconds: float = 0.0
    error: str | None = None  # what failed, already redacted
    failed_step: str | None = None
    interrupted: bool = False
    resumable: bool = False  # a target keeps a ledger: apply again writes only what it lacks
    peak_rss_mb: float | None = None
    # where it failed, for --json-errors: dataset, step, target, batch, rows, cause, file...
    failure: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and not self.interrupted

    @property
    def rows(self) -> int:
        """Rows generated (each row counted once, however many targets it went to)."""
        return sum(s.rows for s in self.steps if s.kind == "generate")

    @property
    def planned_rows(self) -> int:
        return sum(s.total for s in self.steps if s.kind == "generate")

    def raise_for_status(self) -> None:
        if self.error is not None:
            raise RunError(self.error)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["ok"] = self.ok
        data["rows"] = self.rows
        return data
