"""Build one batch of a dataset: every column for rows [start, start+n), then templates.

Columns come first (each from its own stream), then ``ref`` values from the KeyStore, then
templates in dependency order, since they read the row's other fields.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from typing import Any

from seedrunner.errors import GenerationError
from seedrunner.execute.keys import KeyStore
from seedrunner.generate.fakerclock import unpin
from seedrunner.generate.rows import Batch
from seedrunner.generate.template_columns import Columns
from seedrunner.generate.templates import TemplateField
from seedrunner.plan.reftypes import CONVERTERS
from seedrunner.plan.selfref import index_keys
from seedrunner.plan.steps import DatasetPlan, FieldPlan


class BatchBuilder:
    def __init__(
        self, plan: DatasetPlan, keys: KeyStore, variables: Mapping[str, Any], now: Any
    ) -> None:
        self.plan = plan
        self.keys = keys
        self.base = {"vars": variables, "now": now}
        self._seen: dict[str, set[Any]] = {}

    def build(self, index: int, start: int, n: int) -> Batch:
        cols: dict[str, list[Any]] = {}
        parent_rows: list[int] | None = None
        if self.plan.count.per is not None:
            parent_rows = self.plan.count.parent_of(range(start, start + n))
        for f in self.plan.fields:
            if f.kind == "column":
                assert f.column is not None
                cols[f.name] = f.column.values(start, n)
            elif f.kind == "ref" and f.tree is None:
                cols[f.name] = self._ref(f, start, n, parent_rows)
        for f in self.plan.fields:  # after the key columns the parents' keys come from
            if f.tree is not None:
                cols[f.name] = self._tree(f, cols, start, n)
        templates = [f for f in self.plan.fields if f.kind == "template"]
        if templates:
            self._templates(templates, cols, start, n, parent_rows)
        ordered = {name: unpin(cols[name]) for name in self.plan.output if name in cols}
        return Batch(self.plan.name, index, start, n, ordered)

    def _ref(self, f: FieldPlan, start: int, n: int, parent_rows: list[int] | None) -> list[Any]:
        ref = f.ref
        assert ref is not None
        source = self.keys.column(ref.dataset, ref.field)
        if ref.via_parent:
            assert parent_rows is not None
            values = [source[p] for p in parent_rows]
        else:
            if not source:
                raise GenerationError(
                    f"{self.plan.name}.{f.name}: ref {ref.dataset}.{ref.field} has no rows to "
                    f"pick from (dataset '{ref.dataset}' generated none)"
                )
            assert f.column is not None
            if ref.indexed:  # a distinct draw: the column gives the parent rows themselves
                rows = f.column.values(start, n)
                if rows and max(rows) >= len(source):
                    raise GenerationError(
                        f"{self.plan.name}.{f.name}: ref {ref.dataset}.{ref.field} needs row "
                        f"{max(rows)} of '{ref.dataset}', which has {len(source)}"
                    )
                values = [source[i] for i in rows]
            else:
                sizes = _sizes(ref.among, len(source), start, n)
                drawn = f.column.values(start, n)
                values = [source[int(u * k)] for u, k in zip(drawn, sizes, strict=True)]
        if ref.convert is not None:
            convert = CONVERTERS[ref.convert]
            values = [None if v is None else convert(v) for v in values]
        if f.null_column is not None:
            p = f.null_probability
            mask = f.null_column.values(start, n)
            values = [None if u < p else v for v, u in zip(values, mask, strict=True)]
        return values

    def _tree(self, f: FieldPlan, cols: dict[str, list[Any]], start: int, n: int) -> list[Any]:
        """A self-reference: each row's parent's key (an earlier row), or a root's null or
        own key.  Keys of this batch come from its own column; earlier ones are computed
        (ids 1..N) or read from the KeyStore (recorded as each batch was written)."""
        tree = f.tree
        assert tree is not None
        own = cols.get(tree.key)
        if own is None:
            raise GenerationError(f"{self.plan.name}.{f.name}: key {tree.key} was not generated")
        by_index = index_keys(self.plan, tree)
        earlier = self.keys.column(self.plan.name, tree.key)
        if by_index is None and len(earlier) < start:
            raise GenerationError(
                f"{self.plan.name}.{f.name}: the keys of rows before {start} are not known "
                "here (batches of a self-reference are made in order, in one process)"
            )

        def key(p: int) -> Any:
            if p >= start:
                return own[p - start]
            return by_index.values(p, 1)[0] if by_index is not None else earlier[p]

        groups = self.plan.count.cumulative if tree.grouped else None
        parents = tree.parents(start, n, groups)
        if f.null_column is not None:  # extra roots
            mask = f.null_column.values(start, n)
            parents = [
                None if u < f.null_probability else p for p, u in zip(parents, mask, strict=True)
            ]
        if by_index is not None and by_index.fmt is None:  # ids: the key is arithmetic
            first, step = by_index.start, by_index.step
            keys = [None if p is None else first + p * step for p in parents]
        else:
            keys = [None if p is None else key(p) for p in parents]
        if tree.self_roots:
            return [own[i] if k is None else k for i, k in enumerate(keys)]
        return keys

    def _templates(
        self,
        templates: list[FieldPlan],
        cols: dict[str, list[Any]],
        start: int,
        n: int,
        parent_rows: list[int] | None,
    ) -> None:
        child_index = self._child_index(start, parent_rows)
        for f in templates:
            t = f.template
            assert t is not None
            pcols: dict[str, Sequence[Any]] = {}
            if parent_rows is not None and t.parent_attrs and self.plan.count.per:
                per = self.plan.count.per
                pcols = {a: self.keys.column(per, a) for a in t.parent_attrs}
            values = None
            if t.columnwise is not None:  # a plain concatenation: no per-row rendering
                by_row = (
                    {a: [c[p] for p in parent_rows] for a, c in pcols.items()}
                    if pcols and parent_rows is not None
                    else None
                )
                batch = Columns(cols, start, n, by_row, child_index, self.base["vars"])
                values = t.render_columns(batch)
            if values is None:
                values = self._render_rows(t, cols, start, n, pcols, parent_rows, child_index)
            if f.null_column is not None:
                mask = f.null_column.values(start, n)
                values = [
                    None if u < f.null_probability else v for v, u in zip(values, mask, strict=True)
                ]
            if f.unique:
                self._check_unique(f.name, values, start)
            cols[f.name] = values

    def _render_rows(
        self,
        t: TemplateField,
        cols: dict[str, list[Any]],
        start: int,
        n: int,
        pcols: dict[str, Sequence[Any]],
        parent_rows: list[int] | None,
        child_index: list[int] | None,
    ) -> list[Any]:
        """Jinja renders the template once per row, with the row as its context."""
        parents = None
        if pcols and parent_rows is not None:
            parents = [{a: c[p] for a, c in pcols.items()} for p in parent_rows]
        names = list(cols)
        rows = [dict(zip(names, vals, strict=True)) for vals in zip(*cols.values(), strict=True)]
        if not names:
            rows = [{} for _ in range(n)]
        return t.render(rows, start, self.base, parents, child_index)

    def _check_unique(self, name: str, values: list[Any], start: int) -> None:
        seen = self._seen.setdefault(name, set())
        if start == 0:
            seen.clear()
        for i, v in enumerate(values):
            if v is None:
                continue
            if v in seen:
                raise GenerationError(
                    f"{self.plan.name}.{name}: template value {v!r} repeats at row {start + i} "
                    "but the field is unique; make the template depend on {{ index }} or a "
                    "unique field"
                )
            seen.add(v)

    def _child_index(self, start: int, parent_rows: list[int] | None) -> list[int] | None:
        """Each child's position among its parent's children (0, 1, ...)."""
        cum = self.plan.count.cumulative
        if parent_rows is None or cum is None:
            return None
        return [start + i - (cum[p - 1] if p else 0) for i, p in enumerate(parent_rows)]


def _sizes(among: tuple[tuple[int, int, int], ...], size: int, start: int, n: int) -> Any:
    """How many parent rows each of rows [start, start+n) picks among: ``size`` (all of
    them) but where a recorded range says fewer (rows written before the parent grew)."""
    if not among:
        return itertools.repeat(size, n)
    sizes = [size] * n
    for a, b, k in among:
        for i in range(max(a, start), min(b, start + n)):
            sizes[i - start] = min(k, size)
    return sizes
