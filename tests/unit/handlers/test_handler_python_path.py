"""A dotted-path handler is found in the manifest's python_path folders."""

from __future__ import annotations

from seedrunner import apply, build_plan, load_manifest

HANDLER = """
from typing import ClassVar

from seedrunner.handlers.base import HandlerOptions

SEEN = []


class Collect:
    name: ClassVar[str] = "collect"
    Options: ClassVar[type[HandlerOptions]] = HandlerOptions

    def __init__(self, options):
        pass

    def open(self, ctx):
        pass

    def write(self, batch):
        SEEN.extend(batch.records())

    def close(self, error):
        pass
"""


def test_handler_module_under_python_path(manifest):
    path = manifest(
        """
        version: 1
        python_path: [src]
        datasets:
          t: {count: 3, fields: {x: 1}, persist: [{handler: "pp_plugins.sinks:Collect"}]}
        """,
        **{"src__pp_plugins__sinks.py": HANDLER},
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    import pp_plugins.sinks as sinks  # imported by the run from src/

    assert len(sinks.SEEN) == 3
