"""Other shapes of persistence, driven as handlers: async handlers and save/save_many objects.

The executor calls ``open``/``write``/``close`` synchronously.  An async handler (any of the
three is ``async def``) has its coroutines run on the run's event loop (``aio``), so sync
and async handlers share one runner, one progress display and one report.

polyfactory-style persistence (an object, or a class instantiated with no arguments, with
``save_many(items)`` and/or ``save(item)``, sync or async) is accepted as it is: each batch
becomes model instances (pydantic, dataclass or SQLAlchemy class; dicts otherwise), goes to
``save_many`` (else ``save`` per item), and what comes back flows on as rows, so keys the
store assigned reach the next handler and the children.
"""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Sequence
from typing import Any, ClassVar

from seedrunner.db.aio import LoopRunner, event_loop
from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.models.shape import ModelShape

_PROTOCOL = ("open", "write", "close")


def is_save_style(obj: object) -> bool:
    """Has save/save_many and not the handler protocol."""
    has_save = any(callable(getattr(obj, m, None)) for m in ("save_many", "save"))
    return has_save and not all(callable(getattr(obj, m, None)) for m in _PROTOCOL)


def adapt(handler: Any) -> Any:
    """The handler as the executor drives it: async methods run on the run's loop."""
    methods = [getattr(handler, m, None) for m in _PROTOCOL]
    if any(inspect.iscoroutinefunction(m) for m in methods):
        return AsyncHandlerAdapter(handler)
    return handler


class AsyncHandlerAdapter:
    """Runs an async handler's ``open``/``write``/``close`` on the run's event loop."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self._loop: LoopRunner | None = None

    def __repr__(self) -> str:
        return repr(self.inner)

    def open(self, ctx: HandlerContext) -> None:
        self._loop = event_loop(ctx.resources)
        self._call(self.inner.open, ctx)

    def write(self, batch: Batch) -> Batch | None:
        return self._call(self.inner.write, batch)  # type: ignore[no-any-return]

    def close(self, error: BaseException | None) -> None:
        self._call(self.inner.close, error)

    def _call(self, fn: Any, *args: Any) -> Any:
        result = fn(*args)
        if inspect.isawaitable(result):
            assert self._loop is not None, "open() first"
            return self._loop.run(_awaited(result))
        return result


async def _awaited(awaitable: Any) -> Any:
    return await awaitable


class SaveHandler:
    """A save/save_many persistence object as a handler (see the module docstring)."""

    name: ClassVar[str] = "save"
    Options: ClassVar[type[HandlerOptions]] = HandlerOptions
    target: ClassVar[Any] = None  # the persistence object or class, set by ``save_handler``
    label: ClassVar[str] = "?"

    def __init__(self, options: HandlerOptions) -> None:
        self.options = options
        self._store: Any = None
        self._shape: ModelShape | None = None
        self._loop: LoopRunner | None = None
        self._dataset = "?"

    def open(self, ctx: HandlerContext) -> None:
        self._dataset, self._shape = ctx.dataset, ctx.model
        store = self.target
        if inspect.isclass(store):
            try:
                store = store()
            except TypeError as e:
                raise HandlerError(
                    f"cannot create {self.label} with no arguments ({e}); point the manifest "
                    "at an instance (a module-level object) instead"
                ) from None
        self._store = store
        self._loop = event_loop(ctx.resources)

    def write(self, batch: Batch) -> Batch | None:
        assert self._shape is not None
        items = [_instance(self._shape, r) for r in batch.records()]
        save_many = getattr(self._store, "save_many", None)
        if callable(save_many):
            saved = self._await(save_many(items))
        else:
            saved = [self._await(self._store.save(item)) for item in items]
        if not isinstance(saved, Sequence) or len(saved) != batch.size:
            return None  # nothing usable came back: the batch flows on as it was
        records = [_record(obj, batch.names, self._shape) for obj in saved]
        return Batch.from_records(batch.dataset, batch.index, batch.start, records)

    def close(self, error: BaseException | None) -> None:
        self._store = None

    def _await(self, value: Any) -> Any:
        if inspect.isawaitable(value):
            assert self._loop is not None
            return self._loop.run(_awaited(value))
        return value


def save_handler(obj: Any, label: str) -> type[SaveHandler]:
    """A handler class bound to ``obj`` (an instance, or a class made with no arguments)."""
    return type(f"SaveHandler[{label}]", (SaveHandler,), {"target": obj, "label": label})


def _instance(shape: ModelShape, record: dict[str, Any]) -> Any:
    """The model instance a save_many store expects; dicts for TypedDict/schemaless."""
    model = shape.model
    if shape.kind == "pydantic":
        return model.model_validate(record)
    if shape.kind in ("dataclass", "sqlalchemy") and inspect.isclass(model):
        return model(**record)
    return dict(record)


def _record(obj: Any, names: list[str], shape: ModelShape) -> dict[str, Any]:
    """What a saved object holds for the batch's fields and the model's keys."""
    if isinstance(obj, dict):
        return dict(obj)
    if hasattr(obj, "model_dump"):
        return dict(obj.model_dump())
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: getattr(obj, f.name) for f in dataclasses.fields(obj)}
    wanted = list(dict.fromkeys([*names, *(f.name for f in shape.primary_key)]))
    return {n: getattr(obj, n, None) for n in wanted}
