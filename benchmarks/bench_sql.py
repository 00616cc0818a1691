"""Write N rows of the demo's largest table (order_lines) into PostgreSQL, MariaDB and SQLite.

Side by side, per backend, each contender in its own subprocess (so peak RSS is its own)
and in its own fresh schema (PostgreSQL schema, MariaDB database, SQLite file), dropped after:

- **seedrunner (sync / async URL)**: ``load_manifest -> build_plan -> apply`` of the demo
  (seeds/staging.yaml, ``handler: sqlalchemy``, ``create_tables: true``).  The timed figure
  is the order_lines dataset only: its generate step plus its write step (open, create
  table, batches, commit) as the run report measures them.  The parents (customers,
  products, orders) are written by the same run but not counted.
- **the limit**: the same order_lines rows, pre-built as plain tuples before the clock
  starts (seedrunner generates them once, through a handler that pickles batches, so the
  values are identical), then only the write is timed: psycopg ``COPY ... FROM STDIN``
  with ``write_row`` (text, then binary with ``set_types``), PyMySQL ``executemany`` of one
  INSERT (PyMySQL folds it into multi-row INSERTs), ``LOAD DATA LOCAL INFILE`` (formatting
  the file is timed too), sqlite3 ``executemany`` in one transaction.  Ratios are to the
  first limit row of each backend (COPY text, executemany, executemany).
- **Faker loop + executemany**: the script teams write by hand (Faker per field per row,
  driver ``executemany`` per 1,000 rows) at a smaller N (``--faker-rows``).

Why the demo's full shape rather than a flat copy of the table: order_lines has foreign keys
to orders and products, and those checks are part of what a write costs on a real schema.
So every contender writes into the same DDL (the demo's models), with the parents present:
seedrunner writes them itself, the limit and the Faker loop get them loaded (untimed) before
they start.  To make the table exactly N rows, the demo's per-parent counts (0-4 orders per
customer, 1-3 lines per order) are fixed at 2 and 2 (same averages) and customers = N/4, so
N is rounded up to a multiple of 4.  The limit's tuples hold what its driver takes as is
(for sqlite3: floats for decimals, text for datetimes, as SQLAlchemy binds them; UUIDs as
hex for CHAR(32)), converted before the clock starts; its peak RSS is mostly those tuples.
Not a test: timings on a shared machine are noise, so this only reports.

    python benchmarks/bench_sql.py                          # 1,000,000 rows, all backends
    python benchmarks/bench_sql.py --rows 100000 --repeat 3 --backends sqlite,postgresql
    python benchmarks/bench_sql.py --rows 200000 --backends postgresql --profile
"""

from __future__ import annotations

import argparse
import json
import math
import os
import pickle
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote, urlsplit

REPO = Path(__file__).resolve().parent.parent
PG_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
MARIADB_URL = "mysql+pymysql://root@127.0.0.1:3306/test"
TABLE = "order_lines"
PARENTS = ("customers", "products", "orders")
LIMITS = {
    "postgresql": ["COPY text", "COPY binary"],
    "mariadb": ["executemany", "LOAD DATA LOCAL"],
    "sqlite": ["executemany"],
}

# A handler (the documented plugin protocol) that pickles each batch as plain tuples.
# Enum members become their values; Faker's dates come out of seedrunner's pinned clock as
# instances of a local datetime subclass, which pickle refuses, so they are rebuilt as plain.
DUMP_HANDLER = '''
import datetime as dt, enum, pickle
from pathlib import Path
from seedrunner import HandlerOptions

def plain(v):
    if isinstance(v, enum.Enum):
        return v.value
    if isinstance(v, dt.datetime) and type(v) is not dt.datetime:
        return dt.datetime(v.year, v.month, v.day, v.hour, v.minute, v.second,
                           v.microsecond, v.tzinfo, fold=v.fold)
    if isinstance(v, dt.date) and type(v) not in (dt.date, dt.datetime):
        return dt.date(v.year, v.month, v.day)
    return v

class DumpOptions(HandlerOptions):
    folder: str

class Dump:
    name = "bench-dump"
    Options = DumpOptions

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        self.file = open(Path(self.options.folder) / f"{ctx.dataset}.pkl", "wb")

    def write(self, batch):
        rows = [tuple(plain(v) for v in row) for row in batch.tuples()]
        pickle.dump((batch.names, rows), self.file, protocol=5)

    def close(self, error):
        self.file.close()
'''


# -- workers: each runs in its own subprocess, reads JSON on stdin, prints JSON -----------


def peak_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _plan(a: dict[str, Any], url: str) -> Any:
    from seedrunner import build_plan, load_manifest

    m = load_manifest(a["manifest"], overrides=a["overrides"], environ={"DATABASE_URL": url})
    return build_plan(m)


def work_prebuild(a: dict[str, Any]) -> dict[str, Any]:
    from seedrunner import apply

    a["overrides"] = [*a["overrides"], f"targets.db={json.dumps(a['dump'])}"]
    report = apply(_plan(a, "unused"))
    if not report.ok:
        raise RuntimeError(report.error)
    return {"rows": report.rows, "seconds": report.seconds, "peak_mb": peak_mb()}


def work_seedrunner(a: dict[str, Any]) -> dict[str, Any]:
    from seedrunner import apply

    plan = _plan(a, a["url"])
    if a.get("profile"):
        import cProfile

        with cProfile.Profile() as prof:
            report = apply(plan)
        prof.dump_stats(a["profile"])
    else:
        report = apply(plan)
    if not report.ok:
        raise RuntimeError(report.error)
    steps = [s for s in report.steps if s.dataset == TABLE]
    gen = sum(s.seconds for s in steps if s.kind != "persist")
    write = sum(s.seconds for s in steps if s.kind == "persist")
    rows = next(s.rows for s in steps if s.kind == "persist")
    return {"rows": rows, "seconds": gen + write, "generate_s": gen, "write_s": write,
            "run_rows": report.rows, "run_s": report.seconds, "peak_mb": peak_mb()}


def load_rows(folder: str, dataset: str, backend: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    """A dataset's pickled rows, in the form each driver takes without help."""
    import datetime as dt
    import uuid
    from decimal import Decimal

    def plain(v: Any) -> Any:
        if backend == "sqlite" and isinstance(v, Decimal):
            return float(v)  # what SQLAlchemy's Numeric does for sqlite3
        if backend == "sqlite" and isinstance(v, dt.datetime):
            return v.isoformat(" ")
        if backend != "postgresql" and isinstance(v, uuid.UUID):
            return v.hex  # SQLAlchemy's Uuid without a native type: CHAR(32)
        return v

    names: list[str] = []
    rows: list[tuple[Any, ...]] = []
    with open(Path(folder) / f"{dataset}.pkl", "rb") as f:
        while True:
            try:
                names, batch = pickle.load(f)
            except EOFError:
                break
            rows.extend(batch if backend == "postgresql" else
                        [tuple(plain(v) for v in r) for r in batch])
    return names, rows


def connect(t: dict[str, Any], **kw: Any) -> Any:
    if t["backend"] == "postgresql":
        import psycopg

        return psycopg.connect(**t["connect"], **kw)
    if t["backend"] == "mariadb":
        import pymysql

        return pymysql.connect(**t["connect"], **kw)
    import sqlite3

    con = sqlite3.connect(t["connect"]["path"])
    con.execute("PRAGMA foreign_keys=ON")  # as seedrunner's engine does
    return con


def insert_sql(backend: str, table: str, names: list[str]) -> str:
    q = '"' if backend != "mariadb" else "`"
    marks = ", ".join(["?" if backend == "sqlite" else "%s"] * len(names))
    cols = ", ".join(f"{q}{n}{q}" for n in names)
    return f"INSERT INTO {q}{table}{q} ({cols}) VALUES ({marks})"


def write(con: Any, t: dict[str, Any], method: str, table: str, names: list[str],
          rows: list[tuple[Any, ...]], types: list[str] | None = None) -> None:
    """Write ``rows`` the fastest plain way ``method`` names, then commit."""
    backend = t["backend"]
    if method.startswith("COPY"):
        from psycopg import sql

        fmt = sql.SQL(" (FORMAT BINARY)" if types else "")
        query = sql.SQL("COPY {} ({}) FROM STDIN{}").format(
            sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, names)), fmt)
        with con.cursor() as cur, cur.copy(query) as copy:
            if types:
                copy.set_types(types)
            for row in rows:
                copy.write_row(row)
    elif method == "LOAD DATA LOCAL":
        path = Path(t["scratch"]) / f"{table}.tsv"
        with open(path, "w") as f:
            f.writelines("\t".join(r"\N" if v is None else str(v) for v in row) + "\n"
                         for row in rows)
        cols = ", ".join(f"`{n}`" for n in names)
        with con.cursor() as cur:
            cur.execute(f"LOAD DATA LOCAL INFILE %s INTO TABLE `{table}` ({cols})", (str(path),))
    else:
        cur = con.cursor()
        cur.executemany(insert_sql(backend, table, names), rows)
        cur.close()
    con.commit()


def work_prepare(a: dict[str, Any]) -> dict[str, Any]:
    """The demo's tables (its own DDL) and the parents' rows, before a limit or Faker run."""
    import sqlalchemy as sa

    sys.path.insert(0, a["seeds"])
    from shop.models import Base  # type: ignore[import-not-found]

    t = a["target"]
    engine = sa.create_engine(t["url"])
    Base.metadata.create_all(engine)
    engine.dispose()
    con = connect(t)
    method = LIMITS[t["backend"]][0]
    for table in PARENTS:
        names, rows = load_rows(a["rows_dir"], table, t["backend"])
        write(con, t, method, table, names, rows)
    con.close()
    return {}


def work_limit(a: dict[str, Any]) -> dict[str, Any]:
    t, method = a["target"], a["method"]
    names, rows = load_rows(a["rows_dir"], TABLE, t["backend"])
    con = connect(t, local_infile=True) if method == "LOAD DATA LOCAL" else connect(t)
    types = None
    if method == "COPY binary":
        got = dict(con.execute(
            "SELECT attname, format_type(atttypid, NULL) FROM pg_attribute WHERE attrelid ="
            " %s::regclass AND attnum > 0 AND NOT attisdropped", (TABLE,)).fetchall())
        types = [got[n] for n in names]
        con.commit()
    t0 = time.perf_counter()
    write(con, t, method, TABLE, names, rows, types)
    seconds = time.perf_counter() - t0
    con.close()
    return {"rows": len(rows), "seconds": seconds, "peak_mb": peak_mb()}


def work_faker(a: dict[str, Any]) -> dict[str, Any]:
    from faker import Faker

    t, n = a["target"], a["n"]
    sqlite = t["backend"] == "sqlite"
    fake = Faker("en_US")
    fake.seed_instance(42)
    con = connect(t)
    names = ["id", "order_id", "line_no", "product_id", "quantity", "unit_price"]
    stmt = insert_sql(t["backend"], TABLE, names)
    cur = con.cursor()
    t0 = time.perf_counter()
    batch: list[tuple[Any, ...]] = []
    for i in range(n):
        price = fake.pydecimal(left_digits=3, right_digits=2, positive=True)
        batch.append((i + 1, i // 2 + 1, i % 2 + 1, fake.random_int(1, 50),
                      fake.pyint(1, 5), float(price) if sqlite else price))
        if len(batch) == 1000 or i == n - 1:
            cur.executemany(stmt, batch)
            batch = []
    con.commit()
    seconds = time.perf_counter() - t0
    con.close()
    return {"rows": n, "seconds": seconds, "peak_mb": peak_mb()}


WORKERS = {"prebuild": work_prebuild, "seedrunner": work_seedrunner, "prepare": work_prepare,
           "limit": work_limit, "faker": work_faker}


def worker_main(kind: str) -> None:
    print(json.dumps(WORKERS[kind](json.load(sys.stdin))))


# -- the harness ---------------------------------------------------------------------------


def run_worker(kind: str, args: dict[str, Any]) -> dict[str, Any]:
    """One worker in a fresh interpreter; a failure becomes ``{"error": last line}``."""
    out = subprocess.run([sys.executable, __file__, "--worker", kind], input=json.dumps(args),
                         capture_output=True, text=True, cwd=REPO)
    if out.returncode != 0:
        lines = [ln for ln in out.stderr.strip().splitlines() if ln.strip()]
        return {"error": lines[-1] if lines else f"exit code {out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


class Server:
    """Fresh namespaces on one backend: create, describe as URLs and connect args, drop."""

    def __init__(self, backend: str, url: str, scratch: Path) -> None:
        self.backend, self.scratch = backend, scratch
        u = urlsplit(url)
        self.host, self.port = u.hostname or "127.0.0.1", u.port
        self.user, self.password = unquote(u.username or ""), unquote(u.password or "")
        self.db = u.path.lstrip("/")
        self.count = 0

    def admin(self, statement: str) -> Any:
        if self.backend == "postgresql":
            import psycopg

            with psycopg.connect(host=self.host, port=self.port, user=self.user,
                                 password=self.password, dbname=self.db, autocommit=True) as c:
                cur = c.execute(statement)
                return cur.fetchone() if cur.description else None
        if self.backend == "mariadb":
            import pymysql

            c = pymysql.connect(host=self.host, port=self.port, user=self.user,
                                password=self.password, autocommit=True)
            with c, c.cursor() as cur:
                cur.execute(statement)
                return cur.fetchone()
        raise ValueError(f"no server for {self.backend}")

    def server_version(self) -> str:
        if self.backend == "sqlite":
            import sqlite3

            return sqlite3.sqlite_version
        query = {"postgresql": "SHOW server_version", "mariadb": "SELECT VERSION()"}
        return str(self.admin(query[self.backend])[0])

    def fresh(self) -> dict[str, Any]:
        self.count += 1
        name = f"bench_{os.getpid()}_{self.count}"
        auth = quote(self.user, safe="") + (f":{quote(self.password, safe='')}"
                                            if self.password else "")
        where = f"{auth}@{self.host}:{self.port}"
        t: dict[str, Any] = {"backend": self.backend, "name": name, "scratch": str(self.scratch)}
        if self.backend == "postgresql":
            self.admin(f'CREATE SCHEMA "{name}"')
            opts = f"?options=-csearch_path%3D{name}"
            t["url"] = f"postgresql+psycopg://{where}/{self.db}{opts}"
            t["async_url"] = f"postgresql+psycopg_async://{where}/{self.db}{opts}"
            t["connect"] = {"host": self.host, "port": self.port, "user": self.user,
                            "password": self.password, "dbname": self.db,
                            "options": f"-csearch_path={name}"}
        elif self.backend == "mariadb":
            self.admin(f"CREATE DATABASE `{name}`")
            t["url"] = f"mysql+pymysql://{where}/{name}"
            t["async_url"] = f"mysql+aiomysql://{where}/{name}"
            t["connect"] = {"host": self.host, "port": self.port, "user": self.user,
                            "password": self.password, "database": name}
        else:
            path = self.scratch / f"{name}.db"
            t["url"], t["async_url"] = f"sqlite:///{path}", f"sqlite+aiosqlite:///{path}"
            t["connect"] = {"path": str(path)}
        return t

    def drop(self, t: dict[str, Any]) -> None:
        if self.backend == "postgresql":
            self.admin(f'DROP SCHEMA IF EXISTS "{t["name"]}" CASCADE')
        elif self.backend == "mariadb":
            self.admin(f"DROP DATABASE IF EXISTS `{t['name']}`")
        else:
            Path(t["connect"]["path"]).unlink(missing_ok=True)


def contenders(backend: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(label, worker, extra args) in the order they run and print."""
    rows: list[tuple[str, str, dict[str, Any]]] = [
        ("seedrunner (sync)", "seedrunner", {"url_key": "url"}),
        ("seedrunner (async URL)", "seedrunner", {"url_key": "async_url"}),
    ]
    rows += [(f"limit: {m}", "limit", {"method": m}) for m in LIMITS[backend]]
    rows.append(("Faker loop + executemany", "faker", {}))
    return rows


def run_one(server: Server, worker: str, extra: dict[str, Any],
            common: dict[str, Any]) -> dict[str, Any]:
    t = server.fresh()
    try:
        args = {**common, **extra, "target": t}
        if worker == "seedrunner":
            args["url"] = t[extra["url_key"]]
        else:
            prep = run_worker("prepare", args)
            if "error" in prep:
                return {"error": f"prepare: {prep['error']}"}
        return run_worker(worker, args)
    finally:
        server.drop(t)


def summarize(runs: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return {"error": runs[0]["error"]}
    out = {k: statistics.median(r[k] for r in ok) for k in ok[0] if k != "peak_mb"}
    out["rows_per_s"] = statistics.median(r["rows"] / r["seconds"] for r in ok)
    out["peak_mb"] = max(r["peak_mb"] for r in ok)
    out["runs"] = len(ok)
    return out


def versions(servers: dict[str, Server]) -> dict[str, str]:
    out = {"python": sys.version.split()[0], "cpus": str(os.cpu_count())}
    for dist in ("seedrunner", "Faker", "SQLAlchemy", "psycopg", "PyMySQL", "aiomysql",
                 "aiosqlite"):
        try:
            out[dist] = version(dist)
        except PackageNotFoundError:
            out[dist] = "not installed"
    git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                         text=True, cwd=REPO)
    out["seedrunner git"] = git.stdout.strip() or "unknown"
    for name, server in servers.items():
        try:
            out["sqlite library" if name == "sqlite" else f"{name} server"] = (
                server.server_version())
        except Exception as e:
            out[f"{name} server"] = f"unreachable ({type(e).__name__})"
    return out


def render(results: list[dict[str, Any]], info: dict[str, Any]) -> str:
    lines = ["versions: " + ", ".join(f"{k} {v}" for k, v in info["versions"].items()),
             f"table: {TABLE}, {info['rows']:,} rows (seedrunner rows pre-built for the limits "
             f"in {info['prebuild_s']:.1f} s); repeat {info['repeat']}, median", ""]
    head = f"{'backend':<11} {'contender':<26} {'rows':>10} {'seconds':>8} {'rows/s':>10} " \
           f"{'peak MB':>8} {'x limit':>8}"
    lines += [head, "-" * len(head)]
    for r in results:
        left = f"{r['backend']:<11} {r['contender']:<26}"
        if "error" in r:
            lines.append(f"{left} n/a (error: {r['error'][:120]})")
            continue
        ratio = f"{r['ratio']:.2f}" if r.get("ratio") is not None else "-"
        lines.append(f"{left} {int(r['rows']):>10,} {r['seconds']:>8.2f} "
                     f"{r['rows_per_s']:>10,.0f} {r['peak_mb']:>8.0f} {ratio:>8}")
    lines.append("")
    lines.append("x limit = rows/s / rows/s of the backend's first limit row "
                 "(psycopg COPY text, PyMySQL executemany, sqlite3 executemany).")
    for r in results:
        if "generate_s" in r:
            write_rate = r["rows"] / r["write_s"]
            limit = r.get("limit_rows_per_s")
            vs = f" = {write_rate / limit:.2f} x limit" if limit else ""
            lines.append(f"{r['backend']} {r['contender']}: {TABLE} generate "
                         f"{r['generate_s']:.1f} s + write {r['write_s']:.1f} s (write alone "
                         f"{write_rate:,.0f} rows/s{vs}); whole run (4 tables, "
                         f"{int(r['run_rows']):,} rows) {r['run_s']:.1f} s")
    by = {(r["backend"], r["contender"]): r for r in results if "error" not in r}
    for backend in dict.fromkeys(r["backend"] for r in results):
        sr = by.get((backend, "seedrunner (sync)"))
        fk = by.get((backend, "Faker loop + executemany"))
        if sr and fk:
            times = sr["rows_per_s"] / fk["rows_per_s"]
            lines.append(f"{backend}: seedrunner (sync) writes {times:.1f}x the rows/s of the "
                         f"Faker loop ({int(fk['rows']):,} rows)")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000, help="rows of order_lines")
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender (median)")
    ap.add_argument("--backends", default="sqlite,postgresql,mariadb")
    ap.add_argument("--faker-rows", type=int, default=50_000)
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", PG_URL))
    ap.add_argument("--mariadb-url", default=os.environ.get("BENCH_MARIADB_URL", MARIADB_URL))
    ap.add_argument("--profile", action="store_true",
                    help="one more seedrunner (sync) run per backend under cProfile")
    ap.add_argument("--json", action="store_true", help="print the results as JSON")
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_main(args.worker)
    backends = [b.strip() for b in args.backends.split(",") if b.strip()]
    unknown = set(backends) - set(LIMITS)
    if unknown:
        ap.error(f"unknown backend(s) {', '.join(sorted(unknown))}; choose from {list(LIMITS)}")
    customers = math.ceil(args.rows / 4)
    n = customers * 4
    with tempfile.TemporaryDirectory(prefix="bench_sql_") as tmp:
        scratch = Path(tmp)
        seeds = scratch / "seeds"
        shutil.copytree(REPO / "seeds", seeds, ignore=shutil.ignore_patterns("*.db", "__pycache__"))
        (seeds / "benchdump.py").write_text(DUMP_HANDLER)
        (scratch / "rows").mkdir()
        common: dict[str, Any] = {
            "manifest": str(seeds / "staging.yaml"), "seeds": str(seeds),
            "rows_dir": str(scratch / "rows"), "n": min(args.faker_rows, n),
            "overrides": [f"datasets.customers.count={customers}",
                          "datasets.orders.count.min=2", "datasets.orders.count.max=2",
                          "datasets.order_lines.count.min=2", "datasets.order_lines.count.max=2"],
        }
        urls = {"postgresql": args.pg_url, "mariadb": args.mariadb_url, "sqlite": ""}
        servers = {b: Server(b, urls[b], scratch) for b in backends}
        log = sys.stderr
        print(f"pre-building {n:,} rows of {TABLE} (and parents) ...", file=log, flush=True)
        pre = run_worker("prebuild", {**common, "dump": {"handler": "benchdump:Dump",
                                                          "folder": common["rows_dir"]}})
        if "error" in pre:
            sys.exit(f"pre-building rows failed: {pre['error']}")
        info = {"rows": n, "repeat": args.repeat, "prebuild_s": pre["seconds"],
                "versions": versions(servers)}  # before the runs: the tree may change meanwhile
        results: list[dict[str, Any]] = []
        profiles: dict[str, str] = {}
        for backend in backends:
            server, limit_rate = servers[backend], None
            for label, worker, extra in contenders(backend):
                runs = []
                for i in range(args.repeat):
                    r = run_one(server, worker, extra, common)
                    runs.append(r)
                    shown = r.get("error") or f"{int(r['rows']):,} rows in {r['seconds']:.2f} s"
                    print(f"[{backend}] {label} {i + 1}/{args.repeat}: {shown}", file=log,
                          flush=True)
                s = {"backend": backend, "contender": label, **summarize(runs)}
                if label.startswith("limit") and limit_rate is None and "error" not in s:
                    limit_rate = s["rows_per_s"]
                results.append(s)
            for s in results:
                if s["backend"] == backend and "error" not in s:
                    s["ratio"] = s["rows_per_s"] / limit_rate if limit_rate else None
                    s["limit_rows_per_s"] = limit_rate
            if args.profile:
                path = str(scratch / f"{backend}.prof")
                r = run_one(server, "seedrunner", {"url_key": "url", "profile": path}, common)
                profiles[backend] = r.get("error") or profile_text(path)
        if args.json:
            print(json.dumps({**info, "results": results, "profiles": profiles}, indent=2))
            return
        print(render(results, info))
        for backend, text in profiles.items():
            print(f"\ncProfile of seedrunner (sync) on {backend} (includes the parents):\n{text}")


def profile_text(path: str, top: int = 20) -> str:
    """The top functions by own time, then seedrunner's own functions by cumulative time."""
    import io
    import pstats

    parts = []
    for key, restrict in (("tottime", ()), ("cumulative", ("seedrunner/",))):
        out = io.StringIO()
        pstats.Stats(path, stream=out).sort_stats(key).print_stats(*restrict, top)
        text = out.getvalue()
        parts.append(f"by {key}" + (f" ({restrict[0]} only)" if restrict else "") + ":\n"
                     + text[text.find("   ncalls"):].rstrip())
    return "\n".join(parts)


if __name__ == "__main__":
    main()
