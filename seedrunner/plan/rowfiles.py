"""Fixed-rows files beside the manifest: CSV with a header, a JSON list of objects, JSONL.

Each row comes with the line it starts on (CSV: the line its record ends on), so a bad cell
is reported as ``data/countries.csv:4``.  Paths are relative to the manifest and may not
leave its folder tree (symlinks resolved first, as for output files).  Files are read
streaming, a row at a time, except JSON, whose one document is parsed whole; CSV and JSONL
rows carry their byte offset, so a later read can start at any of them.
"""

from __future__ import annotations

import csv
import json
import os
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from seedrunner.errors import GenerationError

FORMATS = {".csv": "csv", ".json": "json", ".jsonl": "jsonl", ".ndjson": "jsonl"}


class RowFileError(Exception):
    """The file, or one of its rows, cannot be read; ``line`` is 0 when it is the file."""

    def __init__(self, message: str, line: int = 0, hint: str | None = None) -> None:
        super().__init__(message)
        self.message, self.line, self.hint = message, line, hint


@dataclass(frozen=True)
class FileRow:
    line: int  # 1-based line of the row in its file
    values: dict[str, Any]
    offset: int = -1  # byte offset where the row starts (CSV, JSONL); -1: not addressable


def resolve_rows_path(text: str, base_dir: Path) -> tuple[Path, str]:
    """The absolute path of a ``from:`` file and its format; refused outside ``base_dir``."""
    if "\0" in text or not text.strip():
        raise RowFileError(f"from: {text!r} is not a file name")
    root = os.path.realpath(base_dir)
    full = os.path.realpath(os.path.join(root, text))
    if os.path.commonpath([root, full]) != root:
        raise RowFileError(
            f"from: {text!r} resolves to {full}, outside the manifest folder {root}",
            hint="keep fixed-rows files in the manifest's folder (or one below it)",
        )
    fmt = FORMATS.get(Path(full).suffix.lower())
    if fmt is None:
        raise RowFileError(
            f"from: {text!r} is not a .csv, .json or .jsonl file",
            hint="name the file .csv (with a header), .json (a list of objects) or .jsonl",
        )
    if not Path(full).is_file():
        raise RowFileError(f"from: {text!r}: no such file ({full})")
    return Path(full), fmt


def read_rows(
    path: Path, fmt: str, offset: int = 0, header: list[str] | None = None
) -> Iterator[FileRow]:
    """The rows of ``path`` in order; raises ``RowFileError`` at the first unreadable one.

    CSV and JSONL can start at the byte ``offset`` of a row (``FileRow.offset``), a CSV then
    with its ``header`` given; line numbers then count from there.
    """
    try:
        if fmt == "csv":
            yield from _csv_rows(path, offset, header)
        elif fmt == "jsonl":
            yield from _jsonl_rows(path, offset)
        else:
            yield from _json_rows(path)
    except UnicodeDecodeError as exc:
        raise RowFileError(f"is not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise RowFileError(f"cannot be read: {exc.strerror or exc}") from None


class _Lines:
    """A binary file's lines as text, keeping the byte offset of the next line."""

    def __init__(self, fh: BinaryIO, offset: int) -> None:
        self.fh = fh
        self.pos = offset
        fh.seek(offset)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.fh.readline()
        if not raw:
            raise StopIteration
        first = self.pos == 0
        self.pos += len(raw)
        return raw.decode("utf-8-sig" if first else "utf-8")


def _csv_rows(path: Path, offset: int, header: list[str] | None) -> Iterator[FileRow]:
    with path.open("rb") as fh:
        lines = _Lines(fh, offset)
        reader = csv.DictReader(lines, fieldnames=header, strict=True)
        if header is None:
            _check_header(reader.fieldnames)
        try:
            while True:
                start = lines.pos
                row = next(reader, None)
                if row is None:
                    return
                if None in row:
                    raise RowFileError("has more cells than the header names", reader.line_num)
                if any(v is None for v in row.values()):
                    raise RowFileError("has fewer cells than the header names", reader.line_num)
                yield FileRow(reader.line_num, row, start)
        except csv.Error as exc:
            raise RowFileError(f"is not valid CSV: {exc}", reader.line_num) from None


def csv_header(path: Path) -> list[str]:
    """The column names of a CSV file (its first record)."""
    try:
        with path.open("rb") as fh:
            header = csv.DictReader(_Lines(fh, 0), strict=True).fieldnames
    except UnicodeDecodeError as exc:
        raise RowFileError(f"is not UTF-8 text ({exc.reason})", 1) from None
    except OSError as exc:
        raise RowFileError(f"cannot be read: {exc.strerror or exc}") from None
    except csv.Error as exc:
        raise RowFileError(f"is not valid CSV: {exc}", 1) from None
    _check_header(header)
    assert header is not None
    return list(header)


def _check_header(header: Sequence[str] | None) -> None:
    if not header:
        raise RowFileError("has no header line (the first line names the columns)", 1)
    if any(not (h or "").strip() for h in header):
        raise RowFileError("has an empty column name in its header", 1)
    seen = [h for i, h in enumerate(header) if h in header[:i]]
    if seen:
        raise RowFileError(f"names column '{seen[0]}' twice in its header", 1)


_JSON_KINDS = {"list": "a list", "str": "a string", "bool": "a boolean", "NoneType": "null"}


def _object(value: Any, line: int) -> dict[str, Any]:
    if not isinstance(value, dict):
        kind = _JSON_KINDS.get(type(value).__name__, "a number")
        raise RowFileError(f"holds {kind}, not an object (one row)", line)
    return value


def _jsonl_rows(path: Path, offset: int) -> Iterator[FileRow]:
    with path.open("rb") as fh:
        lines = _Lines(fh, offset)
        number = 0
        while True:
            start = lines.pos
            text = next(lines, None)
            if text is None:
                return
            number += 1
            if not text.strip():
                continue
            try:
                value = json.loads(text)
            except json.JSONDecodeError as exc:
                raise RowFileError(f"is not valid JSON: {exc.msg}", number) from None
            yield FileRow(number, _object(value, number), start)


def _json_rows(path: Path) -> Iterator[FileRow]:
    """Items of the top-level list, decoded one by one so each keeps its line."""
    text = path.read_text(encoding="utf-8-sig")
    decoder = json.JSONDecoder()
    pos, line, counted = _skip(text, 0), 1, 0

    def line_at(p: int) -> int:
        nonlocal line, counted
        line += text.count("\n", counted, p)
        counted = p
        return line

    if pos >= len(text) or text[pos] != "[":
        raise RowFileError("must hold a JSON list of objects ([{...}, ...])", line_at(pos))
    pos = _skip(text, pos + 1)
    first = True
    while pos < len(text) and text[pos] != "]":
        if not first:
            if text[pos] != ",":
                raise RowFileError("is not valid JSON: expected ',' or ']'", line_at(pos))
            pos = _skip(text, pos + 1)
        first = False
        try:
            value, end = decoder.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            raise RowFileError(f"is not valid JSON: {exc.msg}", line_at(exc.pos)) from None
        yield FileRow(line_at(pos), _object(value, line_at(pos)))
        pos = _skip(text, end)
    if pos >= len(text) or _skip(text, pos + 1) != len(text):
        raise RowFileError("is not valid JSON: the list is not closed", line_at(pos))


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n":
        pos += 1
    return pos


@dataclass
class FileWindow:
    """Rows ``start .. start+n`` of a CSV or JSONL file, read when asked (apply's batches).

    ``offsets[k]`` is where row ``k * every`` starts, so a batch seeks to the nearest entry
    before it and reads forward: memory holds one batch, plus 8 bytes per ``every`` rows.
    ``stamp`` (size, mtime) is the file's as the plan read it: a file changed since is an
    error, not other rows.  The last window is kept, since every given field asks for it.
    """

    path: Path
    fmt: str
    header: list[str] | None
    offsets: Sequence[int]
    every: int
    stamp: tuple[int, int]
    convert: Callable[[dict[str, Any]], dict[str, Any]]
    shown: str = ""
    _last: tuple[int, int, list[dict[str, Any]]] | None = None

    def __call__(self, start: int, n: int) -> list[dict[str, Any]]:
        if self._last is not None and self._last[:2] == (start, n):
            return self._last[2]
        if file_stamp(self.path) != self.stamp:
            raise GenerationError(
                f"{self.shown or self.path} changed after the plan was made; plan again"
            )
        k = start // self.every
        skip = start - k * self.every
        rows: list[dict[str, Any]] = []
        if k >= len(self.offsets):  # past the file's rows
            return rows
        for row in read_rows(self.path, self.fmt, self.offsets[k], self.header):
            if skip:
                skip -= 1
                continue
            rows.append(self.convert(row.values))
            if len(rows) == n:
                break
        self._last = (start, n, rows)
        return rows


def file_stamp(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns
