"""Secrets never reach any output (issue 7 item 5; catalogue S05).

Four secrets are planted in one manifest: a password in a PostgreSQL URL (with ``@ : / %``
in it, URL-encoded as a URL needs), a bearer token and a Basic credential in HTTP
``Authorization`` headers, and a value read from the environment (``{{ env.API_SECRET }}``)
into an API-key header.  Real ``seedrunner`` processes then run every command and failure
path a user sees: ``validate``, ``plan`` (text and ``--json``), ``apply`` succeeding, failing
on HTTP 500 and 401 (whose body echoes the token, as some APIs do), failing on an
unreachable or missing database and on an unparseable URL, ``--json-errors``, ``--debug``
(tracebacks), ``apply --json``, and the Rich progress display on a pseudo-terminal.  Each
run's stdout and stderr together must contain no secret in any form: as written, decoded,
URL-encoded, or base64 (Basic auth).
"""

from __future__ import annotations

import base64
import os
import pty
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest

from tests.databases import Database
from tests.httpserver import RecordingServer, Reply

REPO = Path(__file__).resolve().parents[2]

PASSWORD = "p@ss:w/rd%40!Z"
TOKEN = "SENTINEL_TOKEN_123"
ENV_SECRET = "SENTINEL_ENV_456"
BASIC_USER, BASIC_PASSWORD = "seeder", "SENTINEL_BASIC_789"
BASIC = base64.b64encode(f"{BASIC_USER}:{BASIC_PASSWORD}".encode()).decode()


def _forms(secret: str) -> set[str]:
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret),
        quote(secret),
        base64.b64encode(secret.encode()).decode(),
    }


FORBIDDEN = (
    _forms(PASSWORD)
    | _forms(TOKEN)
    | _forms(ENV_SECRET)
    | _forms(BASIC_PASSWORD)
    | {BASIC, PASSWORD.replace("%40", "@")}
)


def assert_no_secret(output: str) -> None:
    found = sorted(s for s in FORBIDDEN if s in output)
    assert not found, f"secret forms {found} printed in:\n{output}"


def with_password(url: str) -> str:
    """``url`` (user ``postgres``, no password) with PASSWORD put in, URL-encoded."""
    assert "://postgres@" in url, url
    return url.replace("://postgres@", f"://postgres:{quote(PASSWORD, safe='')}@", 1)


def manifest_text(db_url: str, api_url: str, extra_target: str = "") -> str:
    return f"""\
version: 1
targets:
  db: {{handler: sqlalchemy, url: "{db_url}", create_tables: true}}
  api:
    handler: http
    url: "{api_url}/users"
    headers:
      Authorization: "Bearer {TOKEN}"
      X-Api-Key: "{{{{ env.API_SECRET }}}}"
  basic:
    handler: http
    url: "{api_url}/basic"
    headers: {{Authorization: "Basic {BASIC}"}}
{extra_target}datasets:
  users:
    count: 30
    batch_size: 10
    fields:
      id: {{sequence: null, start: 1}}
      name: "user {{{{ id }}}}"
    persist: [db, api, basic{", x" if extra_target else ""}]
"""


def run_cli(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(REPO), "API_SECRET": ENV_SECRET, "COLUMNS": "300"}
    return subprocess.run(
        [sys.executable, "-m", "seedrunner", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def run_on_terminal(cwd: Path, *args: str) -> tuple[int, str]:
    """Run with stdout and stderr on a pseudo-terminal, so the Rich progress display is on."""
    master, slave = pty.openpty()
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "API_SECRET": ENV_SECRET,
        "COLUMNS": "300",
        "LINES": "50",
        "TERM": "xterm-256color",
        "FORCE_COLOR": "1",
    }
    env.pop("NO_COLOR", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "seedrunner", *args],
        cwd=cwd,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 0.1)
        if ready:
            try:
                data = os.read(master, 65536)
            except OSError:  # the child closed its end
                break
            if not data:
                break
            chunks.append(data)
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=120)
    os.close(master)
    return code, b"".join(chunks).decode("utf-8", "replace")


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    with RecordingServer() as srv:
        yield srv


@pytest.fixture
def pg(make_database) -> Database:  # type: ignore[no-untyped-def]
    db: Database = make_database("postgresql")
    return db


@pytest.fixture
def project(tmp_path: Path, pg: Database, server: RecordingServer) -> Path:
    (tmp_path / "seed.yaml").write_text(
        manifest_text(with_password(pg.url), server.url), encoding="utf-8"
    )
    return tmp_path


# -- success paths -----------------------------------------------------------------------------

READ_ONLY = {
    "validate": ["validate", "seed.yaml"],
    "plan": ["plan", "seed.yaml"],
    "plan_json": ["plan", "--json", "seed.yaml"],
    "plan_preview": ["plan", "--preview", "2", "seed.yaml"],
    "debug_plan": ["--debug", "plan", "seed.yaml"],
    "handlers": ["handlers"],
}


@pytest.mark.parametrize("args", READ_ONLY.values(), ids=list(READ_ONLY.keys()))
def test_read_only_commands(project: Path, args: list[str]) -> None:
    proc = run_cli(project, *args)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_no_secret(proc.stdout + proc.stderr)


@pytest.mark.parametrize("json_report", [False, True], ids=["text", "json"])
def test_apply_success(
    project: Path, pg: Database, server: RecordingServer, json_report: bool
) -> None:
    proc = run_cli(project, "apply", *(["--json"] if json_report else []), "seed.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert_no_secret(proc.stdout + proc.stderr)
    assert pg.scalar("SELECT count(*) FROM users") == 30
    sent = {r.headers["authorization"] for r in server.requests}
    assert sent == {f"Bearer {TOKEN}", f"Basic {BASIC}"}  # the secrets did reach the server
    assert {r.headers.get("x-api-key") for r in server.requests if r.path == "/users"} == {
        ENV_SECRET
    }


def test_apply_with_rich_progress_on_a_terminal(project: Path, pg: Database) -> None:
    code, output = run_on_terminal(project, "apply", "seed.yaml")
    assert code == 0, output
    assert "\x1b[" in output  # the Rich display was on (escape sequences)
    assert_no_secret(output)
    assert pg.scalar("SELECT count(*) FROM users") == 30


def test_failed_apply_on_a_terminal(project: Path, server: RecordingServer) -> None:
    server.script(*[Reply(401, body={"error": f"token {TOKEN} rejected"})] * 5)
    code, output = run_on_terminal(project, "--debug", "apply", "seed.yaml")
    assert code == 1, output
    assert "401" in output
    assert_no_secret(output)


# -- failure paths ------------------------------------------------------------------------------


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("json_report", [False, True], ids=["text", "json"])
@pytest.mark.parametrize("status", [500, 401])
def test_apply_failing_on_http_errors_whose_body_echoes_the_token(
    project: Path, server: RecordingServer, status: int, debug: bool, json_report: bool
) -> None:
    echo = {"error": f"bad credentials: Bearer {TOKEN} / {ENV_SECRET} / Basic {BASIC}"}
    server.script(*[Reply(status, body=echo)] * 10)
    args = [*(["--debug"] if debug else []), "apply", "--max-retries", "1", "--retry-wait", "0"]
    proc = run_cli(project, *args, *(["--json"] if json_report else []), "seed.yaml")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert str(status) in proc.stdout + proc.stderr
    assert_no_secret(proc.stdout + proc.stderr)


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _bad_urls(pg: Database) -> dict[str, str]:
    good = with_password(pg.url)
    host = good.split("@", 1)[1].split("/", 1)[0]
    return {
        "port_closed": good.replace(host, f"127.0.0.1:{_closed_port()}"),
        "no_such_database": good.replace("/test", "/no_such_db_sr", 1),
        "unparseable_port": good.replace(host, "127.0.0.1:notaport"),
        "unknown_driver": good.replace("postgresql+psycopg", "postgresql+nosuchdriver", 1),
    }


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("command", ["apply", "apply_json", "plan", "validate"])
@pytest.mark.parametrize(
    "case", ["port_closed", "no_such_database", "unparseable_port", "unknown_driver"]
)
def test_database_failures(
    tmp_path: Path, pg: Database, server: RecordingServer, case: str, command: str, debug: bool
) -> None:
    url = _bad_urls(pg)[case]
    (tmp_path / "seed.yaml").write_text(manifest_text(url, server.url), encoding="utf-8")
    cmd = ["apply", "--json"] if command == "apply_json" else [command]
    proc = run_cli(tmp_path, *(["--debug"] if debug else []), *cmd, "seed.yaml")
    output = proc.stdout + proc.stderr
    if command == "apply":
        assert proc.returncode in (1, 2), output
    assert_no_secret(output)


BAD_OPTIONS = {
    "unknown_option": '  x: {handler: sqlalchemy, url: "URL", create_tabels: true}\n',
    "bad_option_type": '  x: {handler: sqlalchemy, url: "URL", create_tables: "URL"}\n',
    "bad_header_type": (
        f'  x: {{handler: http, url: "API", headers: {{Authorization: ["Bearer {TOKEN}"]}}}}\n'
    ),
    "password_in_query": (
        '  x: {handler: sqlalchemy, url: "postgresql+psycopg://u@h/db?password='
        + quote(PASSWORD, safe="")
        + '", create_tables: nope}\n'
    ),
    "secret_env_in_bad_option": (
        '  x: {handler: http, url: "API", timeout: "{{ env.API_SECRET }}"}\n'
    ),
}


@pytest.mark.parametrize(
    "flags", [[], ["--json-errors"], ["--debug"], ["--debug", "--json-errors"]]
)
@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
@pytest.mark.parametrize("bad", BAD_OPTIONS.values(), ids=list(BAD_OPTIONS.keys()))
def test_manifest_errors(
    tmp_path: Path, pg: Database, server: RecordingServer, bad: str, command: str, flags: list[str]
) -> None:
    url = with_password(pg.url)
    extra = bad.replace('"URL"', f'"{url}"').replace('"API"', f'"{server.url}"')
    text = manifest_text(url, server.url, extra_target=extra)
    (tmp_path / "seed.yaml").write_text(text, encoding="utf-8")
    proc = run_cli(tmp_path, *flags, command, "seed.yaml")
    output = proc.stdout + proc.stderr
    assert proc.returncode == 2, output
    if "--json-errors" in flags:
        assert '"code"' in proc.stderr
    assert_no_secret(output)


# -- a handler plugin that crashes with the secrets in its exception -----------------------------

CRASHING_PLUGIN = """
from typing import ClassVar
from urllib.parse import unquote

from pydantic import model_validator

from seedrunner.handlers.base import HandlerOptions


class Options(HandlerOptions):
    handler: str = "crashing:Crash"
    url: str
    api_key: str
    where: str

    @model_validator(mode="after")
    def _crash_here(self):
        if self.where == "options":  # not a ValueError: pydantic lets it through raw
            raise RuntimeError(f"cannot use {self.url} with key {self.api_key}")
        return self


class Crash:
    Options: ClassVar[type[HandlerOptions]] = Options

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        pass

    def write(self, batch):
        url = self.options.url
        password = unquote(url.split(":")[2].split("@")[0])
        raise RuntimeError(f"crash at {url}: password {password!r}, key {self.options.api_key}")

    def close(self, error):
        pass
"""


@pytest.mark.parametrize("debug", [False, True], ids=["plain", "debug"])
@pytest.mark.parametrize("command", ["plan", "apply", "apply_json"])
@pytest.mark.parametrize("where", ["options", "write"])
def test_crashing_handler_plugin(
    tmp_path: Path, pg: Database, where: str, command: str, debug: bool
) -> None:
    (tmp_path / "crashing.py").write_text(CRASHING_PLUGIN, encoding="utf-8")
    (tmp_path / "seed.yaml").write_text(
        "version: 1\ntargets:\n  c:\n    handler: crashing:Crash\n"
        f'    url: "{with_password(pg.url)}"\n'
        '    api_key: "{{ env.API_SECRET }}"\n'
        f"    where: {where}\n"
        "datasets:\n  users:\n    count: 3\n    fields: {id: {sequence: null}}\n"
        "    persist: [c]\n",
        encoding="utf-8",
    )
    cmd = ["apply", "--json"] if command == "apply_json" else [command]
    proc = run_cli(tmp_path, *(["--debug"] if debug else []), *cmd, "seed.yaml")
    output = proc.stdout + proc.stderr
    crashes = where == "options" or command != "plan"
    assert proc.returncode == (1 if crashes else 0), output
    if crashes:
        assert "cannot use" in output or "crash at" in output
    if debug and where == "options":
        assert "Traceback" in output  # the --debug path really ran
    assert_no_secret(output)
