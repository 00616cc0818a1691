"""The production guard, through the real CLI in a subprocess: protected targets (marked,
listed in pyproject.toml or SEEDRUNNER_PROTECTED) are refused with exit 2 before anything is
opened, plan shows the mark and why, and a person at a terminal is asked before apply or
destroy touches a database that is not local (answered on a real pseudo-terminal)."""

from __future__ import annotations

import ipaddress
import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import sqlite_dump
from tests.databases import Database, server_address
from tests.ptyrun import run_on_pty

SECRET = "SENTINEL_PW_77"
OTHER_SECRET = "SENTINEL_PW_88"
SEED = [sys.executable, "-m", "seedrunner"]

MODELS = """\
from pydantic import BaseModel


class Row(BaseModel):
    id: int
    name: str
"""
MANIFEST = """\
version: 1
now: "2026-01-01T00:00:00Z"  # a fixed clock: destroy regenerates the same spec
python_path: ["."]
targets:
  db: {handler: sqlalchemy, url: "URL", create_tables: true}
  db2: {handler: sqlalchemy, url: "URL", create_tables: true}
datasets:
  users:
    model: models:Row
    count: 5
    fields: {id: {sequence: null, start: 1}, name: {faker: word}}
    persist: [db]
  pets:
    model: models:Row
    count: 3
    fields: {id: {sequence: null, start: 1}, name: {faker: word}}
    persist: [db2]
"""


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "SEEDRUNNER_PROTECTED"}
    return {**env, "NO_COLOR": "1", "COLUMNS": "250", **extra}


def _run(cwd: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*SEED, *args], cwd=cwd, env=_env(**env), capture_output=True, text=True, timeout=120
    )


def _write(tmp_path: Path, url: str, text: str = MANIFEST) -> Path:
    path = tmp_path / "seed.yaml"
    path.write_text(text.replace("URL", url))
    (tmp_path / "models.py").write_text(MODELS)
    return path


def _no_secret(*outputs: str) -> None:
    for out in outputs:
        assert SECRET not in out
        assert OTHER_SECRET not in out
        assert "Traceback" not in out


def _count(db: Database, table: str) -> int:
    return int(db.scalar(f'SELECT count(*) FROM "{table}"'))


def _with_password(db: Database, host: str | None = None) -> str:
    """db's URL with a password (trust auth ignores it) and, optionally, another host."""
    h, port = server_address("postgresql") or ("", 0)
    return db.url.replace(f"postgres@{h}:{port}", f"postgres:{SECRET}@{host or h}:{port}")


# -- protected lists --------------------------------------------------------------------


def test_pyproject_host_refuses_apply_until_allowed(make_database, tmp_path: Path) -> None:
    db = make_database("postgresql")
    host, _ = server_address("postgresql") or ("", 0)
    _write(tmp_path, _with_password(db))
    (tmp_path / "pyproject.toml").write_text(
        f'[tool.seedrunner]\nprotected = ["other.host", "{host.upper()}"]\n'
    )
    done = _run(tmp_path, "apply", "seed.yaml")
    assert done.returncode == 2, done.stderr
    why = f"host '{host.upper()}' is listed in pyproject.toml [tool.seedrunner] protected"
    for name, line in (("db", 5), ("db2", 6)):
        assert (
            f"seed.yaml:{line}:3: error SR-E070: apply refuses to write to protected target "
            f"'{name}': {why} (at targets.{name})"
        ) in done.stderr
    assert "2 problems; nothing was written." in done.stderr
    assert "--allow-protected" in done.stderr
    _no_secret(done.stdout, done.stderr)
    assert db.table_names() == []  # not even the ledger: nothing was opened

    done = _run(tmp_path, "apply", "seed.yaml", "--allow-protected")
    assert done.returncode == 0, done.stderr
    assert _count(db, "users") == 5
    assert _count(db, "pets") == 3


def test_env_url_matches_the_database_not_just_the_host(make_database, tmp_path: Path) -> None:
    db = make_database("postgresql")
    host, port = server_address("postgresql") or ("", 0)
    _write(tmp_path, _with_password(db))
    listed = f"postgresql://admin:{OTHER_SECRET}@{host}:{port}/test"
    done = _run(tmp_path, "apply", "seed.yaml", SEEDRUNNER_PROTECTED=f" {listed} ")
    assert done.returncode == 2, done.stderr
    assert (
        f"URL 'postgresql://admin:***@{host}:{port}/test' is listed in SEEDRUNNER_PROTECTED"
        in done.stderr
    )
    _no_secret(done.stdout, done.stderr)
    assert db.table_names() == []

    other = listed.replace("/test", "/production")  # same server, another database
    done = _run(tmp_path, "apply", "seed.yaml", SEEDRUNNER_PROTECTED=other)
    assert done.returncode == 0, done.stderr  # not a terminal: no question either
    assert _count(db, "users") == 5


GUARDED = """\
version: 1
targets:
  marked: {handler: jsonl, path: marked.jsonl, protected: true}
  listed: {handler: sqlalchemy, url: "sqlite:///listed.db", create_tables: true}
  free: {handler: jsonl, path: free.jsonl}
datasets:
  users:
    count: 4
    fields: {id: {sequence: null, start: 1}}
    persist: [free, marked, listed]
"""


def test_plan_shows_the_mark_and_why_and_apply_refuses(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(GUARDED)
    env = {"SEEDRUNNER_PROTECTED": "sqlite:///listed.db"}
    text = _run(tmp_path, "plan", "seed.yaml", **env)
    assert text.returncode == 0, text.stderr
    flat = " ".join(text.stdout.split())
    assert "marked [protected] (jsonl: path=marked.jsonl)" in flat
    assert "protected: marked protected: true at seed.yaml:3:" in flat
    assert "listed [protected] (sqlalchemy:" in flat
    assert "protected: URL 'sqlite:///listed.db' is listed in SEEDRUNNER_PROTECTED" in flat
    assert "free (jsonl: path=free.jsonl)" in flat
    assert flat.count("[protected]") == 2

    as_json = _run(tmp_path, "plan", "seed.yaml", "--json", **env)
    targets = {t["name"]: t for t in json.loads(as_json.stdout)["datasets"][0]["targets"]}
    assert targets["free"]["protected"] is False
    assert targets["free"]["protected_by"] == []
    assert targets["marked"]["protected"] is True
    assert targets["marked"]["protected_by"][0].startswith("marked protected: true at seed.yaml:3:")
    assert targets["listed"]["protected_by"] == [
        "URL 'sqlite:///listed.db' is listed in SEEDRUNNER_PROTECTED"
    ]
    assert {t["local"] for t in targets.values()} == {True}

    done = _run(tmp_path, "apply", "seed.yaml", **env)
    assert done.returncode == 2, done.stderr
    assert "target 'marked': marked protected: true at seed.yaml:3:" in done.stderr
    assert "target 'listed': URL 'sqlite:///listed.db'" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.yaml"]  # free not written

    done = _run(tmp_path, "--json-errors", "apply", "seed.yaml", **env)
    assert done.returncode == 2
    errors = json.loads(done.stderr)["errors"]
    assert [(e["code"], e["path"], e["line"]) for e in errors] == [
        ("SR-E070", "targets.marked", 3),  # the mark itself
        ("SR-E070", "targets.listed", 4),  # the target
    ]
    assert all("--allow-protected" in e["hint"] for e in errors)

    done = _run(tmp_path, "apply", "seed.yaml", "--dry-run", **env)  # writes nothing: allowed
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["seed.yaml"]


def test_bad_protected_list_is_bad_input(tmp_path: Path) -> None:
    (tmp_path / "seed.yaml").write_text(GUARDED)
    (tmp_path / "pyproject.toml").write_text('[tool.seedrunner]\nprotected = "db.prod"\n')
    done = _run(tmp_path, "plan", "seed.yaml")
    assert done.returncode == 2
    assert "error SR-E009: pyproject.toml [tool.seedrunner] protected must be a list" in (
        done.stdout + done.stderr
    )
    done = _run(tmp_path, "apply", "seed.yaml", SEEDRUNNER_PROTECTED=f"pg://u:{SECRET}@/x")
    assert done.returncode == 2
    _no_secret(done.stdout, done.stderr)


SQLITE = """\
version: 1
now: "2026-01-01T00:00:00Z"
python_path: ["."]
targets:
  db: {handler: sqlalchemy, url: "sqlite:///app.db", create_tables: true}
datasets:
  users:
    model: models:Row
    count: COUNT
    fields: {id: {sequence: null, start: 1}, name: {faker: word}}
    persist: [db]
"""


def test_destroy_and_replace_refuse_protected_before_deleting(tmp_path: Path) -> None:
    _write(tmp_path, "", SQLITE.replace("COUNT", "3"))
    assert _run(tmp_path, "apply", "seed.yaml").returncode == 0
    before = sqlite_dump(tmp_path / "app.db")
    assert len(before["users"]) == 3
    env = {"SEEDRUNNER_PROTECTED": "sqlite:///app.db"}

    done = _run(tmp_path, "destroy", "seed.yaml", **env)
    assert done.returncode == 2, done.stderr
    assert "destroy refuses to delete from protected target 'db'" in done.stderr
    assert sqlite_dump(tmp_path / "app.db") == before

    (tmp_path / "seed.yaml").write_text(SQLITE.replace("COUNT", "4"))  # another spec
    done = _run(tmp_path, "apply", "seed.yaml", "--replace", **env)
    assert done.returncode == 2, done.stderr
    assert sqlite_dump(tmp_path / "app.db") == before  # --replace deleted nothing first

    (tmp_path / "seed.yaml").write_text(SQLITE.replace("COUNT", "3"))
    done = _run(tmp_path, "destroy", "seed.yaml", "--allow-protected", **env)
    assert done.returncode == 0, done.stderr
    assert sqlite_dump(tmp_path / "app.db")["users"] == []


# -- the question on a terminal -----------------------------------------------------------


@pytest.fixture
def remote_pg(make_database):
    """A PostgreSQL database reached through a name that is not literally local.

    The guard does not resolve names, so this machine's own host name (which /etc/hosts
    maps to 127.0.0.1 here) counts as a remote host while reaching the local server.
    """
    alias = socket.gethostname()
    try:
        address = socket.gethostbyname(alias)
    except OSError as exc:
        pytest.skip(f"host name {alias!r} does not resolve ({exc})")
    host, port = server_address("postgresql") or ("", 0)
    if alias == "localhost" or not ipaddress.ip_address(address).is_loopback:
        pytest.skip(f"host name {alias!r} resolves to {address}, where PostgreSQL may not listen")
    if not ipaddress.ip_address(host).is_loopback:
        pytest.skip(f"PostgreSQL is at {host}, not on this machine")
    db = make_database("postgresql")
    return db, _with_password(db, alias), alias, port


def _shown(alias: str, port: int, db: Database) -> str:
    return (
        f"postgresql+psycopg://postgres:***@{alias}:{port}/test?options=-csearch_path%3D{db.name}"
    )


def test_terminal_no_writes_nothing_and_yes_writes(remote_pg, tmp_path: Path) -> None:
    db, url, alias, port = remote_pg
    _write(tmp_path, url)
    code, shown = run_on_pty([*SEED, "apply", "seed.yaml"], tmp_path, _env(), answer="n")
    assert code == 1, shown
    shown_url = _shown(alias, port, db)
    assert f"Write to db ({shown_url}), db2 ({shown_url})? [y/N]" in shown
    assert shown.count("[y/N]") == 1  # one question for every remote target
    assert "apply cancelled: nothing was written" in shown
    _no_secret(shown)
    assert db.table_names() == []

    code, shown = run_on_pty([*SEED, "apply", "seed.yaml"], tmp_path, _env(), answer="y")
    assert code == 0, shown
    _no_secret(shown)
    assert _count(db, "users") == 5
    assert _count(db, "pets") == 3


@pytest.mark.parametrize("case", ["--yes on a terminal", "pipes (CI)", "local database"])
def test_no_question_when_not_needed(case: str, remote_pg, tmp_path: Path) -> None:
    db, url, _, _ = remote_pg
    _write(tmp_path, _with_password(db) if case == "local database" else url)  # 127.0.0.1
    if case == "pipes (CI)":  # stdin and stdout are pipes: nobody to ask
        piped = _run(tmp_path, "apply", "seed.yaml")
        code, shown = piped.returncode, piped.stdout + piped.stderr
    else:
        extra = ["--yes"] if case.startswith("--yes") else []
        code, shown = run_on_pty([*SEED, "apply", "seed.yaml", *extra], tmp_path, _env())
    assert code == 0, shown
    assert "[y/N]" not in shown
    assert _count(db, "users") == 5


def test_saved_plan_and_destroy_ask_too(remote_pg, tmp_path: Path) -> None:
    db, url, alias, port = remote_pg
    _write(tmp_path, url)
    saved = _run(tmp_path, "plan", "seed.yaml", "-o", "saved.json")
    assert saved.returncode == 0, saved.stderr
    code, shown = run_on_pty([*SEED, "apply", "saved.json"], tmp_path, _env(), answer="no")
    assert code == 1, shown
    assert f"Write to db ({_shown(alias, port, db)})" in shown
    assert db.table_names() == []
    code, shown = run_on_pty([*SEED, "apply", "saved.json"], tmp_path, _env(), answer="yes")
    assert code == 0, shown
    assert _count(db, "users") == 5

    code, shown = run_on_pty([*SEED, "destroy", "seed.yaml"], tmp_path, _env(), answer="")
    assert code == 1, shown
    assert f"Delete seedrunner's rows from db ({_shown(alias, port, db)})" in shown
    assert "destroy cancelled: nothing was deleted" in shown
    assert _count(db, "users") == 5
    code, shown = run_on_pty([*SEED, "destroy", "seed.yaml"], tmp_path, _env(), answer="y")
    assert code == 0, shown
    assert _count(db, "users") == 0
    assert _count(db, "pets") == 0
    _no_secret(shown)
