"""Parallel generation: a dataset's rows built in N processes, handed on in batch order.

Every column is addressable by row index (``generate.streams``), so any range of rows can be
generated in any process and comes out the same.  The unit of work is a block-aligned chunk
of rows, never a batch: a batch that starts mid-block makes a fresh stream replay the block's
prefix (at 5,000-row batches, ~40% more work).  The main process cuts chunks back into
exactly the batches the in-process path makes, and runs transforms, handlers and key
recording on them as before.

``workers - 1`` helpers are forked, so they inherit the plan, the KeyStore filled by parent
datasets, loaded models and Faker instances without pickling any of it; only generated
columns travel back.  The main process is the N-th worker: whenever it waits for a chunk it
generates the next unclaimed one itself.  At most ``2 * workers`` chunks are claimed ahead
of the one the main process needs, so memory stays flat however slow the handlers.

Nothing raises across a process boundary: a chunk that fails is reported as failed, and the
main process generates from the current batch on in-process, where the same rows fail the
same way, so an error reads (and exits) exactly as it would with one worker.
"""

from __future__ import annotations

import datetime as dt
import gc
import logging
import multiprocessing
import os
import pickle
import signal
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from multiprocessing import connection
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

from seedrunner.generate.columns import Column, UniqueColumn
from seedrunner.generate.draws import uuids_from_ints
from seedrunner.generate.rows import Batch
from seedrunner.generate.streams import BLOCK
from seedrunner.plan.selfref import index_keys
from seedrunner.plan.steps import DatasetPlan

log = logging.getLogger("seedrunner")

#: ``generate(index, start, n)``: one batch, generated and validated.
Generate = Callable[[int, int, int], Batch]
Columns = dict[str, list[Any]]


def fork_available() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def order_dependent(dp: DatasetPlan) -> str | None:
    """Why ``dp``'s rows depend on generating them in order (so it cannot be split), or None.

    ``unique`` columns redraw repeats against every value issued before, and ``unique``
    templates check against every value rendered before: row k depends on rows 0..k-1.
    """
    for f in dp.fields:
        if f.kind == "template" and f.unique:
            return f"{dp.name}.{f.name} is a unique template"
        if any(_has_unique(c) for c in (f.column, f.null_column)):
            return f"{dp.name}.{f.name} is unique"
        if f.tree is not None and index_keys(dp, f.tree) is None:
            return f"{dp.name}.{f.name} takes earlier rows' keys, which are not ids 1..N"
    return None


def _has_unique(column: object, depth: int = 0) -> bool:
    """A UniqueColumn anywhere in a column's wrappers (NullableColumn.inner and the like)."""
    if isinstance(column, UniqueColumn):
        return True
    if not isinstance(column, Column) or depth > 8:
        return False
    return any(_has_unique(v, depth + 1) for v in vars(column).values())


def chunk_rows(batch_size: int) -> int:
    """Rows per worker task: whole stream blocks, about one batch (so memory stays ~2N batches)."""
    return BLOCK * max(1, batch_size // BLOCK)


_SIGNALS = {signal.SIGINT, signal.SIGTERM}


def _init_worker() -> None:
    # Ctrl-C is the main process's to handle (it kills the helpers); SIGTERM from close()
    # must kill, not run a handler inherited from the CLI.  Both were blocked across the
    # fork (see _start), so none arrives before these are in place.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS)


class _Shared:
    """Chunk claims shared by the main process and its helpers (inherited by fork).

    ``claimed`` is the next chunk nobody has taken; chunks are claimed in order, by
    whoever is free.  ``limit`` bounds the look-ahead: no chunk at or past it is started
    until the main process has used the ones before, so memory stays flat.  Helpers over
    the limit poll (every few ms, against chunks that take ~0.1 s) rather than wait on a
    condition, and never block on the lock for long: if the main process is killed while
    holding it, they notice the new parent and stop instead of hanging on as orphans.
    """

    POLL = 0.005

    def __init__(self, ctx: Any, chunks: list[tuple[int, int]], ahead: int) -> None:
        self.chunks = chunks
        self.parent = os.getpid()
        self.lock = ctx.Lock()
        self.claimed = ctx.RawValue("q", 0)
        self.limit = ctx.RawValue("q", ahead)

    def claim(self) -> int | None:
        """The next chunk for a helper (waiting below the limit), or None when all are taken."""
        while os.getppid() == self.parent:
            if not self.lock.acquire(timeout=0.5):
                continue
            try:
                i: int = self.claimed.value
                if i >= len(self.chunks):
                    return None
                if i < self.limit.value:
                    self.claimed.value = i + 1
                    return i
            finally:
                self.lock.release()
            time.sleep(self.POLL)
        return None  # the main process is gone

    def claim_now(self) -> int | None:
        """The next chunk if it is below the limit, without waiting (the main process helps)."""
        with self.lock:
            i: int = self.claimed.value
            if i >= min(len(self.chunks), self.limit.value):
                return None
            self.claimed.value = i + 1
            return i

    def used(self, count: int, ahead: int) -> None:
        """The main process has used ``count`` chunks: helpers may go ``ahead`` beyond."""
        with self.lock:
            self.limit.value = count + ahead


def _helper(shared: _Shared, generate: Generate, conn: Connection) -> None:
    """A helper process: claim chunks, generate them, send the columns back, never raise."""
    _init_worker()
    # The parent's heap came with the fork and is never freed here: frozen, the collector
    # skips it instead of walking (and, page by page, copying) every inherited object.
    gc.freeze()
    while (i := shared.claim()) is not None:
        start, n = shared.chunks[i]
        try:
            conn.send((i, _encode(generate(0, start, n).columns), ""))
        except Exception as exc:  # reproduced in-process with its real type and message
            conn.send((i, None, f"{type(exc).__name__}: {exc}"))


Result = tuple[Columns | None, str]


def _widen(conn: Connection) -> None:
    """Let a pipe hold a whole chunk (Linux), so a helper rarely waits for this process to read.

    Best effort: where the size cannot change, a helper just blocks until the main process
    reads, which it does whenever it waits for a chunk.
    """
    import fcntl  # POSIX, like fork: only reached where fork is

    setpipe = getattr(fcntl, "F_SETPIPE_SZ", None)
    if setpipe is None:
        return
    for size in (1 << 24, 1 << 22, 1 << 20):
        try:
            fcntl.fcntl(conn.fileno(), setpipe, size)
            return
        except OSError:
            continue


def _encode(columns: Columns) -> dict[str, tuple[str, list[Any]]]:
    """Columns as cheap-to-pickle lists: UUIDs as ints, dates as ordinals, the rest as is.

    Pickle spends ~1 us on each UUID or date (a reduce call per object) against ~0.05 us
    for an int, and the main process unpickles every helper's chunks, so this is what
    bounds the speed-up.  Only columns of exactly one such type, without None, are coded.
    """
    out: dict[str, tuple[str, list[Any]]] = {}
    for name, values in columns.items():
        kind = type(values[0]) if values else None
        if kind is uuid.UUID and all(
            type(v) is uuid.UUID and v.is_safe is uuid.SafeUUID.unknown for v in values
        ):
            out[name] = ("uuid", [v.int for v in values])
        elif kind is dt.date and all(type(v) is dt.date for v in values):
            out[name] = ("date", [v.toordinal() for v in values])
        elif kind is Decimal and all(type(v) is Decimal for v in values):
            out[name] = ("decimal", list(map(str, values)))  # str round-trips exactly
        else:
            out[name] = ("", values)
    return out


def _decode(coded: dict[str, tuple[str, list[Any]]]) -> Columns:
    columns: Columns = {}
    for name, (kind, values) in coded.items():
        if kind == "uuid":
            columns[name] = uuids_from_ints(values)
        elif kind == "date":
            columns[name] = list(map(dt.date.fromordinal, values))
        elif kind == "decimal":
            columns[name] = list(map(Decimal, values))
        else:
            columns[name] = values
    return columns


Coded = dict[str, tuple[str, list[Any]]]


def _loads(data: bytes) -> tuple[int, Columns | None, str]:
    """Unpickle and decode a chunk with the collector paused: it holds no cycles, and
    otherwise the tens of thousands of objects it makes trigger collections that walk this
    process's whole heap (two thirds of the unpickling time, measured)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        j, coded, error = pickle.loads(data)
        return j, None if coded is None else _decode(coded), error
    finally:
        if enabled:
            gc.enable()


class ParallelBatches:
    """The batches of one dataset, generated by this process and ``workers - 1`` forked helpers.

    Helpers claim block-aligned chunks ahead of the main process.  Whenever the main process
    waits for a chunk, it generates the next unclaimed one itself, so N workers means N
    processes generating, this one included (when handlers keep it busy, the helpers do
    the generating), and the chunks it makes never cross a pipe.  Results are read in this
    thread (no reader thread fighting the generator for the GIL); wide pipes let helpers
    run ahead meanwhile.  ``batch(index, start, n)`` must be called for consecutive batches,
    as the runner does; ``close()`` (always, on the way out) kills the helpers, so Ctrl-C
    leaves no orphans.
    """

    def __init__(self, name: str, total: int, batch_size: int, workers: int, generate: Generate):
        self.name, self.workers, self.generate = name, workers, generate
        size = chunk_rows(batch_size)
        self.chunks = [(a, min(size, total - a)) for a in range(0, total, size)]
        self.next_chunk = 0
        self.shared: _Shared | None = None
        self.procs: list[BaseProcess] = []
        self.conns: list[Connection] = []
        self.ready: dict[int, Result] = {}
        self.in_process = False
        self.buffer: Columns = {}
        self.buffer_start = self.buffer_stop = 0

    def batch(self, index: int, start: int, n: int) -> Batch:
        if not self.in_process:
            while self.buffer_stop < start + n and self._pull():
                pass
        if self.in_process:
            return self.generate(index, start, n)
        assert start == self.buffer_start, "batches must be asked for in order"
        columns = {k: v[:n] for k, v in self.buffer.items()}
        for v in self.buffer.values():
            del v[:n]
        self.buffer_start += n
        return Batch(self.name, index, start, n, columns)

    def _start(self) -> _Shared:
        ctx = multiprocessing.get_context("fork")
        shared = _Shared(ctx, self.chunks, 2 * self.workers)
        blocked = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
        try:  # a Ctrl-C now is delivered here once the helpers are up, and close() kills them
            for _ in range(self.workers - 1):
                receiver, sender = ctx.Pipe(duplex=False)
                _widen(sender)
                args = (shared, self.generate, sender)
                proc = ctx.Process(target=_helper, args=args, daemon=True)
                self.conns.append(receiver)
                proc.start()
                self.procs.append(proc)
                sender.close()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
        return shared

    def _pull(self) -> bool:
        """Add the next chunk to the buffer; False (and in-process from here) if it failed."""
        if self.shared is None:
            self.shared = self._start()
        i = self.next_chunk
        columns, error = self._wait(i)
        if columns is None:
            log.debug(
                "%s: chunk %d failed (%s); generating in-process from here", self.name, i, error
            )
            self.in_process = True
            self.close()
            return False
        self.next_chunk += 1
        self.shared.used(self.next_chunk, 2 * self.workers)
        if not self.buffer:
            self.buffer = columns
        else:
            for k, v in columns.items():
                self.buffer[k].extend(v)
        self.buffer_stop += self.chunks[i][1]
        return True

    def _wait(self, i: int) -> Result:
        """Chunk ``i``; while it is not there, generate the next unclaimed chunk here."""
        assert self.shared is not None
        while i not in self.ready:
            self._receive(0)
            if i in self.ready:
                break
            j = self.shared.claim_now()
            if j is not None:
                self.ready[j] = self._generate_here(j)
            elif not self.conns:  # every helper has closed its pipe: nothing more will come
                return None, "a helper process ended without sending its chunk"
            else:
                self._receive(0.5)
        return self.ready.pop(i)

    def _receive(self, timeout: float) -> None:
        """Read every result the helpers have sent, waiting up to ``timeout`` for one."""
        for conn in connection.wait(self.conns, timeout):
            assert isinstance(conn, Connection)
            try:
                data = conn.recv_bytes()
            except (EOFError, OSError):
                self.conns.remove(conn)
                continue
            j, columns, error = _loads(data)
            self.ready[j] = (columns, error)

    def _generate_here(self, j: int) -> Result:
        start, n = self.chunks[j]
        try:
            return self.generate(0, start, n).columns, ""
        except Exception as exc:  # reproduced by the in-process fallback, batch by batch
            return None, f"{type(exc).__name__}: {exc}"

    def __enter__(self) -> ParallelBatches:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the helpers: whatever they are making is not needed any more."""
        for proc in self.procs:
            proc.terminate()
        for proc in self.procs:
            proc.join(timeout=5)
            if proc.exitcode is None:  # SIGTERM did not end it: no handler may outlive us
                proc.kill()
                proc.join()
            proc.close()
        for conn in self.conns:
            conn.close()
        self.procs, self.conns = [], []
        self.ready.clear()


def batch_source(dp: DatasetPlan, workers: int, generate: Generate) -> ParallelBatches | None:
    """The parallel source for ``dp``, or None when it runs in-process (and why, logged)."""
    if workers <= 1:
        return None
    if not fork_available():
        log.warning("--workers needs the fork start method, not available here; using 1 worker")
        return None
    if dp.count.total <= chunk_rows(dp.batch_size):
        return None  # one chunk: nothing to share
    reason = order_dependent(dp)
    if reason is not None:
        log.warning(
            "%s is generated in one process: %s, so row k depends on rows 0..k-1", dp.name, reason
        )
        return None
    return ParallelBatches(dp.name, dp.count.total, dp.batch_size, workers, generate)
