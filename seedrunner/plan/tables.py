"""Shapes of ``table:`` datasets, read from the database of each one's first SQL target.

Datasets are grouped by their target's URL so each database is read once, in one
connection.  What goes wrong is a located problem at the dataset's ``table`` key: no
sqlalchemy target to read from, a database that cannot be reached (URL shown with its
password masked), a table that is not there (with the closest existing name).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from seedrunner.errors import ProblemCollector
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.manifest.locate import did_you_mean
from seedrunner.models.generated import GeneratedNote
from seedrunner.models.reflect import ReflectionError, reflect_tables, reflected_shape
from seedrunner.models.shape import ModelShape, TypeShape

CODE = "SR-E020"  # the same family as a model that cannot be imported
_UNRECOGNIZED = re.compile(r"Did not recognize type '.*' of column '(?P<column>.*)'$")


class _TableReader:
    def __init__(self, m: Manifest, out: ProblemCollector, warnings: list[str]) -> None:
        self.m = m
        self.out = out
        self.warnings = warnings
        self.shapes: dict[str, ModelShape] = {}

    def problem(self, message: str, name: str, hint: str | None) -> None:
        where = ("datasets", name, "table")
        self.out.extend([self.m.source.problem(message, where, hint=hint, code=CODE)])

    def sql_target(self, name: str, ds: S.DatasetSpec) -> dict[str, Any] | None:
        """Rendered options of the dataset's first persist target with handler sqlalchemy."""
        for i, entry in enumerate(ds.persist):
            if isinstance(entry, str):
                options = self.m.targets.get(entry)
            else:
                options = self.m.inline_targets.get((name, i))
            if options is not None and options.get("handler") == "sqlalchemy":
                return options
        return None

    def read(self, names: Sequence[str]) -> None:
        groups: dict[str, list[tuple[str, str | None, str]]] = {}
        for name in names:
            ds = self.m.spec.datasets[name]
            options = self.sql_target(name, ds)
            if options is None:
                self.no_sql_target(name)
                continue
            url, schema = options.get("url"), options.get("schema")
            if ds.table and isinstance(url, str) and (schema is None or isinstance(schema, str)):
                groups.setdefault(url, []).append((name, schema, ds.table))
            # else: compiling the targets reports the bad option where it is written
        for url, items in groups.items():
            self.read_database(url, items)

    def read_database(self, url: str, items: list[tuple[str, str | None, str]]) -> None:
        readers = ", ".join(n for n, _, _ in items)
        try:
            found = reflect_tables(url, self.m.base_dir, [(s, t) for _, s, t in items])
        except ReflectionError as exc:
            plural = "s" if len(items) > 1 else ""
            self.problem(
                f"{exc.message} (needed by dataset{plural} {readers})",
                items[0][0],
                "check the target's url and that the database is running: a table: "
                "dataset reads its columns from it while planning",
            )
            return
        shapes: dict[str, ModelShape] = {}
        for name, schema, table in items:
            reflected = found.tables.get((schema, table))
            if reflected is None:
                self.missing_table(name, table, schema, found.names.get(schema, []))
            else:
                notes: list[GeneratedNote] = []
                shapes[name] = reflected_shape(reflected, name, notes)
                for note in notes:
                    if note.problem:
                        self.problem(
                            f"dataset '{name}': {note.message}",
                            name,
                            "give its inputs value specs under fields: that keep it in range",
                        )
                    else:
                        self.warnings.append(f"dataset '{name}': {note.message}")
        for warning in found.warnings:
            if self.resolved(warning, shapes.values()):
                continue
            unknown = warning.startswith("Did not recognize type")
            tail = "; give that column a spec under fields: or exclude it" if unknown else ""
            self.warnings.append(f"reading the tables of {readers}: {warning}{tail}")
        for name, shape in shapes.items():
            self.unknown_types(name, shape)
        self.shapes.update(shapes)

    @staticmethod
    def resolved(warning: str, shapes: Any) -> bool:
        """Is ``warning`` about a type seedrunner knows after all (``xml``)?"""
        m = _UNRECOGNIZED.match(warning)
        if m is None:
            return False
        fields = [s.field(m["column"]) for s in shapes]
        return bool(fields) and all(f is not None and _known(f.type) for f in fields)

    def unknown_types(self, name: str, shape: ModelShape) -> None:
        """A column of a type seedrunner cannot fill and no spec fills: NOT NULL without a
        default is a problem; otherwise it is left to the database, with a warning."""
        ds = self.m.spec.datasets[name]
        for f in shape.fields:
            if f.generated or f.name in ds.fields or f.name in ds.exclude or _known(f.type):
                continue
            what = f"column '{f.name}' of table '{shape.table_name}' has type {_sql(f.type)}"
            if f.required:
                self.problem(
                    f"dataset '{name}': {what}, which seedrunner cannot generate",
                    name,
                    f"give it a value spec under fields: (e.g. fields: {{{f.name}: ...}} with "
                    f"a value the database accepts as {_sql(f.type)})",
                )
            else:
                self.warnings.append(
                    f"dataset '{name}': {what}, which seedrunner cannot generate; it is left "
                    "to the database (NULL or its default): give it a spec under fields: to "
                    "fill it"
                )
                f.generated = True

    def no_sql_target(self, name: str) -> None:
        sql = [t for t, o in self.m.targets.items() if o.get("handler") == "sqlalchemy"]
        self.problem(
            "a table: dataset needs a sqlalchemy target to read its columns from; "
            "add one or declare model:",
            name,
            f"target '{sql[0]}' has handler sqlalchemy: add it to this dataset's persist"
            if sql
            else "e.g. targets: {db: {handler: sqlalchemy, url: ...}} and persist: [db]",
        )

    def missing_table(self, name: str, table: str, schema: str | None, existing: list[str]) -> None:
        where = f"schema '{schema}'" if schema else "the database"
        shown = ", ".join(existing[:20]) + (", ..." if len(existing) > 20 else "")
        self.problem(
            f"dataset '{name}': table '{table}' not found in {where}",
            name,
            did_you_mean(table, existing)
            or (f"tables there: {shown}" if existing else None)
            or "create the table first: for a table: dataset seedrunner writes rows, not schema",
        )


def _known(t: TypeShape) -> bool:
    """Can seedrunner generate values of ``t`` (not an unknown database type, also inside)?"""
    if t.kind == "any" and t.sql_type is not None:
        return False
    return t.item is None or _known(t.item)


def _sql(t: TypeShape) -> str:
    if t.item is not None and t.sql_type is None:
        return f"{_sql(t.item)}[]"
    return t.sql_type or t.kind


def table_shapes(
    m: Manifest, names: Sequence[str], out: ProblemCollector, warnings: list[str]
) -> dict[str, ModelShape]:
    """Reflected shapes of the ``table:`` datasets ``names``; problems go to ``out``.

    A dataset whose table cannot be read is missing from the result (its problem says why).
    """
    reader = _TableReader(m, out, warnings)
    reader.read(names)
    return reader.shapes
