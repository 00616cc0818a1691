"""The ``jsonl``, ``json`` and ``csv`` handlers: one file per dataset step, all or nothing.

Rows go to a temporary file next to the destination; ``close(None)`` fsyncs it and
``os.replace``-s it into place, so a failed step leaves neither a file nor a partial one
(and an earlier good file stays untouched).  With ``ledger: true`` the file is appended to
one committed batch at a time instead, with a ledger beside it (fileledger.py), so apply
resumes after a crash and destroy removes the file.  Paths resolve against the manifest
folder and may not leave it unless ``allow_outside: true``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import os
import tempfile
from pathlib import Path
from typing import IO, Any, ClassVar

from pydantic import Field

from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.jsonable import dumps, dumps_row, to_csv_cell
from seedrunner.ledger.fileledger import FileLedger, TargetLock, ledger_path
from seedrunner.ledger.spec import LedgerSite, LedgerSpec


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

    def output_path(self, base_dir: Path, *, dataset: str, target: str) -> Path:
        """The file this target writes for ``dataset`` (see resolve_output_path)."""
        return resolve_output_path(
            self.path, base_dir, dataset=dataset, target=target, allow_outside=self.allow_outside
        )


class AppendableOptions(FileOptions):
    ledger: bool = Field(
        default=False,
        description="Append batch by batch and keep a ledger beside the file "
        "(<file>.seedrunner-ledger.json: rows and byte offset after each committed batch): "
        "apply again writes only what is missing, a second apply writes nothing, destroy "
        "removes the file.",
    )

    def ledger_spec(self, site: LedgerSite) -> LedgerSpec | None:
        """A ``file`` ledger beside the file, with ``ledger: true``."""
        if not self.ledger:
            return None
        path = self.output_path(site.base_dir, dataset=site.dataset, target=site.target)
        return LedgerSpec("file", path=path)


class JsonlOptions(AppendableOptions):
    handler: str = Field(default="jsonl", description="Which handler this target uses.")


class JsonOptions(AppendableOptions):
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
    """Temp file in the destination folder, replaced into place on success; or, with a
    ledger, the file itself, appended one committed batch at a time (see fileledger)."""

    Options: ClassVar[type[HandlerOptions]]

    @classmethod
    def without_ledger(cls) -> str:
        return "writes the file anew on every apply (seedrunner owns the whole file)"

    def __init__(self, options: AppendableOptions) -> None:
        self.options = options
        self.path: Path | None = None
        self._tmp: Path | None = None
        self._file: IO[str] | None = None
        self.ctx: HandlerContext | None = None
        self._ledger: FileLedger | None = None
        self._fd: int | None = None  # ledger mode: the file, written in bytes at offsets
        self._lock: TargetLock | None = None
        self._encoder: codecs.IncrementalEncoder | None = None
        self._closing = 0  # ledger mode: bytes at the end the next batch overwrites (']')
        self.skipped_rows = 0

    def open(self, ctx: HandlerContext) -> None:
        self.ctx = ctx
        opts = self.options
        path = opts.output_path(ctx.base_dir, dataset=ctx.dataset, target=ctx.target)
        if opts.ledger:
            self._open_ledger(ctx, path)
            return
        try:
            self._make_folder(path)
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
        self._guard(lambda: self.out.write(self._rows(batch)))
        return None

    def close(self, error: BaseException | None) -> None:
        if self._ledger is not None:
            self._close_ledgered(error)
            return
        if error is not None or self._file is None:
            self._discard()
            return
        try:
            self._file.write(self._tail())
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

    def _make_folder(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        assert self.ctx is not None
        # Re-check: a folder created above may be a symlink planted meanwhile.
        resolve_output_path(
            str(path), self.ctx.base_dir, dataset="", target="",
            allow_outside=self.options.allow_outside,
        )  # fmt: skip

    # -- ledger mode: append, one committed batch at a time ------------------------------

    def _open_ledger(self, ctx: HandlerContext, path: Path) -> None:
        """Take the file's lock, then open it for appending (see _open_locked)."""
        self.path = path
        self._guard(lambda: self._make_folder(path))
        self._lock = TargetLock.take(path, ctx.run_id, ctx.ledger_step.lock_timeout)
        try:
            self._open_locked(ctx, path)
        except BaseException as e:  # the executor only closes handlers that opened
            self._close_ledgered(e)
            raise

    def _open_locked(self, ctx: HandlerContext, path: Path) -> None:
        """Open for appending after the last committed batch the ledger records: a write
        cut short is dropped first; a file someone else changed is refused (FileChanged);
        a file without a ledger (or a ledger without its file) is written anew."""
        ledger = FileLedger.read(path)
        exists = path.exists()
        if ledger is not None and exists and ledger.offset > ledger.start:
            if ledger.fingerprint != ctx.ledger_step.fingerprint:
                raise HandlerError(
                    f"{path} was written by a different spec of dataset '{ctx.dataset}'; "
                    f"restore the spec, or run seedrunner destroy (it removes {path.name}) "
                    "and apply again"
                )
            ledger.check(path)
            self._guard(lambda: self._reopen(path, ledger))
            return
        if ledger is not None and not exists:
            ledger.remove()  # it describes a file that is gone
        self._guard(lambda: self._create(path, ctx.ledger_step.fingerprint))

    def _create(self, path: Path, fingerprint: str) -> None:
        self._fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_TRUNC, 0o666)
        self._encoder = codecs.getincrementalencoder(self.options.encoding)()
        self._ledger = FileLedger(ledger_path(path), fingerprint)
        self._resume(0)
        self._append(self._head(), 0)

    def _reopen(self, path: Path, ledger: FileLedger) -> None:
        self._fd = os.open(path, os.O_RDWR)
        self._encoder = codecs.getincrementalencoder(self.options.encoding)()
        with contextlib.suppress(Exception):
            self._encoder.setstate(0)  # appending: no second byte-order mark (utf-16)
        self._ledger = ledger
        self._resume(ledger.rows)
        self._closing = len(self._encode(self._tail()))
        if ledger.writing is not None:
            self._restore()

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
        self._guard(lambda: self._append(self._rows(batch), batch.stop))

    def _append(self, text: str, rows: int) -> None:
        """Write ``text`` and the file's closing over the closing now at its end, in the
        ledger's order: record the write, write and fsync, record the rows."""
        ledger, fd = self._opened()
        body = self._encode(text)  # rendered first: the closing depends on the rows
        closing = self._encode(self._tail())
        at = ledger.offset - self._closing
        end = at + len(body) + len(closing)
        ledger.begin(end)
        _write_at(fd, body + closing, at)
        os.fsync(fd)
        ledger.commit(rows, end)
        self._closing = len(closing)

    def _restore(self) -> None:
        """Drop a write cut short: put back the closing it began to overwrite, cut the
        file at the ledger's offset, fsync, and record that nothing is in flight."""
        ledger, fd = self._opened()
        self._resume(ledger.rows)
        closing = self._encode(self._tail()) if ledger.offset > ledger.start else b""
        _write_at(fd, closing, ledger.offset - len(closing))
        os.ftruncate(fd, ledger.offset)
        os.fsync(fd)
        ledger.commit(ledger.rows, ledger.offset)
        self._closing = len(closing)

    def _close_ledgered(self, error: BaseException | None) -> None:
        """A failed step leaves the file as its last committed batch did (best effort:
        if even that fails, the next apply drops the torn tail); then the lock goes."""
        try:
            torn = self._ledger is not None and self._ledger.writing is not None
            if self._fd is not None and error is not None and torn:
                with contextlib.suppress(OSError):
                    self._restore()
        finally:
            if self._fd is not None:
                with contextlib.suppress(OSError):
                    os.close(self._fd)
                self._fd = None
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def _opened(self) -> tuple[FileLedger, int]:
        assert self._ledger is not None, "ledger mode used before open()"
        assert self._fd is not None, "ledger mode used before open() or after close()"
        return self._ledger, self._fd

    def _encode(self, text: str) -> bytes:
        assert self._encoder is not None
        return self._encoder.encode(text)

    # -- subclasses -------------------------------------------------------------------

    def _start(self) -> None:
        """Write what precedes the rows (without a ledger)."""
        self._resume(0)
        self.out.write(self._head())

    def _resume(self, rows: int) -> None:
        """Get ready to render rows after ``rows`` rows already in the file."""

    def _head(self) -> str:
        """What precedes the rows: a '[' or a header."""
        return ""

    def _rows(self, batch: Batch) -> str:
        raise NotImplementedError

    def _tail(self) -> str:
        """What follows the rows rendered so far (a ']')."""
        return ""

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
        except (TypeError, ValueError, UnicodeError, LookupError) as exc:
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


def _write_at(fd: int, data: bytes, at: int) -> None:
    """Write all of ``data`` at offset ``at`` (os.write may write part of it)."""
    os.lseek(fd, at, os.SEEK_SET)
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]


class JsonlHandler(_FileHandler):
    """One JSON object per line (JSON Lines), in the dataset's field order."""

    name: ClassVar[str] = "jsonl"
    Options: ClassVar[type[HandlerOptions]] = JsonlOptions

    def __init__(self, options: JsonlOptions) -> None:
        super().__init__(options)

    def _rows(self, batch: Batch) -> str:
        return "".join(dumps_row(r) + "\n" for r in batch.records())


class JsonHandler(_FileHandler):
    """One JSON array of row objects, streamed so memory stays bounded by the batch.  With a
    ledger, each batch overwrites the closing ']' and writes it again after its rows, so
    the file is a whole JSON document after every committed batch."""

    name: ClassVar[str] = "json"
    Options: ClassVar[type[HandlerOptions]] = JsonOptions

    def __init__(self, options: JsonOptions) -> None:
        super().__init__(options)
        self.indent = options.indent
        self._count = 0

    def _resume(self, rows: int) -> None:
        self._count = rows

    def _head(self) -> str:
        return "["

    def _rows(self, batch: Batch) -> str:
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
        return "".join(parts)

    def _tail(self) -> str:
        return "\n]\n" if self.indent is not None and self._count else "]\n"


class CsvHandler(_FileHandler):
    """Comma-separated rows: None is empty, nested values are JSON text (RFC 4180 quoting)."""

    name: ClassVar[str] = "csv"
    Options: ClassVar[type[HandlerOptions]] = CsvOptions

    def __init__(self, options: CsvOptions) -> None:
        super().__init__(options)
        self.csv_options = options
        self._columns: list[str] = []
        self._buffer = io.StringIO()
        self._writer: Any = None

    def _resume(self, rows: int) -> None:
        assert self.ctx is not None
        self._columns = list(self.ctx.fields)
        self._writer = csv.writer(self._buffer, delimiter=self.csv_options.delimiter)

    def _head(self) -> str:
        if self.csv_options.header and self._columns:
            self._writer.writerow(self._columns)
        return self._take()

    def _rows(self, batch: Batch) -> str:
        extra = [n for n in batch.names if n not in self._columns]
        if extra:
            raise ValueError(f"batch has columns not in the dataset's fields: {', '.join(extra)}")
        n = batch.size
        cols = [batch.columns.get(c, [None] * n) for c in self._columns]
        self._writer.writerows([to_csv_cell(v) for v in row] for row in zip(*cols, strict=True))
        return self._take()

    def _take(self) -> str:
        """What the csv writer wrote since the last call."""
        text = self._buffer.getvalue()
        self._buffer.seek(0)
        self._buffer.truncate()
        return text
