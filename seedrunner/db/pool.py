"""Run-scoped shared resources: engines and clients made once per run, closed at its end.

It lives below the handlers because the database layer (engines, the async loop) and the
ledgers hang their connections and run-end callbacks on it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, TypeVar

T = TypeVar("T")


class ResourcePool:
    """Run-scoped shared resources (engines, clients), created once and closed at run end."""

    def __init__(self) -> None:
        self._items: dict[str, Any] = {}
        self._closers: list[Callable[[], None]] = []
        self._finishers: list[Callable[[BaseException | None], Iterable[tuple[str, str]]]] = []

    def get(
        self, key: str, factory: Callable[[], T], close: Callable[[T], None] | None = None
    ) -> T:
        if key not in self._items:
            item = factory()
            self._items[key] = item
            if close is not None:
                self._closers.append(lambda: close(item))
        return self._items[key]  # type: ignore[no-any-return]

    def on_finish(
        self, callback: Callable[[BaseException | None], Iterable[tuple[str, str]]]
    ) -> None:
        """Call ``callback(error)`` when the run ends, before resources close.

        Run-scoped work that must know the run's outcome hangs here: ``transaction: run``
        commits when the run succeeded (error is None) and rolls back otherwise.  The
        callback returns the (dataset, target) steps it rolled back, so the report can
        say that steps which had finished were undone.
        """
        self._finishers.append(callback)

    def finish(self, error: BaseException | None) -> list[tuple[str, str]]:
        """Run the finish callbacks in order; returns the steps they rolled back.

        The first callback that raises turns the rest into rollbacks (they get its error),
        and that error is raised once all have run, with ``undone`` set on it.
        """
        failure: BaseException | None = None
        undone: list[tuple[str, str]] = []
        while self._finishers:
            callback = self._finishers.pop(0)
            try:
                undone += callback(error if failure is None else failure)
            except Exception as e:
                undone += getattr(e, "undone", [])
                if failure is None:
                    failure = e
        if failure is not None:
            failure.undone = undone  # type: ignore[attr-defined]
            raise failure
        return undone

    def close_all(self) -> None:
        while self._closers:
            self._closers.pop()()
        self._items.clear()
