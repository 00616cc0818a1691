"""A stateful property test: random sequences of manifest edits and commands against a
real database, through the CLI, with the invariants checked after every step.

The manifest is the blog schema of test_growth.py, cut down (authors, posts per author,
comments picking among both), written anew from the model's parameters before each
command.  The application's own rows (id >= 100000, referencing only each other) sit among
seedrunner's; seedrunner must never delete or modify them.

Invariants, checked against the tables themselves:

1. every foreign key points at a row (counted with NOT IN: SQLite checks none by default);
2. the application's rows are exactly as inserted;
3. after a successful apply, `plan --json` says nothing to write, no other spec and
   nothing pending; per dataset `applied` is the manifest's rows, `recorded` is
   `applied + over` and equals the table's seeded rows; after `--prune` nothing is over
   and `plan --detailed-exitcode` exits 0;
4. after a successful destroy every dataset that `plan --destroy` said it would delete is
   gone (the application's rows stay), the others are left as they were;
5. every command exits 0, 1 or 2 and prints no traceback or internal error;
6. a refusal (exit 2) changes no table; a failed `destroy --only` (exit 1) neither;
7. after `apply --replace --prune` the seeded rows are those of a fresh apply of the same
   manifest into a fresh database.

Known, documented behaviour that is not a violation: after a parent grows, earlier child
rows keep their picks (a plain apply is then not a fresh apply; only `--replace --prune`
is); a lowered count leaves rows over the count until `--prune`; apply refuses (exit 2)
while rows of an incompatible spec are there (seed changed, a parent lowered under a
dataset picking among it); destroy of a spec that is not the recorded one is
`cannot undo` and leaves those rows.

SQLite runs by default (200 sequences of up to 12 steps); PostgreSQL and MariaDB run 25
sequences each when SEEDRUNNER_STATE_MACHINE_SERVERS=1 or SEEDRUNNER_REQUIRE_SERVERS=1.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any, ClassVar

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)
from typer.testing import CliRunner

from seedrunner.cli.app import app
from tests.conftest import require_server
from tests.databases import BACKENDS, Database, open_database, server_address

SCHEMA = [
    "CREATE TABLE authors (id INTEGER PRIMARY KEY, name VARCHAR(100) NOT NULL)",
    """CREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL,
        FOREIGN KEY (author_id) REFERENCES authors (id))""",
    """CREATE TABLE comments (id INTEGER PRIMARY KEY, post_id INTEGER NOT NULL,
        author_id INTEGER NOT NULL, body VARCHAR(500) NOT NULL,
        FOREIGN KEY (post_id) REFERENCES posts (id),
        FOREIGN KEY (author_id) REFERENCES authors (id))""",
]
TABLES = ("authors", "posts", "comments")  # parents first
ROOT = Path(__file__).resolve().parents[2]  # the repository: tests.integration.resumekill
FKS = [
    ("posts", "author_id", "authors"),
    ("comments", "post_id", "posts"),
    ("comments", "author_id", "authors"),
]
APP = 100_000  #: the application's rows have ids from here; seedrunner's below

Rows = dict[str, list[tuple[Any, ...]]]


def manifest_text(url: str, p: dict[str, int]) -> str:
    return f"""\
version: 1
name: sm
seed: {p["seed"]}
now: "2026-01-01T00:00:00Z"
targets:
  db: {{handler: sqlalchemy, url: "{url}"}}
datasets:
  authors: {{table: authors, count: {p["authors"]}, persist: [db]}}
  posts: {{table: posts, count: {{per: authors, min: 1, max: {p["max"]}}}, persist: [db]}}
  comments: {{table: comments, count: {p["comments"]}, persist: [db]}}
"""


def run_cli(*args: str, codes: tuple[int, ...] = (0, 1, 2)) -> tuple[int, str, str]:
    """One CLI call in-process; invariant 5 (exit 0/1/2, no traceback) checked here."""
    result = CliRunner().invoke(app, list(args))
    code, out, err = result.exit_code, result.stdout, result.stderr
    exc = result.exception
    assert exc is None or isinstance(exc, SystemExit), (args, repr(exc), out, err)
    assert code in codes, (args, code, out, err)
    for text in (out, err):
        assert "Traceback" not in text, (args, text)
        assert "internal error" not in text, (args, code, out, err)
    return code, out, err


def rows(engine: sa.Engine) -> Rows:
    with engine.connect() as c:
        return {
            t: [tuple(r) for r in c.execute(sa.text(f"SELECT * FROM {t} ORDER BY id"))]
            for t in TABLES
        }


def seeded(snapshot: Rows) -> Rows:
    return {t: [r for r in snapshot[t] if r[0] < APP] for t in TABLES}


class Place:
    """Where a machine's databases live: a fresh one per sequence, dropped after it."""

    def __init__(self, backend: str, base: Path) -> None:
        self.backend = backend
        self.base = base
        self._open: dict[int, tuple[ExitStack, Path]] = {}

    def fresh(self) -> Database:
        folder = Path(tempfile.mkdtemp(dir=self.base))
        stack = ExitStack()
        db = stack.enter_context(contextmanager(open_database)(self.backend, folder))
        self._open[id(db)] = (stack, folder)
        db.execute(*SCHEMA)
        return db

    def close(self, db: Database) -> None:
        stack, folder = self._open.pop(id(db))
        stack.close()  # open_database's cleanup: dispose, drop the schema or database
        shutil.rmtree(folder, ignore_errors=True)


class SeedMachine(RuleBasedStateMachine):
    place: ClassVar[Place]
    #: fresh-apply results by (backend, parameters): a fresh apply is deterministic
    fresh_cache: ClassVar[dict[tuple[Any, ...], Rows]] = {}

    def __init__(self) -> None:
        super().__init__()
        self.db = self.place.fresh()
        self.folder = Path(tempfile.mkdtemp(dir=self.place.base))
        self.path = str(self.folder / "seed.yaml")
        self.params = {"seed": 7, "authors": 6, "max": 2, "comments": 20}
        self.app: Rows = {t: [] for t in TABLES}

    def teardown(self) -> None:
        self.place.close(self.db)
        shutil.rmtree(self.folder, ignore_errors=True)

    # -- helpers -----------------------------------------------------------------------

    def write(self) -> str:
        Path(self.path).write_text(manifest_text(self.db.sync_url, self.params))
        return self.path

    def snapshot(self) -> Rows:
        return rows(self.db.engine)

    def plan_json(self, *flags: str) -> dict[str, Any]:
        code, out, err = run_cli("plan", self.write(), "--json", *flags)
        assert code == 0, (code, out, err)
        return json.loads(out)  # type: ignore[no-any-return]

    def states(self, plan: dict[str, Any]) -> dict[str, tuple[int, dict[str, Any]]]:
        return {d["name"]: (d["rows"], d["targets"][0]["state"]) for d in plan["datasets"]}

    def check_up_to_date(self, pruned: bool) -> None:
        """Invariant 3, after a successful apply."""
        now = seeded(self.snapshot())
        for name, (n, s) in self.states(self.plan_json()).items():
            assert s["to_write"] == 0, (name, s)
            assert not s["other_spec"], (name, s)
            assert s["pending"] == 0, (name, s)
            assert s["applied"] == n, (name, n, s)
            assert s["recorded"] == s["applied"] + s["over"], (name, s)
            assert s["recorded"] == len(now[name]), (name, s, len(now[name]))
            if pruned:
                assert s["over"] == 0, (name, s)
        if pruned:  # (after every apply would cost a third more time; over rows exit 3)
            code, out, err = run_cli("plan", self.path, "--detailed-exitcode", codes=(0, 3))
            assert code == 0, (code, out, err)

    def apply(self, *flags: str) -> None:
        before = self.snapshot()
        code, out, err = run_cli("apply", self.write(), "--quiet", *flags)
        if code == 2:  # invariant 6: a refusal writes nothing
            assert "--replace" not in flags, (flags, out, err)
            assert self.snapshot() == before, (flags, out, err)
            return
        assert code == 0, (flags, code, out, err)
        self.check_up_to_date(pruned="--prune" in flags)
        if flags == ("--replace", "--prune"):
            # invariant 7: the same seeded rows as a fresh apply of this manifest
            assert seeded(self.snapshot()) == self.fresh_apply(), self.params

    def fresh_apply(self) -> Rows:
        key = (self.place.backend, *sorted(self.params.items()))
        if key not in self.fresh_cache:
            db = self.place.fresh()
            try:
                path = self.folder / "fresh.yaml"
                path.write_text(manifest_text(db.sync_url, self.params))
                code, out, err = run_cli("apply", str(path), "--quiet")
                assert code == 0, (code, out, err)
                self.fresh_cache[key] = seeded(rows(db.engine))
            finally:
                self.place.close(db)
        return self.fresh_cache[key]

    # -- start -------------------------------------------------------------------------

    @initialize(
        authors=st.integers(3, 15),
        per_max=st.integers(1, 4),
        comments=st.integers(1, 40),
        seed=st.sampled_from([7, 8, 9]),
    )
    def start(self, authors: int, per_max: int, comments: int, seed: int) -> None:
        self.params = {"seed": seed, "authors": authors, "max": per_max, "comments": comments}
        self.write()

    # -- manifest edits ----------------------------------------------------------------

    def edit(self, key: str, value: int) -> None:
        self.params[key] = value
        self.write()

    @rule(n=st.integers(3, 15))
    def raise_authors(self, n: int) -> None:
        self.edit("authors", max(n, self.params["authors"]))

    @rule(n=st.integers(3, 15))
    def lower_authors(self, n: int) -> None:
        self.edit("authors", min(n, self.params["authors"]))

    # count.per's bounds are part of the fingerprint: a changed max is refused by apply
    # (exit 2, nothing written) while posts are written, and --replace rewrites them
    @rule(k=st.integers(1, 4))
    def raise_max(self, k: int) -> None:
        self.edit("max", max(k, self.params["max"]))

    @rule(k=st.integers(1, 4))
    def lower_max(self, k: int) -> None:
        self.edit("max", min(k, self.params["max"]))

    @rule(n=st.integers(1, 40))
    def raise_comments(self, n: int) -> None:
        self.edit("comments", max(n, self.params["comments"]))

    @rule(n=st.integers(1, 40))
    def lower_comments(self, n: int) -> None:
        self.edit("comments", min(n, self.params["comments"]))

    @rule(seed=st.sampled_from([7, 8, 9]))
    def change_seed(self, seed: int) -> None:
        self.edit("seed", seed)

    # -- commands ----------------------------------------------------------------------

    @rule()
    def apply_plain(self) -> None:
        self.apply()

    @rule()
    def apply_replace(self) -> None:
        self.apply("--replace")

    @rule()
    def apply_prune(self) -> None:
        self.apply("--prune")

    @rule()
    def apply_replace_prune(self) -> None:
        self.apply("--replace", "--prune")

    def destroy(self, *only: str) -> None:
        plan = self.states(self.plan_json("--destroy"))
        before = self.snapshot()
        code, out, err = run_cli("destroy", self.path, "--yes", *only)
        after = self.snapshot()
        if code == 2 or (code == 1 and only):  # invariant 6: nothing deleted
            assert after == before, (only, code, out, err)
        if code == 0:  # invariant 4
            names = [only[1]] if only else list(TABLES)
            for name in names:
                _, s = plan[name]
                if s["other_spec"]:
                    # rows of another spec: found by this spec's keys (only what they read
                    # changed), else by the keys the ledger recorded: plan said so
                    assert s["same_keys"] or s["by_keys"], (name, s, out, err)
                    assert [r for r in after[name] if r[0] < APP] == [], (name, s, out, err)
                elif s["recorded"] == 0:  # nothing to undo
                    assert after[name] == before[name], (name, s, out, err)
                else:
                    assert [r for r in after[name] if r[0] < APP] == [], (name, s, out, err)
            for name in set(TABLES) - set(names):
                assert after[name] == before[name], (name, out, err)
        if code != 0:
            return
        # what is left agrees with the ledgers: recorded rows are the seeded rows
        now = seeded(after)
        for name, (_, s) in self.states(self.plan_json()).items():
            if not s["other_spec"]:
                assert s["recorded"] == len(now[name]), (name, s, len(now[name]))

    @rule()
    def destroy_all(self) -> None:
        self.destroy()

    @rule(dataset=st.sampled_from(TABLES))
    def destroy_only(self, dataset: str) -> None:
        self.destroy("--only", dataset)

    @rule(dataset=st.sampled_from(TABLES), batch=st.integers(0, 2), odds=st.integers(0, 9))
    def apply_killed(self, dataset: str, batch: int, odds: int) -> None:
        """A real ``seedrunner apply`` SIGKILLed right after one batch of ``dataset``
        commits (one draw in ten: a process start costs a second).  Whatever it left, the
        invariants hold, and a plain apply then completes it (or refuses, writing nothing)."""
        if odds:
            return
        text = manifest_text(self.db.sync_url, self.params)
        text = text.replace("persist: [db]}", "persist: [db, killer], batch_size: 3}")
        text = text.replace(
            "targets:\n", 'targets:\n  killer: {handler: "tests.integration.resumekill:Killer"}\n'
        )
        path = self.folder / "killed.yaml"
        path.write_text(text)
        env = {**os.environ, "SEEDRUNNER_TEST_KILL": f"{dataset}:{batch}:KILL",
               "PYTHONPATH": str(ROOT), "NO_COLOR": "1"}  # fmt: skip
        done = subprocess.run(
            [sys.executable, "-m", "seedrunner", "apply", str(path), "--quiet"],
            env=env, cwd=self.folder, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        assert done.returncode in (0, 1, 2, -signal.SIGKILL), (done.stdout, done.stderr)
        assert "Traceback" not in done.stderr, done.stderr

    @rule(table=st.sampled_from(TABLES))
    def application_insert(self, table: str) -> None:
        """A row of the application's own, referencing only the application's rows."""
        new = APP + len(self.app[table])
        authors = [r[0] for r in self.app["authors"]]
        posts = [r[0] for r in self.app["posts"]]
        if table == "authors":
            row: tuple[Any, ...] = (new, f"app author {new}")
        elif table == "posts" and authors:
            row = (new, authors[-1])
        elif table == "comments" and authors and posts:
            row = (new, posts[-1], authors[0], f"app comment {new}")
        else:
            return
        marks = ", ".join(f":v{i}" for i in range(len(row)))
        with self.db.engine.begin() as c:
            c.execute(
                sa.text(f"INSERT INTO {table} VALUES ({marks})"),
                {f"v{i}": v for i, v in enumerate(row)},
            )
        self.app[table].append(row)

    # -- invariants after every step ---------------------------------------------------

    @invariant()
    def foreign_keys_valid(self) -> None:
        with self.db.engine.connect() as c:
            for child, column, parent in FKS:
                n = c.execute(
                    sa.text(
                        f"SELECT count(*) FROM {child} WHERE {column} NOT IN "
                        f"(SELECT id FROM {parent})"
                    )
                ).scalar_one()
                assert n == 0, (child, column, n)

    @invariant()
    def application_rows_untouched(self) -> None:
        now = self.snapshot()
        assert {t: [r for r in now[t] if r[0] >= APP] for t in TABLES} == self.app


def machine_for(backend: str, base: Path) -> type[SeedMachine]:
    return type(f"SeedMachine_{backend}", (SeedMachine,), {"place": Place(backend, base)})


def _settings(examples: int) -> settings:
    # SEEDRUNNER_STATE_MACHINE_EXAMPLES=N runs N sequences instead (a longer hunt, or a quick try)
    examples = int(os.environ.get("SEEDRUNNER_STATE_MACHINE_EXAMPLES", examples))
    return settings(
        max_examples=examples,
        stateful_step_count=12,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


@pytest.fixture
def cli_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return tmp_path


@pytest.mark.slow
def test_state_machine_sqlite(cli_env: Path) -> None:
    run_state_machine_as_test(machine_for("sqlite", cli_env), settings=_settings(200))


SERVERS = (
    os.environ.get("SEEDRUNNER_STATE_MACHINE_SERVERS") == "1"
    or os.environ.get("SEEDRUNNER_REQUIRE_SERVERS") == "1"
)


@pytest.mark.slow
@pytest.mark.skipif(
    not SERVERS,
    reason="set SEEDRUNNER_STATE_MACHINE_SERVERS=1 (CI sets SEEDRUNNER_REQUIRE_SERVERS=1)",
)
@pytest.mark.parametrize(
    "backend",
    [
        pytest.param("postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb", marks=pytest.mark.mariadb),
    ],
)
def test_state_machine_servers(cli_env: Path, backend: str) -> None:
    family = BACKENDS[backend][0]
    address = server_address(family)
    assert address is not None
    require_server(family, *address)
    run_state_machine_as_test(machine_for(backend, cli_env), settings=_settings(25))
