"""The problem codes: every code the package uses is registered with one meaning, every
registered code is used, and the README's table is the registry; the version is one."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import seedrunner
from seedrunner._version import __version__
from seedrunner.codes import CODES, meaning

ROOT = Path(__file__).resolve().parents[2]
CODE = re.compile(r"SR-E\d{3}")


def _used() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "seedrunner").rglob("*.py"):
        if path.name != "codes.py":
            found |= set(CODE.findall(path.read_text(encoding="utf-8")))
    return found


def test_every_code_the_package_uses_is_registered():
    assert sorted(_used() - set(CODES)) == []


def test_every_registered_code_is_used():
    assert sorted(set(CODES) - _used()) == []


def test_each_code_has_its_own_meaning():
    assert all(CODES.values())
    assert len(set(CODES.values())) == len(CODES)
    assert meaning("SR-E044").startswith("a value given or referenced")
    assert meaning("SR-E999") == ""


def test_the_readme_table_is_the_registry():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = dict(re.findall(r"^\| (SR-E\d{3}) \| (.+) \|$", text, flags=re.MULTILINE))
    assert rows == CODES


def test_one_version():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["version"] == __version__ == seedrunner.__version__
