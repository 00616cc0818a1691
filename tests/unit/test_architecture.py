"""Issue 14's structural rules, checked on the package's source.

The import contract itself (layers, no cycle between packages) is pyproject's
``[tool.importlinter]``, run by ``lint-imports`` in .ci/run; these are the rules it cannot
express: no module grows past 500 lines, and above ``plan/`` and ``ledger/`` nothing tells
handler kinds apart by ``isinstance`` on an ``Options`` class or ``getattr`` of one named option (a
kind's behaviour is a protocol or a resolved value, so a new kind touches one module).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "seedrunner"
MAX_LINES = 500
MAY_INSPECT_OPTIONS = ("plan", "ledger")  # where options are resolved into values


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def _package(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0]


@pytest.mark.parametrize("path", modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_module_is_at_most_500_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_LINES, f"{path.relative_to(PACKAGE)} has {lines} lines: split it"


def options_inspections(tree: ast.AST) -> list[str]:
    """``isinstance(x, ...Options)`` and ``getattr(<options>, ...)`` calls in ``tree``."""
    found = []
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
            continue
        text = ast.unparse(node)
        if node.func.id == "isinstance" and len(node.args) == 2:
            if "Options" in ast.unparse(node.args[1]):
                found.append(f"line {node.lineno}: {text}")
        elif node.func.id in ("getattr", "hasattr") and len(node.args) >= 2:
            name = node.args[1]  # one kind's option, by name (not pydantic's model_* API)
            named = isinstance(name, ast.Constant) and not str(name.value).startswith("model_")
            if named and "options" in ast.unparse(node.args[0]).lower():
                found.append(f"line {node.lineno}: {text}")
    return found


@pytest.mark.parametrize(
    "path",
    [p for p in modules() if _package(p) not in MAY_INSPECT_OPTIONS],
    ids=lambda p: str(p.relative_to(PACKAGE)),
)
def test_no_kind_told_apart_by_its_options_class(path: Path) -> None:
    found = options_inspections(ast.parse(path.read_text()))
    assert not found, f"{path.relative_to(PACKAGE)}: " + "; ".join(found)


def test_the_options_check_finds_what_it_forbids() -> None:
    code = (
        "if isinstance(t.options, SqlAlchemyOptions): pass\n"
        "x = getattr(target.options, 'ledger', False)\n"
        "y = isinstance(batch, Batch)\n"
        "z = [getattr(options, name, None) for name in fields]\n"  # a generic walk
    )
    found = options_inspections(ast.parse(code))
    assert [f.split(":")[0] for f in found] == ["line 1", "line 2"]
