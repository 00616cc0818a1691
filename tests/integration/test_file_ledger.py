"""File targets with `ledger: true` (jsonl, csv, json): append batch by batch with a ledger
beside the file, so apply again writes nothing, a raised count appends only the new rows, an
apply killed half-way (or stopped by a full disk) finishes the job with the file of an
uninterrupted run, and destroy removes exactly the file seedrunner wrote, never bytes
someone else added."""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any, ClassVar

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from seedrunner.handlers.base import HandlerOptions
from seedrunner.ledger.fileledger import TargetLock
from tests.integration.shopmodels import REPO

HANDLERS = ["jsonl", "csv", "json"]
LEDGER = "out.txt.seedrunner-ledger.json"


def _text(
    handler: str,
    customers: int,
    file: str = "out.txt",
    *,
    killer: bool = False,
    name: str = "",
    extra: str = "",
) -> str:
    chain = "[out, killer]" if killer else "[out]"
    fixed = f'\n      name: "{name}"' if name else ""
    return f"""version: 1
seed: 3
now: "2026-01-01T00:00:00Z"
python_path: ["{REPO}"]
defaults: {{batch_size: 16}}
targets:
  out: {{handler: {handler}, path: "{file}", ledger: true{extra}}}
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


def _clean(manifest, tmp_path: Path, handler: str, customers: int, **kw: Any) -> bytes:
    """The bytes an uninterrupted run writes."""
    assert _run(manifest, _text(handler, customers, "clean.txt", **kw), "clean.yaml").ok
    return (tmp_path / "clean.txt").read_bytes()


def _ledger(tmp_path: Path) -> dict[str, Any]:
    return json.loads((tmp_path / LEDGER).read_text())


def _apply_cli(
    path: Path, cwd: Path, *, env: dict[str, str] | None = None, fsize: int | None = None
) -> subprocess.CompletedProcess[bytes]:
    """`seedrunner apply` in a subprocess; ``fsize`` caps the size of any file it writes
    (RLIMIT_FSIZE): Python ignores SIGXFSZ, so a write past it fails with EFBIG."""
    limit = (
        None if fsize is None else lambda: resource.setrlimit(resource.RLIMIT_FSIZE, (fsize,) * 2)
    )
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
    if env and env.get("SIGXFSZ") == "die":  # the default action: killed in mid-write
        code = (
            "import signal, sys; signal.signal(signal.SIGXFSZ, signal.SIG_DFL); "
            "from seedrunner.cli.app import main; main()"
        )
        cmd = [sys.executable, "-c", code, *cmd[3:]]
    full = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})}
    return subprocess.run(cmd, cwd=cwd, env=full, capture_output=True, timeout=60, preexec_fn=limit)


@pytest.mark.parametrize("handler", HANDLERS)
def test_apply_twice_and_a_raised_count(manifest, tmp_path, handler):
    first = _run(manifest, _text(handler, 100))
    assert first.ok, first.error
    written = (tmp_path / "out.txt").read_bytes()
    second = _run(manifest, _text(handler, 100))
    assert second.ok
    assert (tmp_path / "out.txt").read_bytes() == written
    assert [r.skipped for r in second.steps if r.kind == "persist"] == [100]
    raised = _run(manifest, _text(handler, 150))
    assert raised.ok
    assert [(r.rows, r.skipped) for r in raised.steps if r.kind == "persist"] == [(150, 100)]
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, handler, 150)
    assert (_ledger(tmp_path)["rows"], _ledger(tmp_path)["start"]) == (150, 0)
    if handler != "json":
        assert (tmp_path / "out.txt").read_bytes().startswith(written)


@pytest.mark.parametrize("handler", HANDLERS)
def test_the_file_is_the_one_written_without_a_ledger(manifest, tmp_path, handler):
    """Appending batch by batch gives the very bytes of the replace-at-the-end mode."""
    assert _run(manifest, _text(handler, 40, extra=", indent: 2" if handler == "json" else "")).ok
    plain = _text(handler, 40, "plain.txt", extra=", indent: 2" if handler == "json" else "")
    assert _run(manifest, plain.replace("ledger: true", "ledger: false"), "plain.yaml").ok
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "plain.txt").read_bytes()
    assert not (tmp_path / "plain.txt.seedrunner-ledger.json").exists()


@pytest.mark.parametrize("handler", HANDLERS)
def test_an_encoding_with_a_byte_order_mark_gets_one_mark(manifest, tmp_path, handler):
    extra = ", encoding: utf-16"
    assert _run(manifest, _text(handler, 20, extra=extra)).ok
    assert _run(manifest, _text(handler, 40, extra=extra)).ok
    data = (tmp_path / "out.txt").read_bytes()
    assert data == _clean(manifest, tmp_path, handler, 40, extra=extra)
    assert data.count(b"\xff\xfe") == 1
    assert len(data.decode("utf-16")) > 40


@pytest.mark.parametrize(
    ("handler", "signal_name", "code"),
    [(h, "KILL", -9) for h in HANDLERS] + [("json", "TERM", 143), ("csv", "INT", 130)],
)
def test_apply_again_after_a_kill_gives_the_uninterrupted_file(
    manifest, tmp_path, handler, signal_name, code
):
    path = manifest(_text(handler, 80, killer=True), "seed.yaml")
    kill = {"SEEDRUNNER_TEST_KILL": f"customers:2:{signal_name}"}
    killed = _apply_cli(path, tmp_path, env=kill)
    assert killed.returncode == code, killed.stderr.decode()
    if signal_name != "KILL":
        assert b"run apply again to resume" in killed.stdout + killed.stderr
    assert _ledger(tmp_path)["rows"] == 48  # batches 0..2 were committed before the kill
    if handler == "json":  # a whole JSON document after every committed batch
        assert len(json.loads((tmp_path / "out.txt").read_text())) == 48
    again = _apply_cli(path, tmp_path)
    assert again.returncode == 0, again.stderr.decode()
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, handler, 80)


def _size_after(manifest, tmp_path: Path, handler: str, rows: int) -> int:
    assert _run(manifest, _text(handler, rows, "probe.txt"), "probe.yaml").ok
    return (tmp_path / "probe.txt").stat().st_size


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_write_cut_short_by_a_crash_is_dropped(manifest, tmp_path, handler):
    """SIGXFSZ's default action kills apply in the middle of batch 3's write (the file
    may grow only 10 bytes past batch 2): a real torn tail, which apply again drops."""
    limit = _size_after(manifest, tmp_path, handler, 48) + 10
    path = manifest(_text(handler, 80), "seed.yaml")
    died = _apply_cli(path, tmp_path, env={"SIGXFSZ": "die"}, fsize=limit)
    assert died.returncode == -signal.SIGXFSZ, died.stderr.decode()
    ledger = _ledger(tmp_path)
    assert (ledger["rows"], ledger["writing"] is not None) == (48, True)
    assert ledger["offset"] < (tmp_path / "out.txt").stat().st_size == limit
    again = _apply_cli(path, tmp_path)
    assert again.returncode == 0, again.stderr.decode()
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, handler, 80)
    assert _ledger(tmp_path)["writing"] is None


@pytest.mark.parametrize("handler", HANDLERS)
def test_a_full_disk_leaves_the_last_committed_batch_and_apply_again_finishes(
    manifest, tmp_path, handler
):
    """A write that fails (EFBIG under RLIMIT_FSIZE, as ENOSPC would) fails the step
    naming the file; the file is cut back to its last committed batch, and the ledger
    says so."""
    committed = _size_after(manifest, tmp_path, handler, 48)
    path = manifest(_text(handler, 80), "seed.yaml")
    full = _apply_cli(path, tmp_path, fsize=committed + 10)
    assert full.returncode == 1
    assert b"out.txt: File too large" in full.stderr
    ledger = _ledger(tmp_path)
    assert (ledger["rows"], ledger["offset"], ledger["writing"]) == (48, committed, None)
    assert (tmp_path / "out.txt").read_bytes() == (tmp_path / "probe.txt").read_bytes()
    again = _apply_cli(path, tmp_path)
    assert again.returncode == 0, again.stderr.decode()
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, handler, 80)


class ValidJson:
    """A handler placed after a json target: after each batch, the file must be a JSON
    array of the rows committed so far, in order."""

    name: ClassVar[str] = "valid-json"
    Options: ClassVar[type[HandlerOptions]] = HandlerOptions

    def __init__(self, options: HandlerOptions) -> None:
        self.file = Path()

    def open(self, ctx: Any) -> None:
        self.file = Path(ctx.base_dir) / "out.txt"

    def write(self, batch: Any) -> None:
        ids = [r["id"] for r in json.loads(self.file.read_text())]
        assert ids == list(range(1, len(ids) + 1))  # batches skipped on resume come too
        assert len(ids) >= batch.stop

    def close(self, error: BaseException | None) -> None:
        pass


@pytest.mark.parametrize("indent", ["", ", indent: 2"])
def test_json_is_a_whole_document_after_every_batch(manifest, tmp_path, indent):
    text = _text("json", 20, extra=indent, killer=True)
    text = text.replace("resumekill:Killer", "test_file_ledger:ValidJson")
    assert _run(manifest, text).ok
    assert _run(manifest, text.replace("count: 20", "count: 70")).ok
    assert len(json.loads((tmp_path / "out.txt").read_text())) == 70


def test_a_changed_spec_is_refused(manifest, tmp_path):
    assert _run(manifest, _text("jsonl", 20)).ok
    before = (tmp_path / "out.txt").read_bytes()
    changed = _run(manifest, _text("jsonl", 20, name="Someone"))
    assert not changed.ok
    assert "different spec" in (changed.error or "")
    assert "seedrunner destroy" in (changed.error or "")
    assert (tmp_path / "out.txt").read_bytes() == before


def test_plan_reads_a_file_ledger(manifest, cli, tmp_path):
    path = str(manifest(_text("jsonl", 40)))
    code, out, _ = cli("plan", path, "--detailed-exitcode")
    assert code == 3
    assert "0 applied, 40 to write" in out
    assert cli("apply", path, "--quiet")[0] == 0
    code, out, _ = cli("plan", path, "--detailed-exitcode", "--json")
    assert code == 0
    state = json.loads(out)["datasets"][0]["targets"][0]["state"]
    assert (state["applied"], state["to_write"], state["undoable"]) == (40, 0, True)
    (tmp_path / "out.txt").unlink()  # a ledger without its file: written anew
    assert "0 applied, 40 to write" in cli("plan", path)[1]
    assert cli("apply", path, "--quiet")[0] == 0
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, "jsonl", 40)


def _files(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.mark.parametrize("handler", HANDLERS)
def test_destroy_removes_the_file_and_its_ledger(manifest, cli, tmp_path, handler):
    path = str(manifest(_text(handler, 40)))
    (tmp_path / "notes.txt").write_text("the user's\n")
    before = _files(tmp_path)
    assert cli("plan", path, "--destroy", "--detailed-exitcode")[0] == 0
    assert cli("apply", path, "--quiet")[0] == 0
    code, out, _ = cli("plan", path, "--destroy", "--detailed-exitcode")
    assert code == 3
    assert "would delete 40 rows: remove out.txt and its ledger" in out
    code, out, _ = cli("destroy", path)
    assert code == 0
    assert "removed out.txt" in out
    assert _files(tmp_path) == before
    assert (tmp_path / "notes.txt").read_text() == "the user's\n"
    code, out, _ = cli("plan", path, "--destroy", "--detailed-exitcode")
    assert (code, "nothing to delete" in out) == (0, True)
    assert "nothing to undo" in cli("destroy", path)[1]
    assert cli("apply", path, "--quiet")[0] == 0  # and it can be written again
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, handler, 40)


@pytest.mark.parametrize("change", ["appended", "cut"])
def test_a_file_changed_since_is_left_alone_by_destroy_and_apply(manifest, cli, tmp_path, change):
    path = str(manifest(_text("jsonl", 40)))
    assert cli("apply", path, "--quiet")[0] == 0
    committed = (tmp_path / "out.txt").stat().st_size
    if change == "appended":
        with open(tmp_path / "out.txt", "a", encoding="utf-8") as f:
            f.write('{"id": 1000, "added by": "the application"}\n')
    else:
        os.truncate(tmp_path / "out.txt", committed - 5)
    changed = (tmp_path / "out.txt").read_bytes()
    code, out, _ = cli("plan", path, "--destroy", "--detailed-exitcode")
    assert code == 3
    assert "cannot undo" in out
    assert "changed since seedrunner wrote it" in out
    assert "cannot undo" in cli("destroy", path)[1]
    (undone,) = destroy(build_plan(load_manifest(Path(path))))
    assert (undone.status, undone.rows) == ("cannot undo", 0)
    assert f"(truncate -s {committed} {tmp_path / 'out.txt'})" in undone.note
    assert cli("apply", path, "--quiet")[0] == 1  # stopped up front: file changed
    assert (tmp_path / "out.txt").read_bytes() == changed
    assert (tmp_path / LEDGER).exists()
    if change == "appended":  # cut back as the message says: seedrunner's bytes again
        os.truncate(tmp_path / "out.txt", committed)
        assert "removed out.txt" in cli("destroy", path)[1]
        assert not (tmp_path / "out.txt").exists()


@pytest.mark.parametrize("handler", ["csv", "json"])
def test_an_interrupted_destroy_is_finished_by_destroy_or_undone_by_apply(
    manifest, tmp_path, monkeypatch, handler
):
    """The ledger is changed first (every byte a write in flight), then the file removed,
    then the ledger: stopped between the two, apply writes the file anew and destroy ends
    the job."""
    text = _text(handler, 40)
    assert _run(manifest, text).ok
    written = (tmp_path / "out.txt").read_bytes()
    real = Path.unlink

    def crash(self: Path, missing_ok: bool = False) -> None:
        if self.name == "out.txt":
            raise OSError(5, "Input/output error", str(self))
        real(self, missing_ok)

    plan = build_plan(load_manifest(tmp_path / "seed.yaml"))
    with monkeypatch.context() as m:
        m.setattr(Path, "unlink", crash)
        (undone,) = destroy(plan)
    assert (undone.status, "Input/output error" in undone.note) == ("failed", True)
    assert (_ledger(tmp_path)["rows"], _ledger(tmp_path)["writing"]) == (0, len(written))
    assert _run(manifest, text).ok  # apply: the file anew
    assert (tmp_path / "out.txt").read_bytes() == written
    with monkeypatch.context() as m:
        m.setattr(Path, "unlink", crash)
        destroy(plan)
    (undone,) = destroy(plan)  # destroy again finishes
    assert undone.status == "done"
    assert _files(tmp_path) == ["seed.yaml"]


def test_destroy_removes_a_file_of_another_spec(manifest, cli, tmp_path):
    """Unlike SQL rows, a file's rows need no regenerating: the ledger's offsets say what
    is seedrunner's, so destroy is the way out of a changed spec."""
    assert _run(manifest, _text("csv", 30)).ok
    path = str(manifest(_text("csv", 30, name="Someone")))
    out = cli("plan", path)[1]
    assert "written by another spec" in out
    assert "would delete 30 rows: remove out.txt" in cli("plan", path, "--destroy")[1]
    code, out, _ = cli("destroy", path)
    assert (code, "removed out.txt" in out) == (0, True)
    assert cli("apply", path, "--quiet")[0] == 0
    assert _ledger(tmp_path)["rows"] == 30


def test_a_file_without_a_ledger_is_written_anew_and_a_bad_ledger_is_refused(
    manifest, cli, tmp_path
):
    """As without a ledger, seedrunner owns the file: one it finds without a ledger (an
    earlier run without `ledger: true`) is replaced, so destroy may remove it whole."""
    (tmp_path / "out.txt").write_text("from an earlier run\n")
    assert _run(manifest, _text("jsonl", 20)).ok
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, "jsonl", 20)
    (tmp_path / LEDGER).write_text("{not json")
    failed = _run(manifest, _text("jsonl", 20))
    assert not failed.ok
    assert "cannot read the ledger" in (failed.error or "")
    assert "state unknown: cannot read the ledger" in cli("plan", "seed.yaml")[1]
    assert "cannot undo" in cli("destroy", "seed.yaml")[1]
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, "jsonl", 20)


def test_one_apply_at_a_time_per_file(manifest, cli, tmp_path):
    path = str(manifest(_text("jsonl", 20)))
    other = TargetLock.take(tmp_path / "out.txt", "other-run", 0)
    try:
        code, _, err = cli("apply", path, "--quiet")
        assert code == 1
        assert "is locked by run other-run (pid" in " ".join(err.split())
        assert not (tmp_path / "out.txt").exists()
    finally:
        other.release()
    assert cli("apply", path, "--quiet")[0] == 0
    other = TargetLock.take(tmp_path / "out.txt", "other-run", 0)
    try:
        (undone,) = destroy(build_plan(load_manifest(Path(path))))
        assert (undone.status, "locked by run other-run" in undone.note) == ("cannot undo", True)
    finally:
        other.release()
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, "jsonl", 20)


@pytest.mark.parametrize("handler", ["jsonl", "json"])
def test_two_applies_started_together_write_each_row_once(manifest, tmp_path, handler):
    path = manifest(_text(handler, 1500))
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "-q", "--lock-timeout", "60"]
    runs = [subprocess.Popen(cmd, cwd=tmp_path, stderr=subprocess.PIPE) for _ in range(2)]
    for run in runs:
        _, err = run.communicate(timeout=120)
        assert run.returncode == 0, err.decode()
    assert (tmp_path / "out.txt").read_bytes() == _clean(manifest, tmp_path, handler, 1500)
    assert _ledger(tmp_path)["rows"] == 1500


@pytest.mark.parametrize("handler", HANDLERS)
def test_apply_replace_rewrites_a_file_of_another_spec(manifest, tmp_path, cli, handler):
    """A changed spec is refused; --replace removes the file seedrunner wrote under the
    earlier spec (its ledger says which bytes are seedrunner's) and writes the new one."""
    path = manifest(_text(handler, 40), "seed.yaml")
    assert cli("apply", str(path), "-q")[0] == 0
    path.write_text(_text(handler, 40, name="Renamed"))
    code, _, err = cli("apply", str(path), "-q")
    assert code == 2  # refused up front (preflight)
    assert "spec" in err
    code, _, err = cli("apply", str(path), "--replace")
    assert code == 0, err
    assert "replaced: deleted 40 rows of dataset 'customers'" in err
    assert (tmp_path / "out.txt").read_bytes() == _clean(
        manifest, tmp_path, handler, 40, name="Renamed"
    )
    assert cli("plan", str(path), "--detailed-exitcode")[0] == 0
