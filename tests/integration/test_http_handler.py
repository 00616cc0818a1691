"""The http handlers against a real HTTP server on a local socket (tests/httpserver.py).

Retries deliver every row exactly once (counted at the server, which drops a batch whose
Idempotency-Key it already accepted), a 4xx fails at once, a lost answer is retried only
with a key, credentials do not follow a redirect to another origin and never reach the
output, and server-assigned ids flow back into the run.
"""

from __future__ import annotations

import base64
import datetime as dt
import email.utils
import enum
import json
import sqlite3
import time
import uuid
from decimal import Decimal

import pytest

from seedrunner import apply, build_plan, load_manifest
from seedrunner.errors import HandlerError, ManifestError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.http import HttpOptions, encode_rows
from seedrunner.handlers.httpoptions import is_secret_header
from seedrunner.handlers.httpretry import idempotency_key, parse_retry_after
from seedrunner.handlers.registry import resolve_handler
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.jsonable import dumps as jsonable_dumps
from seedrunner.redact import scrub
from tests.httpserver import RecordingServer, Reply
from tests.integration.shopmodels import MODELS, REPO
from tests.unit.handlers.handler_support import make_ctx

pytestmark = pytest.mark.http

SYNC = "http"
ASYNC = "http-async"
BOTH = pytest.mark.parametrize("handler", [SYNC, ASYNC], ids=["http", "http-async"])
ROWS, BATCH = 25, 10  # three batches: 10, 10, 5
FAST = "{max: 3, wait: 0}"


@pytest.fixture
def server():
    with RecordingServer() as s:
        yield s


@pytest.fixture
def other_server():
    with RecordingServer() as s:
        yield s


def users(api: dict, *, count: int = ROWS, retries: str = FAST) -> str:
    """A manifest sending ``users`` rows (n = row index) to target ``api`` (JSON is YAML)."""
    return f"""
        version: 1
        seed: 7
        defaults: {{retries: {retries}}}
        targets:
          api: {json.dumps(api)}
        datasets:
          users:
            count: {count}
            batch_size: {BATCH}
            fields: {{n: "{{{{ index }}}}", name: {{faker: name}}}}
            persist: [api]
        """


def run(manifest, text: str):
    return apply(build_plan(load_manifest(manifest(text))))


def delivered_once(server: RecordingServer, count: int = ROWS) -> None:
    """The server stored every row exactly once."""
    ns = [row["n"] for row in server.rows]
    assert sorted(ns, key=int) == [str(i) for i in range(count)]


# -- delivery and retries ---------------------------------------------------------------


@BOTH
def test_503_then_201_delivers_every_row_once(manifest, server, handler):
    server.script(Reply(503, body={"error": "busy"}), Reply(503), Reply(201))
    report = run(manifest, users({"handler": handler, "url": f"{server.url}/users"}))
    assert report.ok, report.error
    delivered_once(server)
    first, second, third = server.requests[:3]
    assert [r.status for r in server.requests] == [503, 503, 201, 201, 201]
    key = first.headers["idempotency-key"]
    assert second.headers["idempotency-key"] == third.headers["idempotency-key"] == key
    keys = [r.headers["idempotency-key"] for r in server.requests[2:]]
    assert len(set(keys)) == 3  # one key per batch
    assert not any(r.duplicate for r in server.requests)
    assert [len(r.json) for r in server.stored] == [10, 10, 5]


@BOTH
def test_429_retry_after_is_waited_for(manifest, server, handler):
    server.script(Reply(429, headers={"Retry-After": "0.3"}))
    report = run(manifest, users({"handler": handler, "url": server.url}))
    assert report.ok, report.error
    delivered_once(server)
    waited = server.requests[1].at - server.requests[0].at
    assert waited >= 0.3  # retries.wait is 0: only Retry-After made it wait


def test_retry_after_is_capped_by_the_policy_and_read_as_a_date():
    assert parse_retry_after("2") == 2.0
    assert parse_retry_after("0.25") == 0.25
    assert parse_retry_after("-3") == 0.0
    assert parse_retry_after("soon") is None
    assert parse_retry_after(None) is None
    now = time.time()
    date = email.utils.formatdate(now + 120, usegmt=True)
    assert 118 <= (parse_retry_after(date, now=now) or 0) <= 121
    assert RetryPolicy(cap=1.5).delay(1, parse_retry_after(date)) == 1.5


@BOTH
def test_retries_run_out_with_a_transient_error_naming_the_batch(manifest, server, handler):
    server.script(*[Reply(503)] * 3)
    report = run(
        manifest, users({"handler": handler, "url": f"{server.url}/u"}, retries="{max: 2, wait: 0}")
    )
    assert not report.ok
    assert len(server.requests) == 3  # the first attempt and two retries, then stop
    assert server.rows == []
    assert "HTTP 503" in report.error
    assert "after 3 attempts" in report.error
    assert f"POST {server.url}/u" in report.error
    assert "dataset 'users'" in report.error
    assert "batch 0" in report.error


@BOTH
def test_400_fails_at_once_with_status_and_body(manifest, server, handler):
    server.script(Reply(201), Reply(400, body={"error": "name is too long", "row": 3}))
    report = run(manifest, users({"handler": handler, "url": server.url}))
    assert not report.ok
    assert len(server.requests) == 2  # no retry, and batch 2 is never sent
    assert len(server.rows) == BATCH  # batch 0 stays: HTTP has no rollback
    assert 'HTTP 400 Bad Request: {"error": "name is too long", "row": 3}' in report.error
    assert "(step persist, batch 1, rows 10..19)" in report.error
    assert f"POST {server.url} (dataset 'users', batch 1): HTTP 400" in report.error


def test_400_through_the_cli_is_exit_1_without_the_request_body(cli, manifest, server):
    server.script(Reply(400, body="x" * 500))
    path = manifest(users({"handler": SYNC, "url": server.url}))
    code, out, err = cli("apply", str(path))
    assert code == 1
    assert "HTTP 400 Bad Request: " + "x" * 200 + "…" in err
    assert "x" * 201 not in err  # the snippet is cut
    sent = server.requests[0].json
    assert sent[0]["name"] not in out + err  # row values stay out of the message
    assert "Traceback" not in out + err
    assert len(server.requests) == 1


@BOTH
def test_stall_past_the_timeout_is_resent_with_the_same_key(manifest, server, handler):
    server.script(Reply(201, stall=0.6))  # stored, then answered too late
    api = {"handler": handler, "url": server.url, "timeout": 0.3}
    report = run(manifest, users(api))
    assert report.ok, report.error
    delivered_once(server)
    first, second = server.requests[:2]
    assert second.duplicate  # the server recognised the key and stored nothing
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]


@BOTH
def test_stall_without_a_key_fails_without_a_resend(manifest, server, handler):
    server.script(Reply(201, stall=0.6))
    api = {"handler": handler, "url": server.url, "timeout": 0.3, "idempotency_header": None}
    report = run(manifest, users(api))
    assert not report.ok
    assert len(server.requests) == 1
    assert "idempotency-key" not in server.requests[0].headers
    assert "no answer within 0.3 s (read timeout)" in report.error
    assert "may have been stored" in report.error
    assert len(server.rows) == BATCH  # why: the server did store it


@BOTH
def test_500_is_resent_only_with_a_key(manifest, server, handler):
    server.script(Reply(500), Reply(201))
    assert run(manifest, users({"handler": handler, "url": server.url})).ok
    delivered_once(server)

    with RecordingServer() as keyless:
        keyless.script(Reply(500, body={"error": "db down"}), Reply(201))
        api = {"handler": handler, "url": keyless.url, "idempotency_header": ""}
        report = run(manifest, users(api))
        assert not report.ok
        assert len(keyless.requests) == 1
        assert "HTTP 500 Internal Server Error" in report.error
        assert "set idempotency_header" in report.error


@BOTH
def test_a_dropped_connection_is_resent_with_the_key(manifest, server, handler):
    server.script(Reply(drop=True), Reply(201))
    report = run(manifest, users({"handler": handler, "url": server.url}))
    assert report.ok, report.error
    delivered_once(server)
    assert len(server.requests) == 4


@BOTH
def test_connection_refused_is_retried_then_reported(manifest, handler):
    with RecordingServer() as gone:
        url = gone.url  # closed once the block ends
    report = run(manifest, users({"handler": handler, "url": url}, retries="{max: 2, wait: 0}"))
    assert not report.ok
    assert "could not connect" in report.error
    assert "after 3 attempts" in report.error


@BOTH
def test_error_classes_say_whether_a_later_attempt_is_safe(server, handler, tmp_path):
    """Retries ran out on a 503: transient.  No answer and no key: terminal, because the
    batch may be stored already."""
    cls = resolve_handler(handler)
    batch = Batch.from_records("users", 4, 40, [{"n": 1}, {"n": 2}])
    cases = [
        ({}, [Reply(503)] * 2, TransientHandlerError),
        ({"timeout": 0.2, "idempotency_header": None}, [Reply(201, stall=0.4)], HandlerError),
        ({}, [Reply(422, body="no")], HandlerError),
    ]
    for extra, replies, expected in cases:
        server.script(*replies)
        h = cls(cls.Options(handler="http", url=server.url, **extra))
        ctx = make_ctx(tmp_path)
        ctx.retries = RetryPolicy(max=1, wait=0)
        h.open(ctx)
        try:
            with pytest.raises(HandlerError) as caught:
                h.write(batch)
            h.close(caught.value)
        finally:
            ctx.resources.close_all()
        assert type(caught.value) is expected
        assert f"POST {server.url} (dataset 'users', batch 4)" in str(caught.value)


# -- request shape ----------------------------------------------------------------------


@BOTH
def test_put_with_an_envelope(manifest, server, handler):
    api = {"handler": handler, "url": f"{server.url}/bulk", "method": "put", "envelope": "items"}
    report = run(manifest, users(api))
    assert report.ok, report.error
    first = server.requests[0]
    assert (first.method, first.path) == ("PUT", "/bulk")
    assert set(first.json) == {"items"}
    assert first.json["items"][0] == {"n": "0", "name": first.json["items"][0]["name"]}
    assert first.headers["content-type"] == "application/json"
    delivered_once(server)


def test_the_fast_json_body_is_the_text_of_jsonable_dumps():
    class Tier(enum.Enum):
        gold = "GLD"

    row = {
        "price": Decimal("12.50"),
        "tier": Tier.gold,
        "tags": {"b", "a"},
        "id": uuid.UUID(int=7),
        "raw": b"\x00\xff",
        "took": dt.timedelta(hours=1, seconds=3),
        "at": dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.UTC),
        "on": dt.date(2026, 1, 2),
        "pair": (1, "é"),
        "by_id": {1: "x"},
        "by_uuid": {uuid.UUID(int=1): 2},  # not a JSON key type: the slow path
        "none": None,
        "ok": True,
        "ratio": 0.5,
    }
    batch = Batch.from_records("t", 0, 0, [row, row])
    assert encode_rows(batch, None) == jsonable_dumps([row, row]).encode()
    assert encode_rows(batch, "items") == jsonable_dumps({"items": [row, row]}).encode()


def test_the_key_is_the_same_for_a_batch_and_differs_between_batches_and_targets():
    key = idempotency_key("run1", "users", "api", 3)
    assert key == idempotency_key("run1", "users", "api", 3)
    assert len({key, *(idempotency_key(*a) for a in [
        ("run2", "users", "api", 3), ("run1", "posts", "api", 3),
        ("run1", "users", "api2", 3), ("run1", "users", "api", 4),
    ])}) == 5  # fmt: skip


@BOTH
def test_read_back_merges_server_ids_into_the_chain_and_children(manifest, handler, tmp_path):
    with RecordingServer(assign_ids=True) as server:
        api = {"handler": handler, "url": server.url, "read_back": True, "envelope": "data"}
        text = f"""
            version: 1
            seed: 7
            targets:
              api: {json.dumps(api)}
              files: {{handler: jsonl, path: "{{dataset}}.jsonl"}}
            datasets:
              users:
                count: 7
                batch_size: 3
                fields: {{id: {{skip: true}}, name: {{faker: name}}}}
                persist: [api, files]
              posts:
                count: {{per: users, exactly: 2}}
                fields: {{user_id: {{ref: users.id}}, title: {{faker: word}}}}
                persist: [files]
            """
        report = run(manifest, text)
        assert report.ok, report.error
    written = [json.loads(line) for line in (tmp_path / "users.jsonl").read_text().splitlines()]
    assert [u["id"] for u in written] == list(range(1, 8))
    assert "id" not in server.requests[0].json["data"][0]
    posts = [json.loads(line) for line in (tmp_path / "posts.jsonl").read_text().splitlines()]
    assert sorted(p["user_id"] for p in posts) == sorted(list(range(1, 8)) * 2)


def test_read_back_of_an_unexpected_answer_fails_without_a_resend(manifest, server):
    server.script(Reply(201, body={"accepted": 10}))
    report = run(manifest, users({"handler": SYNC, "url": server.url, "read_back": True}))
    assert not report.ok
    assert "acknowledged the batch (HTTP 201)" in report.error
    assert "a JSON array of 10 objects" in report.error
    assert len(server.requests) == 1


def test_database_assigned_ids_arrive_at_the_http_server(manifest, server, tmp_path):
    con = sqlite3.connect(tmp_path / "shop.db")  # AUTOINCREMENT keys will start at 500
    con.execute("CREATE TABLE suppliers (id INTEGER PRIMARY KEY AUTOINCREMENT, name VARCHAR(60))")
    con.execute("INSERT INTO suppliers VALUES (499, 'gone')")
    con.execute("DELETE FROM suppliers")
    con.commit()
    con.close()
    text = f"""
        version: 1
        python_path: ["{REPO}"]
        targets:
          db: {{handler: sqlalchemy, url: "sqlite:///shop.db"}}
          api: {json.dumps({"handler": SYNC, "url": server.url})}
        datasets:
          suppliers:
            model: {MODELS}:Supplier
            count: 12
            batch_size: 5
            fields: {{id: {{skip: true}}}}
            persist: [db, api]
        """
    report = run(manifest, text)
    assert report.ok, report.error
    con = sqlite3.connect(tmp_path / "shop.db")
    in_db = con.execute("SELECT id, name FROM suppliers ORDER BY id").fetchall()
    con.close()
    assert [i for i, _ in in_db] == list(range(500, 512))
    assert sorted((r["id"], r["name"]) for r in server.rows) == in_db


# -- redirects and secrets --------------------------------------------------------------

CREDENTIALS = {  # values as they are sent
    "Authorization": "Bearer SENTINEL_TOKEN_123",
    "X-Api-Key": "SENTINEL_KEY_456",
    "Proxy-Authorization": "Basic U0VOVElORUw6cHJveHk=",
    "X-Signing-Key": "SENTINEL_SIGNING_789",  # a custom name: caught by its words
}


@BOTH
def test_a_redirect_to_another_origin_carries_no_credentials(
    manifest, server, other_server, handler
):
    server.script(
        Reply.redirect(f"{server.url}/moved"),  # same origin first: credentials kept
        Reply.redirect(f"{other_server.url}/elsewhere", 308),
    )
    headers = {**CREDENTIALS, "X-Tenant": "acme"}
    api = {"handler": handler, "url": f"{server.url}/in", "headers": headers}
    report = run(manifest, users(api))
    assert report.ok, report.error
    first, moved = server.requests[:2]
    assert moved.path == "/moved"
    assert moved.headers["authorization"] == CREDENTIALS["Authorization"]
    assert moved.body == first.body
    arrived = other_server.requests[0]
    assert arrived.method == "POST"
    assert arrived.path == "/elsewhere"
    assert arrived.body == first.body
    for name in CREDENTIALS:
        assert name.lower() not in arrived.headers, name
    assert arrived.headers["x-tenant"] == "acme"
    assert arrived.headers["idempotency-key"] == first.headers["idempotency-key"]
    assert arrived.headers["host"] == other_server.url.removeprefix("http://")
    assert len(other_server.rows) == BATCH  # batch 0 went there; the others to the first
    assert len(server.rows) == ROWS - BATCH


@BOTH
def test_302_is_not_turned_into_a_get(manifest, server, other_server, handler):
    server.script(Reply.redirect(f"{other_server.url}/x", 302))
    report = run(manifest, users({"handler": handler, "url": server.url}))
    assert not report.ok
    assert "HTTP 302 redirect to" in report.error
    assert "only 307/308 are followed" in report.error
    assert other_server.requests == []


def test_credential_headers_are_recognised_by_name():
    for name in [*CREDENTIALS, "Cookie", "x-auth-token", "X-Client-Secret", "Api-Key"]:
        assert is_secret_header(name), name
    for name in ["Content-Type", "Accept", "X-Tenant", "User-Agent"]:
        assert not is_secret_header(name), name


LONG_TOKEN = "SENTINEL_LONG_" + "x" * 70  # longer than the planner's 60-character excerpt


def secrets_in(texts: list[str]) -> list[str]:
    forms = [
        "SENTINEL_TOKEN_123", "SENTINEL_KEY_456", "SENTINEL_SIGNING_789", "SENTINEL_PASS_000",
        "SENTINEL_Q", "SENTINEL:proxy", "U0VOVElORUw6cHJveHk", "SENTINEL_LONG",
        base64.b64encode(b"bob:SENTINEL_PASS_000").decode(),
    ]  # fmt: skip
    return [f for f in forms for text in texts if f in text]


def test_secrets_never_reach_plan_errors_or_json_output(cli, manifest, server, monkeypatch):
    monkeypatch.setenv("API_TOKEN", "SENTINEL_TOKEN_123")
    monkeypatch.setenv("SIGNING", "SENTINEL_SIGNING_789\n")  # read from a file: a newline
    headers = {
        "Authorization": "Bearer {{ env.API_TOKEN }}",
        "X-Api-Key": "SENTINEL_KEY_456",
        "X-Signing-Key": "{{ env.SIGNING }}",
        "Proxy-Authorization": CREDENTIALS["Proxy-Authorization"],
        "X-Tenant": "acme",
    }
    path = manifest(users({"handler": SYNC, "url": f"{server.url}/in?token=SENTINEL_Q",
                           "headers": headers}))  # fmt: skip
    outputs = []
    for args in [("plan", str(path)), ("plan", str(path), "--json"), ("validate", str(path))]:
        code, out, err = cli(*args)
        assert code == 0, err
        outputs.append(out + err)
    assert '"Authorization": "***"' in outputs[1]
    assert '"X-Tenant": "acme"' in outputs[1]  # only credentials are masked
    echo = " ".join([*CREDENTIALS.values(), "SENTINEL_Q"])
    for args in [("apply", str(path)), ("apply", str(path), "--json")]:
        server.script(Reply(401, body={"error": "bad credentials", "echo": echo}))
        code, out, err = cli(*args)
        assert code == 1
        outputs.append(out + err)
    assert "HTTP 401 Unauthorized" in outputs[-2]
    assert "check the credential headers" in outputs[-2]
    sent = server.requests[0].headers
    assert sent["authorization"] == "Bearer SENTINEL_TOKEN_123"
    assert sent["x-signing-key"] == "SENTINEL_SIGNING_789"  # the newline is gone
    assert secrets_in(outputs) == []


def test_a_password_in_the_url_is_masked_and_sent_as_basic_auth(cli, manifest, server):
    host = server.url.removeprefix("http://")
    path = manifest(users({"handler": SYNC, "url": f"http://bob:SENTINEL_PASS_000@{host}/in"}))
    outputs = [cli("plan", str(path))[1]]
    server.script(Reply(400, body={"echo": server.url}))
    code, out, err = cli("apply", str(path), "--json")
    assert code == 1
    outputs.append(out + err)
    assert "bob:***@" in outputs[0]
    sent = server.requests[0].headers["authorization"]
    assert sent == "Basic " + base64.b64encode(b"bob:SENTINEL_PASS_000").decode()
    assert secrets_in(outputs) == []


@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Authorization": f"Bearer {LONG_TOKEN}\r\nX-Evil: 1"}, "line break inside its value"),
        ({"X-Api-Key": {"nested": LONG_TOKEN}}, "must be text, not dict"),
        ({"Authorization": f"Bearer {LONG_TOKEN}", "": "x"}, "a header name is empty"),
    ],
)
def test_bad_headers_are_refused_without_echoing_them(cli, manifest, headers, message):
    path = manifest(users({"handler": SYNC, "url": "http://127.0.0.1:9/", "headers": headers}))
    for args in [("validate", str(path)), ("validate", str(path), "--json-errors")]:
        code, out, err = cli(*args)
        assert code == 2
        assert message in err
        assert secrets_in([out, err]) == []


def test_a_url_password_and_an_authorization_header_are_not_both_allowed(cli, manifest):
    url = f"http://bob:{LONG_TOKEN}@127.0.0.1:9/in"
    api = {"handler": SYNC, "url": url, "headers": {"Authorization": "Bearer SENTINEL_Q"}}
    code, out, err = cli("validate", str(manifest(users(api))))
    assert code == 2
    assert "keep one" in err
    assert secrets_in([out, err]) == []


# -- options ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("option", "value", "message"),
    [
        ("timeout", 0, "greater than 0"),
        ("timeout", None, "valid number"),
        ("timeout", float("inf"), "finite number"),
        ("method", "GET", "'POST' or 'PUT'"),
        ("url", f"ftp://bob:{LONG_TOKEN}@example.test/x", "http:// or https://"),
        ("envelope", "", "at least 1 character"),
    ],
)
def test_bad_options_are_manifest_errors(manifest, option, value, message):
    api = {"handler": SYNC, "url": "http://127.0.0.1:9/", option: value}
    text = users(api).replace("Infinity", ".inf")  # YAML's spelling
    with pytest.raises(ManifestError) as caught:
        build_plan(load_manifest(manifest(text)))
    shown = "\n".join(p.format() for p in caught.value.problems)
    assert message in shown
    assert f"option '{option}'" in shown
    assert "SENTINEL_LONG" not in scrub(shown)


def test_options_defaults_and_masked_dump():
    opts = HttpOptions(
        handler="http", url="https://api.example.test/x", headers={"X-Api-Key": 12345678}
    )
    assert opts.timeout == 30.0
    assert opts.idempotency_header == "Idempotency-Key"
    assert opts.headers == {"X-Api-Key": "12345678"}  # an unquoted YAML number is text
    assert opts.model_dump()["headers"] == {"X-Api-Key": "***"}
    assert "12345678" not in repr(opts)
    keyless = HttpOptions(handler="http", url="http://h/", idempotency_header=" ")
    assert keyless.idempotency_header is None
