"""Issue 13's closing note: how far seedrunner gets on six realistic schemas, out of the box.

Each schema of tests/realschemas/ (shop, film rental, music store, trading company, HR
across two schemas, forum) is loaded as DDL into a fresh PostgreSQL schema, MariaDB
database or SQLite file (dropped afterwards), through the sync drivers or (``-async``) the
async ones, and seeded by the manifest a new user writes
first: per table only ``table:`` and ``count:`` (``seed`` and ``now`` pinned), through
``load_manifest -> build_plan -> apply`` in this process.  Printed per schema and database:

- **tables**: tables in the manifest;
- **seeded**: tables that hold exactly their count after the run (the default
  ``transaction: dataset`` keeps the datasets written before a failure; a plan error
  seeds none);
- **rows**: rows in those tables; **seconds**: plan + apply, wall clock;
- **first error**: what the user sees first (paths shortened), or ``-``.

Not a test: the same checks, one by one, are tests/integration/test_real_schemas.py.

    python benchmarks/real_schemas.py
    python benchmarks/real_schemas.py --schemas shop,forum --backends postgresql --json
    python benchmarks/real_schemas.py --backends postgresql-async,mariadb-async,sqlite-async
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from seedrunner import SeedrunnerError, apply, build_plan, load_manifest  # noqa: E402
from tests.databases import BACKENDS, Database, open_database, server_address  # noqa: E402
from tests.realschemas import catalog  # noqa: E402
from tests.realschemas.cases import SCHEMAS, RealSchema  # noqa: E402
from tests.realschemas.loader import Names, loaded, write_manifest  # noqa: E402


@dataclass
class Outcome:
    schema: str
    database: str
    tables: int
    seeded: int = 0
    rows: int = 0
    seconds: float = 0.0
    first_error: str = ""


def shorten(error: str) -> str:
    """The error's first line, without the temporary folder and database names."""
    line = error.strip().splitlines()[0] if error.strip() else ""
    line = re.sub(r"/\S*/(\w+\.yaml)", r"\1", line)
    line = re.sub(r" in /\S*\.db", "", line)
    return re.sub(r"sr_[0-9a-f]{10}", "<db>", line)


def gist(error: str) -> str:
    """For the table: a failed step as ``dataset: cause`` (the step and batch dropped)."""
    return re.sub(r"^(\w+) → \w+ \(step [^)]*\): .*?: cannot write batch \d+: ", r"\1: ", error)


def reachable(backend: str) -> bool:
    address = server_address(BACKENDS[backend][0])
    if address is None:
        return True
    try:
        with socket.create_connection(address, timeout=1):
            return True
    except OSError:
        return False


def seeded_tables(schema: RealSchema, db: Database, names: Names) -> tuple[int, int]:
    counts = [catalog.count(db, names.schema_of(schema, t), t) for t in schema.counts]
    full = [n for n, want in zip(counts, schema.counts.values(), strict=True) if n == want]
    return len(full), sum(full)


def run_one(schema: RealSchema, backend: str) -> Outcome:
    out = Outcome(schema.name, backend, len(schema.counts))
    with tempfile.TemporaryDirectory() as folder:
        databases = open_database(backend, Path(folder))
        db = next(databases)
        try:
            with loaded(db, schema) as names:
                path = write_manifest(Path(folder), schema, db, names)
                start = time.perf_counter()
                try:
                    report = apply(build_plan(load_manifest(path)))
                    error = report.error or ""
                except SeedrunnerError as exc:
                    error = str(exc)
                out.seconds = time.perf_counter() - start
                out.first_error = shorten(error)
                out.seeded, out.rows = seeded_tables(schema, db, names)
        finally:
            for _ in databases:  # drop the schema/database
                pass
    return out


def table(outcomes: list[Outcome], width: int) -> str:
    head = ("schema", "database", "tables", "seeded", "rows", "seconds", "first error")
    rows = [
        (o.schema, o.database, str(o.tables), str(o.seeded), f"{o.rows:,}",
         f"{o.seconds:.2f}", gist(o.first_error or "-")[:width])
        for o in outcomes
    ]  # fmt: skip
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]
    lines = [" | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in [head, *rows]]
    lines.insert(1, "-+-".join("-" * w for w in widths))
    return "\n".join(line.rstrip() for line in lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--schemas", default=",".join(s.name for s in SCHEMAS))
    parser.add_argument("--backends", default="postgresql,mariadb,sqlite")
    parser.add_argument("--width", type=int, default=110, help="first error shown up to N chars")
    parser.add_argument("--json", action="store_true", help="one JSON list instead of a table")
    a = parser.parse_args()
    wanted, backends = a.schemas.split(","), a.backends.split(",")
    outcomes = []
    for schema in (s for s in SCHEMAS if s.name in wanted):
        for backend in (b for b in backends if b.removesuffix("-async") in schema.backends):
            if not reachable(backend):
                print(f"skipped {schema.name} on {backend}: server not reachable", file=sys.stderr)
                continue
            outcomes.append(run_one(schema, backend))
    if a.json:
        print(json.dumps([asdict(o) for o in outcomes], indent=2))
    else:
        print(table(outcomes, a.width))


if __name__ == "__main__":
    main()
