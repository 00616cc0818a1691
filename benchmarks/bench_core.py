"""Baseline of the core path: apply the demo manifest at ~100k rows into SQLite.

Runs each contender in its own subprocess (so peak RSS is its own) and prints rows/s and
peak memory side by side.  Not a test: timings on a shared machine are noise, so this
only reports.

    python benchmarks/bench_core.py               # ~100k rows
    python benchmarks/bench_core.py --customers 30000 --repeat 3
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

SEEDRUNNER = textwrap.dedent(
    """
    import json, resource, sys, time
    from seedrunner import apply, build_plan, load_manifest
    path, customers = sys.argv[1], sys.argv[2]
    m = load_manifest(path, overrides=[f"datasets.customers.count={customers}"], environ={})
    t0 = time.perf_counter()
    report = apply(build_plan(m))
    seconds = time.perf_counter() - t0
    assert report.ok, report.error
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": report.rows, "seconds": seconds, "peak_mb": rss}))
    """
)

# The reference most teams write by hand: Faker per field per row, then executemany.
FAKER_LOOP = textwrap.dedent(
    """
    import json, resource, sqlite3, sys, time
    from faker import Faker
    n = int(sys.argv[2])
    fake = Faker("en_US"); fake.seed_instance(42)
    con = sqlite3.connect(sys.argv[1] + ".faker.db")
    con.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, email TEXT UNIQUE, "
                "first_name TEXT, last_name TEXT, phone_number TEXT, city TEXT, "
                "country_code TEXT, created_at TEXT)")
    t0 = time.perf_counter()
    batch = []
    for i in range(n):
        first, last = fake.first_name(), fake.last_name()
        batch.append((i + 1, f"{first}.{last}.{i}@shop.example".lower(), first, last,
                      fake.phone_number(), fake.city(), fake.country_code(),
                      fake.date_time_between("-3y", "now").isoformat()))
        if len(batch) == 1000:
            con.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?)", batch)
            batch = []
    con.executemany("INSERT INTO customers VALUES (?,?,?,?,?,?,?,?)", batch)
    con.commit()
    seconds = time.perf_counter() - t0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"rows": n, "seconds": seconds, "peak_mb": rss}))
    """
)


def run(code: str, *args: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                         check=True, cwd=REPO)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--customers", type=int, default=15_000, help="~6.6 rows per customer")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    results: dict[str, list[dict[str, float]]] = {"seedrunner apply (demo)": [],
                                                  "Faker loop + executemany": []}
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            seeds = Path(tmp) / "seeds"
            shutil.copytree(REPO / "seeds", seeds,
                            ignore=shutil.ignore_patterns("*.db", "__pycache__"))
            results["seedrunner apply (demo)"].append(
                run(SEEDRUNNER, str(seeds / "staging.yaml"), str(args.customers)))
            results["Faker loop + executemany"].append(
                run(FAKER_LOOP, str(Path(tmp) / "x"), str(args.customers * 6)))
    print(f"{'contender':<28} {'rows':>9} {'rows/s (median)':>16} {'peak MB':>8}")
    for name, runs in results.items():
        rate = statistics.median(r["rows"] / r["seconds"] for r in runs)
        peak = max(r["peak_mb"] for r in runs)
        print(f"{name:<28} {int(runs[0]['rows']):>9,} {rate:>16,.0f} {peak:>8.0f}")


if __name__ == "__main__":
    main()
