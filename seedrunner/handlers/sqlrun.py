"""``transaction: run``: one connection and one transaction per database URL for the run.

Every dataset written to the URL joins the same transaction; it commits when the whole run
has succeeded and rolls back when any step fails or the run is interrupted, so a run
either lands completely on that database or not at all.  The runner calls ``finish`` (via
``ResourcePool.on_finish``) with the run's outcome.
"""

from __future__ import annotations

import contextlib
from typing import Any

from sqlalchemy import exc

from seedrunner.db.engines import Link, connect
from seedrunner.db.errors import describe, is_transient
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError, TransientHandlerError


class RunScope:
    def __init__(self, link: Link, label: str) -> None:
        self.link = link
        self.label = label
        self.steps: list[tuple[str, str]] = []  # (dataset, target) that wrote here
        self.failed = False
        link.begin()

    def rollback(self, _error: BaseException | None) -> None:
        """Undo the run's writes now; later writes and the final commit are refused."""
        if not self.failed:
            self.failed = True
            with contextlib.suppress(exc.SQLAlchemyError):
                self.link.rollback()

    def finish(self, error: BaseException | None) -> list[tuple[str, str]]:
        """Commit when the run succeeded; returns the steps undone otherwise."""
        try:
            if error is None and not self.failed:
                try:
                    self.link.commit()
                except exc.DBAPIError as e:
                    cls = TransientHandlerError if is_transient(e) else HandlerError
                    error = cls(f"{self.label}: cannot commit the run: {describe(e)}")
                    error.undone = list(self.steps)  # type: ignore[attr-defined]
                    raise error from None
                return []
            self.rollback(error)
            return list(self.steps)
        except BaseException:
            self.failed = True
            with contextlib.suppress(exc.SQLAlchemyError):
                self.link.rollback()
            raise
        finally:
            self.link.close()


def run_scope(resources: ResourcePool, engine: Any, label: str) -> RunScope:
    """The run's transaction on ``engine``, opened by the first dataset that needs it."""

    def make() -> RunScope:
        scope = RunScope(connect(resources, engine), label)
        resources.on_finish(scope.finish)
        return scope

    return resources.get(f"sqlrun:{id(engine)}", make)
