"""Issue 5's speed benchmark: a 13-field ``User`` into SQLite and PostgreSQL, seedrunner vs all.

One command, one run, one process tree: every contender runs in its own subprocess (so the
peak RSS printed is its own) and, on PostgreSQL, in its own fresh schema (SQLite: its own
file), dropped afterwards.  The tables are created before the clock starts, from the same
SQLAlchemy models (``UserRow``, ``OrderRow``) for everyone; the clock covers opening the
connection, generating every row, writing it and committing.  Imports, building a
Faker/mimesis instance and planning the manifest happen before the clock.

Two scenarios (``--scenarios user,order``): **User**, the 13-field model of the issue (id,
uuid, first/last name, email, phone, street address, city, postcode, birth date, created_at,
a Decimal(10,2) balance, a bool), and **User + Order**: two orders per user (id, ``user_id``
a foreign key to ``users.id``, number, status, placed_at, total), so 3 rows per user; there
rows/s counts both tables.  polyfactory and pfg run in the User scenario only.

- **seedrunner (generate only)**: ``apply(plan, dry_run=True)`` of a manifest written to a
  temporary folder (``model: benchmodels:User``, every field inferred, batch_size 5000;
  orders: ``count: {per: users, min: 2, max: 2}``, ``user_id: {ref: users.id}``).
- **seedrunner, 2 workers**: the same with ``apply(..., workers=2)`` (``--workers 2``):
  batches generated in two processes, written in order by the main one.
- **seedrunner**: the same manifest, ``handler: sqlalchemy`` into the existing tables, with
  its run ledger (on by default: one ledger row per batch, in the batch's transaction, and
  the apply lock); **seedrunner, no ledger** the same with ``ledger: false``, to show what
  the ledger costs.
  ``--snapshot HEAD`` measures seedrunner as committed (``git archive`` on PYTHONPATH), so
  edits in the working tree during a long run cannot change or break it.
- **Faker loop + executemany**: the script teams write by hand: Faker once per field per row,
  driver ``executemany`` (sqlite3 / psycopg) per 1,000 rows; ``(generate only)`` drops the rows.
- **polyfactory + SQLAlchemy**: ``SQLAlchemyFactory`` of ``UserRow`` with Faker fields
  (``Use(faker.first_name)``...; its default for ``str`` is random letters) and its own
  persistence (``__session__``, ``create_batch_sync(1000)`` = ``add_all`` + commit).
- **pydantic-fixturegen persist**: its Python API ``persist()`` (what ``pfg persist`` calls)
  on the ``User`` model with a handler on its persistence protocol that does the same
  ``executemany`` per batch of 1,000 as the Faker loop (pfg has no SQL handler of its own).
- **mimesis + executemany**: mimesis' ``Generic`` once per field per row, then the same writer.
  Its values are mimesis' own vocabularies (not Faker's), so it is the fastest per-row
  generator here, not a like-for-like one.
- **the limit**: pre-built tuples (before the clock), then only the write: sqlite3
  ``executemany`` in one transaction; psycopg ``COPY ... FROM STDIN (FORMAT BINARY)`` and
  psycopg ``executemany``.  The tuples are seedrunner's own rows (values like everyone's),
  at most 100,000 distinct ones, repeated with fresh ids beyond that so 10M rows fit in memory.

For sqlite3 the writers bind what SQLAlchemy would (UUID as 32 hex chars, Decimal as float,
dates as ISO text); that conversion is inside the clock except for the limit.
Sizes run in order; a contender whose time, extrapolated from its previous size (or from a
10k probe), exceeds ``--budget`` seconds is skipped and reported as ``skipped (est. N s)``.
A contender whose library is not installed is reported as ``not installed``.
Not a test: timings on a shared machine are noise, so this only reports.

    python benchmarks/bench_speed.py                                  # 10k,100k; both backends
    python benchmarks/bench_speed.py --sizes 1m --backends sqlite --only seedrunner,limit,faker
    python benchmarks/bench_speed.py --sizes 10m --budget 600 --snapshot HEAD
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

REPO = Path(__file__).resolve().parent.parent
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BATCH = 1000
POOL = 100_000

# The model, defined once: written as ``benchmodels.py`` into the run's temporary folder so
# seedrunner's manifest, pfg's module discovery and every worker import the same classes.
MODELS = '''
"""The benchmark's User: a pydantic model, its SQLAlchemy table, and the shared writers."""
import datetime as dt
import uuid
from decimal import Decimal

import sqlalchemy as sa
from pydantic import BaseModel, Field
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from seedrunner import HandlerOptions


class User(BaseModel):
    id: int
    external_id: uuid.UUID
    first_name: str = Field(max_length=60)
    last_name: str = Field(max_length=60)
    email: str = Field(max_length=120)
    phone_number: str = Field(max_length=40)
    street_address: str = Field(max_length=120)
    city: str = Field(max_length=80)
    postcode: str = Field(max_length=12)
    birth_date: dt.date
    created_at: dt.datetime
    balance: Decimal = Field(max_digits=10, decimal_places=2)
    is_active: bool


class Order(BaseModel):
    id: int
    user_id: int
    number: str = Field(max_length=20)
    status: str = Field(max_length=10)
    placed_at: dt.datetime
    total: Decimal = Field(max_digits=10, decimal_places=2)


class Base(DeclarativeBase):
    pass


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    external_id: Mapped[uuid.UUID]
    first_name: Mapped[str] = mapped_column(sa.String(60))
    last_name: Mapped[str] = mapped_column(sa.String(60))
    email: Mapped[str] = mapped_column(sa.String(120))
    phone_number: Mapped[str] = mapped_column(sa.String(40))
    street_address: Mapped[str] = mapped_column(sa.String(120))
    city: Mapped[str] = mapped_column(sa.String(80))
    postcode: Mapped[str] = mapped_column(sa.String(12))
    birth_date: Mapped[dt.date]
    created_at: Mapped[dt.datetime]
    balance: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))
    is_active: Mapped[bool]


class OrderRow(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    number: Mapped[str] = mapped_column(sa.String(20))
    status: Mapped[str] = mapped_column(sa.String(10))
    placed_at: Mapped[dt.datetime]
    total: Mapped[Decimal] = mapped_column(sa.Numeric(10, 2))


COLUMNS = list(User.model_fields)
TABLES = {"users": COLUMNS, "orders": list(Order.model_fields)}


def sqlite_value(v):
    """What SQLAlchemy binds for sqlite3 (it has no UUID, Decimal or datetime type)."""
    if isinstance(v, uuid.UUID):
        return v.hex
    if isinstance(v, Decimal):
        return float(v)
    if isinstance(v, dt.datetime):
        return v.isoformat(" ")
    if isinstance(v, dt.date):
        return v.isoformat()
    return v


def connect(target):
    if target["backend"] == "postgresql":
        import psycopg

        return psycopg.connect(**target["connect"])
    import sqlite3

    con = sqlite3.connect(target["connect"]["path"])
    con.execute("PRAGMA foreign_keys=ON")  # as seedrunner's engine does
    return con


def insert_sql(target, table):
    marks = ", ".join(["?" if target["backend"] == "sqlite" else "%s"] * len(TABLES[table]))
    return f"INSERT INTO {table} ({', '.join(TABLES[table])}) VALUES ({marks})"


class Writer:
    """executemany of plain tuples, converted as the driver needs; commit at close."""

    def __init__(self, target):
        self.sqlite = target["backend"] == "sqlite"
        self.con = connect(target)
        self.sql = {table: insert_sql(target, table) for table in TABLES}

    def write(self, rows, table="users"):
        if self.sqlite:
            rows = [tuple(map(sqlite_value, r)) for r in rows]
        cur = self.con.cursor()
        cur.executemany(self.sql[table], rows)
        cur.close()

    def close(self):
        self.con.commit()
        self.con.close()


class PfgWriter:
    """A pydantic-fixturegen persistence handler (its sync protocol) over Writer."""

    def __init__(self, target):
        self.target = target

    def open(self, context):
        self.writer = Writer(self.target)

    def persist_batch(self, batch):
        # pfg draws ``id`` at random (it collides); its case index is the row number.
        self.writer.write([(r.case_index + 1, *(r.payload[c] for c in COLUMNS[1:]))
                           for r in batch])

    def close(self):
        self.writer.close()


ROWS = {}


class CollectOptions(HandlerOptions):
    pass


class Collect:
    """A seedrunner handler that keeps the rows as tuples (the limit's pre-built rows)."""

    name = "bench-collect"
    Options = CollectOptions

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        self.dataset = ctx.dataset

    def write(self, batch):
        ROWS.setdefault(self.dataset, []).extend(batch.tuples())

    def close(self, error):
        pass
'''

MANIFEST = """\
version: 1
name: bench-speed
seed: 42
now: "2026-01-01T00:00:00Z"
locale: en_US
python_path: ["."]
defaults:
  batch_size: 5000
targets:
  db:
    handler: sqlalchemy
    url: "{{ env.DATABASE_URL | default('sqlite:///unused.db') }}"
  collect:
    handler: benchmodels:Collect
datasets:
  users:
    model: benchmodels:User
    count: 1000
    persist: [db]
"""
# User + Order: two orders per user, user_id a foreign key to users.id.
ORDERS = """\
  orders:
    model: benchmodels:Order
    count: {per: users, min: 2, max: 2}
    fields:
      user_id: {ref: users.id}
      number: {sequence: "ORD-{n:08d}", start: 1}
      status: {choice: [pending, paid, shipped, cancelled]}
      placed_at: {faker: date_time_between, start_date: -3y, end_date: now}
      total: {faker: pydecimal, left_digits: 4, right_digits: 2, positive: true}
    persist: [db]
"""
SCENARIOS = {"user": "User", "order": "User + Order"}
STATUSES = ["pending", "paid", "shipped", "cancelled"]

# (key, label, worker, extra, needs a database, distributions it needs)
CONTENDERS: list[tuple[str, str, str, dict[str, Any], bool, tuple[str, ...]]] = [
    ("seedrunner", "seedrunner (generate only)", "seedrunner", {"dry_run": True}, False, ()),
    ("seedrunner", "seedrunner, 2 workers (generate only)", "seedrunner",
     {"dry_run": True, "workers": 2}, False, ()),
    ("faker", "Faker loop (generate only)", "faker", {"write": False}, False, ("Faker",)),
    ("mimesis", "mimesis (generate only)", "mimesis", {"write": False}, False, ("mimesis",)),
    ("seedrunner", "seedrunner", "seedrunner", {}, True, ()),
    ("seedrunner", "seedrunner, 2 workers", "seedrunner", {"workers": 2}, True, ()),
    ("seedrunner", "seedrunner, no ledger", "seedrunner", {"ledger": False}, True, ()),
    ("faker", "Faker loop + executemany", "faker", {"write": True}, True, ("Faker",)),
    ("polyfactory", "polyfactory + SQLAlchemy", "polyfactory", {}, True, ("polyfactory",)),
    ("pfg", "pydantic-fixturegen persist", "pfg", {}, True, ("pydantic-fixturegen",)),
    ("mimesis", "mimesis + executemany", "mimesis", {"write": True}, True, ("mimesis",)),
    ("limit", "limit: executemany", "limit", {"method": "executemany"}, True, ()),
    ("limit", "limit: COPY binary", "limit", {"method": "COPY"}, True, ()),
]
FAKER_LOOP = "Faker loop + executemany"
LIMIT = {"sqlite": "limit: executemany", "postgresql": "limit: COPY binary"}


# -- workers: each runs in its own subprocess, reads JSON on stdin, prints JSON -----------


def peak_mb() -> float:
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, kids) / 1024


def _plan(a: dict[str, Any], url: str, target: str = "db") -> Any:
    from seedrunner import build_plan, load_manifest

    overrides = [f"datasets.users.count={a['n']}", f"datasets.users.persist=[{target}]"]
    if a["scenario"] == "order":
        overrides.append(f"datasets.orders.persist=[{target}]")
    if a.get("ledger") is False:
        overrides.append("targets.db.ledger=false")
    m = load_manifest(a["manifest"], overrides=overrides, environ={"DATABASE_URL": url})
    return build_plan(m)


def work_seedrunner(a: dict[str, Any]) -> dict[str, Any]:
    from seedrunner import apply

    dry = a.get("dry_run", False)
    plan = _plan(a, "" if dry else a["target"]["url"])
    t0 = time.perf_counter()
    workers = {"workers": a["workers"]} if a.get("workers") else {}
    report = apply(plan, dry_run=dry, **workers)
    seconds = time.perf_counter() - t0
    if not report.ok:
        raise RuntimeError(report.error)
    return {"rows": report.rows, "seconds": seconds}


def _loop(a: dict[str, Any], make_row: Any, make_order: Any) -> dict[str, Any]:
    """Users one by one from ``make_row(i)`` (and two orders each from ``make_order(id,
    user_id)`` in the User + Order scenario), written per BATCH users (or dropped)."""
    from benchmodels import Writer  # type: ignore[import-not-found]

    n, write, orders = a["n"], a.get("write", True), a["scenario"] == "order"
    t0 = time.perf_counter()
    writer = Writer(a["target"]) if write else None
    users: list[tuple[Any, ...]] = []
    lines: list[tuple[Any, ...]] = []
    for i in range(1, n + 1):
        users.append(make_row(i))
        if orders:
            lines += (make_order(2 * i - 1, i), make_order(2 * i, i))
        if len(users) == BATCH or i == n:
            if writer:
                writer.write(users)
                if orders:
                    writer.write(lines, "orders")
            users, lines = [], []
    if writer:
        writer.close()
    return {"rows": n * 3 if orders else n, "seconds": time.perf_counter() - t0}


def work_faker(a: dict[str, Any]) -> dict[str, Any]:
    from faker import Faker

    fake = Faker("en_US")
    fake.seed_instance(42)

    def row(i: int) -> tuple[Any, ...]:
        return (i, fake.uuid4(cast_to=None), fake.first_name(), fake.last_name(), fake.email(),
                fake.phone_number(), fake.street_address(), fake.city(), fake.postcode(),
                fake.date_of_birth(minimum_age=18, maximum_age=80),
                fake.date_time_between("-3y", "now"),
                fake.pydecimal(left_digits=4, right_digits=2, positive=True), fake.pybool())

    def order(i: int, user_id: int) -> tuple[Any, ...]:
        return (i, user_id, f"ORD-{i:08d}", fake.random_element(STATUSES),
                fake.date_time_between("-3y", "now"),
                fake.pydecimal(left_digits=4, right_digits=2, positive=True))

    return _loop(a, row, order)


def work_mimesis(a: dict[str, Any]) -> dict[str, Any]:
    from decimal import Decimal

    from mimesis import Generic, Locale

    g = Generic(locale=Locale.EN, seed=42)
    p, ad, d, num = g.person, g.address, g.datetime, g.numeric

    def row(i: int) -> tuple[Any, ...]:
        return (i, g.cryptographic.uuid_object(), p.first_name(), p.last_name(), p.email(),
                p.telephone(), ad.address(), ad.city(), ad.postal_code(),
                d.date(start=1946, end=2008), d.datetime(start=2023, end=2025),
                Decimal(str(num.float_number(0, 9999.99, precision=2))),
                g.development.boolean())

    def order(i: int, user_id: int) -> tuple[Any, ...]:
        return (i, user_id, f"ORD-{i:08d}", g.choice(STATUSES),
                d.datetime(start=2023, end=2025),
                Decimal(str(num.float_number(0, 9999.99, precision=2))))

    return _loop(a, row, order)


def work_polyfactory(a: dict[str, Any]) -> dict[str, Any]:
    import itertools

    import sqlalchemy as sa
    from benchmodels import UserRow
    from faker import Faker
    from polyfactory import Use
    from polyfactory.factories.sqlalchemy_factory import SQLAlchemyFactory
    from sqlalchemy.orm import Session

    fake = Faker("en_US")
    ids = itertools.count(1)
    engine = sa.create_engine(a["target"]["url"])

    class UserFactory(SQLAlchemyFactory[UserRow]):
        __faker__ = fake
        __random_seed__ = 42
        id = Use(lambda: next(ids))
        external_id = Use(fake.uuid4, cast_to=None)
        first_name = Use(fake.first_name)
        last_name = Use(fake.last_name)
        email = Use(fake.email)
        phone_number = Use(fake.phone_number)
        street_address = Use(fake.street_address)
        city = Use(fake.city)
        postcode = Use(fake.postcode)
        birth_date = Use(fake.date_of_birth, minimum_age=18, maximum_age=80)
        created_at = Use(fake.date_time_between, "-3y", "now")
        balance = Use(fake.pydecimal, left_digits=4, right_digits=2, positive=True)
        is_active = Use(fake.pybool)

    t0 = time.perf_counter()
    with Session(engine) as session:
        UserFactory.__session__ = session
        left = a["n"]
        while left:
            UserFactory.create_batch_sync(min(BATCH, left))
            left -= min(BATCH, left)
            session.expunge_all()  # as a seeding script would: don't keep every row alive
    seconds = time.perf_counter() - t0
    engine.dispose()
    return {"rows": a["n"], "seconds": seconds}


def work_pfg(a: dict[str, Any]) -> dict[str, Any]:
    from pydantic_fixturegen.api import persist

    t0 = time.perf_counter()
    persist(a["models"], handler="benchmodels:PfgWriter", count=a["n"], batch_size=BATCH,
            handler_options={"target": a["target"]}, include=["*User"], seed=42,
            now="2026-01-01T00:00:00Z", max_retries=0)
    return {"rows": a["n"], "seconds": time.perf_counter() - t0}


def _prebuilt(a: dict[str, Any]) -> dict[str, list[tuple[Any, ...]]]:
    """seedrunner's rows as plain tuples per table, n users (and 2n orders).

    At most POOL distinct users (and their orders) are generated; beyond that the pool
    repeats with fresh ids (user_id: two orders per user, in order), so 10M rows fit."""
    import benchmodels

    from seedrunner import apply

    n = a["n"]
    report = apply(_plan({**a, "n": min(n, POOL)}, "", target="collect"))
    if not report.ok:
        raise RuntimeError(report.error)
    out = {}
    for table, pool in benchmodels.ROWS.items():
        if a["target"]["backend"] == "sqlite":
            pool = [tuple(map(benchmodels.sqlite_value, r)) for r in pool]
        size, want = len(pool), n * len(pool) // min(n, POOL)
        if table == "users":
            out[table] = [(i + 1, *pool[i % size][1:]) for i in range(want)]
        else:  # orders: two per user, in user order
            out[table] = [(i + 1, i // 2 + 1, *pool[i % size][2:]) for i in range(want)]
    benchmodels.ROWS.clear()
    return out


def work_limit(a: dict[str, Any]) -> dict[str, Any]:
    import benchmodels

    t = a["target"]
    tables = _prebuilt(a)
    con = benchmodels.connect(t)
    t0 = time.perf_counter()
    for table, rows in tables.items():  # users first: orders point at them
        names = benchmodels.TABLES[table]
        if a["method"] == "COPY":
            got = dict(con.execute(
                "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid "
                "= %s::regclass AND attnum > 0 AND NOT attisdropped", (table,)).fetchall())
            query = f"COPY {table} ({', '.join(names)}) FROM STDIN (FORMAT BINARY)"
            with con.cursor() as cur, cur.copy(query) as cp:
                cp.set_types([got[c] for c in names])
                for row in rows:
                    cp.write_row(row)
        else:
            cur = con.cursor()
            cur.executemany(benchmodels.insert_sql(t, table), rows)
            cur.close()
    con.commit()
    seconds = time.perf_counter() - t0
    con.close()
    return {"rows": sum(map(len, tables.values())), "seconds": seconds}


def work_create(a: dict[str, Any]) -> dict[str, Any]:
    import sqlalchemy as sa
    from benchmodels import Base

    engine = sa.create_engine(a["target"]["url"])
    Base.metadata.create_all(engine)
    engine.dispose()
    return {}


WORKERS = {"seedrunner": work_seedrunner, "faker": work_faker, "mimesis": work_mimesis,
           "polyfactory": work_polyfactory, "pfg": work_pfg, "limit": work_limit,
           "create": work_create}


def worker_main(kind: str) -> None:
    a = json.load(sys.stdin)
    sys.path.insert(0, a["folder"])
    out = WORKERS[kind](a)
    if out:
        out["peak_mb"] = peak_mb()
    print(json.dumps(out))


# -- the harness ---------------------------------------------------------------------------


def run_worker(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """One worker in a fresh interpreter; a failure becomes ``{"error": last line}``."""
    env = dict(os.environ)
    if args.get("snapshot"):  # the exported seedrunner shadows the editable install
        env["PYTHONPATH"] = os.pathsep.join(filter(None, [args["snapshot"],
                                                          env.get("PYTHONPATH")]))
    out = subprocess.run([sys.executable, __file__, "--worker", kind], input=json.dumps(args),
                         capture_output=True, text=True, cwd=args["folder"], env=env)
    if out.returncode != 0:
        lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
        return {"error": lines[-1] if lines else f"exit code {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


class Server:
    """Fresh namespaces on one backend: a PostgreSQL schema or a SQLite file, then drop."""

    def __init__(self, backend: str, url: str, scratch: Path) -> None:
        self.backend, self.scratch, self.count = backend, scratch, 0
        u = urlsplit(url)
        self.host, self.port, self.user = u.hostname or "127.0.0.1", u.port or 5432, u.username
        self.db, self.base = u.path.lstrip("/"), url.split("?")[0]

    def admin(self, statement: str) -> Any:
        import psycopg

        with psycopg.connect(host=self.host, port=self.port, user=self.user, dbname=self.db,
                             password=os.environ.get("PGPASSWORD"), autocommit=True) as c:
            cur = c.execute(statement)
            return cur.fetchone() if cur.description else None

    def version(self) -> str:
        if self.backend == "sqlite":
            import sqlite3

            return f"SQLite {sqlite3.sqlite_version}"
        return f"PostgreSQL {self.admin('SHOW server_version')[0]}"

    def fresh(self) -> dict[str, Any]:
        self.count += 1
        name = f"bench_speed_{os.getpid()}_{self.count}"
        t: dict[str, Any] = {"backend": self.backend, "name": name}
        if self.backend == "postgresql":
            self.admin(f'CREATE SCHEMA "{name}"')
            t["url"] = f"{self.base}?options=-csearch_path%3D{name}"
            t["connect"] = {"host": self.host, "port": self.port, "user": self.user,
                            "dbname": self.db, "options": f"-csearch_path={name}"}
        else:
            path = self.scratch / f"{name}.db"
            t["url"], t["connect"] = f"sqlite:///{path}", {"path": str(path)}
        return t

    def drop(self, t: dict[str, Any]) -> None:
        if self.backend == "postgresql":
            self.admin(f'DROP SCHEMA IF EXISTS "{t["name"]}" CASCADE')
        else:
            Path(t["connect"]["path"]).unlink(missing_ok=True)


def installed(dists: tuple[str, ...]) -> bool:
    try:
        for d in dists:
            version(d)
    except PackageNotFoundError:
        return False
    return True


def run_one(server: Server | None, worker: str, args: dict[str, Any]) -> dict[str, Any]:
    if server is None:
        return run_worker(worker, args)
    t = server.fresh()
    try:
        made = run_worker("create", {**args, "target": t})
        if "error" in made:
            return {"error": f"create table: {made['error']}"}
        return run_worker(worker, {**args, "target": t})
    finally:
        server.drop(t)


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    mult = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("km")) * mult)


def snapshot(rev: str, folder: Path) -> str:
    """``git archive`` of ``rev``'s seedrunner package: a run immune to edits in the tree."""
    archive = subprocess.run(["git", "archive", rev, "seedrunner"], capture_output=True,
                             check=True, cwd=REPO).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return subprocess.run(["git", "rev-parse", "--short", rev], capture_output=True, text=True,
                          check=True, cwd=REPO).stdout.strip()


def versions(servers: dict[str, Server], rev: str | None) -> dict[str, str]:
    out = {"python": sys.version.split()[0], "cpus": str(os.cpu_count())}
    for dist in ("seedrunner", "Faker", "polyfactory", "pydantic-fixturegen", "mimesis",
                 "pydantic", "SQLAlchemy", "psycopg"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                         text=True, cwd=REPO)
    out["seedrunner git"] = (f"{rev} (snapshot)" if rev else git.stdout.strip() or "unknown")
    for name, server in servers.items():
        try:
            out[name] = server.version()
        except Exception as e:
            out[name] = f"unreachable ({type(e).__name__})"
    return out


def add_ratios(results: list[dict[str, Any]]) -> None:
    """x Faker and x limit, within the same scenario, size and backend.

    Where the Faker loop was skipped (over budget), its rows/s at the largest size it ran is
    used instead (a per-row loop's rate does not change with size) and the ratio is marked."""
    by = {(r["scenario"], r["size"], r["backend"], r["contender"]): r for r in results
          if "rows_per_s" in r}
    for r in results:
        if "rows_per_s" not in r:
            continue
        where = (r["scenario"], r["size"], r["backend"])
        faker = FAKER_LOOP if r["backend"] != "-" else "Faker loop (generate only)"
        fk = by.get((*where, faker))
        r["x_faker_at"] = None
        if fk is None:
            ran = [k[1] for k in by if k[0] == r["scenario"] and k[2:] == (r["backend"], faker)]
            if ran:
                fk = by[(r["scenario"], max(ran), r["backend"], faker)]
                r["x_faker_at"] = max(ran)
        lim = by.get((*where, LIMIT.get(r["backend"], "")))
        r["x_faker"] = r["rows_per_s"] / fk["rows_per_s"] if fk else None
        r["x_limit"] = r["rows_per_s"] / lim["rows_per_s"] if lim else None


def fmt(v: float | None, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def table(results: list[dict[str, Any]]) -> list[str]:
    lines = ["| model | users | backend | contender | seconds | rows/s | x Faker loop | x limit "
             "| peak RSS MB |", "| --- | ---: | --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for r in results:
        left = f"| {r['scenario']} | {r['size']:,} | {r['backend']} | {r['contender']} |"
        if "rows_per_s" not in r:
            lines.append(f"{left} {r['status']} | | | | |")
            continue
        mark = "*" if r.get("x_faker_at") else ""
        lines.append(f"{left} {r['seconds']:.2f} | {r['rows_per_s']:,.0f} | "
                     f"{fmt(r['x_faker'], '.1f')}{mark} | {fmt(r['x_limit'], '.2f')} | "
                     f"{r['peak_mb']:.0f} |")
    return lines


def render_md(results: list[dict[str, Any]], info: dict[str, Any]) -> str:
    doc = (__doc__ or "").split("\n\n")
    return "\n".join([
        "# Speed benchmark results (`benchmarks/bench_speed.py`)", "",
        f"Run {info['date']} with `{info['command']}`.", "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()) + ".", "",
        "Backend `-` is generation alone (no database). `x Faker loop` is rows/s over the "
        "hand-written Faker loop's on the same backend and size (for generation alone: over "
        "the Faker loop generating only); `x limit` is rows/s over the fastest plain write of "
        "pre-built tuples (sqlite3 executemany; psycopg binary COPY). One run each. `users` "
        "is the number of User rows; with User + Order every user has two orders, so rows/s "
        "counts 3 rows per user. `*`: the Faker loop was skipped at this size; the ratio "
        "is to its rows/s at the largest size it ran.", "",
        *table(results), "",
        "## What is timed", "", *doc[1:-1], "",
    ])


def run_contender(r: dict[str, Any], c: tuple[Any, ...], server: Server | None,
                  wargs: dict[str, Any], last: dict[tuple[str, ...], tuple[int, float]],
                  budget: float) -> None:
    """One contender at one size: skipped, not installed, n/a, or measured into ``r``."""
    key, label, worker, _, _, dists = c
    n, scenario = wargs["n"], wargs["scenario"]
    if not installed(dists):
        r["status"] = "not installed"
        return
    if scenario != "user" and key in ("polyfactory", "pfg"):
        r["status"] = "n/a (User only)"
        return
    prev = last.get((scenario, r["backend"], label))
    if prev is None and n > 10_000 and key != "limit":
        probe = run_one(server, worker, {**wargs, "n": 10_000})
        if "seconds" in probe:
            prev = (10_000, probe["seconds"])
    est = prev[1] * n / prev[0] if prev else 0.0
    if est > budget:
        r["status"] = f"skipped (est. {est:,.0f} s)"
        return
    got = run_one(server, worker, wargs)
    if "error" in got:
        r["status"] = f"error: {got['error'][:100]}"
        return
    r.update(got, rows_per_s=got["rows"] / got["seconds"])
    last[(scenario, r["backend"], label)] = (n, got["seconds"])


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", default="10k,100k", help="comma list: 10k,100k,1m,10m")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--scenarios", default="user,order",
                    help="user (the 13-field User) and/or order (User + 2 Orders each, FK)")
    ap.add_argument("--budget", type=float, default=120.0,
                    help="skip a contender whose extrapolated time exceeds this (seconds)")
    ap.add_argument("--only", default="", help="contender keys: seedrunner,faker,polyfactory,"
                    "pfg,mimesis,limit (default: all)")
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    ap.add_argument("--snapshot", metavar="REV", help="measure seedrunner as committed at REV "
                    "(git archive into the temp folder), not the working tree")
    ap.add_argument("--output", default=str(REPO / "benchmarks" / "RESULTS.md"))
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_main(args.worker)
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    if set(backends) - {"sqlite", "postgresql"}:
        ap.error("backends: sqlite, postgresql")
    only = {k.strip() for k in args.only.split(",") if k.strip()}
    scenarios = [k.strip() for k in args.scenarios.split(",") if k.strip()]
    if set(scenarios) - set(SCENARIOS):
        ap.error("scenarios: user, order")
    log = sys.stderr
    with tempfile.TemporaryDirectory(prefix="bench_speed_") as tmp:
        folder = Path(tmp)
        (folder / "benchmodels.py").write_text(MODELS)
        (folder / "user.yaml").write_text(MANIFEST)
        (folder / "order.yaml").write_text(MANIFEST + ORDERS)
        common = {"folder": tmp, "models": str(folder / "benchmodels.py")}
        rev = None
        if args.snapshot:
            (folder / "snapshot").mkdir()
            rev = snapshot(args.snapshot, folder / "snapshot")
            common["snapshot"] = str(folder / "snapshot")
        servers = {b: Server(b, args.pg_url, folder) for b in backends}
        info = {"date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                "command": "python benchmarks/bench_speed.py " + " ".join(sys.argv[1:]),
                "versions": versions(servers, rev)}
        results: list[dict[str, Any]] = []
        last: dict[tuple[str, ...], tuple[int, float]] = {}  # (scenario, backend, label)
        for scenario, n, c in [(sc, n, c) for sc in scenarios for n in sizes
                               for c in CONTENDERS]:
            if only and c[0] not in only:
                continue
            for backend in backends if c[4] else ["-"]:
                if c[1] == "limit: COPY binary" and backend != "postgresql":
                    continue
                r: dict[str, Any] = {"scenario": SCENARIOS[scenario], "size": n,
                                     "backend": backend, "contender": c[1]}
                results.append(r)
                wargs = {**common, **c[3], "n": n, "scenario": scenario,
                         "manifest": str(folder / f"{scenario}.yaml")}
                run_contender(r, c, servers[backend] if c[4] else None, wargs, last,
                              args.budget)
                shown = r.get("status") or (f"{r['seconds']:.2f} s, {r['rows_per_s']:,.0f} "
                                            f"rows/s, {r['peak_mb']:.0f} MB")
                print(f"[{r['scenario']} {n:,} {backend}] {c[1]}: {shown}", file=log,
                      flush=True)
        add_ratios(results)
        text = render_md(results, info)
        print("\n".join(table(results)))
        Path(args.output).write_text(text)
        print(f"\nwritten to {args.output}", file=log)


if __name__ == "__main__":
    main()
