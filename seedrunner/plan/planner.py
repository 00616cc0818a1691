"""build_plan: a loaded manifest -> a Plan (datasets in dependency order, compiled fields).

Planning imports models and checks everything that can be checked without writing: names,
edges, cycles, Faker providers, templates, unique capacity and handler options.  Nothing is
written; the only target contacted is the SQL database a ``table:`` dataset reads its
columns from (read-only, one connection per URL, see ``seedrunner.models.reflect``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from seedrunner.errors import PlanError, ProblemCollector
from seedrunner.generate.fakerclock import pinned_faker_clock
from seedrunner.generate.locales import FakerPool
from seedrunner.generate.streams import wall_clock
from seedrunner.handlers.retry import RetryPolicy
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
from seedrunner.models.shape import ModelShape
from seedrunner.plan import cycles, deferrals, guard
from seedrunner.plan.counts import count_plan
from seedrunner.plan.edges import Edge, find_edges
from seedrunner.plan.fields import DatasetContext, compile_fields
from seedrunner.plan.fingerprints import Fingerprints
from seedrunner.plan.fixedrows import FixedRows, read_fixed_rows
from seedrunner.plan.fkvalues import PlanInputs, check_foreign_key_values
from seedrunner.plan.joins import plan_joins
from seedrunner.plan.lookups import Lookup, LookupKey, read_lookups
from seedrunner.plan.ordering import order_datasets
from seedrunner.plan.reftypes import check_ref_types
from seedrunner.plan.steps import DatasetPlan, Plan
from seedrunner.plan.tables import table_shapes
from seedrunner.plan.targets import compile_targets
from seedrunner.plan.transforms import compile_transforms


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

    # ------------------------------------------------------------------ datasets
    def dataset(self, name: str, totals: dict[str, int], parents: list[str]) -> DatasetPlan:
        ds = self.spec.datasets[name]
        base_seed = ds.seed if ds.seed is not None else self.seed
        count = count_plan(name, ds, totals, base_seed, self.fixed, self.shapes, self.tables)
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
        edges = find_edges(self.spec, self.shapes, self.tables, self.problem)
        self.out.raise_if_any(PlanError)
        order, self.deferrals = order_datasets(
            self.m, self.shapes, self.tables, edges, self.located
        )
        self.out.raise_if_any(PlanError)
        selected = self.select(only, edges)
        self.fixed = read_fixed_rows(self.m, self.shapes, self.out)
        given = {n: set(f.fields) for n, f in self.fixed.items()}
        self.lookups = read_lookups(self.m, self.shapes, self.out, given)
        self.out.raise_if_any(PlanError)
        prints = Fingerprints(self.spec, self.seed, self.now, self.shapes, self.lookups, self.fixed)
        totals: dict[str, int] = {}
        plans: list[DatasetPlan] = []
        built: dict[str, DatasetPlan] = {}
        deferred = {(d.parent, d.child) for d in self.deferrals}
        # the edges that order datasets: not a deferred one, nor a dataset's edge to itself
        live = [e for e in edges if (e.parent, e.child) not in deferred and e.parent != e.child]
        for name in order:
            parents = sorted({e.parent for e in live if e.child == name})
            dp = self.dataset(name, totals, parents)
            dp.edges = {e.parent: e.why for e in live if e.child == name}
            deferrals.defer_fields(dp, self.deferrals, self.located)
            self.refs_written_first(dp, built)
            dp.fingerprint = prints.fingerprint(dp, live, built)
            ds = self.spec.datasets[name]
            src, out = self.m.source, self.out
            inputs = PlanInputs(self.now, dict(self.m.vars), self.lookups)
            check_foreign_key_values(dp, ds, built, self.tables, src, out, self.warnings, inputs)
            built[name] = dp
            if name not in selected:
                dp.targets = []
            totals[name] = dp.count.total
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
