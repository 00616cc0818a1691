"""Same manifest, same seed, same ``now``: the same database, byte for byte, across refactors.

Issue 14 restructures the package with behaviour unchanged; this test is how "unchanged" is
checked.  It applies the demo manifest, the speed benchmark's manifests (``User``; ``User +
Order``) and the real schemas' table-and-count manifests (joins, cycles, self-references,
lookups) into fresh databases, dumps every application table (ledger tables left out: they
hold run ids and clocks) in a canonical order, and compares one SHA-256 per case with the
digests recorded in ``tests/fixtures/dump_hashes.json``.

Rows depend on Faker's data files, so digests are recorded per Faker version (the README's
Determinism section says so).  For a Faker version with no record the test skips, naming
the command that records one: ``SEEDRUNNER_RECORD_DUMPS=1 python -m pytest
tests/integration/test_dump_hash.py``.  A digest that differs fails with the tables whose
rows changed, so a refactor that changes a row is caught in the table it touched.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import faker
import pytest
import sqlalchemy as sa

from seedrunner import apply, build_plan, load_manifest
from tests.conftest import require_server
from tests.databases import open_database as _open_database
from tests.databases import server_address
from tests.realschemas.cases import SCHEMAS
from tests.realschemas.loader import loaded, write_manifest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RECORD = ROOT / "tests" / "fixtures" / "dump_hashes.json"
FAKER = faker.VERSION
LEDGER_PREFIX = "seedrunner_"


open_database = contextmanager(_open_database)


def table_digests(engine: sa.Engine, schema: str | None = None) -> dict[str, str]:
    """One SHA-256 per application table over its rows, sorted by their text."""
    out = {}
    with engine.connect() as c:
        meta = sa.MetaData()
        meta.reflect(c, schema=schema)
        for table in sorted(meta.tables.values(), key=lambda t: t.name):
            if table.name.startswith(LEDGER_PREFIX):
                continue
            rows = sorted(repr(tuple(r)) for r in c.execute(sa.select(table)))
            out[table.name] = hashlib.sha256("\n".join(rows).encode()).hexdigest()
    return out


def _bench_module() -> Any:
    spec = importlib.util.spec_from_file_location(
        "_bench_speed", ROOT / "benchmarks" / "bench_speed.py"
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def recorded() -> Iterator[dict[str, dict[str, str]]]:
    """The digests recorded for this Faker version; writes new ones when recording."""
    data: dict[str, dict[str, dict[str, str]]] = (
        json.loads(RECORD.read_text()) if RECORD.exists() else {}
    )
    mine = data.setdefault(FAKER, {})
    yield mine
    if os.environ.get("SEEDRUNNER_RECORD_DUMPS"):
        RECORD.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


def check(recorded: dict[str, dict[str, str]], case: str, got: dict[str, str]) -> None:
    assert got, f"{case}: no table was dumped"
    if os.environ.get("SEEDRUNNER_RECORD_DUMPS"):
        recorded[case] = got
        return
    if case not in recorded:
        pytest.skip(
            f"no dump digests recorded for {case} with Faker {FAKER}; record them with "
            "SEEDRUNNER_RECORD_DUMPS=1 python -m pytest tests/integration/test_dump_hash.py"
        )
    changed = sorted(t for t in recorded[case].keys() | got.keys()
                     if recorded[case].get(t) != got.get(t))  # fmt: skip
    assert not changed, f"{case}: rows changed in {changed}"


def test_demo_manifest(tmp_path: Path, recorded: dict[str, dict[str, str]]) -> None:
    seeds = tmp_path / "seeds"
    shutil.copytree(ROOT / "seeds", seeds, ignore=shutil.ignore_patterns("*.db", ".seedrunner"))
    report = apply(build_plan(load_manifest(seeds / "staging.yaml")))
    assert report.ok, report.error
    engine = sa.create_engine(f"sqlite:///{seeds / 'staging.db'}")
    try:
        check(recorded, "demo", table_digests(engine))
    finally:
        engine.dispose()


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
@pytest.mark.parametrize("scenario", ["user", "order"])
def test_benchmark_manifests(
    tmp_path: Path, recorded: dict[str, dict[str, str]], scenario: str, backend: str
) -> None:
    address = server_address(backend)
    if address is not None:
        require_server(backend, *address)
    bench = _bench_module()
    (tmp_path / "benchmodels.py").write_text(bench.MODELS)
    manifest = tmp_path / "bench.yaml"
    manifest.write_text(bench.MANIFEST + (bench.ORDERS if scenario == "order" else ""))
    spec = importlib.util.spec_from_file_location("_benchmodels", tmp_path / "benchmodels.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    try:
        with open_database(backend, tmp_path) as db:
            module.Base.metadata.create_all(db.engine)
            m = load_manifest(
                manifest,
                overrides=["datasets.users.count=3000"],
                environ={"DATABASE_URL": db.url},
            )
            report = apply(build_plan(m))
            assert report.ok, report.error
            check(recorded, f"bench-{scenario}-{backend}", table_digests(db.engine))
    finally:
        sys.modules.pop("benchmodels", None)  # the next case's folder has its own


ON_SQLITE = [s for s in SCHEMAS if "sqlite" in s.backends]


@pytest.mark.parametrize("schema", ON_SQLITE, ids=lambda s: s.name)
def test_real_schema(tmp_path: Path, recorded: dict[str, dict[str, str]], schema: Any) -> None:
    with open_database("sqlite", tmp_path) as db, loaded(db, schema) as names:
        report = apply(build_plan(load_manifest(write_manifest(tmp_path, schema, db, names))))
        assert report.ok, report.error
        check(recorded, f"real-{schema.name}", table_digests(db.engine))
