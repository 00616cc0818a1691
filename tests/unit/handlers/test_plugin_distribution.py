"""A plugin distribution (dist-info with entry points, found by importlib.metadata) adds a
handler and a transform that a manifest names without any dotted path; a plugin that
fails to import is a located error naming it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedrunner import PlanError, apply, build_plan, load_manifest

MODULE = """
import json
from typing import ClassVar

from seedrunner.handlers.base import HandlerOptions


class Options(HandlerOptions):
    path: str


class LinesHandler:
    name: ClassVar[str] = "lines"
    Options: ClassVar[type[HandlerOptions]] = Options

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        self.out = open(ctx.base_dir / self.options.path, "w")

    def write(self, batch):
        for row in batch.records():
            self.out.write(json.dumps(row) + "\\n")

    def close(self, error):
        self.out.close()


def shout(batch, ctx):
    upper = {k: [str(v).upper() for v in col] for k, col in batch.columns.items()}
    return batch.replace_columns(upper)
"""

BROKEN = "raise RuntimeError('plugin import-time failure')\n"


def install(site: Path, name: str, module: str, entry_points: str) -> None:
    """What pip leaves behind: the module and a dist-info with METADATA and entry points."""
    (site / f"{name}.py").write_text(module)
    info = site / f"{name}-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(entry_points)


MANIFEST = """
version: 1
datasets:
  words:
    count: 4
    fields: {w: {faker: word}}
    transforms: [shout]
    persist:
      - {handler: lines, path: out.jsonl}
"""


def test_installed_plugin_handler_and_transform(manifest, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    install(
        site,
        "seedrunner_lines_plugin",
        MODULE,
        "[seedrunner.handlers]\nlines = seedrunner_lines_plugin:LinesHandler\n\n"
        "[seedrunner.transforms]\nshout = seedrunner_lines_plugin:shout\n",
    )
    monkeypatch.syspath_prepend(str(site))
    report = apply(build_plan(load_manifest(manifest(MANIFEST))))
    assert report.ok, report.error
    rows = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert len(rows) == 4
    assert all(r["w"] == r["w"].upper() for r in rows)


def test_a_plugin_that_fails_to_import_is_named_at_its_line(manifest, tmp_path, monkeypatch):
    site = tmp_path / "site"
    site.mkdir()
    install(
        site,
        "seedrunner_broken_plugin",
        BROKEN,
        "[seedrunner.handlers]\nlines = seedrunner_broken_plugin:Nope\n\n"
        "[seedrunner.transforms]\nshout = seedrunner_broken_plugin:nope\n",
    )
    monkeypatch.syspath_prepend(str(site))
    with pytest.raises(PlanError) as e:
        build_plan(load_manifest(manifest(MANIFEST)))
    text = str(e.value)
    assert "transform plugin 'shout'" in text
    assert "handler plugin 'lines'" in text
    assert "seedrunner_broken_plugin" in text
    assert "plugin import-time failure" in text
    assert "seed.yaml:7:" in text  # the transforms line
    assert "seed.yaml:9:" in text  # the persist entry
