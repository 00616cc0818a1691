"""The order datasets are written in: every parent first, ties in manifest order.

A cycle between datasets is broken where ``plan.cycles`` can defer an edge (the child's keys
written later, or made ahead), else refused with a located problem.
"""

from __future__ import annotations

import graphlib
from collections.abc import Callable, Mapping

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from seedrunner.manifest.loader import Manifest
from seedrunner.models.shape import ModelShape
from seedrunner.plan import cycles
from seedrunner.plan.edges import Edge


def order_datasets(
    m: Manifest,
    shapes: Mapping[str, ModelShape],
    tables: Mapping[str, str],
    edges: list[Edge],
    located: Callable[[str, tuple[str | int, ...], str], None],
) -> tuple[list[str], list[cycles.Deferral]]:
    """The datasets in write order and the edges deferred to break cycles; a cycle that
    cannot be broken is reported through ``located`` (code SR-E031)."""
    return _Orderer(m, shapes, tables, located).order(edges)


class _Orderer:
    def __init__(
        self,
        m: Manifest,
        shapes: Mapping[str, ModelShape],
        tables: Mapping[str, str],
        located: Callable[[str, tuple[str | int, ...], str], None],
    ) -> None:
        self.m = m
        self.spec = m.spec
        self.shapes = shapes
        self.tables = tables
        self.located = located

    def order(self, edges: list[Edge]) -> tuple[list[str], list[cycles.Deferral]]:
        """Datasets with every parent first, ties in manifest order; a cycle is broken at
        the edge ``plan.cycles`` defers (returned beside the order), else refused."""
        names = list(self.spec.datasets)
        found = cycles.links(self.spec.datasets, self.shapes, self.tables)
        deferrals, unbroken = cycles.break_cycles(
            names, list(edges), found, self.shared_target, self.describe
        )
        for u in unbroken:
            self.located(u.message, u.path, u.hint)
        if unbroken:
            return names, deferrals
        rank = {n: i for i, n in enumerate(names)}
        deferred = {(d.parent, d.child) for d in deferrals}
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
        return ordered, deferrals

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
