"""build_plan: a loaded manifest -> a Plan (datasets in dependency order, compiled fields).

Planning imports models and checks everything that can be checked without writing: names,
edges, cycles, Faker providers, templates, unique capacity and handler options.  Nothing is
written; the only target contacted is the SQL database a ``table:`` dataset reads its
columns from (read-only, one connection per URL, see ``seedrunner.models.reflect``).
"""

from __future__ import annotations

import datetime as dt
import graphlib
import itertools
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from seedrunner.errors import PlanError, ProblemCollector
from seedrunner.generate.fakerclock import pinned_faker_clock
from seedrunner.generate.locales import FakerPool
from seedrunner.generate.streams import BLOCK, Stream, derive_seed, wall_clock
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.ledger.fingerprint import FingerprintParts, dataset_fingerprint
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.manifest.locate import did_you_mean
from seedrunner.models import (
    ModelReferenceError,
    Nesting,
    RowValidator,
    import_object,
    schemaless_shape,
    shape_of,
)
from seedrunner.models.shape import FieldShape, ModelShape
from seedrunner.plan import cycles, deferrals, guard
from seedrunner.plan.fields import DatasetContext, compile_fields
from seedrunner.plan.fixedrows import FixedRows, read_fixed_rows
from seedrunner.plan.fkvalues import PlanInputs, check_foreign_key_values
from seedrunner.plan.joins import one_to_one_parent, plan_joins
from seedrunner.plan.lookups import Lookup, LookupKey, read_lookups
from seedrunner.plan.lookups import digests as lookup_digests
from seedrunner.plan.reftypes import check_ref_types
from seedrunner.plan.steps import CountPlan, DatasetPlan, Plan
from seedrunner.plan.tables import table_shapes
from seedrunner.plan.targets import compile_targets
from seedrunner.plan.transforms import compile_transforms

_NO_SPEC = object()  # a field the manifest gives no spec


@dataclass(frozen=True)
class Edge:
    parent: str
    child: str
    why: str
    path: tuple[str | int, ...]
    # only orders the steps: the child's values do not come from the parent's rows (a spec
    # of its own on a foreign key), so the parent's fingerprint is not the child's concern
    orders_only: bool = False


class _Planner:
    def __init__(
        self, m: Manifest, seed: int | None, now: dt.datetime | None, batch_size: int | None
    ) -> None:
        self.max_retries: int | None = None
        self.retry_wait: float | None = None
        self.m = m
        self.spec = m.spec
        self.seed = self.spec.seed if seed is None else seed
        self.now = now or self.spec.now or wall_clock()
        if self.now.tzinfo is None:
            self.now = self.now.replace(tzinfo=dt.UTC)
        self.batch_size = batch_size
        self.out = ProblemCollector()
        self.fakers = FakerPool()
        self.shapes: dict[str, ModelShape] = {}
        self.warnings: list[str] = []
        self.fixed: dict[str, FixedRows] = {}  # datasets that give their rows
        self.lookups: dict[LookupKey, Lookup] = {}  # values of tables no dataset seeds
        self.deferrals: list[cycles.Deferral] = []

    def problem(
        self,
        message: str,
        path: tuple[str | int, ...],
        hint: str | None = None,
        code: str = "SR-E030",
    ) -> None:
        self.out.extend([self.m.source.problem(message, path, hint=hint, code=code)])

    def located(self, message: str, path: tuple[str | int, ...], hint: str) -> None:
        self.problem(message, path, hint, "SR-E031")

    # ------------------------------------------------------------------ shapes
    def load_shapes(self) -> None:
        python_path = [(self.m.base_dir / p).resolve() for p in self.spec.python_path]
        defaults = self.spec.defaults
        nesting = Nesting(
            max_depth=defaults.max_depth,
            on_cycle=defaults.on_cycle,
            max_items=defaults.collections.max_items,
        )
        for name, ds in self.spec.datasets.items():
            if ds.model:
                try:
                    obj = import_object(ds.model, base_dir=self.m.base_dir, python_path=python_path)
                    shape = shape_of(obj, ds.model, nesting=nesting)
                    self.shapes[name] = _with_default_key(shape)
                except ModelReferenceError as exc:
                    self.problem(exc.message, ("datasets", name, "model"), exc.hint, exc.code)
                    self.shapes[name] = schemaless_shape(name, list(ds.fields))
            else:  # a table: dataset keeps this place-holder if its table cannot be read
                self.shapes[name] = schemaless_shape(name, list(ds.fields))
        names = [n for n, ds in self.spec.datasets.items() if ds.table and not ds.model]
        self.shapes.update(table_shapes(self.m, names, self.out, self.warnings))

    @property
    def tables(self) -> dict[str, str]:
        return {s.table_name: n for n, s in self.shapes.items() if s.table_name}

    # ------------------------------------------------------------------ edges and order
    def edges(self) -> list[Edge]:
        """Parent -> child edges: refs, foreign keys, depends_on (dataset or field), count.per.

        A foreign-key column keeps its edge whatever spec the user gives it (a template, a
        sequence, a choice...), since its values must exist in the parent first; only a
        field's ``depends_on`` (``[]``, or other datasets) replaces it, and a field that
        writes nothing (``skip``, ``null``) needs none.  A reference to the dataset's own
        rows is a tree (plan.selfref), not an edge.
        """
        edges: list[Edge] = []
        for child, ds in self.spec.datasets.items():
            base = ("datasets", child)
            for fname, fspec in ds.fields.items():
                edges += self.field_edges(child, fname, fspec)
            for f in self.shapes[child].fields:
                edge = self.foreign_key_edge(child, ds, f)
                if edge is not None:
                    edges.append(edge)
            for i, dep in enumerate(ds.depends_on):
                if self.known(dep, "depends_on", (*base, "depends_on", i)):
                    edges.append(
                        Edge(dep, child, f"{child} depends_on {dep}", (*base, "depends_on", i))
                    )
            if isinstance(ds.count, S.CountPerSpec):
                per = ds.count.per
                if self.known(per, "count.per", (*base, "count", "per")):
                    edges.append(
                        Edge(per, child, f"{child} count per {per}", (*base, "count", "per"))
                    )
        return edges

    def known(self, name: str, where: str, path: tuple[str | int, ...]) -> bool:
        """``name`` is a dataset; else a located problem listing the datasets there are."""
        names = list(self.spec.datasets)
        if name in self.spec.datasets:
            return True
        self.problem(
            f"unknown dataset '{name}' in {where} (defined datasets: {', '.join(names)})",
            path,
            did_you_mean(name, names),
        )
        return False

    def field_edges(self, child: str, fname: str, fspec: Any) -> list[Edge]:
        """The edges a field spec makes: its ``depends_on`` if given, else its ``ref``."""
        path = ("datasets", child, "fields", fname)
        depends_on = getattr(fspec, "depends_on", None)
        if isinstance(fspec, S.RefSpec):
            target = fspec.dataset_ref
            if target is not None and target[0] != child and (fspec.roots or fspec.max_depth):
                key = "roots" if fspec.roots else "max_depth"
                self.problem(
                    f"{child}.{fname}: {key} applies to a reference to the dataset's own rows "
                    f"(a tree), not to {fspec.ref}",
                    (*path, key),
                    f"remove {key}, or refer to {child}'s own rows",
                )
            if depends_on is None and target is not None and target[0] != child:
                if target[0] not in self.spec.datasets:
                    return []  # an unknown name: compiling the field says so, with its peers
                return [Edge(target[0], child, f"{child}.{fname} ref {fspec.ref}", path)]
        if depends_on is None:
            return []
        return [
            Edge(dep, child, f"{child}.{fname} depends_on {dep}", (*path, "depends_on", i))
            for i, dep in enumerate(depends_on)
            if self.known(dep, "depends_on", (*path, "depends_on", i))
        ]

    def foreign_key_edge(self, child: str, ds: S.DatasetSpec, f: FieldShape) -> Edge | None:
        """The edge a foreign key to another dataset's table makes, located where the user
        wrote the column: its field spec, else the dataset's ``table:`` or ``model:``."""
        if f.foreign_key is None or f.name in ds.exclude:
            return None
        parent = self.tables.get(f.foreign_key.table)
        if not parent or parent == child:
            return None
        why = f"{child}.{f.name} foreign key -> {f.foreign_key.table}.{f.foreign_key.column}"
        fspec = ds.fields.get(f.name, _NO_SPEC)
        if fspec is _NO_SPEC:
            key = "table" if ds.table and not ds.model else "model"
            return Edge(parent, child, why, ("datasets", child, key))
        said = getattr(fspec, "depends_on", None) is not None
        if said or isinstance(fspec, S.SkipSpec):
            return None  # the field's depends_on replaces it, or it writes nothing
        if isinstance(fspec, S.RefSpec) and (fspec.dataset_ref or ("",))[0] == parent:
            return None  # the ref's own edge (field_edges)
        if fspec is None or (isinstance(fspec, S.ValueSpec) and fspec.value is None):
            return None  # null in every row: nothing to wait for
        return Edge(parent, child, why, ("datasets", child, "fields", f.name), orders_only=True)

    def order(self, edges: list[Edge]) -> list[str]:
        """Datasets with every parent first, ties in manifest order; a cycle is broken at
        the edge ``plan.cycles`` defers (kept in ``self.deferrals``), else refused."""
        names = list(self.spec.datasets)
        found = cycles.links(self.spec.datasets, self.shapes, self.tables)
        self.deferrals, unbroken = cycles.break_cycles(
            names, list(edges), found, self.shared_target, self.describe
        )
        for u in unbroken:
            self.problem(u.message, u.path, u.hint, "SR-E031")
        if unbroken:
            return names
        rank = {n: i for i, n in enumerate(names)}
        deferred = {(d.parent, d.child) for d in self.deferrals}
        graph: dict[str, set[str]] = {n: set() for n in names}
        for e in edges:
            if (e.parent, e.child) not in deferred and e.parent != e.child:
                graph[e.child].add(e.parent)
        sorter = graphlib.TopologicalSorter(graph)
        sorter.prepare()
        ordered: list[str] = []
        while sorter.is_active():
            ready = sorted(sorter.get_ready(), key=rank.__getitem__)
            ordered += ready
            sorter.done(*ready)
        return ordered

    def describe(self, e: cycles.EdgeLike) -> str:
        loc = self.m.source.locate(e.path)
        return f"{e.why} ({loc})" if loc else e.why

    def shared_target(self, child: str, parent: str) -> tuple[str, str] | None:
        """The sqlalchemy target (by name) both datasets persist to, and its dialect."""
        theirs = {t for t in self.spec.datasets[parent].persist if isinstance(t, str)}
        for name in self.spec.datasets[child].persist:
            options = self.m.targets.get(name) if isinstance(name, str) else None
            if name in theirs and options and options.get("handler") == "sqlalchemy":
                try:
                    dialect = make_url(str(options.get("url", ""))).get_backend_name()
                except ArgumentError:
                    dialect = ""
                return str(name), dialect
        return None

    # ------------------------------------------------------------------ counts
    def count(
        self,
        name: str,
        ds: S.DatasetSpec,
        totals: dict[str, int],
        base_seed: int,
        parent_plans: dict[str, CountPlan],
    ) -> CountPlan:
        if name in self.fixed:
            return CountPlan(self.fixed[name].count)
        if isinstance(ds.count, int):
            extended = one_to_one_parent(name, ds, self.shapes[name], self.tables)
            if extended is not None and extended in totals:  # one row per parent row
                return CountPlan(totals[extended])
            return CountPlan(ds.count)
        per = ds.count.per
        lo, hi = ds.count.bounds
        parents = totals.get(per, 0)
        stream = Stream(derive_seed(base_seed, name, "__count__"))

        def draw(rng: Any, k: int) -> list[int]:
            return [rng.randint(lo, hi) for _ in range(k)]

        # kept for the whole run: one entry per parent (an array, 8 bytes each) when the
        # number of children varies
        cumulative: Sequence[int]
        if lo != hi:
            chunks = (
                stream.take(row, min(BLOCK, parents - row), draw)
                for row in range(0, parents, BLOCK)
            )  # no list of every parent's count
            cumulative = array("q", accumulate(itertools.chain.from_iterable(chunks)))
        elif lo:  # a fixed number per parent: a range, no memory per parent
            cumulative = range(lo, lo * parents + 1, lo)
        else:
            cumulative = array("q", bytes(8 * parents))
        total = cumulative[-1] if parents else 0
        return CountPlan(total, per=per, cumulative=cumulative, bounds=(lo, hi))

    # ------------------------------------------------------------------ datasets
    def dataset(
        self, name: str, totals: dict[str, int], counts: dict[str, CountPlan], parents: list[str]
    ) -> DatasetPlan:
        ds = self.spec.datasets[name]
        base_seed = ds.seed if ds.seed is not None else self.seed
        count = self.count(name, ds, totals, base_seed, counts)
        per = ds.count.per if isinstance(ds.count, S.CountPerSpec) else None
        ctx = DatasetContext(
            name=name,
            spec=ds,
            shape=self.shapes[name],
            total=count.total,
            base_seed=base_seed,
            now=self.now,
            manifest=self.spec,
            source=self.m.source,
            fakers=self.fakers,
            shapes=self.shapes,
            tables=self.tables,
            per=per,
            var_names=list(self.m.vars),
            out=self.out,
            warnings=self.warnings,
            lookups=self.lookups,
            fixed=self.fixed[name].columns() if name in self.fixed else {},
        )
        fields, output, skipped = compile_fields(ctx)
        plan_joins(ctx, fields, count, totals)  # unique keys made of references
        check_ref_types(ctx, fields, totals)
        batch_size = self.batch_size or ds.batch_size or self.spec.defaults.batch_size
        shape = self.shapes[name]
        return DatasetPlan(
            name=name,
            shape=shape,
            count=count,
            batch_size=batch_size,
            seed=base_seed,
            locale=ctx.locales(None),
            fields=fields,
            output=output,
            transforms=compile_transforms(
                self.m, name, ds, self.out, seed=base_seed, fields=output
            ),
            targets=compile_targets(self.m, name, ds, self.out, fields=output),
            parents=parents,
            skip_validation=skipped,
            validator=None if shape.kind == "schemaless" else RowValidator(shape),
            retries=self.retry_policy(ds),
            location=self.m.source.locate(("datasets", name), prefer_key=True),
        )

    def fingerprint(
        self, dp: DatasetPlan, edges: list[Edge], built: dict[str, DatasetPlan]
    ) -> FingerprintParts:
        """``dp``'s fingerprint, with those of the parents its rows take values from."""
        digests = {
            e.parent: fp.digest
            for e in edges
            if e.child == dp.name
            and e.path[-2:-1] != ("depends_on",)
            and not e.orders_only
            and (fp := built[e.parent].fingerprint) is not None
        }
        for f in dp.fields:  # a seeded pick spreads over all the parent's rows: its count
            if f.ref is not None and not f.ref.via_parent and f.ref.dataset in digests:
                digests[f.ref.dataset] += f" of {built[f.ref.dataset].count.total} rows"
            if f.tree is not None:  # the tree's levels are laid out over the dataset's count
                digests[f"{dp.name}.{f.name}"] = f"tree of {dp.count.total} rows"
        for d in dp.deferred_fields:  # keys made ahead of a parent not planned yet
            if d.mode == "deferrable":
                digests[d.parent] = self.ahead_digest(d.parent)
        ds = self.spec.datasets[dp.name]
        data = lookup_digests(self.lookups, dp.name)  # what the rows read besides the spec
        if dp.name in self.fixed and ds.from_ is not None:
            data["from"] = self.fixed[dp.name].digest
        return dataset_fingerprint(ds, dp.shape, dp.seed, self.now, dp.locale, digests, data)

    def refs_written_first(self, dp: DatasetPlan, built: dict[str, DatasetPlan]) -> None:
        """A ref whose edge was dropped (``depends_on: []``) must still name a dataset
        written before this one: its rows are picked from the run's keys."""
        deferred = {k.field for d in self.deferrals if d.child == dp.name for k in d.links}
        for f in dp.fields:
            parent = f.ref.dataset if f.ref is not None else None
            if parent is None or parent in built or parent == dp.name or f.name in deferred:
                continue
            self.problem(
                f"{dp.name}.{f.name} takes its values from {parent}'s rows, but {parent} is "
                f"written after {dp.name} (the field's depends_on drops that edge)",
                ("datasets", dp.name, "fields", f.name),
                f"remove depends_on from {dp.name}.{f.name}; to leave the column empty "
                f"write {f.name}: {{value: null}} or exclude it",
            )

    def ahead_digest(self, name: str) -> str:
        """What decides a dataset's keys before it is planned (a deferrable cycle's child
        takes them ahead, picking over all of them): its spec, seed, model and count."""
        ds = self.spec.datasets[name]
        seed = ds.seed if ds.seed is not None else self.seed
        own = dataset_fingerprint(ds, self.shapes[name], seed, self.now, [])
        count = ds.count if isinstance(ds.count, int) else ds.count.model_dump(mode="json")
        return f"{own.digest} of {count} rows (keys made ahead)"

    def retry_policy(self, ds: S.DatasetSpec) -> RetryPolicy:
        spec = ds.retries or self.spec.defaults.retries
        return RetryPolicy(
            max=spec.max if self.max_retries is None else self.max_retries,
            wait=spec.wait if self.retry_wait is None else self.retry_wait,
            backoff=spec.backoff,
            forced=self.max_retries is not None or self.retry_wait is not None,
        )

    def build(self, only: Sequence[str] | None) -> Plan:
        self.load_shapes()
        edges = self.edges()
        self.out.raise_if_any(PlanError)
        order = self.order(edges)
        self.out.raise_if_any(PlanError)
        selected = self.select(only, edges)
        self.fixed = read_fixed_rows(self.m, self.shapes, self.out)
        given = {n: set(f.fields) for n, f in self.fixed.items()}
        self.lookups = read_lookups(self.m, self.shapes, self.out, given)
        self.out.raise_if_any(PlanError)
        totals: dict[str, int] = {}
        counts: dict[str, CountPlan] = {}
        plans: list[DatasetPlan] = []
        built: dict[str, DatasetPlan] = {}
        deferred = {(d.parent, d.child) for d in self.deferrals}
        # the edges that order datasets: not a deferred one, nor a dataset's edge to itself
        live = [e for e in edges if (e.parent, e.child) not in deferred and e.parent != e.child]
        for name in order:
            parents = sorted({e.parent for e in live if e.child == name})
            dp = self.dataset(name, totals, counts, parents)
            dp.edges = {e.parent: e.why for e in live if e.child == name}
            deferrals.defer_fields(dp, self.deferrals, self.located)
            self.refs_written_first(dp, built)
            dp.fingerprint = self.fingerprint(dp, live, built)
            ds = self.spec.datasets[name]
            src, out = self.m.source, self.out
            inputs = PlanInputs(self.now, dict(self.m.vars), self.lookups)
            check_foreign_key_values(dp, ds, built, self.tables, src, out, self.warnings, inputs)
            built[name] = dp
            if name not in selected:
                dp.targets = []
            totals[name], counts[name] = dp.count.total, dp.count
            plans.append(dp)
        self.out.raise_if_any(PlanError)
        by_name = {p.name: p for p in plans}
        self.warnings += deferrals.complete(by_name, self.located)
        for p in plans:
            for f in p.fields:
                if f.ref is not None:
                    by_name[f.ref.dataset].keep.add(f.ref.field)
                if f.template is not None and p.count.per:
                    by_name[p.count.per].keep |= f.template.parent_attrs
            if not p.targets and p.name in selected:
                self.warnings.append(
                    f"dataset '{p.name}' has no persist targets: its rows are generated and dropped"
                )
        needed = selected | {a for n in selected for a in self.ancestors(n, edges)}
        plans = [p for p in plans if p.name in needed]
        unverified = sorted(
            {
                t.name
                for p in plans
                for t in p.targets
                if getattr(t.options, "verify", True) is False
            }
        )
        for name in unverified:
            self.warnings.append(
                f"target '{name}' has verify: false: its server's TLS certificate is not "
                "checked, so anyone between here and it can read and change what is sent; "
                "prefer ca_bundle: <the server's CA>"
            )
        guard.annotate(plans, self.m, self.out)  # protected lists: pyproject.toml, env
        self.out.raise_if_any(PlanError)
        return Plan(
            self.m.name,
            self.m.display,
            self.seed,
            self.now,
            plans,
            self.warnings,
            variables=dict(self.m.vars),
            base_dir=self.m.base_dir,
        )

    def ancestors(self, name: str, edges: list[Edge]) -> set[str]:
        found: set[str] = set()
        todo = [name]
        while todo:
            n = todo.pop()
            for e in edges:
                if e.child == n and e.parent not in found:
                    found.add(e.parent)
                    todo.append(e.parent)
        return found

    def select(self, only: Sequence[str] | None, edges: list[Edge]) -> set[str]:
        names = list(self.spec.datasets)
        if not only:
            return set(names)
        for n in only:
            if n not in self.spec.datasets:
                self.out.add(
                    f"--only names unknown dataset '{n}' (defined datasets: {', '.join(names)})",
                    hint=did_you_mean(n, names),
                    code="SR-E030",
                )
        self.out.raise_if_any(PlanError)
        return set(only)


def _with_default_key(shape: ModelShape) -> ModelShape:
    """A model with no declared primary key but an ``id`` field is keyed by ``id``.

    Pydantic models, dataclasses and TypedDicts cannot declare keys; ``id`` is what their
    authors mean, and treating it as the key makes it 1..N (children can point at it) and
    the primary key of any table seedrunner creates for the dataset.  Not used for
    reflected tables: a table without a primary key has none.
    """
    if any(f.primary_key for f in shape.fields):
        return shape
    key = shape.field("id")
    if key is not None and key.type.kind in ("int", "uuid", "str"):
        key.primary_key = True
        key.unique = True
    return shape


def build_plan(
    manifest: Manifest,
    *,
    seed: int | None = None,
    now: dt.datetime | None = None,
    only: Sequence[str] | None = None,
    batch_size: int | None = None,
    max_retries: int | None = None,
    retry_wait: float | None = None,
) -> Plan:
    """Resolve a manifest into a Plan; raises PlanError (exit 2) listing every problem.

    ``max_retries`` / ``retry_wait`` override every dataset's retry policy (the CLI's
    ``--max-retries`` / ``--retry-wait``).

    ``only`` persists just the named datasets; their ancestors are still generated (rows
    are deterministic, so children get the very keys a full run would give them) but not
    persisted.
    """
    planner = _Planner(manifest, seed, now, batch_size)
    planner.max_retries, planner.retry_wait = max_retries, retry_wait
    with pinned_faker_clock(planner.now):  # plan-time dry calls and sample renders too
        return planner.build(only)


__all__ = ["build_plan"]
