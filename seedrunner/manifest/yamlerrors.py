"""PyYAML's exceptions turned into manifest problems (SR-E001), and problems into one
ManifestError in file order.
"""

from __future__ import annotations

from typing import Any

from seedrunner.errors import ManifestError, Problem, SourceLocation


def syntax_problem(err: Any, file: str) -> Problem:
    mark = err.problem_mark or err.context_mark
    loc = SourceLocation(file, mark.line + 1, mark.column + 1) if mark else None
    problem = str(err.problem or err.context or "invalid YAML")
    if "'\\t'" in problem:
        return Problem(
            "found a tab character; YAML indentation must use spaces",
            loc,
            hint="replace the tab with spaces",
            code="SR-E001",
        )
    context = err.context or ""
    if context.startswith("found duplicate anchor") and err.context_mark is not None:
        first = err.context_mark.line + 1
        name = context.split("'")[1] if "'" in context else ""
        problem = f"found duplicate anchor '{name}' (first at line {first})"
        context = ""
    hint = "check the indentation and brackets near this line"
    if context and err.context_mark is not None and err.context_mark is not mark:
        cm = err.context_mark
        hint = f"{context} (started at line {cm.line + 1}, column {cm.column + 1})"
    return Problem(f"YAML syntax error: {problem}", loc, hint=hint, code="SR-E001")


def reader_problem(err: Any, text: str, file: str) -> Problem:
    before = text[: err.position]
    line = before.count("\n") + 1
    column = err.position - (before.rfind("\n") + 1) + 1
    return Problem(
        f"YAML syntax error: unacceptable character #x{err.character:04x}",
        SourceLocation(file, line, column),
        hint="manifests must be printable UTF-8 text",
        code="SR-E001",
    )


def as_error(problems: list[Problem]) -> ManifestError:
    """All problems, in file order (tags are found while composing, keys while building)."""

    def order(p: Problem) -> tuple[int, int]:
        return (p.location.line, p.location.column) if p.location else (0, 0)

    return ManifestError(sorted(problems, key=order))
