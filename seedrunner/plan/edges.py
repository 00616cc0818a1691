"""Parent -> child edges between datasets, each located where the manifest makes it.

An edge says the child's rows need the parent's first: a ref, a foreign key to the parent's
table, a ``depends_on`` (dataset or field) or ``count.per``.  The planner orders datasets by
them (``plan.ordering``) and fingerprints a child with the parents its values come from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from seedrunner.manifest import schema as S
from seedrunner.manifest.locate import did_you_mean
from seedrunner.models.shape import FieldShape, ModelShape

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


#: the planner's ``problem(message, path, hint)``: a located problem (code SR-E030)
Report = Callable[[str, tuple[str | int, ...], str | None], None]


def find_edges(
    spec: S.ManifestSpec,
    shapes: Mapping[str, ModelShape],
    tables: Mapping[str, str],
    problem: Report,
) -> list[Edge]:
    """Every edge of the manifest's datasets (see ``_EdgeFinder.edges``); an unknown
    dataset named in ``depends_on`` or ``count.per`` is reported through ``problem``."""
    return _EdgeFinder(spec, shapes, tables, problem).edges()


class _EdgeFinder:
    def __init__(
        self,
        spec: S.ManifestSpec,
        shapes: Mapping[str, ModelShape],
        tables: Mapping[str, str],
        problem: Report,
    ) -> None:
        self.spec = spec
        self.shapes = shapes
        self.tables = tables
        self.problem = problem

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
