"""Shared fixtures: manifests in tmp folders, SQLite dumps, CLI runs, server requirements.

Tests that need a server (PostgreSQL, MariaDB, Redis) skip with a reason when it is not
reachable, unless SEEDRUNNER_REQUIRE_SERVERS=1 (set by .ci/run), which makes a missing
server a failure.
"""

from __future__ import annotations

import os
import signal
import socket
import sqlite3
import textwrap
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedrunner.cli.app import app
from tests.databases import BACKENDS, SYNC_BACKENDS, Database, open_database, server_address

REPO = Path(__file__).resolve().parent.parent

# A shell starts background jobs (`pytest ... &`) with SIGINT ignored, and every child
# inherits that: the Ctrl-C tests would then see no interrupt. Take Ctrl-C back.
if signal.getsignal(signal.SIGINT) == signal.SIG_IGN:
    signal.signal(signal.SIGINT, signal.default_int_handler)

# CLI runs in subprocesses import test plugins (tests.integration.resumekill:Killer ...) by
# dotted path, from a tmp folder: the repository must be on their path, as it is on ours.
os.environ["PYTHONPATH"] = os.pathsep.join(
    p for p in (str(REPO), os.environ.get("PYTHONPATH", "")) if p
)


def require_server(name: str, host: str, port: int) -> None:
    """Skip (or fail under .ci/run) when a server does not answer on host:port."""
    try:
        with socket.create_connection((host, port), timeout=1):
            return
    except OSError as exc:
        message = f"{name} not reachable at {host}:{port} ({exc})"
        if os.environ.get("SEEDRUNNER_REQUIRE_SERVERS") == "1":
            pytest.fail(message + "; .ci/run requires every server")
        pytest.skip(message)


@pytest.fixture
def manifest(tmp_path: Path):
    """Write a manifest (dedented) and any side files into tmp_path; returns its path."""

    def write(text: str, name: str = "seed.yaml", **files: str) -> Path:
        for rel, content in files.items():
            p = tmp_path / rel.replace("__", "/")
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_text(textwrap.dedent(content))
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


def sqlite_dump(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table's rows, ordered, for comparing two databases (seedrunner's own ledger
    tables left out: they record run ids and times, which differ by design)."""
    con = sqlite3.connect(path)
    try:
        tables = [
            r[0]
            for r in con.execute("SELECT name FROM sqlite_master WHERE type='table' ORDER BY name")
            if not r[0].startswith("seedrunner_")
        ]
        return {t: con.execute(f'SELECT * FROM "{t}" ORDER BY 1').fetchall() for t in tables}
    finally:
        con.close()


@pytest.fixture
def cli(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """Run the CLI in-process in tmp_path; returns (exit code, stdout, stderr)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")

    def run(*args: str) -> tuple[int, str, str]:
        result = CliRunner().invoke(app, list(args), catch_exceptions=False)
        return result.exit_code, result.stdout, result.stderr

    return run


def _database(backend: str, tmp_path: Path):
    family = BACKENDS[backend][0]
    address = server_address(family)
    if address is not None:
        require_server(family, *address)
    yield from open_database(backend, tmp_path)


@pytest.fixture(params=list(BACKENDS))
def database(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh schema on every backend, sync and async drivers (6 parametrizations)."""
    yield from _database(request.param, tmp_path)


@pytest.fixture(params=SYNC_BACKENDS)
def sync_database(request: pytest.FixtureRequest, tmp_path: Path):
    """A fresh schema on each database, through its sync driver (3 parametrizations)."""
    yield from _database(request.param, tmp_path)


@pytest.fixture
def make_database(tmp_path: Path):
    """Open extra databases by backend id inside one test; all dropped at teardown."""
    opened: list[object] = []

    def make(backend: str) -> Database:
        gen = _database(backend, tmp_path / f"db{len(opened)}")
        (tmp_path / f"db{len(opened)}").mkdir(exist_ok=True)
        db = next(gen)
        opened.append(gen)
        return db

    yield make
    for gen in reversed(opened):
        for _ in gen:  # run the generator's cleanup
            pass
