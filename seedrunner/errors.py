"""The exception tree and the located problems every user-facing error is made of.

::

    SeedrunnerError
    ├── ManifestError        exit 2: the manifest or the command line is wrong (holds Problems)
    │   └── PlanError        found while planning: unknown names, cycles, impossible demands
    └── RunError             exit 1: a step failed while applying
        ├── HandlerError     a handler could not write a batch
        │   └── TransientHandlerError   worth retrying on a fresh connection
        └── GenerationError  rows could not be generated (e.g. unique values ran out)

User errors carry ``Problem`` objects rather than strings so that the CLI can print
them as ``file:line:col: error SR-Exxx: what (at key.path)`` plus a hint, or as JSON.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class SourceLocation:
    """A point in a manifest file; lines and columns count from 1."""

    file: str
    line: int
    column: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input, located and with a way out."""

    message: str
    location: SourceLocation | None = None
    path: str = ""
    hint: str | None = None
    code: str = "SR-E000"

    def format(self) -> str:
        where = f"{self.location}: " if self.location else ""
        at = f" (at {self.path})" if self.path else ""
        text = f"{where}error {self.code}: {self.message}{at}"
        if self.hint:
            text += f"\n  hint: {self.hint}"
        return text

    def to_json(self) -> dict[str, Any]:
        loc = self.location
        return {
            "file": loc.file if loc else None,
            "line": loc.line if loc else None,
            "column": loc.column if loc else None,
            "path": self.path,
            "code": self.code,
            "message": self.message,
            "hint": self.hint,
        }


class SeedrunnerError(Exception):
    """Base of every error seedrunner raises on purpose."""

    exit_code = 1


class ManifestError(SeedrunnerError):
    """The manifest (or the command line) is wrong; nothing has been written."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: list[Problem] = list(problems)
        super().__init__("\n".join(p.format() for p in self.problems))

    @classmethod
    def single(cls, message: str, **kw: Any) -> ManifestError:
        return cls([Problem(message, **kw)])


class PlanError(ManifestError):
    """A problem only visible once datasets, models and edges are resolved."""


class RunError(SeedrunnerError):
    """A step failed during apply."""

    exit_code = 1


class HandlerError(RunError):
    """A handler failed to open, write or close."""


class TransientHandlerError(HandlerError):
    """A failure that a retry on a fresh connection may cure (dropped link, deadlock)."""


class GenerationError(RunError):
    """Rows could not be generated, e.g. a unique field ran out of values mid-run."""


@dataclass
class ProblemCollector:
    """Gathers problems so a user sees all of them at once, not only the first."""

    problems: list[Problem] = field(default_factory=list)
    limit: int = 50

    def add(self, message: str, **kw: Any) -> None:
        if len(self.problems) < self.limit:
            self.problems.append(Problem(message, **kw))

    def extend(self, problems: Sequence[Problem]) -> None:
        for p in problems:
            if len(self.problems) < self.limit:
                self.problems.append(p)

    def raise_if_any(self, cls: type[ManifestError] = ManifestError) -> None:
        if self.problems:
            raise cls(self.problems)

    def __bool__(self) -> bool:
        return bool(self.problems)
