"""The redis handler against the Redis server on this machine: keys from primary keys or seeded
UUIDs (the same on every run), values identical to the jsonl handler's lines, ttl, overwrite:
false, what stays after a failure, and a password that never shows."""

from __future__ import annotations

import json
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.redisstore import RedisHandler, RedisOptions, seeded_uuid
from seedrunner.handlers.retry import RetryPolicy
from tests.conftest import require_server
from tests.integration.shopmodels import REPO
from tests.unit.handlers.handler_support import make_ctx, user_batches

redis = pytest.importorskip("redis")

pytestmark = pytest.mark.redis

HANDLER = "seedrunner.handlers.redisstore:RedisHandler"
URL = "redis://127.0.0.1:6379/0"
SECRET = "Sup3rS3cretRedisPw"

MODELS = """
from sqlalchemy import String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Membership(Base):
    __tablename__ = "memberships"

    org: Mapped[str] = mapped_column(String(10), primary_key=True)
    user_id: Mapped[int] = mapped_column(primary_key=True)
    role: Mapped[str] = mapped_column(String(10))


def on_third_batch(batch, ctx):
    if batch.index == 2:
        raise ValueError("stop here")
    return batch
"""


@pytest.fixture
def client():
    require_server("redis", "127.0.0.1", 6379)
    c = redis.Redis.from_url(URL, decode_responses=True)
    yield c
    c.close()


@pytest.fixture
def prefix(client):
    """A prefix of this test's own; its keys are deleted afterwards."""
    name = f"srtest{uuid.uuid4().hex[:10]}"
    yield name
    keys = list(client.scan_iter(match=f"{name}:*", count=1000))
    if keys:
        client.delete(*keys)


def redis_manifest(
    prefix: str, options: str = "", *, datasets: str | None = None, seed: int = 11
) -> str:
    datasets = (
        datasets
        or """
  customers:
    model: tests.integration.shopmodels:Customer
    count: 40
    persist: [cache, lines]"""
    )
    return f"""\
version: 1
seed: {seed}
now: "2026-01-01T00:00:00Z"
python_path: [{json.dumps(str(REPO))}]
defaults: {{batch_size: 16}}
targets:
  cache: {{handler: "{HANDLER}", url: "{URL}", prefix: {prefix}{options}}}
  lines: {{handler: jsonl, path: "{{dataset}}.jsonl"}}
datasets:{datasets}
"""


NO_KEY = """
  events:
    count: 37
    fields: {kind: click, n: {faker: pyint}}
    persist: [cache, lines]"""


def run(path: Path):
    return apply(build_plan(load_manifest(path)))


def stored(client, prefix: str) -> dict[str, str]:
    keys = sorted(client.scan_iter(match=f"{prefix}:*", count=1000))
    return dict(zip(keys, client.mget(keys), strict=True)) if keys else {}


def test_rows_land_under_their_primary_keys_as_jsonl_lines(manifest, tmp_path, client, prefix):
    report = run(manifest(redis_manifest(prefix)))
    assert report.ok, report.error
    lines = (tmp_path / "customers.jsonl").read_text().splitlines()
    keys = [f"{prefix}:customers:{json.loads(line)['id']}" for line in lines]
    assert keys == [f"{prefix}:customers:{i}" for i in range(1, 41)]
    assert client.mget(keys) == lines  # the same JSON text as the jsonl handler writes
    assert len(stored(client, prefix)) == 40
    assert client.ttl(keys[0]) == -1  # no ttl: the key does not expire


def test_composite_keys_are_joined_by_colons(manifest, tmp_path, client, prefix):
    datasets = """
  memberships:
    model: models.py:Membership
    count: 5
    fields: {org: acme}
    persist: [cache, lines]"""
    path = manifest(redis_manifest(prefix, datasets=datasets), **{"models.py": MODELS})
    assert run(path).ok
    lines = (tmp_path / "memberships.jsonl").read_text().splitlines()
    got = stored(client, prefix)
    for line in lines:
        row = json.loads(line)
        assert got[f"{prefix}:memberships:acme:{row['user_id']}"] == line
    assert len(got) == 5


def test_rows_without_a_key_get_seeded_uuids_the_same_on_every_run(
    manifest, tmp_path, client, prefix
):
    assert run(manifest(redis_manifest(prefix, datasets=NO_KEY))).ok
    first = stored(client, prefix)
    expected = {f"{prefix}:events:{seeded_uuid(11, 'events', i)}" for i in range(37)}
    assert set(first) == expected
    lines = (tmp_path / "events.jsonl").read_text().splitlines()
    assert [first[f"{prefix}:events:{seeded_uuid(11, 'events', i)}"] for i in range(37)] == lines
    client.delete(*first)
    assert run(manifest(redis_manifest(prefix, datasets=NO_KEY), "again.yaml")).ok
    assert stored(client, prefix) == first  # same keys, same values
    assert run(manifest(redis_manifest(prefix, datasets=NO_KEY, seed=12), "other.yaml")).ok
    assert len(stored(client, prefix)) == 74  # another seed: 37 other keys


def test_ttl_is_set_on_every_key(manifest, client, prefix):
    assert run(manifest(redis_manifest(prefix, ", ttl: 300"))).ok
    ttls = {client.ttl(k) for k in stored(client, prefix)}
    assert len(stored(client, prefix)) == 40
    assert all(0 < t <= 300 for t in ttls)


def test_overwrite_false_keeps_existing_keys(manifest, client, prefix):
    client.set(f"{prefix}:customers:7", "kept")
    assert run(manifest(redis_manifest(prefix, ", overwrite: false"))).ok
    got = stored(client, prefix)
    assert got[f"{prefix}:customers:7"] == "kept"
    assert len(got) == 40
    assert json.loads(got[f"{prefix}:customers:8"])["id"] == 8


def test_overwrite_false_counts_skipped_rows(tmp_path, client, prefix):
    client.set(f"{prefix}:users:2", "kept")
    client.set(f"{prefix}:users:3", "kept")
    pool = ResourcePool()
    handler = RedisHandler(RedisOptions(handler="redis", url=URL, prefix=prefix, overwrite=False))
    handler.open(make_ctx(tmp_path, resources=pool))
    for batch in user_batches(2):
        handler.write(batch)
    handler.close(None)
    pool.close_all()
    assert (handler.written, handler.skipped) == (2, 2)
    assert client.get(f"{prefix}:users:2") == "kept"
    assert json.loads(client.get(f"{prefix}:users:4"))["email"] == "u4@example.test"


def test_a_connection_the_server_killed_is_replaced(tmp_path, client, prefix):
    pool = ResourcePool()
    handler = RedisHandler(RedisOptions(handler="redis", url=URL, prefix=prefix))
    handler.open(make_ctx(tmp_path, resources=pool))
    first, second = user_batches(2)
    handler.write(first)
    own = handler._client.client_id()  # the pooled connection the next batch will use
    assert client.client_kill_filter(_id=own) == 1
    handler.write(second)
    handler.close(None)
    pool.close_all()
    assert len(stored(client, prefix)) == 4


def test_a_batch_that_timed_out_is_sent_again(tmp_path, client, prefix):
    pool = ResourcePool()
    options = RedisOptions(handler="redis", url=URL, prefix=prefix, timeout=0.1)
    handler = RedisHandler(options)
    ctx = make_ctx(tmp_path, resources=pool)
    ctx.retries = RetryPolicy(max=20, wait=0.05)
    handler.open(ctx)
    first, second = user_batches(2)
    handler.write(first)
    client.client_pause(400, all=False)  # writes wait 0.4 s: longer than the 0.1 s timeout
    handler.write(second)
    handler.close(None)
    pool.close_all()
    # how many attempts fit in the pause depends on the jittered waits: at least one retry
    assert handler.retried >= 1
    assert handler.written == 4
    assert len(stored(client, prefix)) == 4


def test_after_a_failure_the_batches_written_stay(manifest, client, prefix):
    datasets = NO_KEY + "\n    transforms: [models.py:on_third_batch]"
    report = run(manifest(redis_manifest(prefix, datasets=datasets), **{"models.py": MODELS}))
    assert not report.ok
    assert "stop here" in (report.error or "")
    # Batches 0 and 1 (rows 0..31) were final when their pipelines ran; nothing after them.
    expected = {f"{prefix}:events:{seeded_uuid(11, 'events', i)}" for i in range(32)}
    assert set(stored(client, prefix)) == expected


def test_an_option_typo_is_a_located_error(manifest, cli, prefix):
    code, _, err = cli("validate", str(manifest(redis_manifest(prefix, ", prefx: x"))))
    assert code == 2
    assert "seed.yaml:7:" in err
    assert "unknown option 'prefx'" in err
    assert "did you mean 'prefix'?" in err
    code, _, err = cli("validate", str(manifest(redis_manifest(prefix, ", ttl: 0"), "b.yaml")))
    assert code == 2
    assert "b.yaml:7:" in err
    assert "ttl" in err


@pytest.mark.parametrize("auth", [f":{SECRET}", f"seeder:{SECRET}"])
def test_the_password_never_shows(manifest, cli, auth):
    closed = f"redis://{auth}@127.0.0.1:1/0"
    path = manifest(
        f"""\
version: 1
targets:
  cache: {{handler: "{HANDLER}", url: "{closed}"}}
datasets:
  t: {{count: 3, fields: {{x: 1}}, persist: [cache]}}
"""
    )
    outputs = []
    for args in (("plan", str(path)), ("plan", str(path), "--json")):
        code, out, err = cli(*args)
        assert code == 0, err
        outputs.append(out + err)
        assert "127.0.0.1:1" in out
        assert ":***@127.0.0.1" in out
    for apply_args in (
        ("apply", str(path), "--max-retries", "1", "--retry-wait", "0"),
        ("apply", str(path), "--max-retries", "0", "--json-errors"),
    ):
        code, out, err = cli(*apply_args)
        assert code == 1
        outputs.append(out + err)
        as_json = "--json-errors" in apply_args
        message = json.loads(err)["errors"][0]["message"] if as_json else err
        assert "t → cache" in message
        assert "cannot connect" in message
        assert "***@127.0.0.1:1" in message
    assert "(after 2 attempts)" in outputs[2]  # the retry ran against the closed port
    for text in outputs:
        assert SECRET not in text


def test_a_missing_server_is_transient_and_names_the_target(tmp_path):
    pool = ResourcePool()
    handler = RedisHandler(RedisOptions(handler="redis", url=f"redis://:{SECRET}@127.0.0.1:1/0"))
    ctx = make_ctx(tmp_path, resources=pool)
    ctx.retries = RetryPolicy(max=0)
    with pytest.raises(TransientHandlerError) as info:
        handler.open(ctx)
    pool.close_all()
    message = str(info.value)
    assert "dataset 'users' -> target 't'" in message
    assert SECRET not in message
    assert SECRET not in repr(handler)
    assert SECRET not in repr(handler.options)


def test_an_empty_batch_writes_nothing(tmp_path, client, prefix):
    pool = ResourcePool()
    handler = RedisHandler(RedisOptions(handler="redis", url=URL, prefix=prefix))
    handler.open(make_ctx(tmp_path, resources=pool))
    handler.write(Batch("users", 0, 0, 0, {}))
    handler.close(None)
    pool.close_all()
    assert stored(client, prefix) == {}


def test_a_url_that_is_not_redis_is_a_clear_error(tmp_path):
    pool = ResourcePool()
    url = f"http://user:{SECRET}@127.0.0.1:6379/0"
    handler = RedisHandler(RedisOptions(handler="redis", url=url))
    with pytest.raises(HandlerError) as info:
        handler.open(make_ctx(tmp_path, resources=pool))
    pool.close_all()
    message = str(info.value)
    assert "cannot use Redis URL 'http://user:***@127.0.0.1:6379/0'" in message
    assert "redis://" in message  # redis-py's message lists the schemes it takes
    assert SECRET not in message


def test_redis_py_is_imported_only_when_a_target_opens(tmp_path, monkeypatch):
    probe = "import sys, seedrunner.handlers.redisstore; print('redis' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
    monkeypatch.setitem(sys.modules, "redis", None)  # what an environment without it sees
    handler = RedisHandler(RedisOptions(handler="redis", url=URL))
    with pytest.raises(HandlerError, match=r"pip install 'seedrunner\[redis\]'"):
        handler.open(make_ctx(tmp_path))
