"""The ledger of targets with no transactions (Redis, HTTP, plugins), kept in a state store:
.seedrunner/state.db by default, or the database of a sqlalchemy target (`state:`).

Against the Redis server on this machine and the recording HTTP server: apply twice writes
nothing the second time, a raised count writes only the new rows, a changed spec is
refused naming what changed, an apply killed at batch k (or between a send and its record)
finishes the job when run again with the content of an uninterrupted run, destroy deletes
exactly what was seeded, and one apply at a time holds the local state.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from seedrunner.commands.status import plan_state
from seedrunner.errors import PlanError
from seedrunner.ledger import locks
from tests.conftest import require_server
from tests.httpserver import RecordingServer, Reply
from tests.integration.shopmodels import REPO
from tests.integration.test_redis_handler import URL, stored

redis = pytest.importorskip("redis")

KILLER = {"handler": "tests.integration.resumekill:Killer"}
EXIT = {"KILL": -9, "TERM": 143, "INT": 130}
STATE = Path(".seedrunner") / "state.db"


@pytest.fixture
def client():
    require_server("redis", "127.0.0.1", 6379)
    with redis.Redis.from_url(URL, decode_responses=True) as c:
        yield c


@pytest.fixture
def prefixes(client):
    """Prefixes of this test's own (call it for each); their keys are deleted afterwards."""
    made: list[str] = []

    def make() -> str:
        made.append(f"srledger{uuid.uuid4().hex[:10]}")
        return made[-1]

    yield make
    for name in made:
        keys = list(client.scan_iter(match=f"{name}:*", count=1000))
        if keys:
            client.delete(*keys)


def redis_text(
    prefix: str,
    *,
    count: int = 40,
    seed: int = 11,
    cache: dict | None = None,
    killer: bool = False,
    extra_targets: dict | None = None,
) -> str:
    targets = {
        "cache": {
            "handler": "redis",
            "url": URL,
            "prefix": prefix,
            "ledger": True,
            **(cache or {}),
        },
        **({"killer": KILLER} if killer else {}),
        **(extra_targets or {}),
    }
    persist = ["cache", "killer"] if killer else ["cache"]
    return f"""\
version: 1
seed: {seed}
now: "2026-01-01T00:00:00Z"
python_path: [{json.dumps(str(REPO))}]
defaults: {{batch_size: 16}}
targets: {json.dumps(targets)}
datasets:
  customers:
    model: tests.integration.shopmodels:Customer
    count: {count}
    persist: {json.dumps(persist)}
"""


def run(path: Path, **kwargs):
    return apply(build_plan(load_manifest(path)), **kwargs)


def persisted(report) -> dict[str, tuple[int, int]]:
    """Per persist step: (rows seen, rows the ledger skipped)."""
    return {r.name: (r.rows, r.skipped) for r in report.steps if r.kind == "persist"}


def apply_cli(path: Path, cwd: Path, kill: str | None = None, *extra: str):
    env = {k: v for k, v in os.environ.items() if k != "SEEDRUNNER_TEST_KILL"}
    if kill:
        env["SEEDRUNNER_TEST_KILL"] = kill
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet", *extra]
    return subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, timeout=120)


# -- Redis ------------------------------------------------------------------------------


def test_redis_apply_twice_writes_nothing_the_second_time(
    manifest, tmp_path, client, prefixes, cli
):
    prefix = prefixes()
    path = manifest(redis_text(prefix))
    first = run(path)
    assert first.ok, first.error
    assert persisted(first) == {"cache": (40, 0)}
    before = stored(client, prefix)
    assert len(before) == 40
    assert (tmp_path / STATE).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == [".seedrunner", "seed.yaml"]
    assert (tmp_path / ".seedrunner" / ".gitignore").read_text().splitlines()[-1] == "*"
    client.set(f"{prefix}:customers:3", "changed by the application")
    second = run(path)
    assert second.ok, second.error
    assert persisted(second) == {"cache": (40, 40)}  # every row skipped: nothing sent
    assert client.get(f"{prefix}:customers:3") == "changed by the application"
    code, out, _ = cli("plan", str(path), "--detailed-exitcode")
    assert code == 0, out
    assert "up to date (40 rows applied)" in out
    with sqlite3.connect(tmp_path / STATE) as db:
        ranges = db.execute(
            "SELECT dataset, target, position, row_start, row_stop FROM seedrunner_ledger "
            "ORDER BY row_start"
        ).fetchall()
        pending = db.execute("SELECT COUNT(*) FROM seedrunner_ledger_pending").fetchone()
    assert ranges == [("customers", "cache", 0, a, min(a + 16, 40)) for a in (0, 16, 32)]
    assert pending == (0,)


def test_redis_raising_a_count_writes_only_the_new_rows(manifest, client, prefixes, cli):
    prefix, fresh = prefixes(), prefixes()
    assert run(manifest(redis_text(prefix, count=100), "shop.yaml")).ok
    code, out, _ = cli("plan", str(manifest(redis_text(prefix, count=150), "shop.yaml")))
    assert "100 applied, 50 to write" in out
    code, _, _ = cli("plan", "shop.yaml", "--detailed-exitcode")
    assert code == 3
    report = run(manifest(redis_text(prefix, count=150), "shop.yaml"))
    assert report.ok, report.error
    assert persisted(report) == {"cache": (150, 100)}  # 50 written
    assert run(manifest(redis_text(fresh, count=150), "fresh.yaml")).ok
    grown = stored(client, prefix)
    assert len(grown) == 150
    assert grown == {k.replace(fresh, prefix): v for k, v in stored(client, fresh).items()}


def test_redis_a_changed_spec_is_refused_naming_what_changed(manifest, client, prefixes, cli):
    prefix = prefixes()
    assert run(manifest(redis_text(prefix), "shop.yaml")).ok
    before = stored(client, prefix)
    path = manifest(redis_text(prefix, seed=12), "shop.yaml")
    report = run(path)
    assert not report.ok
    error = report.error or ""
    assert "dataset 'customers' (shop.yaml:" in error
    assert "changed since: seed" in error
    assert "apply --replace" in error
    assert str(STATE) in error  # where the ledger is
    assert stored(client, prefix) == before  # nothing written
    code, out, _ = cli("plan", str(path), "--detailed-exitcode")
    assert code == 3
    assert "written by another spec (changed: seed): apply refuses" in out
    code, out, err = cli("apply", str(path), "--replace")  # seed 11's keys go, 12's come
    assert code == 0, err
    clean = prefixes()
    assert run(manifest(redis_text(clean, seed=12), "clean.yaml")).ok
    want = {k.replace(clean, prefix): v for k, v in stored(client, clean).items()}
    assert stored(client, prefix) == want
    assert want != before


def test_redis_destroy_deletes_exactly_the_seeded_keys(manifest, client, prefixes, cli):
    prefix = prefixes()
    path = manifest(redis_text(prefix, count=37))
    assert run(path).ok
    app_keys = {f"{prefix}:customers:9999": "app", f"{prefix}:sessions:1": "app"}
    client.mset(app_keys)
    code, out, _ = cli("plan", str(path), "--destroy", "--detailed-exitcode")
    assert code == 3
    assert "would delete 37 rows" in out
    results = destroy(build_plan(load_manifest(path)))
    assert [(r.dataset, r.target, r.rows, r.status) for r in results] == [
        ("customers", "cache", 37, "done")
    ]
    assert stored(client, prefix) == app_keys  # the application's keys stay
    state = plan_state(build_plan(load_manifest(path)))
    assert [(s.applied, s.to_write) for s in state] == [(0, 37)]  # the ledger forgot them
    again = run(path)  # and apply writes them all again
    assert persisted(again) == {"cache": (37, 0)}
    assert len(stored(client, prefix)) == 39


@pytest.mark.parametrize("signal_name", ["KILL", "TERM", "INT"])
def test_redis_apply_again_after_a_kill_finishes_the_job(
    manifest, tmp_path, client, prefixes, signal_name
):
    prefix, clean = prefixes(), prefixes()
    path = manifest(redis_text(prefix, count=80, killer=True), "shop.yaml")
    killed = apply_cli(path, tmp_path, f"customers:2:{signal_name}")
    assert killed.returncode == EXIT[signal_name], killed.stderr.decode()
    if signal_name != "KILL":
        assert b"run apply again to resume" in killed.stdout + killed.stderr
    assert len(stored(client, prefix)) == 48  # batches 0..2, recorded before the kill
    again = run(path)
    assert again.ok, again.error
    assert persisted(again)["cache"] == (80, 48)
    assert run(manifest(redis_text(clean, count=80), "clean.yaml")).ok
    want = {k.replace(clean, prefix): v for k, v in stored(client, clean).items()}
    assert stored(client, prefix) == want


def test_a_pending_batch_is_sent_again_and_recorded(manifest, tmp_path, client, prefixes):
    """A batch recorded as pending (sent, outcome unknown: the crash came before its
    record) is written by the next apply, whose content equals an uninterrupted run's."""
    prefix, clean = prefixes(), prefixes()
    path = manifest(redis_text(prefix, count=40))
    assert run(path).ok
    with sqlite3.connect(tmp_path / STATE) as db:  # as a crash after batch 1's send leaves it
        db.execute(
            "INSERT INTO seedrunner_ledger_pending (schema_version, run_id, manifest, dataset, "
            "target, position, fingerprint, row_start, row_stop, started_at) "
            "SELECT schema_version, 'crashed', manifest, dataset, target, position, "
            "fingerprint, row_start, row_stop, written_at FROM seedrunner_ledger "
            "WHERE row_start = 16"
        )
        db.execute("DELETE FROM seedrunner_ledger WHERE row_start = 16")
    client.delete(*[f"{prefix}:customers:{i}" for i in range(17, 33)])
    plan = build_plan(load_manifest(path))
    assert [(s.applied, s.to_write) for s in plan_state(plan)] == [(24, 16)]
    report = run(path)
    assert persisted(report) == {"cache": (40, 24)}
    assert run(manifest(redis_text(clean), "clean.yaml")).ok
    want = {k.replace(clean, prefix): v for k, v in stored(client, clean).items()}
    assert stored(client, prefix) == want
    with sqlite3.connect(tmp_path / STATE) as db:
        assert db.execute("SELECT COUNT(*) FROM seedrunner_ledger_pending").fetchone() == (0,)


def test_a_second_apply_on_the_same_local_state_fails_at_once(manifest, tmp_path, prefixes):
    prefix = prefixes()
    path = manifest(redis_text(prefix))
    (tmp_path / ".seedrunner").mkdir()
    lock = locks.FileLock(tmp_path / ".seedrunner" / "state.db.seedrunner-lock")
    holder = locks.Holder("other-run", 4242, "elsewhere", "2026-11-23T10:00:00")
    locks.acquire(lock, "test", holder, 0)
    try:
        started = time.monotonic()
        report = run(path)
        assert time.monotonic() - started < 5
        assert not report.ok
        assert "locked by run other-run (pid 4242 on elsewhere" in (report.error or "")
        assert "state.db" in (report.error or "")
    finally:
        lock.release()
    assert run(path).ok


def test_two_concurrent_applies_on_local_state_never_interleave(
    manifest, tmp_path, client, prefixes
):
    prefix = prefixes()
    path = manifest(redis_text(prefix, count=300))
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
    procs = [
        subprocess.Popen(
            [*cmd, "--lock-timeout", "60"], cwd=tmp_path, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        for _ in range(2)
    ]  # fmt: skip
    outs = [p.communicate(timeout=120) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert len(stored(client, prefix)) == 300
    with sqlite3.connect(tmp_path / STATE) as db:  # one apply wrote, the other skipped all
        ranges = db.execute("SELECT row_start, row_stop FROM seedrunner_ledger").fetchall()
    assert sorted(ranges) == [(a, min(a + 16, 300)) for a in range(0, 300, 16)]


@pytest.mark.parametrize("backend", ["sqlite", "postgresql", "mariadb", "postgresql-async"])
def test_state_in_a_sql_target(manifest, make_database, tmp_path, client, prefixes, backend):
    db = make_database(backend)
    prefix = prefixes()
    state = {"db": {"handler": "sqlalchemy", "url": db.url}}
    text = redis_text(prefix, cache={"state": "db"}, extra_targets=state)
    path = manifest(text)
    assert run(path).ok
    second = run(path)
    assert persisted(second) == {"cache": (40, 40)}
    assert not (tmp_path / ".seedrunner").exists()  # nothing local: the database holds it
    with db.engine.connect() as c:
        rows = c.execute(
            sa.text("SELECT target, row_start, row_stop FROM seedrunner_ledger ORDER BY row_start")
        ).all()
    assert [tuple(r) for r in rows] == [("cache", 0, 16), ("cache", 16, 32), ("cache", 32, 40)]
    results = destroy(build_plan(load_manifest(path)))
    assert [(r.rows, r.status) for r in results] == [(40, "done")]
    assert stored(client, prefix) == {}


def test_state_must_name_a_sqlalchemy_target(manifest, prefixes, cli):
    prefix = prefixes()
    text = redis_text(prefix, cache={"state": "dbb"}, extra_targets={"db": KILLER})
    path = manifest(text)
    with pytest.raises(PlanError) as caught:
        build_plan(load_manifest(path))
    message = str(caught.value)
    assert "state: no target named 'dbb'" in message
    code, _, err = cli("plan", str(path))
    assert code == 2
    assert "seed.yaml:6:" in err  # the targets line (a one-line JSON mapping)
    text = redis_text(prefix, cache={"state": "db"}, extra_targets={"db": KILLER})
    with pytest.raises(PlanError, match="target 'db' is not a sqlalchemy target"):
        build_plan(load_manifest(manifest(text)))


def test_redis_ledger_refuses_overwrite_false(manifest, prefixes):
    text = redis_text(prefixes(), cache={"overwrite": False})
    with pytest.raises(PlanError, match="ledger: true with overwrite: false"):
        build_plan(load_manifest(manifest(text)))


# -- HTTP -------------------------------------------------------------------------------

BOTH = pytest.mark.parametrize("handler", ["http", "http-async"])


def http_text(api: dict, count: int = 25) -> str:
    return f"""\
version: 1
seed: 7
now: "2026-01-01T00:00:00Z"
defaults: {{retries: {{max: 2, wait: 0}}}}
targets:
  api: {json.dumps({"ledger": True, **api})}
datasets:
  users:
    count: {count}
    batch_size: 10
    fields: {{id: "{{{{ index }}}}", name: {{faker: name}}}}
    persist: [api]
"""


@BOTH
def test_http_apply_twice_sends_nothing_the_second_time(manifest, handler, cli):
    with RecordingServer() as server:
        path = manifest(http_text({"handler": handler, "url": f"{server.url}/users"}))
        first = run(path)
        assert first.ok, first.error
        assert len(server.requests) == 3
        second = run(path)
        assert second.ok, second.error
        assert persisted(second) == {"api": (25, 25)}
        assert len(server.requests) == 3  # not one more request
        code, out, _ = cli("plan", str(path), "--detailed-exitcode")
        assert code == 0, out
        grown = run(manifest(http_text({"handler": handler, "url": f"{server.url}/users"}, 32)))
        assert persisted(grown) == {"api": (32, 25)}
        assert sorted(int(r["id"]) for r in server.rows) == list(range(32))


@pytest.mark.parametrize("signal_name", ["KILL", "TERM", "INT"])
def test_http_a_crash_between_send_and_record_resends_with_the_same_key(
    manifest, tmp_path, cli, signal_name
):
    """The server stores batch 1 and the apply dies (SIGKILL), or is stopped (SIGTERM,
    Ctrl-C), before the answer: batch 1 is pending.  apply again sends it with the same
    Idempotency-Key, the server drops the copy, and it holds each row once, as after an
    uninterrupted run."""
    proc: dict[str, int] = {}
    sig = getattr(signal, f"SIG{signal_name}")
    with RecordingServer() as server:
        server.script(Reply(), Reply(then=lambda: os.kill(proc["pid"], sig)))
        path = manifest(http_text({"handler": "http", "url": f"{server.url}/users"}))
        cmd = [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"]
        p = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        proc["pid"] = p.pid
        out, err = p.communicate(timeout=120)
        assert p.returncode == EXIT[signal_name], err.decode()
        if signal_name != "KILL":
            assert b"run apply again to resume" in out + err
        assert len(server.rows) == 20  # batches 0 and 1 reached the server
        state = plan_state(build_plan(load_manifest(path)))
        assert [(s.applied, s.to_write, s.pending) for s in state] == [(10, 15, 10)]
        code, out, _ = cli("plan", str(path), "--detailed-exitcode")
        assert code == 3
        assert "10 applied, 15 to write (10 sent before a crash, outcome unknown" in out
        again = apply_cli(path, tmp_path)
        assert again.returncode == 0, again.stderr.decode()
        sent = [r for r in server.requests if r.method == "POST"]
        assert len(sent) == 4  # batch 1 twice, then batch 2
        assert sent[2].headers["idempotency-key"] == sent[1].headers["idempotency-key"]
        assert sent[2].duplicate
        assert not sent[3].duplicate
        assert sorted(int(r["id"]) for r in server.rows) == list(range(25))  # each row once


@BOTH
def test_http_destroy_deletes_the_rows_through_the_delete_option(manifest, handler, cli):
    with RecordingServer() as server:
        api = {
            "handler": handler,
            "url": f"{server.url}/api/users",
            "delete": {"url": "/api/users/{id}"},
            "headers": {"Authorization": "Bearer s3cr3t-token-value"},
        }
        path = manifest(http_text(api))
        assert run(path).ok
        server.rows.append({"id": "app-1", "name": "added by the application"})
        code, out, _ = cli("plan", str(path), "--destroy")
        assert code == 0
        assert "would delete 25 rows" in out
        results = destroy(build_plan(load_manifest(path)))
        assert [(r.rows, r.status) for r in results] == [(25, "done")]
        assert server.rows == [{"id": "app-1", "name": "added by the application"}]
        deletes = [r for r in server.requests if r.method == "DELETE"]
        assert [r.path for r in deletes] == [f"/api/users/{i}" for i in range(25)]
        assert deletes[0].headers["authorization"] == "Bearer s3cr3t-token-value"
        assert [(r.rows, r.status) for r in destroy(build_plan(load_manifest(path)))] == [
            (0, "nothing to undo")
        ]


def test_http_without_a_delete_option_cannot_be_undone(manifest, cli):
    with RecordingServer() as server:
        path = manifest(http_text({"handler": "http", "url": f"{server.url}/users"}))
        assert run(path).ok
        code, out, _ = cli("plan", str(path), "--destroy", "--detailed-exitcode")
        assert code == 0  # destroy would change nothing
        assert "cannot undo: handler http: no 'delete' option" in out
        results = destroy(build_plan(load_manifest(path)))
        assert [r.status for r in results] == ["cannot undo"]
        assert "no 'delete' option" in results[0].note
        assert len(server.rows) == 25
        assert all(r.method == "POST" for r in server.requests)


def test_http_delete_url_must_name_fields(manifest, cli):
    api = {"handler": "http", "url": "http://127.0.0.1:9/u", "delete": {"url": "/u/{uid}"}}
    path = manifest(http_text(api))
    code, _, err = cli("plan", str(path))
    assert code == 2
    assert "delete url '/u/{uid}' names 'uid', not a field of the rows" in err
    assert "seed.yaml:6" in err


def test_http_ledger_refuses_read_back(manifest):
    api = {"handler": "http", "url": "http://127.0.0.1:9/u", "read_back": True}
    with pytest.raises(PlanError, match="ledger: true with read_back: true"):
        build_plan(load_manifest(manifest(http_text(api))))


# -- plugins ------------------------------------------------------------------------------

PLUGIN = """
import json
from pathlib import Path
from typing import ClassVar

from seedrunner.handlers.storeoptions import StoredLedgerOptions


class Options(StoredLedgerOptions):
    handler: str = "box:Box"
    path: str


class Box:
    '''Appends each row to a JSON-lines file; undo writes the ids it deletes.'''

    name: ClassVar[str] = "box"
    Options: ClassVar[type] = Options

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        self.base = ctx.base_dir

    def write(self, batch):
        with open(self.base / self.options.path, "a") as f:
            for row in batch.records():
                f.write(json.dumps(row) + "\\n")

    def undo(self, batch):
        with open(self.base / (self.options.path + ".deleted"), "a") as f:
            for row in batch.records():
                f.write(row["id"] + "\\n")
        return batch.size

    def close(self, error):
        pass
"""


def test_a_plugin_extending_stored_ledger_options_gets_the_ledger(manifest, tmp_path):
    text = http_text({"handler": "box:Box", "path": "out.jsonl"}).replace(
        'now: "2026', f'python_path: [{json.dumps(str(tmp_path))}]\nnow: "2026'
    )
    path = manifest(text, **{"box.py": PLUGIN})
    assert run(path).ok
    assert persisted(run(path)) == {"api": (25, 25)}
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [str(i) for i in range(25)]
    results = destroy(build_plan(load_manifest(path)))
    assert [(r.rows, r.status) for r in results] == [(25, "done")]
    deleted = (tmp_path / "out.jsonl.deleted").read_text().split()
    assert deleted == [str(i) for i in range(25)]


def test_a_sqlite_state_written_in_the_same_step_needs_transaction_batch(
    manifest, tmp_path, client, prefixes
):
    """SQLite has one writer: a state file the chain's own target holds a dataset-long
    transaction on is refused at plan time; with transaction: batch both work."""
    prefix = prefixes()
    db = {"handler": "sqlalchemy", "url": "sqlite:///shop.db", "create_tables": True}
    db["ledger"] = True

    def text(mode: str) -> str:
        targets = {"db": {**db, "transaction": mode}}
        return redis_text(prefix, cache={"state": "db"}, extra_targets=targets).replace(
            'persist: ["cache"]', 'persist: ["db", "cache"]'
        )

    with pytest.raises(PlanError, match="set transaction: batch on 'db'"):
        build_plan(load_manifest(manifest(text("dataset"))))
    path = manifest(text("batch"))
    assert run(path).ok
    assert persisted(run(path)) == {"db": (40, 40), "cache": (40, 40)}
    with sqlite3.connect(tmp_path / "shop.db") as con:  # both ledgers in one table
        ledger = "SELECT target, COUNT(*) FROM seedrunner_ledger GROUP BY target ORDER BY 1"
        assert con.execute(ledger).fetchall() == [("cache", 3), ("db", 3)]


def test_delete_urls_percent_encode_each_value_and_keys_are_per_attempt():
    """A row value cannot leave its path segment; a pending batch's key depends on the run
    that first sent it, so a batch sent again after destroy is not taken for a duplicate."""
    from seedrunner.handlers.httpoptions import HttpDelete
    from seedrunner.ledger.sqlledger import StepKey
    from seedrunner.ledger.stored import delivery_key

    delete = HttpDelete(url="/orgs/{org}/users/{id}")
    assert delete.for_row({"org": "a/b", "id": "x y?z=1"}) == "/orgs/a%2Fb/users/x%20y%3Fz%3D1"
    key = StepKey("m", "users", "api", 0)
    first = delivery_key("run1", key, "fp", 10, 20)
    assert first == delivery_key("run1", key, "fp", 10, 20)
    assert first != delivery_key("run2", key, "fp", 10, 20)
    assert first != delivery_key("run1", key, "fp", 10, 19)
