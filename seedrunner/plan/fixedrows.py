"""Fixed rows: datasets that give their rows (``rows:`` inline, or ``from:`` a file).

Read once while planning: every value is converted to its field's type (``models.cells``)
and checked by the model or table's own row check, so a bad cell is a located problem
(``data/countries.csv:4: column 'population' is not an integer``) before anything is
written.  The dataset's count is the number of rows; fields the rows do not give are
generated as usual (ids 1..N, ...).  Each given field becomes a ``RowsColumn`` over the
rows, so batches, the ledger, re-apply, ``destroy`` and ``--replace`` treat them like
generated rows; the rows' digest goes into the dataset's fingerprint, so an edited file
shows in ``plan`` as a changed dataset.

Memory: up to ``FIXED_ROWS_HELD`` rows (reference data: countries, currencies, statuses)
are held, converted, for the run.  A longer CSV or JSONL file is read twice instead:
streamed once while planning (converted, checked and hashed a chunk at a time, keeping the
byte offset of every 1,024th row), then a batch at a time at apply (``FileWindow``), so
memory stays flat whatever its length.  Inline ``rows:`` and ``.json`` (one document)
are held, so a longer list there is a plan problem.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from seedrunner.errors import Problem, ProblemCollector, SourceLocation
from seedrunner.generate.columns import Column
from seedrunner.generate.picks import RowReader, RowsColumn
from seedrunner.manifest import schema as S
from seedrunner.manifest.loader import Manifest
from seedrunner.manifest.locate import did_you_mean
from seedrunner.models.cells import CellError, convert_cell
from seedrunner.models.shape import FieldShape, ModelShape, TypeShape
from seedrunner.models.validate import RowValidator
from seedrunner.plan.rowfiles import (
    FileWindow,
    RowFileError,
    csv_header,
    file_stamp,
    read_rows,
    resolve_rows_path,
)

#: the most fixed rows one dataset may give (they are held in memory for the run)
FIXED_ROWS_HELD = 100_000
CODE = "SR-E044"  # a given value that does not fit its field
_MAX_PROBLEMS = 20
_CHECK_EVERY = 1_000
_INDEX_EVERY = 1_024
_TOO_MANY = (
    f"more than {FIXED_ROWS_HELD:,} fixed rows: rows: and .json files are held in memory; "
    "give a longer list as .csv or .jsonl (read in batches)"
)


@dataclass
class FixedRows:
    """A dataset's given rows, typed: how many, the fields they give, and how to read them."""

    count: int
    fields: list[str]
    digest: str
    window: RowReader  # rows(start, n): held rows, or a FileWindow over a large file

    def columns(self) -> dict[str, Column]:
        return {f: RowsColumn(self.window, f) for f in self.fields}


def _held(rows: list[dict[str, Any]]) -> RowReader:
    def window(start: int, n: int) -> Sequence[dict[str, Any]]:
        return rows[start : start + n]

    return window


class _Loader:
    """Reads, converts and checks one dataset's fixed rows, collecting located problems."""

    def __init__(self, m: Manifest, name: str, ds: S.DatasetSpec, shape: ModelShape) -> None:
        self.m, self.name, self.ds, self.shape = m, name, ds, shape
        self.problems: list[Problem] = []
        self.file: str | None = None  # the data file as shown in messages
        self.given: list[str] = []
        self.rejected: set[str] = set()
        self.validator = RowValidator(shape)
        self.path, self.fmt = Path(), ""  # a from: file, once resolved
        self.header: list[str] | None = None
        self.stamp = (0, 0)
        self.failed: set[tuple[int, str]] = set()  # (row, field) that did not convert

    def at(
        self, message: str, *parts: str | int, hint: str | None = None, code: str = CODE
    ) -> None:
        where = ("datasets", self.name, *parts)
        self.problems.append(self.m.source.problem(message, where, hint=hint, code=code))

    def in_file(self, message: str, line: int, hint: str | None = None) -> None:
        assert self.file is not None
        loc = SourceLocation(self.file, max(line, 1), 1)
        path = f"datasets.{self.name}.from"
        self.problems.append(Problem(message, location=loc, path=path, hint=hint, code=CODE))

    def row_problem(self, where: int, message: str) -> None:
        """A problem with one row: a line of the file, or an item of ``rows:``."""
        if self.file is not None:
            self.in_file(message, where)
        else:
            self.at(message, "rows", where)

    # ------------------------------------------------------------------ reading
    def source(self) -> Iterator[tuple[int, dict[str, Any], bool, int]]:
        """(line or index, raw values, values are text, byte offset or -1) for every row."""
        if self.ds.rows is not None:
            for i, row in enumerate(self.ds.rows):
                yield i, row, False, -1
            return
        assert self.ds.from_ is not None
        try:
            path, fmt = resolve_rows_path(self.ds.from_, self.m.base_dir)
            self.file = _shown(self.m, path)
            self.path, self.fmt, self.stamp = path, fmt, file_stamp(path)
            self.header = csv_header(path) if fmt == "csv" else None
        except RowFileError as exc:
            if self.file is None:
                self.at(exc.message, "from", hint=exc.hint, code="SR-E020")
            else:
                self.in_file(f"{self.file} {exc.message}", exc.line, exc.hint)
            return
        try:
            for found in read_rows(path, fmt):
                yield found.line, found.values, fmt == "csv", found.offset
        except RowFileError as exc:
            self.in_file(f"{self.file} {exc.message}", exc.line, exc.hint)

    def load(self) -> FixedRows | None:
        if not self.usable():
            return None
        held: list[dict[str, Any]] | None = []
        offsets = array("q")  # where every _INDEX_EVERY-th row starts (files read in batches)
        chunk: list[dict[str, Any]] = []
        where: list[int] = []
        digest = hashlib.sha256()
        count = 0
        for place, raw, text, offset in self.source():
            if held is not None and count == FIXED_ROWS_HELD:
                if offset < 0:
                    self.row_problem(place, _TOO_MANY)
                    break
                held = None  # a long CSV or JSONL file: read again in batches at apply
            if offset >= 0 and count % _INDEX_EVERY == 0:
                offsets.append(offset)
            row = self.convert(place, raw, text)
            if held is not None:
                held.append(row)
            chunk.append(row)
            where.append(place)
            count += 1
            digest.update(json.dumps(raw, sort_keys=True, default=str).encode() + b"\n")
            if len(chunk) == _CHECK_EVERY:
                self.check(chunk, where)
                chunk, where = [], []
            if len(self.problems) >= _MAX_PROBLEMS:
                break
        else:
            if chunk:
                self.check(chunk, where)
        self.count_matches(count)
        if self.problems:
            return None
        window = _held(held) if held is not None else self.file_window(offsets)
        return FixedRows(count, self.given, digest.hexdigest()[:32], window)

    def file_window(self, offsets: array[int]) -> FileWindow:
        fields = {k: f for k in self.given if (f := self.shape.field(k)) is not None}
        text = self.fmt == "csv"

        def convert(raw: dict[str, Any]) -> dict[str, Any]:
            return {k: convert_cell(v, fields[k], text) for k, v in raw.items() if k in fields}

        return FileWindow(
            self.path, self.fmt, self.header, offsets, _INDEX_EVERY, self.stamp, convert,
            self.file or "",
        )  # fmt: skip

    def usable(self) -> bool:
        ds = self.ds
        if ds.rows is not None and ds.from_ is not None:
            self.at("give fixed rows with rows: or from:, not both", "from", code="SR-E030")
        if isinstance(ds.count, S.CountPerSpec):
            self.at(
                "a dataset with fixed rows has their number of rows: count.per does not apply",
                "count",
                hint="remove count:",
                code="SR-E030",
            )
        return not self.problems

    def count_matches(self, n: int) -> None:
        if n == 0 and not self.problems:
            self.at(
                "the fixed rows are empty",
                "rows" if self.ds.rows is not None else "from",
                hint="give at least one row, or drop the dataset",
                code="SR-E030",
            )
        # written in the manifest (a spec rebuilt by --replace carries the default count)
        key = ("datasets", self.name, "count")
        written = key in self.m.source.keys and isinstance(self.ds.count, int)
        if written and self.ds.count != n and not self.problems:
            self.at(
                f"count is {self.ds.count} but the fixed rows are {n}",
                "count",
                hint=f"remove count: (it is the number of rows), or write count: {n}",
                code="SR-E030",
            )

    # ------------------------------------------------------------------ typing
    def field(self, key: str, place: int) -> FieldShape | None:
        f = self.shape.field(key)
        if f is None and self.shape.kind == "schemaless":
            f = FieldShape(key, TypeShape("any"), optional=True, required=False)
            self.shape.fields.append(f)
        if key in self.rejected:
            return None
        why = None
        if f is None:
            why = f"model {self.shape.name} has no field '{key}'"
            hint = did_you_mean(key, self.shape.field_names)
        elif f.generated:
            why, hint = f"'{key}' is generated by the database", f"leave '{key}' out of the rows"
        elif key in self.ds.fields or key in self.ds.exclude:
            why = f"'{key}' is given by the rows and by fields: or exclude:"
            hint = "keep one of them"
        if why is not None:
            self.rejected.add(key)
            if self.file is not None:
                self.in_file(why, place, hint)
            else:
                self.at(f"fixed row {place}: {why}", "rows", place, key, hint=hint)
            return None
        if key not in self.given:
            self.given.append(key)
        return f

    def convert(self, place: int, raw: Mapping[str, Any], text: bool) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for key, value in raw.items():
            f = self.field(key, place)
            if f is None:
                continue
            try:
                row[key] = convert_cell(value, f, text)
            except CellError as exc:
                self.failed.add((place, key))
                self.cell_problem(place, key, value, str(exc))
        return row

    def cell_problem(self, place: int, key: str, value: Any, what: str) -> None:
        shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
        if self.file is not None:
            self.in_file(f"column '{key}': {shown} {what}", place)
        else:
            self.at(f"fixed row {place}: '{key}': {shown} {what}", "rows", place, key)

    def check(self, rows: list[dict[str, Any]], where: list[int]) -> None:
        """The model or table's own check, on the given fields only."""
        fields = list(self.given)
        check = self.validator.scoped(fields)
        if check is None:
            return
        columns = {f: [r.get(f) for r in rows] for f in fields}
        for p in check(columns, len(rows)):
            key = p.field.split(".")[0]
            if key not in fields or len(self.problems) >= _MAX_PROBLEMS:
                continue
            place = where[p.row]
            if (place, key) in self.failed:
                continue  # already said: it did not convert
            if self.file is not None:
                self.in_file(f"column '{key}': {p.message}", place)
            else:
                self.at(f"fixed row {place}: '{key}': {p.message}", "rows", place, key)


def _shown(m: Manifest, path: Path) -> str:
    """The data file as messages name it: beside the manifest's own display path."""
    try:
        return str(Path(m.display).parent / path.relative_to(m.base_dir.resolve()))
    except ValueError:
        return str(path)


def read_fixed_rows(
    m: Manifest, shapes: Mapping[str, ModelShape], out: ProblemCollector
) -> dict[str, FixedRows]:
    """The fixed rows of every dataset that gives some; problems go to ``out``.

    Schemaless datasets gain a field for every key their rows give.
    """
    found: dict[str, FixedRows] = {}
    for name, ds in m.spec.datasets.items():
        if (ds.rows is None and ds.from_ is None) or name not in shapes:
            continue
        loader = _Loader(m, name, ds, shapes[name])
        fixed = loader.load()
        out.extend(loader.problems)
        if fixed is not None:
            found[name] = fixed
    return found


__all__ = ["FIXED_ROWS_HELD", "FixedRows", "read_fixed_rows"]
