"""The plugin author's guide runs as written: the README's ``DocStore`` handler, copied out
of the README into a module, seeds a dataset, keeps the ledger it is promised (a second
apply sends nothing, a raised count sends only the new rows) and is destroyed exactly,
leaving a document the application wrote itself."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from seedrunner import ApplyReport, apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy

README = Path(__file__).resolve().parents[2] / "README.md"

MODELS = """
from pydantic import BaseModel


class User(BaseModel):
    id: int
    email: str
    first_name: str
"""

MANIFEST = """\
version: 1
name: docs
seed: 7
now: "2026-01-01T00:00:00Z"
python_path: ["."]
targets:
  docs: {handler: "guideapp.docstore:DocStore", folder: docs, ledger: true}
datasets:
  users:
    model: guideapp.models:User
    count: 12
    persist: [docs]
"""


def guide_code() -> str:
    """The README's plugin example: the python block under 'Writing a handler plugin'."""
    text = README.read_text()
    section = text.split("### Writing a handler plugin", 1)[1]
    found = re.search(r"```python\n(.*?)```", section, re.S)
    assert found is not None, "the guide's code block is gone from the README"
    return found.group(1)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    app = tmp_path / "guideapp"  # a name no other test's modules take
    app.mkdir()
    (app / "__init__.py").write_text("")
    (app / "docstore.py").write_text(guide_code())
    (app / "models.py").write_text(MODELS)
    (tmp_path / "seeds.yaml").write_text(MANIFEST)
    yield tmp_path
    for name in [m for m in sys.modules if m == "guideapp" or m.startswith("guideapp.")]:
        del sys.modules[name]


def run(folder: Path, count: int) -> ApplyReport:
    m = load_manifest(folder / "seeds.yaml", overrides=[f"datasets.users.count={count}"])
    report = apply(build_plan(m))
    assert report.ok, report.error
    return report


def persisted(report: ApplyReport) -> tuple[int, int]:
    (step,) = [r for r in report.steps if r.kind == "persist"]
    return step.rows, step.skipped


def test_the_guide_plugin_keeps_its_ledger_and_destroys_exactly(project: Path) -> None:
    docs = project / "docs"
    assert persisted(run(project, 12)) == (12, 0)
    written = sorted(docs.iterdir())
    assert len(written) == 12
    first = json.loads(written[0].read_text())
    assert set(first) == {"id", "email", "first_name"}

    assert persisted(run(project, 12)) == (12, 12)  # every row skipped: nothing sent
    assert persisted(run(project, 15)) == (15, 12)  # only the 3 new rows sent
    assert len(list(docs.iterdir())) == 15

    (docs / "from-the-app.json").write_text("{}")  # a document seedrunner did not write
    m = load_manifest(project / "seeds.yaml", overrides=["datasets.users.count=15"])
    (undone,) = destroy(build_plan(m))
    assert undone.rows == 15
    assert [p.name for p in docs.iterdir()] == ["from-the-app.json"]
