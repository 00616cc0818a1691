"""Ctrl-C and SIGTERM mid-step: the step in flight rolls back, earlier steps stay, 130/143."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

MARKER_PLUGIN = '''
import os, time
from typing import ClassVar
from seedrunner.handlers.base import HandlerOptions

class MarkOptions(HandlerOptions):
    marker: str
    at_batch: int = 3

class Mark:
    """Touches a file after a given batch, then slows down so a signal lands mid-step."""
    name: ClassVar[str] = "mark"
    Options = MarkOptions

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        pass

    def write(self, batch):
        if batch.index == self.options.at_batch:
            open(self.options.marker, "w").close()
        if batch.index >= self.options.at_batch:
            time.sleep(0.05)

    def close(self, error):
        pass
'''

MANIFEST = """
version: 1
python_path: ["."]
targets:
  db: {handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}
  mark: {handler: "markplugin:Mark", marker: "MARKER"}
datasets:
  first:
    count: 500
    fields: {id: {sequence: null, start: 1}, name: {faker: word}}
    persist: [db]
  second:
    count: 100000
    batch_size: 100
    fields: {id: {sequence: null, start: 1}, name: {faker: word}}
    persist: [db, mark]
"""


@pytest.mark.parametrize(("sig", "code"), [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_signal_mid_step_rolls_back_the_step(tmp_path: Path, sig: int, code: int) -> None:
    (tmp_path / "markplugin.py").write_text(MARKER_PLUGIN)
    (tmp_path / "seed.yaml").write_text(MANIFEST.replace("MARKER", str(tmp_path / "marker")))
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedrunner", "apply", "seed.yaml"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "marker").exists():
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the run never reached the marker batch"
        time.sleep(0.02)
    proc.send_signal(sig)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == code, (out, err)
    assert "interrupted" in err
    assert "Traceback" not in out + err
    con = sqlite3.connect(tmp_path / "out.db")
    assert con.execute("SELECT count(*) FROM first").fetchone() == (500,)
    assert con.execute("SELECT count(*) FROM second").fetchone() == (0,)
