"""The CLI: plan writes nothing, apply seeds the demo, exit codes, JSON, progress output."""

from __future__ import annotations

import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console

from seedrunner import apply, build_plan, load_manifest
from seedrunner.cli.progress import PlainProgress, RichProgress
from seedrunner.cli.render import plan_tree, summary_table
from tests.conftest import REPO


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    shutil.copytree(
        REPO / "seeds", tmp_path / "seeds", ignore=shutil.ignore_patterns("*.db", "__pycache__")
    )
    return tmp_path / "seeds" / "staging.yaml"


def test_plan_writes_nothing_and_shows_the_steps(cli, demo, tmp_path):
    code, out, err = cli("plan", str(demo))
    assert code == 0, err
    for text in ("customers", "orders", "order_lines", "persist → db", "sqlalchemy"):
        assert text in out
    assert not list(tmp_path.rglob("*.db"))


def test_plan_json_and_preview(cli, demo):
    code, out, _ = cli("plan", str(demo), "--json", "--preview", "3")
    assert code == 0
    data = json.loads(out)
    assert [d["name"] for d in data["datasets"]] == [
        "customers",
        "products",
        "orders",
        "order_lines",
    ]
    assert len(data["preview"]["customers"]) == 3
    assert data["preview"]["customers"][0]["email"].endswith("@shop.example")
    assert data["datasets"][2]["per"] == "customers"


def test_plan_preview_table(cli, demo):
    code, out, _ = cli("plan", str(demo), "--preview", "2")
    assert code == 0
    assert "customers (first 2)" in out
    assert "katie.sanders.0@shop.example" in out


def test_apply_seeds_the_demo_with_valid_foreign_keys(cli, demo):
    code, out, err = cli("apply", str(demo))
    assert code == 0, err
    assert "applied 1,386 rows" in out
    con = sqlite3.connect(demo.parent / "staging.db")
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    counts = {
        t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
        for t in ("customers", "products", "orders", "order_lines")
    }
    assert counts["customers"] == 200
    assert counts["products"] == 50
    assert counts["orders"] > 200
    assert counts["order_lines"] >= counts["orders"]


def test_apply_options_seed_set_only_batch_size_and_json(cli, demo):
    code, out, err = cli(
        "apply",
        str(demo),
        "--seed",
        "1",
        "--batch-size",
        "33",
        "--set",
        "datasets.customers.count=20",
        "--only",
        "customers",
        "--json",
    )
    assert code == 0, err
    report = json.loads(out)
    assert report["ok"] is True
    gen = [s for s in report["steps"] if s["kind"] == "generate" and s["dataset"] == "customers"]
    assert gen[0]["rows"] == 20
    assert gen[0]["batches"] == 1
    con = sqlite3.connect(demo.parent / "staging.db")
    assert con.execute("SELECT count(*) FROM customers").fetchone() == (20,)
    tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert "orders" not in tables


def test_dry_run_writes_nothing(cli, demo):
    code, out, _ = cli("apply", str(demo), "--dry-run")
    assert code == 0
    assert "generated 1,386 rows" in out
    assert not (demo.parent / "staging.db").exists()


def test_bad_now_is_exit_2(cli, demo):
    code, _, err = cli("apply", str(demo), "--now", "yesterday-ish")
    assert code == 2
    assert "--now must be ISO 8601" in err


def test_failed_step_is_exit_1_with_the_cause(cli, manifest, tmp_path):
    con = sqlite3.connect(tmp_path / "out.db")
    con.execute("CREATE TABLE t (x INTEGER UNIQUE)")
    con.commit()
    con.close()
    path = manifest(
        """
        version: 1
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///out.db"}
        datasets:
          t:
            count: 3
            fields: {x: 1}
            persist: [db]
        """
    )
    code, out, err = cli("apply", str(path))
    assert code == 1
    assert "t → db" in err
    assert "table 't'" in err
    assert "(constraint 'unique key t.x' on (x))" in err
    assert "conflict_on: [column, ...]" in err  # Rich markup does not eat brackets
    assert "Traceback" not in out + err
    con = sqlite3.connect(tmp_path / "out.db")
    assert con.execute("SELECT count(*) FROM t").fetchone() == (0,)


def test_validate_schema_handlers_version(cli, demo):
    assert cli("validate", str(demo))[0] == 0
    code, out, _ = cli("schema")
    assert code == 0
    assert json.loads(out)["title"] == "seedrunner manifest v1"
    code, out, _ = cli("handlers")
    assert code == 0
    assert "sqlalchemy" in out
    assert "create_tables" in out
    assert "│ schema " in out  # options are listed as a manifest spells them
    assert "│ copy " in out
    assert "error | ignore | update" in out  # Literal choices, not "Literal"
    assert "│ schema_ " not in out
    assert "│ copy_ " not in out
    code, out, _ = cli("handlers", "--json")
    props = json.loads(out)["sqlalchemy"]["properties"]
    assert {"url", "schema", "copy", "transaction", "on_conflict"} <= set(props)
    code, out, _ = cli("version")
    assert "Faker" in out


def test_discovers_the_single_manifest_under_seeds(cli, demo, monkeypatch):
    monkeypatch.chdir(demo.parent.parent)
    code, out, _ = cli("plan")
    assert code == 0
    assert "staging" in out


def test_secrets_in_urls_are_masked_in_plan_output(cli, manifest):
    path = manifest(
        """
        version: 1
        targets:
          db:
            handler: sqlalchemy
            url: "postgresql://app:{{ env.PGPASS }}@127.0.0.1:1/app"
        datasets:
          t: {count: 1, fields: {x: 1}, persist: [db]}
        """
    )
    os.environ["PGPASS"] = "p@ss:w/rd%40!Z"
    try:
        for args in (("plan", str(path)), ("plan", str(path), "--json")):
            code, out, err = cli(*args)
            assert code == 0
            assert "p@ss" not in out + err
            assert "w/rd" not in out + err
            assert "app:***@127.0.0.1" in out
    finally:
        del os.environ["PGPASS"]


def test_rich_progress_and_summary_render(demo):
    plan = build_plan(load_manifest(demo, environ={}))
    buf = io.StringIO()
    console = Console(file=buf, width=120, force_terminal=True, color_system=None)
    report = apply(plan, observer=RichProgress(console))
    assert report.ok
    console.print(summary_table(report))
    console.print(plan_tree(plan))
    text = buf.getvalue()
    assert "customers → db" in text
    assert "rows/s" in text
    assert "order_lines" in text
    assert "done" in text
    assert "1,386" in text or "763" in text


def test_plain_progress_lines_when_not_a_terminal(demo):
    plan = build_plan(load_manifest(demo, environ={}))
    buf = io.StringIO()
    assert apply(plan, observer=PlainProgress(buf)).ok
    lines = buf.getvalue().splitlines()
    assert lines[0].startswith("apply staging: 4 datasets")
    assert any(line.strip().startswith("orders → db:") for line in lines)


def test_real_subprocess_exit_codes(demo, tmp_path):
    env = {**os.environ, "NO_COLOR": "1"}
    ok = subprocess.run(
        [sys.executable, "-m", "seedrunner", "apply", str(demo), "-q"],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "seedrunner", "plan", str(tmp_path / "nope.yaml")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=60,
    )
    assert bad.returncode == 2
    assert "not found" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_stdout_handler_owns_stdout(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        datasets:
          t:
            count: 3
            fields: {n: {sequence: null, start: 1}}
            persist: [{handler: stdout}]
        """
    )
    run = subprocess.run(
        [sys.executable, "-m", "seedrunner", "apply", str(path)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={**os.environ, "NO_COLOR": "1"},
    )
    assert run.returncode == 0, run.stderr
    assert [json.loads(x) for x in run.stdout.splitlines()] == [{"n": 1}, {"n": 2}, {"n": 3}]
    assert "applied 3 rows" in run.stderr


@pytest.mark.parametrize("where", ["before", "after"])
def test_json_errors_before_or_after_the_command(cli, manifest, where):
    path = manifest("version: 1\ndatasets:\n  t: {cont: 1}\n")
    args = (
        ["--json-errors", "apply", str(path)]
        if where == "before"
        else ["apply", str(path), "--json-errors"]
    )
    code, _, err = cli(*args)
    assert code == 2
    (problem,) = json.loads(err)["errors"]
    assert (problem["line"], problem["column"], problem["code"]) == (3, 7, "SR-E010")
    assert problem["hint"] == "did you mean 'count'?"


def test_query_string_passwords_are_masked(cli, manifest):
    path = manifest(
        """
        version: 1
        targets:
          db: {handler: sqlalchemy, url: "postgresql://bob@127.0.0.1:1/app?password=Hunter2Secret"}
        datasets:
          t: {count: 1, fields: {x: 1}, persist: [db]}
        """
    )
    for args in (("plan", str(path)), ("plan", str(path), "--json")):
        code, out, err = cli(*args)
        assert code == 0
        assert "Hunter2Secret" not in out + err
        assert "password=***" in out


def test_retry_flags_are_accepted_and_validated(cli, manifest):
    path = manifest(
        """
        version: 1
        datasets:
          t: {count: 2, fields: {x: 1}}
        """
    )
    code, _, err = cli("apply", str(path), "--dry-run", "--max-retries", "4", "--retry-wait", "0")
    assert code == 0, err
    code, _, err = cli("apply", str(path), "--dry-run", "--max-retries", "-1")
    assert code == 2


def test_json_errors_for_a_failed_step(cli, manifest, tmp_path):
    import sqlite3

    con = sqlite3.connect(tmp_path / "out.db")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, x INTEGER UNIQUE)")
    con.execute("INSERT INTO t VALUES (100, 7)")
    con.commit()
    con.close()
    path = manifest(
        """
        version: 1
        targets:
          db: {handler: sqlalchemy, url: "sqlite:///out.db"}
        datasets:
          t:
            count: 30
            batch_size: 10
            fields: {x: 7}
            persist: [db]
        """
    )
    code, _out, err = cli("--json-errors", "apply", str(path))
    assert code == 1
    data = json.loads(err)
    (e,) = data["errors"]
    assert e["code"] == "SR-E100"
    assert (e["dataset"], e["step"], e["target"], e["batch"]) == ("t", "persist", "db", 0)
    assert e["rows"] == [0, 9]
    assert e["cause"] == "HandlerError"
    assert e["file"].endswith("seed.yaml")
    assert e["line"] == 6
    assert "constraint" in e["message"]


def test_plan_says_what_applying_again_does_to_a_target_without_a_ledger(cli, tmp_path):
    """No ledger: plan says so per target, and what a second apply does there (written
    anew, printed again, or every row again)."""
    (tmp_path / "noledger.yaml").write_text(
        """version: 1
seed: 1
targets:
  db: {handler: sqlalchemy, url: "sqlite:///nl.db", create_tables: true, ledger: false}
  docs: {handler: sqlite-json, database: docs.db, table: people}
  file: {handler: jsonl, path: out.jsonl}
  screen: {handler: stdout}
datasets:
  people:
    count: 7
    fields: {id: {sequence: null, start: 1}, name: {faker: name}}
    persist: [db, docs, file, screen]
"""
    )
    code, out, err = cli("plan", str(tmp_path / "noledger.yaml"), "--json")
    assert code == 0, out + err
    said = {
        t["name"]: t["state"]["without_ledger"] for t in json.loads(out)["datasets"][0]["targets"]
    }
    assert said["db"].startswith("every apply writes all 7 rows again")
    assert said["docs"].startswith("every apply writes all 7 rows again")
    assert said["file"] == "writes the file anew on every apply (seedrunner owns the whole file)"
    assert said["screen"] == "prints every row on every apply"
    flat = " ".join(cli("plan", str(tmp_path / "noledger.yaml"))[1].split())
    assert "no ledger: every apply writes all 7 rows again" in flat
