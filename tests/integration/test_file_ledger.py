"""File targets with `ledger: true` (jsonl, csv): append batch by batch with a ledger beside
the file, so apply again writes nothing, a raised count appends only the new rows, and an
apply killed half-way finishes the job with the file of an uninterrupted run."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import REPO

HANDLERS = ["jsonl", "csv"]


def _text(handler: str, customers: int, file: str, killer: bool = False, name: str = "") -> str:
    chain = "[out, killer]" if killer else "[out]"
    fixed = f'\n      name: "{name}"' if name else ""
    return f"""version: 1
seed: 3
now: "2026-01-01T00:00:00Z"
python_path: ["{REPO}"]
defaults: {{batch_size: 16}}
targets:
  out: {{handler: {handler}, path: "{file}", ledger: true}}
  killer: {{handler: "tests.integration.resumekill:Killer"}}
datasets:
  customers:
    model: tests.integration.shopmodels:Customer
    count: {customers}
    fields:{fixed}
      phone: {{faker: phone_number}}
    persist: {chain}
"""


def _run(manifest, text: str, name: str = "seed.yaml"):
    return apply(build_plan(load_manifest(manifest(text, name))))


@pytest.mark.parametrize("handler", HANDLERS)
def test_apply_twice_and_a_raised_count(manifest, tmp_path, handler):
    first = _run(manifest, _text(handler, 40, "out.txt"))
    assert first.ok, first.error
    written = (tmp_path / "out.txt").read_bytes()
    second = _run(manifest, _text(handler, 40, "out.txt"))
    assert second.ok
    assert (tmp_path / "out.txt").read_bytes() == written
    assert [r.skipped for r in second.steps if r.kind == "persist"] == [40]
    assert _run(manifest, _text(handler, 55, "out.txt")).ok
    assert _run(manifest, _text(handler, 55, "fresh.txt"), "fresh.yaml").ok
    grown = (tmp_path / "out.txt").read_bytes()
    assert grown == (tmp_path / "fresh.txt").read_bytes()
    assert grown.startswith(written)


@pytest.mark.parametrize("handler", HANDLERS)
def test_apply_again_after_a_kill_gives_the_uninterrupted_file(manifest, tmp_path, handler):
    path = manifest(_text(handler, 80, "out.txt", killer=True), "seed.yaml")
    env = {**os.environ, "SEEDRUNNER_TEST_KILL": "customers:2:KILL"}
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
    killed = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert killed.returncode == -9
    env.pop("SEEDRUNNER_TEST_KILL")
    with open(tmp_path / "out.txt", "a", encoding="utf-8") as f:
        f.write('{"half a row')  # what a crash in the middle of a write leaves
    again = subprocess.run(cmd, cwd=tmp_path, env=env, capture_output=True, timeout=60)
    assert again.returncode == 0, again.stderr.decode()
    assert _run(manifest, _text(handler, 80, "clean.txt", killer=True), "clean.yaml").ok
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "clean.txt").read_bytes()


def test_a_changed_spec_is_refused(manifest, tmp_path):
    assert _run(manifest, _text("jsonl", 20, "out.txt")).ok
    before = (tmp_path / "out.txt").read_bytes()
    changed = _run(manifest, _text("jsonl", 20, "out.txt", name="Someone"))
    assert not changed.ok
    assert "different spec" in (changed.error or "")
    assert (tmp_path / "out.txt").read_bytes() == before


def test_plan_reads_a_file_ledger(manifest, cli, tmp_path):
    import json

    path = str(manifest(_text("jsonl", 40, "out.txt")))
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 3
    assert "0 applied, 40 to write" in out
    assert cli("apply", path, "--quiet")[0] == 0
    code, out, _ = cli("plan", path, "--detailed-exitcode", "--json")
    assert code == 0
    state = json.loads(out)["datasets"][0]["targets"][0]["state"]
    assert (state["applied"], state["to_write"]) == (40, 0)
    code, out, _ = cli("plan", path, "--destroy")
    assert "cannot undo: destroy does not remove file rows yet" in out
