"""Issue 13, "Done when": six realistic schemas, loaded as DDL into PostgreSQL, MariaDB (and
SQLite where it can hold the shape), seeded by a manifest that lists only ``table:`` and
``count:``, then checked with SQL.

One test per check and schema x database, so a regression shows where it is:

- ``test_plan_and_apply_seed_every_table``: the public API seeds every table to its count;
- ``test_every_foreign_key_is_valid``: an anti-join per FK read from the catalog (the FKs of
  PostgreSQL partitions included), and every FK column holds values (none left all NULL);
- ``test_deferred_edges_are_set_on_every_row``: a cycle's nullable edge (film's
  store.manager_staff_id), written NULL first, is set on every row;
- ``test_self_references_form_a_forest``: roots and children, no cycle (bounded walk), no
  row deeper than the default ``max_depth``;
- ``test_join_tables_hold_distinct_pairs``: as many distinct pairs as the count asked;
- ``test_next_insert_without_a_key_works``: the application's own INSERT on every table
  whose key the database generates gets a key past every seeded one (PostgreSQL sequences
  included, the one not OWNED BY its column too);
- ``test_apply_again_writes_nothing``: 0 rows written, per the report and the tables;
- ``test_destroy_leaves_the_application_rows`` and ``test_cli_apply_then_destroy``: after
  destroy, exactly the rows the application wrote itself (lookup rows the DDL inserts,
  rows it added before the seed);
- ``test_cli_plan_shows_the_cycle_the_join_tables_and_the_domain``: what ``plan`` says of
  film;
- ``test_an_override_changes_the_default``: per shape, the few lines of YAML the README
  quotes (tests/realschemas/overrides.py) plan as it says and write what it says.

Every check runs through the sync drivers; seeding, the read-only checks, the next insert
and apply again also through the async ones (``postgresql+psycopg_async``,
``mysql+aiomysql``, ``sqlite+aiosqlite``). The read-only checks share one seeded database
per schema x backend (seeding is the slow part); every check that writes gets its own.
What fails is listed in tests/realschemas/known_failures.py (empty today) and marked
``xfail(strict=True)`` with the error it fails with.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from seedrunner import ApplyReport, SeedrunnerError, apply, build_plan, load_manifest
from seedrunner.commands.destroy import destroy
from seedrunner.generate.forest import DEFAULT_MAX_DEPTH
from tests.conftest import require_server
from tests.databases import BACKENDS, Database, open_database, server_address
from tests.realschemas import catalog
from tests.realschemas.cases import SCHEMAS, RealSchema
from tests.realschemas.known_failures import KNOWN_FAILURES
from tests.realschemas.loader import Names, loaded, manifest_text, write_manifest
from tests.realschemas.overrides import OVERRIDES, with_override

pytestmark = pytest.mark.slow


#: checks also run through the async drivers
ASYNC_CHECKS = frozenset(
    {"seeds_every_table", "foreign_keys", "always_set", "forest", "join_tables", "next_insert",
     "apply_again"}
)  # fmt: skip


def cases(check: str, where: str = "") -> list[Any]:
    """(schema, backend) parameters for ``check``, failing ones marked strict xfail."""
    out = []
    for schema in SCHEMAS:
        if where and not getattr(schema, where):
            continue
        backends = schema.backends
        if check in ASYNC_CHECKS:
            backends += schema.async_backends
        for backend in backends:
            reason = KNOWN_FAILURES.get((check, schema.name, backend))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            out.append(pytest.param(schema, backend, id=f"{schema.name}-{backend}", marks=marks))
    return out


def run_api(path: Path) -> tuple[ApplyReport | None, str | None]:
    """load_manifest + build_plan + apply; the error a user would see, if any."""
    try:
        report = apply(build_plan(load_manifest(path)))
    except SeedrunnerError as exc:
        return None, f"{type(exc).__name__}: {exc}"
    return report, report.error


def first_line(error: str | None) -> str:
    lines = (error or "").strip().splitlines()
    return lines[0] if lines else ""


def written(report: ApplyReport) -> dict[str, int]:
    """Rows each dataset's persist steps wrote (not those a ledger showed already there)."""
    out: dict[str, int] = {}
    for step in report.steps:
        if step.kind == "persist":
            out[step.dataset] = out.get(step.dataset, 0) + step.rows - step.skipped
    return out


def assert_seeded(report: ApplyReport | None, error: str | None) -> None:
    assert error is None, f"apply failed: {first_line(error)}"
    assert report is not None


def _open(backend: str, folder: Path) -> Iterator[Database]:
    family = BACKENDS[backend][0]
    address = server_address(family)
    if address is not None:
        require_server(family, *address)
    yield from open_database(backend, folder)


@dataclass
class Seeded:
    db: Database
    names: Names
    report: ApplyReport | None
    error: str | None


@contextmanager
def seeded_once(schema: RealSchema, backend: str, folder: Path) -> Iterator[Seeded]:
    databases = _open(backend, folder)
    db = next(databases)
    try:
        with loaded(db, schema) as names:
            report, error = run_api(write_manifest(folder, schema, db, names))
            yield Seeded(db, names, report, error)
    finally:
        for _ in databases:  # drop the schema/database
            pass


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory):
    """One database per schema x backend, seeded through the API, shared by the read-only
    checks of this module and dropped at its end."""
    made: dict[tuple[str, str], Seeded] = {}
    with ExitStack() as stack:

        def get(schema: RealSchema, backend: str) -> Seeded:
            key = (schema.name, backend)
            if key not in made:
                folder = tmp_path_factory.mktemp(f"{schema.name}-{backend}")
                made[key] = stack.enter_context(seeded_once(schema, backend, folder))
            return made[key]

        yield get


@pytest.mark.parametrize(("schema", "backend"), cases("seeds_every_table"))
def test_plan_and_apply_seed_every_table(schema, backend, seeded):
    s = seeded(schema, backend)
    assert_seeded(s.report, s.error)
    counts = {t: catalog.count(s.db, s.names.schema_of(schema, t), t) for t in schema.counts}
    assert counts == schema.counts
    assert written(s.report) == schema.counts  # the report tells what is in the tables


@pytest.mark.parametrize(("schema", "backend"), cases("foreign_keys"))
def test_every_foreign_key_is_valid(schema, backend, seeded):
    s = seeded(schema, backend)
    assert_seeded(s.report, s.error)
    fks = catalog.foreign_keys(s.db, s.names.schemas)
    assert fks, "the catalog lists no foreign key"
    bad = {str(fk): n for fk in fks if (n := catalog.orphans(s.db, fk))}
    assert not bad, f"rows whose foreign key has no parent: {bad}"
    unused = [
        str(fk) for fk in fks if not catalog.filled(s.db, fk.schema, fk.table, fk.columns[0])[1]
    ]
    assert not unused, f"foreign keys left NULL on every row: {unused}"


@pytest.mark.parametrize(("schema", "backend"), cases("always_set", where="always_set"))
def test_deferred_edges_are_set_on_every_row(schema, backend, seeded):
    s = seeded(schema, backend)
    assert_seeded(s.report, s.error)
    for ref in schema.always_set:
        table, column = ref.split(".")
        rows, set_ = catalog.filled(s.db, s.names.schema_of(schema, table), table, column)
        assert (rows, set_) == (schema.counts[table],) * 2, f"{ref}: set on {set_} of {rows}"


@pytest.mark.parametrize(("schema", "backend"), cases("forest", where="self_references"))
def test_self_references_form_a_forest(schema, backend, seeded):
    s = seeded(schema, backend)
    assert_seeded(s.report, s.error)
    fks = {f"{fk.table}.{fk.columns[0]}": fk for fk in catalog.foreign_keys(s.db, s.names.schemas)}
    for ref in schema.self_references:
        links = catalog.parents(s.db, fks[ref])
        looping, depth = catalog.cycles(links)
        assert not looping, f"{ref}: {len(looping)} rows on a cycle, e.g. {looping[:5]}"
        roots = sum(1 for p in links.values() if p is None)
        assert 0 < roots < len(links), f"{ref}: {roots} roots of {len(links)} rows (no tree)"
        assert 1 <= depth <= DEFAULT_MAX_DEPTH, f"{ref}: {depth} levels below the roots"


@pytest.mark.parametrize(("schema", "backend"), cases("join_tables", where="joins"))
def test_join_tables_hold_distinct_pairs(schema, backend, seeded):
    s = seeded(schema, backend)
    assert_seeded(s.report, s.error)
    for join in schema.joins:
        where = s.names.schema_of(schema, join.table)
        rows = catalog.count(s.db, where, join.table)
        pairs = catalog.distinct_pairs(s.db, where, join.table, join.columns)
        assert (rows, pairs) == (schema.counts[join.table],) * 2, join.table


@pytest.mark.parametrize(("schema", "backend"), cases("next_insert"))
def test_next_insert_without_a_key_works(schema, backend, make_database, tmp_path):
    """Each insert must get a key past every seeded one: a sequence left behind would
    collide later even where the first insert happens to fit."""
    db = make_database(backend)
    with loaded(db, schema) as names:
        assert_seeded(*run_api(write_manifest(tmp_path, schema, db, names)))
        keys = catalog.generated_keys(db, names.schemas)
        assert set(schema.next_inserts) == set(keys)
        failures = {}
        for table, insert in schema.next_inserts.items():
            where = names.schema_of(schema, table)
            seeded_max = catalog.highest(db, where, table, keys[table])
            try:
                db.execute(names.sql(insert))
            except sa.exc.DBAPIError as exc:
                failures[table] = first_line(str(exc.orig))
                continue
            new = catalog.highest(db, where, table, keys[table])
            if not new > seeded_max:
                failures[table] = f"new {keys[table]} {new} is not past the seeded {seeded_max}"
        assert not failures, f"the application's next insert fails: {failures}"


@pytest.mark.parametrize(("schema", "backend"), cases("apply_again"))
def test_apply_again_writes_nothing(schema, backend, make_database, tmp_path):
    db = make_database(backend)
    with loaded(db, schema) as names:
        path = write_manifest(tmp_path, schema, db, names)
        assert_seeded(*run_api(path))
        before = catalog.snapshot(db, names.schemas)
        again, error = run_api(path)
        assert error is None, f"apply again failed: {first_line(error)}"
        assert again is not None
        assert sum(written(again).values()) == 0
        assert catalog.snapshot(db, names.schemas) == before


@pytest.mark.parametrize(("schema", "backend"), cases("destroy"))
def test_destroy_leaves_the_application_rows(schema, backend, make_database, tmp_path):
    db = make_database(backend)
    with loaded(db, schema, app_rows=True) as names:
        before = catalog.snapshot(db, names.schemas)
        path = write_manifest(tmp_path, schema, db, names)
        assert_seeded(*run_api(path))
        undone = destroy(build_plan(load_manifest(path)))
        failed = {f"{u.dataset}->{u.target}": f"{u.status}: {u.note}" for u in undone
                  if u.status not in ("done", "nothing to undo")}  # fmt: skip
        assert not failed, f"destroy did not finish: {failed}"
        assert sum(u.rows for u in undone) == schema.rows
        assert catalog.snapshot(db, names.schemas) == before


@pytest.mark.parametrize(("schema", "backend"), cases("cli"))
def test_cli_apply_then_destroy(schema, backend, make_database, tmp_path, cli):
    db = make_database(backend)
    with loaded(db, schema, app_rows=True) as names:
        before = catalog.snapshot(db, names.schemas)
        path = str(write_manifest(tmp_path, schema, db, names))
        code, out, err = cli("apply", path, "--quiet")
        assert code == 0, f"seedrunner apply exited {code}: {first_line(err or out)}"
        code, out, err = cli("destroy", path, "--yes")
        assert code == 0, f"seedrunner destroy exited {code}: {first_line(err or out)}"
        assert catalog.snapshot(db, names.schemas) == before


@pytest.mark.parametrize("backend", ["postgresql", "mariadb", "sqlite"])
def test_cli_plan_shows_the_cycle_the_join_tables_and_the_domain(
    backend, make_database, tmp_path, cli
):
    """What ``seedrunner plan`` says of film's shapes, before anything is written."""
    schema = next(s for s in SCHEMAS if s.name == "film")
    db = make_database(backend)
    with loaded(db, schema) as names:
        code, out, err = cli("plan", str(write_manifest(tmp_path, schema, db, names)))
        assert code == 0, f"seedrunner plan exited {code}: {first_line(err or out)}"
    shown = " ".join(out.split())  # the tree wraps long lines
    for line in (
        "deferred store.manager_staff_id -> staff.id (written NULL, set once staff is written)",
        "then sets store.manager_staff_id -> staff.id (a cycle's deferred edge)",
        "draws distinct (film_id, actor_id) of 300 x 150 = 45000 ← film.id, actor.id",
        "draws distinct (film_id, category_id) of 300 x 16 = 4800 ← film.id, category.id",
    ):
        assert line in shown
    domain = "database types: released year (int 1888..2100)"  # CREATE DOMAIN year
    assert (domain in shown) == (backend == "postgresql")


@pytest.mark.parametrize(
    "override", OVERRIDES, ids=lambda o: o.shape.split(":")[0].replace(" ", "-") + "-" + o.dataset
)
def test_an_override_changes_the_default(override, make_database, tmp_path, cli):
    schema = override.schema
    db = make_database("postgresql")
    with loaded(db, schema) as names:
        target = "payroll" if override.dataset in schema.second_schema else "db"
        path = tmp_path / f"{schema.name}.yaml"
        path.write_text(with_override(manifest_text(schema, db, names), override, target))
        code, out, err = cli("plan", str(path))
        assert code == 0, f"seedrunner plan exited {code}: {first_line(err or out)}"
        assert " ".join(override.shown.split()) in " ".join(out.split())
        assert_seeded(*run_api(path))
        with db.engine.connect() as c:
            rows = [tuple(r) for r in c.execute(sa.text(override.query))]
        assert rows == override.expect
        fks = catalog.foreign_keys(db, names.schemas)
        assert not {str(fk): n for fk in fks if (n := catalog.orphans(db, fk))}
