"""An option a handler marks secret is masked in plan output and in errors, whatever its
name (the name-based rules would not catch 'dsn_text')."""

from __future__ import annotations

PLUGIN = """
from typing import ClassVar

from pydantic import Field

from seedrunner.errors import HandlerError
from seedrunner.handlers.base import HandlerOptions


class Options(HandlerOptions):
    dsn_text: str = Field(description="connection text", json_schema_extra={"secret": True})


class Leaky:
    name: ClassVar[str] = "leaky"
    Options: ClassVar[type[HandlerOptions]] = Options

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        raise HandlerError(f"cannot reach {self.options.dsn_text}")

    def write(self, batch):
        return None

    def close(self, error):
        return None
"""


def test_secret_marked_option_is_masked_everywhere(cli, manifest):
    path = manifest(
        """
        version: 1
        python_path: ["."]
        targets:
          t: {handler: "leaky_plugin:Leaky", dsn_text: "hunter2-opaque-value"}
        datasets:
          d: {count: 1, fields: {x: 1}, persist: [t]}
        """,
        **{"leaky_plugin.py": PLUGIN},
    )
    code, out, err = cli("plan", str(path))
    assert code == 0, err
    assert "hunter2" not in out
    assert "***" in out
    code, out, err = cli("plan", str(path), "--json")
    assert "hunter2" not in out
    code, out, err = cli("apply", str(path))
    assert code == 1
    assert "cannot reach ***" in err
    assert "hunter2" not in out + err
    code, out, err = cli("apply", str(path), "--json")
    assert "hunter2" not in out + err
