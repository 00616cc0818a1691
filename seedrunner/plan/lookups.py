"""Lookups: values picked from tables the application already filled and no dataset seeds.

Two things read such a table: a ``ref`` written as ``{table, column, where, schema,
target}``, and a foreign key (of a model or a reflected table) to a table no dataset seeds.
A foreign key given a spec of its own (a template, a faker, a constant) is read too, only
to check the spec's values (plan.fkvalues): its rows do not read it (``check``), so it
stays out of the fingerprint.
``read_lookups`` finds both before any dataset is compiled and reads each database once
(``models.tablevalues``: read-only, capped, ordered); ``table_ref_field`` and
``foreign_key_field`` then turn what was read into a seeded ``PickColumn``.

An explicit ref that cannot be read, or reads no row, is a located problem.  A foreign key
is best effort: when its table cannot be read (no SQL target, a database or table that does
not exist yet) it keeps the behaviour it had before lookups (NULL when the column allows
it, else the problem that no dataset seeds the table), with a note saying why.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from seedrunner.errors import ProblemCollector
from seedrunner.generate.columns import Column, NullableColumn
from seedrunner.generate.picks import PickColumn
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.manifest.locate import did_you_mean
from seedrunner.models.reflect import ReflectionError
from seedrunner.models.shape import FieldShape, ModelShape
from seedrunner.models.tablevalues import LOOKUP_CAP, ValuesQuery, ValuesRead, read_values
from seedrunner.plan.context import DatasetContext
from seedrunner.plan.context import Lookup as Lookup
from seedrunner.plan.context import LookupKey as LookupKey
from seedrunner.plan.fkvalues import writes_own_values
from seedrunner.plan.steps import FieldPlan

_NO_TARGET = "no sqlalchemy target to read it from"


@dataclass
class _Request:
    key: LookupKey
    query: ValuesQuery
    explicit: bool
    check: bool = False


class _Reader:
    def __init__(self, m: Manifest, out: ProblemCollector) -> None:
        self.m = m
        self.out = out

    def problem(self, message: str, key: LookupKey, hint: str | None, code: str) -> None:
        path = ("datasets", key[0], "fields", key[1], "ref")
        self.out.extend([self.m.source.problem(message, path, hint=hint, code=code)])

    def target(self, dataset: str, named: str | None, key: LookupKey) -> dict[str, Any] | None:
        """Options of the sqlalchemy target a lookup reads: ``named``, else the dataset's
        first sqlalchemy persist target."""
        if named is not None:
            options = self.m.targets.get(named)
            if options is None or options.get("handler") != "sqlalchemy":
                sql = [t for t, o in self.m.targets.items() if o.get("handler") == "sqlalchemy"]
                what = "is not a target" if options is None else "is not a sqlalchemy target"
                self.problem(
                    f"ref target '{named}' {what}",
                    key,
                    did_you_mean(named, sql) or f"sqlalchemy targets: {', '.join(sql) or 'none'}",
                    "SR-E030",
                )
                return None
            return options
        for i, entry in enumerate(self.m.spec.datasets[dataset].persist):
            options = (
                self.m.targets.get(entry)
                if isinstance(entry, str)
                else self.m.inline_targets.get((dataset, i))
            )
            if options is not None and options.get("handler") == "sqlalchemy":
                return options
        return None


def _requests(
    reader: _Reader, shapes: Mapping[str, ModelShape], given: Mapping[str, set[str]]
) -> list[tuple[_Request, str | None]]:
    """Every lookup the manifest implies, each with the target it names (or None)."""
    tables = {s.table_name: n for n, s in shapes.items() if s.table_name}
    found: list[tuple[_Request, str | None]] = []
    for name, ds in reader.m.spec.datasets.items():
        for fname, fspec in ds.fields.items():
            if isinstance(fspec, S.RefSpec) and (ref := fspec.table_ref) is not None:
                if ref.table in tables:  # its rows are not there yet when the plan is made
                    seeded = tables[ref.table]
                    reader.problem(
                        f"table '{ref.table}' is seeded by dataset '{seeded}': a table ref "
                        "reads rows the database already has",
                        (name, fname),
                        f"refer to the dataset's rows: {{ref: {seeded}.{ref.column}}}",
                        "SR-E030",
                    )
                    continue
                q = ValuesQuery(ref.schema_, ref.table, ref.column, ref.where)
                found.append((_Request((name, fname), q, True), ref.target))
        shape = shapes.get(name)
        for f in shape.fields if shape is not None else []:
            fk = f.foreign_key
            if fk is None or fk.table in tables or f.name in ds.exclude:
                continue
            if f.name in given.get(name, ()):
                continue
            check = f.name in ds.fields
            if check and not writes_own_values(ds.fields[f.name]):
                continue
            q = ValuesQuery(None, fk.table, fk.column)
            found.append((_Request((name, f.name), q, False, check), None))
    return found


def read_lookups(
    m: Manifest,
    shapes: Mapping[str, ModelShape],
    out: ProblemCollector,
    given: Mapping[str, set[str]] | None = None,
) -> dict[LookupKey, Lookup]:
    """Read every lookup once per database URL; problems of explicit refs go to ``out``.

    ``given`` names, per dataset, the fields its fixed rows give (no lookup for those).
    """
    reader = _Reader(m, out)
    groups: dict[str, list[_Request]] = {}
    result: dict[LookupKey, Lookup] = {}
    for req, named in _requests(reader, shapes, given or {}):
        options = reader.target(req.key[0], named, req.key)
        url = options.get("url") if options else None
        if options is None or not isinstance(url, str):
            if options is None and named is None and req.explicit:
                reader.problem(
                    f"ref to table '{req.query.table}' needs a sqlalchemy target to read it from",
                    req.key,
                    "add target: NAME (a sqlalchemy target) to the ref, or persist the "
                    "dataset to a sqlalchemy target",
                    "SR-E030",
                )
            result[req.key] = Lookup(req.query, req.explicit, [], error=_NO_TARGET, check=req.check)
            continue
        schema = req.query.schema or options.get("schema")
        if isinstance(schema, str) and req.query.schema is None:
            req.query = ValuesQuery(schema, req.query.table, req.query.column, req.query.where)
        groups.setdefault(url, []).append(req)
    for url, reqs in groups.items():
        try:
            read = read_values(url, m.base_dir, [r.query for r in reqs], LOOKUP_CAP)
        except ReflectionError as exc:
            read = {r.query: ValuesRead([], error=exc.message) for r in reqs}
        for r in reqs:
            got = read[r.query]
            result[r.key] = Lookup(
                r.query, r.explicit, got.values, got.digest, got.error, got.over_cap, r.check
            )
    for key, lk in result.items():
        if lk.explicit:
            _check_explicit(reader, key, lk)
    return result


def _check_explicit(reader: _Reader, key: LookupKey, lk: Lookup) -> None:
    q = lk.query
    if lk.error is not None and lk.error != _NO_TARGET:
        reader.problem(
            f"cannot read ref table {q.label}: {lk.error}",
            key,
            "check the table, column and where: the table is read while planning, read-only",
            "SR-E020",
        )
    elif lk.over_cap:
        reader.problem(
            f"ref table {q.label} has more than {LOOKUP_CAP:,} rows; a lookup holds at most "
            "that many values",
            key,
            "narrow it with where:",
            "SR-E042",
        )
    elif lk.error is None and not lk.values:
        reader.problem(
            f"ref table {q.label} has no rows to pick from",
            key,
            "fill the table first, or change where:",
            "SR-E030",
        )


def digests(lookups: Mapping[LookupKey, Lookup], dataset: str) -> dict[str, str]:
    """What the dataset's rows read from lookup tables, for its fingerprint."""
    return {
        f"lookup {f}": f"{lk.query.label}: {len(lk.values)} rows {lk.digest}"
        for (d, f), lk in lookups.items()
        if d == dataset and lk.values and not lk.check
    }


def _pick(ctx: DatasetContext, fname: str, lk: Lookup, null_p: float) -> FieldPlan:
    col: Column = PickColumn(ctx.seed(fname, "ref"), lk.values)
    if null_p > 0:
        col = NullableColumn(ctx.seed(fname, "null"), col, null_p)
    label = f"ref table {lk.query.label} ({len(lk.values):,} rows)"
    return FieldPlan(fname, "column", label, column=col)


def table_ref_field(ctx: DatasetContext, fname: str, spec: S.RefSpec) -> FieldPlan | None:
    """A field written ``{ref: {table: ..., column: ...}}``: a seeded pick among the rows
    read while planning (None when they could not be read: the problem is already out)."""
    lk = ctx.lookups.get((ctx.name, fname))
    if lk is None or not lk.values:
        return None
    return _pick(ctx, fname, lk, spec.null_probability)


def foreign_key_field(ctx: DatasetContext, fname: str, fshape: FieldShape) -> FieldPlan | None:
    """A foreign key to a table no dataset seeds: a pick among its rows, with a note; None
    when the table could not be read or is empty (the caller keeps its old behaviour)."""
    lk = ctx.lookups.get((ctx.name, fname))
    fk = fshape.foreign_key
    if lk is None or fk is None or lk.error == _NO_TARGET or lk.check:
        return None
    if not lk.values:
        why = (
            f"has more than {LOOKUP_CAP:,} rows"
            if lk.over_cap
            else "has no rows"
            if lk.error is None
            else f"could not be read ({lk.error})"
        )
        ctx.warnings.append(f"{ctx.name}.{fname} references table {fk.table}, which {why}")
        return None
    ctx.warnings.append(
        f"{ctx.name}.{fname} references table {fk.table}, which no dataset seeds: picks "
        f"among its {len(lk.values):,} existing rows ({lk.query.label})"
    )
    return _pick(ctx, fname, lk, 0.0)
