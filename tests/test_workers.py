"""--workers N: the same rows, the same databases, the same errors as one process.

Counts span several 4096-row stream blocks and batch sizes do not align with them, so
batches straddle the chunks helpers generate; the shop's customers (a unique email) run
in-process while orders and order lines are split, so both paths meet in one run.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import subprocess
import sys
import time
import uuid
from decimal import Decimal
from pathlib import Path

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.execute.parallel import _decode, _encode, chunk_rows, order_dependent
from tests.conftest import sqlite_dump
from tests.integration.shopmodels import SHOP_TABLES, shop_manifest

CUSTOMERS = 9000  # ~13k orders, ~27k order lines


def _apply_shop(manifest, db, name: str, workers: int, batch_size: int):
    path = manifest(shop_manifest(db.url, customers=CUSTOMERS, batch_size=batch_size), name)
    plan = build_plan(load_manifest(path))
    report = apply(plan, workers=workers)
    assert report.ok, report.error
    return plan, report


def _tables(db) -> dict[str, list[tuple[object, ...]]]:
    return {t.name: db.rows(t.name, "id") for t in SHOP_TABLES}


@pytest.mark.parametrize(
    ("backend", "batch_size"),
    [("sqlite", 1000), ("sqlite", 5000), ("postgresql", 1000)],
)
def test_one_and_two_workers_write_identical_databases(
    manifest, make_database, caplog, backend, batch_size
):
    one, two = make_database(backend), make_database(backend)
    plan, report1 = _apply_shop(manifest, one, "one.yaml", 1, batch_size)
    with caplog.at_level(logging.INFO, logger="seedrunner"):
        _, report2 = _apply_shop(manifest, two, "two.yaml", 2, batch_size)

    # both paths are exercised: a unique field keeps customers in order, the rest split
    big = [d for d in plan.datasets if d.count.total > chunk_rows(d.batch_size)]
    assert {d.name for d in big if order_dependent(d)} == {"customers"}
    assert {d.name for d in big if not order_dependent(d)} == {"orders", "order_lines"}
    assert "customers is generated in one process" in caplog.text

    first, second = _tables(one), _tables(two)
    for table in SHOP_TABLES:
        assert len(first[table.name]) == plan.dataset(table.name).count.total > 0
        assert first[table.name] == second[table.name], table.name
    # the report counts the same rows and batches per step
    assert [(s.dataset, s.kind, s.rows, s.batches, s.status) for s in report1.steps] == [
        (s.dataset, s.kind, s.rows, s.batches, s.status) for s in report2.steps
    ]


def _failing_manifest(manifest, bad_row: int) -> Path:
    """A split dataset whose template fails at one row, far into a helper's chunk."""
    return manifest(
        f"""
        version: 1
        seed: 3
        now: "2026-01-01T00:00:00Z"
        defaults: {{batch_size: 1500}}
        datasets:
          t:
            count: 20000
            fields:
              n: {{sequence: null, start: 1}}
              name: {{faker: first_name}}
              x: "{{{{ 100 // (index - {bad_row}) }}}}"
            persist: [{{handler: jsonl, path: out.jsonl}}]
        """
    )


@pytest.mark.parametrize("bad_row", [9000, 4096 * 3 + 5])
def test_a_worker_error_reads_like_an_in_process_one(manifest, bad_row):
    plan = build_plan(load_manifest(_failing_manifest(manifest, bad_row)))
    assert order_dependent(plan.dataset("t")) is None
    one = apply(plan, dry_run=True, workers=1)
    two = apply(plan, dry_run=True, workers=2)
    assert not one.ok
    assert one.failure is not None
    first, last = one.failure["rows"]
    assert first <= bad_row <= last
    assert "ZeroDivisionError" in (one.error or "")
    assert two.error == one.error
    assert two.failure == one.failure
    assert [(s.rows, s.batches, s.status) for s in two.steps] == [
        (s.rows, s.batches, s.status) for s in one.steps
    ]


def test_cli_workers_flag_end_to_end(cli, manifest, make_database, tmp_path):
    dbs = {w: make_database("sqlite") for w in (1, 2)}
    for w, db in dbs.items():
        manifest(shop_manifest(db.url, customers=CUSTOMERS, batch_size=3000), f"w{w}.yaml")
        code, _, err = cli("apply", f"w{w}.yaml", "--workers", str(w), "-q")
        assert code == 0, err
    db1, db2 = (Path(dbs[w].url.removeprefix("sqlite:///")) for w in (1, 2))
    dump = sqlite_dump(db1)
    assert sum(len(rows) for rows in dump.values()) > 3 * CUSTOMERS
    assert dump == sqlite_dump(db2)
    code, _, err = cli("apply", "w1.yaml", "--workers", "0")
    assert code == 2
    assert "--workers" in err


def test_cli_worker_error_exit_code(cli, manifest):
    path = _failing_manifest(manifest, 9000)
    results = [cli("apply", str(path), "--dry-run", "--workers", str(w)) for w in (1, 2)]
    assert results[0][0] == results[1][0] == 1
    assert results[0][2] == results[1][2]
    assert "ZeroDivisionError" in results[0][2]


def _children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(x) for x in path.read_text().split()] if path.exists() else []


def _running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="reads /proc")
def test_ctrl_c_leaves_no_helper_processes(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        seed: 5
        defaults: {batch_size: 2000}
        datasets:
          t:
            count: 5000000
            fields: {n: {sequence: null, start: 1}, name: {faker: first_name}}
            persist: [{handler: jsonl, path: out.jsonl}]
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedrunner", "apply", str(path), "--workers", "3", "-q"],
        cwd=tmp_path,
        env={**os.environ, "NO_COLOR": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 60
        while len(_children(proc.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
        helpers = _children(proc.pid)
        assert len(helpers) == 2  # 3 workers: this process and two helpers
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    deadline = time.monotonic() + 10
    while any(_running(h) for h in helpers) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_running(h) for h in helpers)


def test_chunk_codec_gives_back_equal_values_of_the_same_types():
    columns = {
        "u": [uuid.UUID(int=7, version=4), uuid.UUID(int=2**127 + 5, version=4)],
        "u_other": [uuid.UUID(int=1, is_safe=uuid.SafeUUID.safe), uuid.UUID(int=2)],
        "u_null": [uuid.UUID(int=3), None],
        "d": [dt.date(1, 1, 1), dt.date(2026, 2, 28)],
        "d_mixed": [dt.date(2020, 1, 1), dt.datetime(2020, 1, 1, 5)],
        "n": [Decimal("-0.00"), Decimal("1E+3")],
        "n_mixed": [Decimal("1.5"), 2],
        "s": ["a", None],
        "t": [dt.datetime(1, 1, 1), dt.datetime(2026, 2, 28, 23, 59, 59, 999999)],
        "t_utc": [
            dt.datetime(2024, 1, 1, 5, tzinfo=dt.UTC),
            dt.datetime(9999, 1, 1, tzinfo=dt.UTC),
        ],
        "t_other_zone": [dt.datetime(2024, 1, 1, tzinfo=dt.timezone(dt.timedelta(hours=2)))],
        "t_mixed": [dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1, tzinfo=dt.UTC)],
        "t_null": [dt.datetime(2024, 1, 1), None],
        "empty": [],
    }
    back = _decode(_encode(columns))
    assert back == columns
    for name, values in columns.items():
        assert [type(v) for v in back[name]] == [type(v) for v in values], name
        assert [str(v) for v in back[name]] == [str(v) for v in values], name
    assert [u.is_safe for u in back["u_other"]] == [uuid.SafeUUID.safe, uuid.SafeUUID.unknown]
    assert [v.tzinfo for v in back["t_utc"]] == [dt.UTC, dt.UTC]
