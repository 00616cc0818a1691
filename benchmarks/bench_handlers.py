"""Rows/s of each built-in handler at N rows (default 100,000) of one 8-field dataset.

Every handler gets the same manifest (users: id, email, name, city, created_at, score,
active, external_id; batches of 1,000), each in its own subprocess; the figure is the
persist step's own time from the run report (generation is measured once, beside it), so
the table compares handlers, not generators.  Servers: PostgreSQL and Redis at the
addresses of ``.ci/run``; the HTTP target is a local threaded server in this process that
parses every body and counts rows.  Not a test: timings on a shared machine are noise.

    python benchmarks/bench_handlers.py
    python benchmarks/bench_handlers.py --rows 20000 --only jsonl,http
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")

MODEL = textwrap.dedent(
    """
    import datetime as dt
    import uuid
    from decimal import Decimal

    from pydantic import BaseModel, Field


    class User(BaseModel):
        id: int
        email: str
        name: str
        city: str
        created_at: dt.datetime
        score: Decimal = Field(max_digits=8, decimal_places=2, ge=0)
        active: bool
        external_id: uuid.UUID
    """
)

RUN = textwrap.dedent(
    """
    import json, sys
    from seedrunner import apply, build_plan, load_manifest
    report = apply(build_plan(load_manifest(sys.argv[1])))
    steps = {s.kind: s for s in report.steps}
    print(json.dumps({"ok": report.ok, "error": report.error,
                      "rows": steps["persist"].rows, "seconds": steps["persist"].seconds,
                      "generate": steps["generate"].seconds, "peak_mb": report.peak_rss_mb}))
    """
)


def targets(tmp: Path, http_url: str, tag: str) -> dict[str, str]:
    """Handler name -> its target options (flow YAML)."""
    return {
        "jsonl": '{handler: jsonl, path: "out.jsonl"}',
        "json": '{handler: json, path: "out.json"}',
        "csv": '{handler: csv, path: "out.csv"}',
        "sqlalchemy (sqlite)": f'{{handler: sqlalchemy, url: "sqlite:///{tmp}/out.db", '
        "create_tables: true}",
        "sqlalchemy (postgresql COPY)": f'{{handler: sqlalchemy, url: "{PG}", '
        f'create_tables: true, table: "bench_{tag}"}}',
        "sqlite-json": f'{{handler: sqlite-json, database: "{tmp}/docs.db"}}',
        "postgres-jsonb": f'{{handler: postgres-jsonb, url: "{PG}", table: "bench_docs_{tag}"}}',
        "redis": f'{{handler: redis, url: "{REDIS}", prefix: "bench{tag}"}}',
        "http": f'{{handler: http, url: "{http_url}"}}',
        "http-async": f'{{handler: http-async, url: "{http_url}"}}',
    }


class Counter(BaseHTTPRequestHandler):
    rows = 0
    lock = threading.Lock()

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        n = len(json.loads(body))
        with Counter.lock:
            Counter.rows += n
        self.send_response(201)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        return


def run_one(name: str, target: str, rows: int, tmp: Path) -> dict[str, object]:
    folder = tmp / name.replace(" ", "_").replace("(", "").replace(")", "").replace(",", "")
    folder.mkdir()
    (folder / "bench_models.py").write_text(MODEL)
    (folder / "seed.yaml").write_text(
        textwrap.dedent(
            f"""
            version: 1
            seed: 1
            now: "2026-01-01T00:00:00Z"
            python_path: ["."]
            defaults: {{batch_size: 1000}}
            targets:
              out: {target}
            datasets:
              users:
                model: bench_models:User
                count: {rows}
                persist: [out]
            """
        )
    )
    proc = subprocess.run(
        [sys.executable, "-c", RUN, str(folder / "seed.yaml")],
        capture_output=True, text=True, cwd=folder, check=False,
    )  # fmt: skip
    if proc.returncode != 0 or not proc.stdout.strip():
        return {"ok": False, "error": (proc.stderr or proc.stdout).strip().splitlines()[-1:]}
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def cleanup(tag: str) -> None:
    code = textwrap.dedent(
        f"""
        import sqlalchemy as sa, redis
        e = sa.create_engine("{PG}")
        with e.begin() as c:
            c.exec_driver_sql('DROP TABLE IF EXISTS "bench_{tag}", "bench_docs_{tag}"')
        r = redis.Redis.from_url("{REDIS}")
        keys = list(r.scan_iter("bench{tag}:*", count=10000))
        for i in range(0, len(keys), 10000):
            r.delete(*keys[i:i + 10000])
        """
    )
    subprocess.run([sys.executable, "-c", code], check=False, capture_output=True)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--only", help="comma-separated handler names (as printed)")
    args = ap.parse_args()
    server = ThreadingHTTPServer(("127.0.0.1", 0), Counter)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    http_url = f"http://127.0.0.1:{server.server_address[1]}/users"
    tag = uuid.uuid4().hex[:8]
    results = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        chosen = targets(tmp, http_url, tag)
        if args.only:
            wanted = set(args.only.split(","))
            chosen = {k: v for k, v in chosen.items() if k in wanted}
        try:
            for name, target in chosen.items():
                before = Counter.rows
                r = run_one(name, target, args.rows, tmp)
                if name.startswith("http") and r.get("ok"):
                    r["server_rows"] = Counter.rows - before
                results.append((name, r))
                shown = (
                    f"{r['rows']:,} rows, {r['rows'] / r['seconds']:,.0f} rows/s"
                    if r.get("ok") else f"failed: {r.get('error')}"
                )  # fmt: skip
                print(f"[{name}] {shown}", file=sys.stderr, flush=True)
        finally:
            cleanup(tag)
            server.shutdown()
    gen = [r["generate"] for _, r in results if r.get("ok")]
    print(f"{args.rows:,} rows of an 8-field pydantic User, batches of 1,000")
    if gen:
        print(f"generation (for scale): {args.rows / min(gen):,.0f} rows/s at best")
    print(f"{'handler':32} {'rows':>9} {'persist s':>10} {'rows/s':>10} {'peak MB':>8}")
    for name, r in results:
        if not r.get("ok"):
            print(f"{name:32} failed: {r.get('error')}")
            continue
        extra = f"  (server counted {r['server_rows']:,})" if "server_rows" in r else ""
        rate = r["rows"] / r["seconds"] if r["seconds"] else 0
        print(
            f"{name:32} {r['rows']:>9,} {r['seconds']:>10.2f} {rate:>10,.0f} "
            f"{r['peak_mb']:>8.0f}{extra}"
        )


if __name__ == "__main__":
    main()
