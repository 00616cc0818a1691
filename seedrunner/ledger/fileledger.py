"""The ledger of a file target: ``<file>.seedrunner-ledger.json`` beside the file.

It says which bytes of the file are seedrunner's, so apply can resume after a crash and
destroy can take them away, and so neither touches bytes that someone else wrote.

Schema (``schema_version`` 1; fields added later must be optional, so older ledgers read):

- ``fingerprint``: the dataset fingerprint whose rows the file holds;
- ``rows``: rows committed (rows 0 .. rows-1 of the dataset, in order);
- ``offset``: the file's size once they (and what closes the file, e.g. a JSON ``]``) are
  on disk;
- ``start``: where seedrunner's bytes begin.  Always 0: a file without a ledger is written
  anew, so a CSV header and a JSON ``[`` are seedrunner's and destroy removes the file;
- ``writing``: null, or the size the file will have once the write in flight is on disk.

Each append happens in this order, so a crash at any point leaves a state the next apply
(or destroy) understands:

1. the ledger records ``writing`` (atomic replace): bytes up to there are ours;
2. the bytes are written (from ``offset`` minus the closing text they replace) and fsynced;
3. the ledger records the new ``rows`` and ``offset`` and clears ``writing``.

So the file's size is always ``offset``, or between ``offset`` and ``writing`` (a write
cut short, dropped on the next open).  Any other size means the file changed since
seedrunner wrote it (an application appended to it, someone edited or truncated it):
apply and destroy refuse it and leave it as it is, rather than cut someone's data.
The ledger itself is not fsynced (see FileLedger.save): that holds for any crash of the
process; after a power loss the ledger may lag behind the file, never lead it.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

from seedrunner.errors import HandlerError
from seedrunner.ledger.locks import FileLock, acquire, me

SUFFIX = ".seedrunner-ledger.json"


def ledger_path(target: Path) -> Path:
    """Where the ledger of the file ``target`` lives."""
    return target.with_name(target.name + SUFFIX)


class TargetLock(FileLock):
    """One apply (or destroy) at a time per file: an exclusive ``flock`` on
    ``<file>.seedrunner-lock``, which names its holder and dies with its process.  Destroy
    removes the lock file while holding it, so a lock taken on a file that is gone by
    then is taken again on the new one."""

    def __init__(self, target: Path) -> None:
        super().__init__(target.with_name(target.name + ".seedrunner-lock"))

    def try_acquire(self) -> bool:
        while super().try_acquire():
            try:
                if os.stat(self.path).st_ino == os.fstat(self.fd).st_ino:
                    return True
            except FileNotFoundError:
                pass
            os.close(self.fd)
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        return False

    @classmethod
    def take(cls, target: Path, run_id: str, timeout: float) -> TargetLock:
        """The lock of ``target`` (waiting up to ``timeout`` s), or HandlerError naming
        who holds it."""
        lock = cls(target)
        acquire(lock, str(target), me(run_id), timeout)
        return lock


class FileChanged(HandlerError):
    """The file does not have a size the ledger can explain: someone else changed it."""

    def __init__(self, target: Path, what: str, offset: int) -> None:
        self.short = f"{target.name} changed since seedrunner wrote it ({what})"
        super().__init__(
            f"{self.short}, so it is left as it is: cut it back to seedrunner's bytes "
            f"(truncate -s {offset} {target}) or remove it and its ledger"
        )


@dataclass
class FileLedger:
    """The ledger of one file (see the module's docstring for the schema and the order)."""

    path: Path
    fingerprint: str
    rows: int = 0
    offset: int = 0
    start: int = 0
    writing: int | None = None

    @classmethod
    def read(cls, target: Path) -> FileLedger | None:
        """The ledger beside ``target``, or None when there is none."""
        path = ledger_path(target)
        try:
            data = json.loads(path.read_text())
            writing = data.get("writing")
            return cls(
                path, str(data["fingerprint"]), int(data["rows"]), int(data["offset"]),
                int(data.get("start", 0)), None if writing is None else int(writing),
            )  # fmt: skip
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
            raise HandlerError(
                f"cannot read the ledger {path}: {type(exc).__name__}: {exc}; it is not one "
                f"seedrunner wrote: remove it and {target.name} to write the file anew"
            ) from None

    def check(self, target: Path) -> int | None:
        """The size of ``target`` (None when it is gone), after checking that every byte
        after ``start`` is seedrunner's; raises FileChanged otherwise."""
        try:
            size = os.stat(target).st_size
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise HandlerError(f"cannot read {target}: {exc.strerror or exc}") from None
        limit = self.offset if self.writing is None else max(self.offset, self.writing)
        if size > limit:
            what = f"{size - limit:,} bytes after the {self.rows:,} rows its ledger records"
        elif size < self.offset:
            what = f"{size:,} bytes, shorter than the {self.offset:,} its ledger records"
        else:
            return size
        raise FileChanged(target, what, self.offset)

    def begin(self, end: int) -> None:
        """Record that the file is about to grow to ``end`` bytes (step 1)."""
        self.save(self.rows, self.offset, end)

    def commit(self, rows: int, offset: int) -> None:
        """Record ``rows`` committed, the file being ``offset`` bytes on disk (step 3)."""
        self.save(rows, offset, None)

    def save(self, rows: int, offset: int, writing: int | None) -> None:
        """Replace the ledger on disk atomically; the object changes only once it is.

        Not fsynced (that would triple the cost of a batch at the default batch size): a
        crashed process cannot tell, the page cache being the kernel's; after a power
        loss the ledger may lag behind the file (never lead it: a commit is written after
        the rows are fsynced), which at worst reads as "changed since" and is refused."""
        data = {
            "schema_version": 1,
            "fingerprint": self.fingerprint,
            "rows": rows,
            "offset": offset,
            "start": self.start,
            "writing": writing,
        }
        tmp = self.path.with_name(self.path.name + ".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        os.replace(tmp, self.path)
        self.rows, self.offset, self.writing = rows, offset, writing

    def remove(self) -> None:
        self.path.with_name(self.path.name + ".tmp").unlink(missing_ok=True)  # a crash's
        self.path.unlink(missing_ok=True)


@dataclass(frozen=True)
class Removed:
    """What destroy did to one file."""

    rows: int  # rows the ledger recorded
    how: str  # "removed x.jsonl", "cut x.jsonl back to N bytes", "x.jsonl was already gone"


def undo_file(target: Path, run_id: str = "destroy", timeout: float = 0.0) -> Removed | None:
    """Take seedrunner's bytes out of ``target``: remove the file (with its ledger) when
    seedrunner created it, or cut it back to where seedrunner's bytes start.

    None when there is no ledger (nothing of seedrunner's is known to be there).  A file that
    changed since (FileChanged) is left alone.  Crash-safe in this order: the ledger first
    marks every byte from ``start`` on as a write in flight (so an apply after a crash here
    drops them and writes the file anew, and a destroy again finishes); then the file is
    removed or cut; then the ledger, then the lock file.
    """
    if FileLedger.read(target) is None:
        return None
    lock = TargetLock.take(target, run_id, timeout)
    try:
        ledger = FileLedger.read(target)  # again, now that no apply is writing
        if ledger is None:
            return None
        size = ledger.check(target)
        rows = ledger.rows
        if size is None:
            ledger.remove()
            how = f"{target.name} was already gone; removed its ledger"
        else:
            ledger.save(0, ledger.start, size)
            if ledger.start == 0:
                target.unlink()
                how = f"removed {target.name}"
            else:
                os.truncate(target, ledger.start)
                how = f"cut {target.name} back to its first {ledger.start:,} bytes"
            ledger.remove()
        lock.path.unlink(missing_ok=True)  # held: a waiting apply takes the new one
        return Removed(rows, how)
    finally:
        lock.release()
