"""A SQLite database that cannot grow (the file size limit of the process, RLIMIT_FSIZE,
as a full disk looks to SQLite): apply fails cleanly naming the database and the cause,
keeps only whole committed batches, and apply again, with room, finishes the job exactly."""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import dump, shop_manifest

LIMIT = 160 * 1024  # bytes: room for the tables and a few batches, not for 1,500 customers


def _text(url: str) -> str:
    return shop_manifest(
        url, batch_size=100, customers=1500, datasets=["customers"],
        db={"transaction": "batch"},
    )  # fmt: skip


def _apply(path, cwd, limit: int | None) -> subprocess.CompletedProcess[bytes]:
    def cap() -> None:
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return subprocess.run(
        [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"],
        cwd=cwd, capture_output=True, timeout=120, preexec_fn=cap,
    )  # fmt: skip


@pytest.mark.parametrize("journal", ["delete", "wal"])
def test_a_full_disk_fails_cleanly_and_apply_again_finishes(
    manifest, make_database, tmp_path, journal
):
    db, clean = make_database("sqlite"), make_database("sqlite")
    if journal == "wal":
        db.execute("PRAGMA journal_mode=WAL")
    path = manifest(_text(db.url), "full.yaml")
    full = _apply(path, tmp_path, LIMIT)
    err = full.stderr.decode()
    assert full.returncode == 1, err
    assert "customers" in err
    assert "the disk may be full, or the process's file size limit reached" in err
    assert f"in {db.url.removeprefix('sqlite:///')}" in err  # names the database file
    assert "Traceback" not in err
    kept = dump(db.engine).get("customers", [])
    assert len(kept) % 100 == 0  # whole batches only
    assert len(kept) < 1500
    again = _apply(path, tmp_path, None)
    assert again.returncode == 0, again.stderr.decode()
    assert apply(build_plan(load_manifest(manifest(_text(clean.url), "clean.yaml")))).ok
    assert dump(db.engine) == dump(clean.engine)
