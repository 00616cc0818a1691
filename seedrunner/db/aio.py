"""The run's event loop, for handlers whose I/O is async (async engines, httpx.AsyncClient).

The executor is synchronous: an async handler's coroutines run to completion one call at a
time on one loop per run (``event_loop``), so the same runner, progress display and
report serve sync and async handlers alike.  Inside an already running loop (pytest-asyncio,
Jupyter) ``asyncio.Runner`` cannot run, so the loop gets a thread of its own.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import threading
from collections.abc import Coroutine
from typing import Any, Protocol, TypeVar

from seedrunner.db.pool import ResourcePool

T = TypeVar("T")


class LoopRunner(Protocol):
    def run(self, coro: Coroutine[Any, Any, T]) -> T: ...

    def close(self) -> None: ...


class LoopThread:
    """An event loop on a thread of its own, for ``apply`` called inside a running loop
    (pytest-asyncio, Jupyter), where ``asyncio.Runner`` cannot run."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="seedrunner-async", daemon=True
        )
        self.thread.start()

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result()
        except BaseException:  # Ctrl-C here: stop the coroutine before anything else runs
            future.cancel()
            concurrent.futures.wait([future], timeout=10)
            raise

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


def new_loop() -> LoopRunner:
    """An ``asyncio.Runner``, or a loop on its own thread when one already runs here."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.Runner()
    return LoopThread()


def event_loop(resources: ResourcePool) -> LoopRunner:
    """The run's event loop for async engines (one per run, closed at run end)."""
    return resources.get("asyncio:runner", new_loop, lambda r: r.close())
