"""Issue 7 item 6 (catalogue L01/L02): memory bounded by batch size, and plan time at scale.

**Memory (L01).** ``seedrunner apply`` (the real CLI, ``python -m seedrunner apply -q
--json``) in its own subprocess at 100k, 1M and 10M rows into SQLite (a fresh file) and
PostgreSQL (a fresh schema), with the defaults: batch_size 5,000 and the SQL run ledger on
(one ledger row per batch, in the batch's transaction).  Peak RSS is the child's own
``ru_maxrss`` from ``os.wait4`` (nothing else in the process tree counts).  Two scenarios,
the models of ``bench_speed.py``: **flat**, the 13-field ``User``; **User + Order**, two
orders per user with ``user_id: {ref: users.id}`` and ``count: {per: users}``; there the
size is the total row count (users = size / 3), so "10M rows" means 10M rows written.
Tables are created (from the same SQLAlchemy models) before the run; the seconds are the
child's wall time, imports and planning included.  PASS: peak RSS at a size is at most 1.10
x the same scenario's and backend's peak at the smallest size.

**Plan time (L02).** A generated manifest of N datasets (default 100): independent ones and
chains of up to four with ``ref`` and ``count.per``, five locales, templates reading the
row, the parent and vars, a ``choice``, a ``sequence`` and Faker fields with arguments.
Timed in-process (``build_plan(load_manifest(...))``, best of 5 after one warm-up, and that
first, cold plan: Faker locales and lazy imports load on first use) and as
the CLI's wall time (``python -m seedrunner plan -q``, best of 3).  ``--profile`` prints the
top of a cProfile of one in-process load + plan.

Not a test: timings on a shared machine are noise, so this only reports.

    python benchmarks/bench_load.py                                    # 100k,1m; both
    python benchmarks/bench_load.py --sizes 100k,1m,10m --snapshot HEAD
    python benchmarks/bench_load.py --only plan --datasets 100 --profile
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
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_speed as bs  # the shared models, manifest and Server

REPO = bs.REPO
BOUND = 1.10
LOCALES = ["en_US", "de_DE", "fr_FR", "ja_JP", "pt_BR"]


# -- L01: apply in a subprocess, its own peak RSS ----------------------------------------


def run_apply(folder: Path, scenario: str, n: int, target: dict[str, Any],
              pythonpath: str) -> dict[str, Any]:
    """``seedrunner apply`` of ``n`` rows into ``target``; seconds, rows and peak RSS."""
    users = n // 3 if scenario == "order" else n
    sets = [f"datasets.users.count={users}", "datasets.users.persist=[db]"]
    if scenario == "order":
        sets.append("datasets.orders.persist=[db]")
    cmd = [sys.executable, "-m", "seedrunner", "apply", str(folder / f"{scenario}.yaml"),
           "-q", "--json"]
    for s in sets:
        cmd += ["--set", s]
    env = {**os.environ, "DATABASE_URL": target["url"], "PYTHONPATH": pythonpath}
    t0 = time.perf_counter()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        proc = subprocess.Popen(cmd, cwd=folder, env=env, stdout=out, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read().decode(), err.read().decode()
    if proc.returncode != 0:
        lines = [ln for ln in (stderr + stdout).strip().splitlines() if ln.strip()]
        return {"error": f"exit {proc.returncode}: {lines[-1] if lines else ''}"[:200]}
    report = json.loads(stdout)
    return {"rows": report.get("rows", 0) or sum(s.get("rows", 0) for s in report["steps"]
                                                 if s.get("kind") == "persist"),
            "seconds": seconds, "peak_mb": usage.ru_maxrss / 1024,
            "self_peak_mb": report.get("peak_rss_mb")}


def load_runs(args: argparse.Namespace, folder: Path, pythonpath: str) -> list[dict[str, Any]]:
    sizes = [bs.parse_size(s) for s in args.sizes.split(",") if s.strip()]
    results: list[dict[str, Any]] = []
    for scenario in [s.strip() for s in args.scenarios.split(",") if s.strip()]:
        for backend in [b.strip() for b in args.backends.split(",") if b.strip()]:
            server = bs.Server(backend, args.pg_url, folder)
            base: float | None = None
            for n in sizes:
                r: dict[str, Any] = {"scenario": bs.SCENARIOS[scenario], "size": n,
                                     "backend": backend}
                results.append(r)
                if backend == "sqlite":
                    free = os.statvfs(folder)
                    if free.f_bavail * free.f_frsize < n * 400:  # ~150 B/row + indexes, x2
                        r["error"] = "skipped: not enough free disk"
                        continue
                t = server.fresh()
                try:
                    made = bs.run_worker("create", {"folder": str(folder), "target": t})
                    got = made if "error" in made else run_apply(folder, scenario, n, t,
                                                                 pythonpath)
                finally:
                    server.drop(t)
                r.update(got)
                if "peak_mb" in r:
                    base = base or r["peak_mb"]
                    r["ratio"] = r["peak_mb"] / base
                shown = r.get("error") or (f"{r['rows']:,} rows, {r['seconds']:.1f} s, "
                                           f"{r['peak_mb']:.0f} MB, x{r['ratio']:.2f}")
                print(f"[{r['scenario']} {n:,} {backend}] {shown}", file=sys.stderr, flush=True)
    return results


def load_table(results: list[dict[str, Any]]) -> list[str]:
    lines = ["| model | rows | backend | seconds | rows/s | peak RSS MB | x smallest | "
             f"<= {BOUND:.2f} |", "| --- | ---: | --- | ---: | ---: | ---: | ---: | --- |"]
    for r in results:
        left = f"| {r['scenario']} | {r['size']:,} | {r['backend']} |"
        if "error" in r:
            lines.append(f"{left} {r['error']} | | | | |")
            continue
        verdict = "PASS" if r["ratio"] <= BOUND else "FAIL"
        lines.append(f"{left} {r['seconds']:.1f} | {r['rows'] / r['seconds']:,.0f} | "
                     f"{r['peak_mb']:.1f} | {r['ratio']:.3f} | {verdict} |")
    return lines


# -- L02: a manifest of many datasets, planned ---------------------------------------------

_HEAD = """\
  {name}:
    count: {count}
    locale: {locale}
    fields:
      code: {{sequence: "{prefix}-{{n:06d}}", start: 1}}
      id: {{sequence: "{{n}}", start: 1}}
      first_name: {{faker: first_name}}
      last_name: {{faker: last_name}}
      email: {{faker: email, unique: true}}
      city: {{faker: city}}
      score: {{faker: pyint, min_value: 0, max_value: 100}}
      kind: {{choice: [a, b, c], weights: [5, 3, 2]}}
      created_at: {{faker: date_time_between, start_date: -2y, end_date: now}}
      label: "{{{{ first_name }}}} {{{{ last_name }}}} ({{{{ vars.region }}}})"
    persist: [out]
"""
_MODEL_HEAD = """\
  {name}:
    model: benchmodels:User
    count: {count}
    locale: {locale}
    fields:
      email: "{{{{ first_name | lower }}}}.{{{{ index }}}}@{{{{ vars.region }}}}.test"
      city: {{faker: city}}
      created_at: {{faker: date_time_between, start_date: -2y, end_date: now}}
    persist: [out]
"""
_CHILD = """\
  {name}:
    count: {{per: {parent}, min: 0, max: 3}}
    locale: {locale}
    fields:
      id: {{sequence: "{name}-{{n}}", start: 1}}
      parent_id: {{ref: {parent}.id}}
      note: {{faker: sentence, nb_words: 6}}
      amount: {{faker: pydecimal, left_digits: 3, right_digits: 2, positive: true}}
      status: {{choice: [new, done, void]}}
      title: "{{{{ parent.id }}}}/{{{{ index }}}}"
    persist: [out]
"""
_PICKER = """\
  {name}:
    count: {count}
    fields:
      id: {{sequence: "{{n}}", start: 1}}
      picked: {{ref: {parent}.id}}
      word: {{faker: word}}
    persist: [out]
"""


def many_datasets(n: int) -> str:
    """A manifest of ``n`` datasets in groups of five: a head (every other one the benchmark's
    ``User`` model, else schemaless), its child (``count.per``, ``ref``, a ``parent.``
    template), a grandchild of that child, a seeded ``ref`` pick over the head, and an
    independent schemaless dataset."""
    parts = ["version: 1", "name: many", "seed: 7", 'now: "2026-01-01T00:00:00Z"',
             'python_path: ["."]', "vars: {region: north}",
             "targets:", "  out: {handler: stdout, format: jsonl}", "datasets:"]
    head = child = ""
    for i in range(n):
        name, locale, role = f"ds{i:03d}", LOCALES[i % len(LOCALES)], i % 5
        if role in (0, 4):
            shape = _MODEL_HEAD if i % 10 == 0 else _HEAD
            text = shape.format(name=name, count=10 + i, locale=locale, prefix=f"P{i}")
            head = name if role == 0 else head
        elif role == 1:
            text = _CHILD.format(name=name, parent=head, locale=locale)
            child = name
        elif role == 2:
            text = _CHILD.format(name=name, parent=child, locale=locale)
        else:
            text = _PICKER.format(name=name, parent=head, count=5 + i)
        parts.append(text.rstrip("\n"))
    return "\n".join(parts) + "\n"


def plan_times(args: argparse.Namespace, folder: Path, pythonpath: str) -> dict[str, Any]:
    path = folder / "many.yaml"
    path.write_text(many_datasets(args.datasets))
    code = (
        "import json, sys, time\n"
        "from seedrunner import build_plan, load_manifest\n"
        "t0 = time.perf_counter()\n"
        "p = build_plan(load_manifest(sys.argv[1]))\n"  # cold: lazy imports, Faker locales
        "cold = time.perf_counter() - t0\n"
        "best = []\n"
        "for _ in range(5):\n"
        "    t0 = time.perf_counter(); m = load_manifest(sys.argv[1]); t1 = time.perf_counter()\n"
        "    p = build_plan(m); best.append((time.perf_counter() - t0, t1 - t0))\n"
        "print(json.dumps({'datasets': len(p.datasets), 'best': min(best), 'cold': cold,\n"
        "                  'steps': len(p.steps)}))\n"
    )
    env = {**os.environ, "PYTHONPATH": pythonpath}
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True,
                         text=True, env=env, cwd=folder, check=True)
    inproc = json.loads(out.stdout)
    walls = []
    for _ in range(3):
        t0 = time.perf_counter()
        cli = subprocess.run([sys.executable, "-m", "seedrunner", "plan", str(path)],
                             capture_output=True, text=True, env=env, cwd=folder)
        walls.append(time.perf_counter() - t0)
        if cli.returncode != 0:
            raise SystemExit(f"seedrunner plan failed: {cli.stderr.strip()[-500:]}")
    imp = subprocess.run([sys.executable, "-X", "importtime", "-c",
                          "import seedrunner.cli.app"], capture_output=True, text=True,
                         env=env, cwd=folder)
    last = [ln for ln in imp.stderr.splitlines() if "seedrunner.cli.app" in ln]
    import_s = int(last[-1].split("|")[1]) / 1e6 if last else None
    if args.profile:
        import cProfile
        import pstats

        sys.path.insert(0, pythonpath)
        from seedrunner import build_plan, load_manifest

        build_plan(load_manifest(str(path)))
        prof = cProfile.Profile()
        prof.enable()
        build_plan(load_manifest(str(path)))
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats("cumulative").print_stats(30)
    return {"datasets": inproc["datasets"], "steps": inproc["steps"],
            "plan_s": inproc["best"][0], "load_s": inproc["best"][1], "cold_s": inproc["cold"],
            "cli_s": min(walls), "import_s": import_s}


def plan_table(p: dict[str, Any]) -> list[str]:
    imp = f"{p['import_s']:.2f}" if p["import_s"] is not None else "-"
    verdict = "PASS" if p["plan_s"] < 1.0 and p["cli_s"] < 1.0 else (
        "PASS in-process" if p["plan_s"] < 1.0 else "FAIL")
    return ["| datasets | steps | load_manifest s | load + build_plan s | first plan in a "
            "fresh process s | CLI `plan` wall s | of which importing the CLI s | < 1 s |",
            "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
            f"| {p['datasets']} | {p['steps']} | {p['load_s']:.3f} | {p['plan_s']:.3f} | "
            f"{p['cold_s']:.3f} | "
            f"{p['cli_s']:.2f} | {imp} | {verdict} |"]


def main() -> None:
    ap = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    ap.add_argument("--sizes", default="100k,1m", help="comma list: 100k,1m,10m (rows)")
    ap.add_argument("--backends", default="sqlite,postgresql")
    ap.add_argument("--scenarios", default="user,order")
    ap.add_argument("--only", default="load,plan", help="load and/or plan")
    ap.add_argument("--datasets", type=int, default=100, help="datasets in the plan manifest")
    ap.add_argument("--profile", action="store_true", help="cProfile one load + plan")
    ap.add_argument("--pg-url", default=os.environ.get("BENCH_PG_URL", bs.PG_URL))
    ap.add_argument("--snapshot", metavar="REV", help="measure seedrunner as committed at REV")
    ap.add_argument("--json", action="store_true", help="print the results as JSON too")
    args = ap.parse_args()
    only = {k.strip() for k in args.only.split(",")}
    with tempfile.TemporaryDirectory(prefix="bench_load_") as tmp:
        folder = Path(tmp)
        (folder / "benchmodels.py").write_text(bs.MODELS)
        (folder / "user.yaml").write_text(bs.MANIFEST)
        (folder / "order.yaml").write_text(bs.MANIFEST + bs.ORDERS)
        pythonpath, rev = str(REPO), None
        if args.snapshot:
            (folder / "snapshot").mkdir()
            rev = bs.snapshot(args.snapshot, folder / "snapshot")
            pythonpath = str(folder / "snapshot")
        git = subprocess.run(["git", "describe", "--always", "--dirty"], capture_output=True,
                             text=True, cwd=REPO).stdout.strip()
        print(f"Run {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC, seedrunner "
              f"{rev + ' (snapshot)' if rev else git}, python {sys.version.split()[0]}, "
              f"cpus {os.cpu_count()}: `python benchmarks/bench_load.py "
              f"{' '.join(sys.argv[1:])}`\n")
        out: dict[str, Any] = {}
        if "load" in only:
            out["load"] = load_runs(args, folder, pythonpath)
            print("\n".join(load_table(out["load"])) + "\n")
        if "plan" in only:
            out["plan"] = plan_times(args, folder, pythonpath)
            print("\n".join(plan_table(out["plan"])))
        if args.json:
            print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
