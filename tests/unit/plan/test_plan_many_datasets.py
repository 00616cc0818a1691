"""100 datasets in one manifest plan correctly (issue 7 L02; the timing is in
benchmarks/bench_load.py, this checks what the plan says, not how fast it is).

The manifest is the benchmark's own generator: heads (a pydantic model or schemaless),
children and grandchildren by ``count.per`` with ``ref`` and ``parent.`` templates,
seeded ``ref`` picks and independent datasets, over five locales.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

from seedrunner import apply, build_plan, load_manifest

BENCH = Path(__file__).resolve().parents[3] / "benchmarks"


def _bench(name: str):  # benchmarks/ is not a package: load the two scripts by path
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    return sys.modules[name]


def test_a_hundred_datasets_plan_in_dependency_order_with_their_counts(manifest):
    bench_speed, bench_load = _bench("bench_speed"), _bench("bench_load")
    path = manifest(bench_load.many_datasets(100), **{"benchmodels.py": bench_speed.MODELS})
    plan = build_plan(load_manifest(path))

    names = [d.name for d in plan.datasets]
    assert sorted(names) == [f"ds{i:03d}" for i in range(100)]
    position = {n: i for i, n in enumerate(names)}
    for d in plan.datasets:
        i = int(d.name[2:])
        role = i % 5
        assert d.locale == ([bench_load.LOCALES[i % 5]] if role != 3 else ["en_US"])
        assert all(position[p] < position[d.name] for p in d.parents)
        if role in (0, 4):
            assert d.parents == []
            assert d.count.total == 10 + i
            assert d.count.per is None
        elif role == 3:  # a seeded pick over the head: an edge, no count.per
            assert d.parents == [f"ds{i - 3:03d}"]
            assert d.count.total == 5 + i
            assert "ref" in d.edges[f"ds{i - 3:03d}"]
        else:  # children (of the head) and grandchildren (of the child): 0..3 each
            parent = plan.dataset(f"ds{i - 1:03d}")
            assert d.count.per == parent.name
            assert d.parents == [parent.name]
            cum = d.count.cumulative
            assert cum is not None
            assert len(cum) == parent.count.total
            assert d.count.total == cum[-1] <= 3 * parent.count.total
            assert "id" in parent.keep
            assert [f.name for f in d.fields if f.kind == "template"] == ["title"]
    modelled = [d for d in plan.datasets if d.shape.kind == "pydantic"]
    assert [d.name for d in modelled] == [f"ds{i:03d}" for i in range(0, 100, 10)]
    assert len(plan.steps) == 200  # generate + persist each

    report = apply(plan, dry_run=True)
    assert report.ok, report.error
    by_dataset = {s.dataset: s.rows for s in report.steps if s.kind == "generate"}
    assert by_dataset == {d.name: d.count.total for d in plan.datasets}
