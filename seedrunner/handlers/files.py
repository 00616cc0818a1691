"""The ``jsonl``, ``json`` and ``csv`` handlers: one file per dataset step, all or nothing.

Rows go to a temporary file next to the destination; ``close(None)`` fsyncs it and
``os.replace``-s it into place, so a failed step leaves neither a file nor a partial one
(and an earlier good file stays untouched).  Paths resolve against the manifest folder
and may not leave it unless ``allow_outside: true``.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import tempfile
from pathlib import Path
from typing import IO, Any, ClassVar

from pydantic import Field

from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.jsonable import dumps, dumps_row, to_csv_cell


class FileOptions(HandlerOptions):
    path: str = Field(
        description="Output file; '{dataset}' and '{target}' are replaced, and a relative "
        "path resolves against the manifest's folder.",
    )
    encoding: str = Field(default="utf-8", description="Text encoding of the file.")
    allow_outside: bool = Field(
        default=False,
        description="Allow a path that resolves outside the manifest's folder.",
    )


class AppendableOptions(FileOptions):
    ledger: bool = Field(
        default=False,
        description="Append batch by batch and keep a ledger beside the file "
        "(<file>.seedrunner-ledger.json: rows and byte offset after each committed batch): "
        "apply again writes only what is missing, a second apply writes nothing.",
    )


class JsonlOptions(AppendableOptions):
    handler: str = Field(default="jsonl", description="Which handler this target uses.")


class JsonOptions(FileOptions):
    handler: str = Field(default="json", description="Which handler this target uses.")
    indent: int | None = Field(
        default=None, ge=0, description="Indent the JSON array by this many spaces."
    )


class CsvOptions(AppendableOptions):
    handler: str = Field(default="csv", description="Which handler this target uses.")
    delimiter: str = Field(default=",", min_length=1, max_length=1, description="Field separator.")
    header: bool = Field(default=True, description="Write a header line of column names.")


def render_path(template: str, *, dataset: str, target: str) -> str:
    """Fill in the placeholders; plain replacement, so no format-string attribute access."""
    return template.replace("{dataset}", dataset).replace("{target}", target)


def resolve_output_path(
    template: str, base_dir: Path, *, dataset: str, target: str, allow_outside: bool = False
) -> Path:
    """The absolute path a file handler will write, refused when it leaves ``base_dir``.

    Symlinks are resolved on both sides (realpath) before comparing, so a link inside
    the project pointing elsewhere counts as outside.  Usable at plan time, too.
    """
    text = render_path(template, dataset=dataset, target=target)
    if "\0" in text:
        raise HandlerError(f"output path {text!r} contains a NUL byte")
    if not text.strip():
        raise HandlerError("output path is empty")
    root = os.path.realpath(base_dir)
    full = os.path.realpath(os.path.join(root, text))
    if not allow_outside and os.path.commonpath([root, full]) != root:
        raise HandlerError(
            f"output path {text!r} resolves to {full}, outside the manifest folder {root}; "
            "set allow_outside: true on the target to allow it"
        )
    return Path(full)


class _FileHandler:
    """Temp file in the destination folder; replaced into place on success."""

    Options: ClassVar[type[HandlerOptions]]

    def __init__(self, options: FileOptions) -> None:
        self.options = options
        self.path: Path | None = None
        self._tmp: Path | None = None
        self._file: IO[str] | None = None
        self.ctx: HandlerContext | None = None
        self._ledger: FileLedger | None = None
        self.skipped_rows = 0

    def open(self, ctx: HandlerContext) -> None:
        self.ctx = ctx
        opts = self.options
        path = resolve_output_path(
            opts.path, ctx.base_dir, dataset=ctx.dataset, target=ctx.target,
            allow_outside=opts.allow_outside,
        )  # fmt: skip
        if getattr(opts, "ledger", False):
            self._open_ledger(ctx, path)
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            # Re-check: a folder created above may be a symlink planted meanwhile.
            resolve_output_path(
                str(path), ctx.base_dir, dataset="", target="", allow_outside=opts.allow_outside
            )
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
            self._tmp = Path(tmp)
            self._file = open(fd, "w", encoding=opts.encoding, newline="")  # noqa: SIM115
        except OSError as exc:
            self._discard()
            raise self._os_error("cannot open", path, exc) from None
        self.path = path
        try:
            self._guard(self._start)
        except BaseException:  # the executor only closes handlers that opened
            self._discard()
            raise

    def write(self, batch: Batch) -> Batch | None:
        if self._ledger is not None:
            self._write_ledgered(batch)
            return None
        self._guard(lambda: self._rows(batch))
        return None

    def close(self, error: BaseException | None) -> None:
        if self._ledger is not None:
            self._close_ledgered()
            return
        if error is not None or self._file is None:
            self._discard()
            return
        try:
            self._finish()
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            self._file = None
            assert self._tmp is not None
            assert self.path is not None
            os.replace(self._tmp, self.path)
            self._tmp = None
        except OSError as exc:
            self._discard()
            raise self._os_error("cannot write", self.path, exc) from None

    # -- ledger mode: append, one committed batch at a time ------------------------------

    def _open_ledger(self, ctx: HandlerContext, path: Path) -> None:
        """Open for appending after the last committed batch the ledger records; bytes
        after it (a batch cut short by a crash) are dropped first."""
        ledger = FileLedger.read(path, ctx.fingerprint)
        if ledger.fingerprint != ctx.fingerprint:
            raise HandlerError(
                f"{path} was written by a different spec of dataset '{ctx.dataset}'; restore "
                f"the spec, or remove {path.name} and {ledger.path.name} to write it anew"
            )
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            with open(path, "ab"):
                pass
            os.truncate(path, ledger.offset)
            self._file = open(path, "a", encoding=self.options.encoding, newline="")  # noqa: SIM115
        except OSError as exc:
            raise self._os_error("cannot open", path, exc) from None
        self.path, self._ledger = path, ledger
        self._guard(self._start if ledger.rows == 0 else self._resume)

    def _write_ledgered(self, batch: Batch) -> None:
        ledger = self._ledger
        assert ledger is not None
        if batch.stop <= ledger.rows:
            self.skipped_rows += batch.size
            return
        if batch.start < ledger.rows:  # the first rows are there already
            keep = ledger.rows - batch.start
            self.skipped_rows += keep
            batch = batch.replace_columns({k: v[keep:] for k, v in batch.columns.items()})
            batch.start = ledger.rows

        def commit() -> None:
            self._rows(batch)
            self.out.flush()
            os.fsync(self.out.fileno())
            ledger.commit(batch.stop, os.fstat(self.out.fileno()).st_size)

        self._guard(commit)

    def _close_ledgered(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None

    # -- subclasses -------------------------------------------------------------------

    def _start(self) -> None:
        """Write what precedes the rows (a '[' or a header)."""

    def _resume(self) -> None:
        """Get ready to append rows after those already in the file (ledger mode)."""

    def _rows(self, batch: Batch) -> None:
        raise NotImplementedError

    def _finish(self) -> None:
        """Write what follows the rows."""

    # -- helpers ----------------------------------------------------------------------

    @property
    def out(self) -> IO[str]:
        assert self._file is not None, "handler used before open() or after close()"
        return self._file

    def _guard(self, action: Any) -> None:
        try:
            action()
        except OSError as exc:
            raise self._os_error("cannot write", self.path, exc) from None
        except (TypeError, ValueError, UnicodeError) as exc:
            where = self.ctx.dataset if self.ctx else "?"
            raise HandlerError(
                f"cannot write dataset '{where}' to {self.path}: {type(exc).__name__}: {exc}"
            ) from None

    def _os_error(self, what: str, path: Path | None, exc: OSError) -> HandlerError:
        reason = exc.strerror or str(exc)
        return HandlerError(f"{what} {path}: {reason}")

    def _discard(self) -> None:
        if self._file is not None:
            with contextlib.suppress(OSError):
                self._file.close()
            self._file = None
        if self._tmp is not None:
            with contextlib.suppress(FileNotFoundError):
                self._tmp.unlink()
            self._tmp = None


class JsonlHandler(_FileHandler):
    """One JSON object per line (JSON Lines), in the dataset's field order."""

    name: ClassVar[str] = "jsonl"
    Options: ClassVar[type[HandlerOptions]] = JsonlOptions

    def __init__(self, options: JsonlOptions) -> None:
        super().__init__(options)

    def _rows(self, batch: Batch) -> None:
        self.out.write("".join(dumps_row(r) + "\n" for r in batch.records()))


class JsonHandler(_FileHandler):
    """One JSON array of row objects, streamed so memory stays bounded by the batch."""

    name: ClassVar[str] = "json"
    Options: ClassVar[type[HandlerOptions]] = JsonOptions

    def __init__(self, options: JsonOptions) -> None:
        super().__init__(options)
        self.indent = options.indent
        self._count = 0

    def _start(self) -> None:
        self.out.write("[")

    def _rows(self, batch: Batch) -> None:
        parts = []
        for row in batch.records():
            sep = "," if self._count else ""
            if self.indent is None:
                parts.append(sep + dumps_row(row))
            else:
                pad = " " * self.indent
                text = dumps(row, indent=self.indent).replace("\n", "\n" + pad)
                parts.append(f"{sep}\n{pad}{text}")
            self._count += 1
        self.out.write("".join(parts))

    def _finish(self) -> None:
        self.out.write("\n]\n" if self.indent is not None and self._count else "]\n")


class CsvHandler(_FileHandler):
    """Comma-separated rows: None is empty, nested values are JSON text (RFC 4180 quoting)."""

    name: ClassVar[str] = "csv"
    Options: ClassVar[type[HandlerOptions]] = CsvOptions

    def __init__(self, options: CsvOptions) -> None:
        super().__init__(options)
        self.csv_options = options
        self._columns: list[str] = []
        self._writer: Any = None

    def _start(self) -> None:
        self._resume()
        if self.csv_options.header and self._columns:
            self._writer.writerow(self._columns)

    def _resume(self) -> None:
        assert self.ctx is not None
        self._columns = list(self.ctx.fields)
        self._writer = csv.writer(self.out, delimiter=self.csv_options.delimiter)

    def _rows(self, batch: Batch) -> None:
        extra = [n for n in batch.names if n not in self._columns]
        if extra:
            raise ValueError(f"batch has columns not in the dataset's fields: {', '.join(extra)}")
        n = batch.size
        cols = [batch.columns.get(c, [None] * n) for c in self._columns]
        self._writer.writerows([to_csv_cell(v) for v in row] for row in zip(*cols, strict=True))


class FileLedger:
    """``<file>.seedrunner-ledger.json``: the dataset fingerprint, the rows committed and the
    file's size after them.  Replaced atomically after each batch is on disk (fsync), so it
    never claims bytes the file lacks; bytes beyond it are a batch cut short, dropped on
    the next open."""

    def __init__(self, path: Path, fingerprint: str, rows: int = 0, offset: int = 0) -> None:
        self.path, self.fingerprint, self.rows, self.offset = path, fingerprint, rows, offset

    @classmethod
    def read(cls, target: Path, fingerprint: str) -> FileLedger:
        path = target.with_name(target.name + ".seedrunner-ledger.json")
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            return cls(path, fingerprint)
        except (OSError, ValueError) as exc:
            raise HandlerError(f"cannot read the ledger {path}: {exc}") from None
        return cls(path, str(data["fingerprint"]), int(data["rows"]), int(data["offset"]))

    def commit(self, rows: int, offset: int) -> None:
        self.rows, self.offset = rows, offset
        data = {
            "schema_version": 1,
            "fingerprint": self.fingerprint,
            "rows": rows,
            "offset": offset,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data))
        os.replace(tmp, self.path)
