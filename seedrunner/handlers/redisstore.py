"""The ``redis`` handler: one JSON value per row under ``{prefix}:{dataset}:{key}``.

The key is the row's primary key (several key fields joined by ``:``) or, for a row with
none, a UUID derived from the run's seed, the dataset and the row's index, so a second run
of the same manifest writes the same keys.  Each batch is one round trip: a pipeline (no
MULTI) of ``SET key value [EX ttl] [NX]``, or a single ``MSET`` when neither ``ttl`` nor
``overwrite: false`` needs SET's options (the same keys and values, several times faster).

Redis has no transaction spanning batches: after a failure, the batches written before it
**stay** (within a failed pipeline, the SETs the server ran before the error stay too; an
MSET is all or nothing).  Re-running the manifest rewrites the same keys (``overwrite:
true``) or skips them (``overwrite: false``), so a rerun converges.

redis-py is imported when a target opens, so listing handlers works without it.  The
client is run-scoped (one per URL in ``ctx.resources``, closed at run end); its own retries
are off: a lost connection is retried here, per batch, by the dataset's retry policy (a
pipeline of SETs can be sent again without duplicating anything).
"""

from __future__ import annotations

import functools
import hashlib
import json
import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from pydantic import Field, model_validator

from seedrunner.db.errors import ErrorRow, Mapped, first_line, phase_of, translate
from seedrunner.db.pool import ResourcePool
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.handlers.storeoptions import StoredLedgerOptions
from seedrunner.jsonable import dumps_row, to_jsonable
from seedrunner.redact import redact_url, scrub

if TYPE_CHECKING:
    import redis

T = TypeVar("T")


def seeded_uuid(seed: int, dataset: str, index: int) -> uuid.UUID:
    """The same UUID for the same (seed, dataset, row index) on every run and machine."""
    digest = hashlib.sha256(f"{seed}\x00{dataset}\x00{index}".encode()).digest()
    return uuid.UUID(int=int.from_bytes(digest[:16], "big"), version=4)


class RedisOptions(StoredLedgerOptions):
    handler: str = Field(default="redis", description="Which handler this target uses.")
    url: str = Field(
        description="Redis URL: redis://[user:password@]host:port/db, rediss:// for TLS, or "
        "unix://path. Shown with its password masked.",
    )
    prefix: str = Field(
        default="seed",
        min_length=1,
        description="First part of every key: {prefix}:{dataset}:{primary key}.",
    )
    ttl: int | None = Field(
        default=None, ge=1, description="Expire every key after this many seconds (default: never)."
    )
    overwrite: bool = Field(
        default=True,
        description="Replace a key that exists; false keeps the existing value (SET NX) and "
        "counts the row as skipped.",
    )
    timeout: float = Field(
        default=10.0, gt=0, description="Seconds to wait for a connection or a reply."
    )

    @model_validator(mode="after")
    def _ledger_owns_its_keys(self) -> RedisOptions:
        if self.ledger and not self.overwrite:
            raise ValueError(
                "ledger: true with overwrite: false: destroy deletes the keys the ledger "
                "records, and could not tell keys seedrunner set from keys left alone; "
                "drop overwrite: false (with a ledger, apply never rewrites a key it set)"
            )
        return self

    def __repr_args__(self) -> Any:
        for key, value in super().__repr_args__():
            yield key, (redact_url(value) if key == "url" and isinstance(value, str) else value)


def _import_redis() -> Any:
    try:
        import redis
    except ImportError:
        raise HandlerError(
            "the redis handler needs redis-py: pip install 'seedrunner[redis]'"
        ) from None
    return redis


def _client(resources: ResourcePool, url: str, timeout: float) -> redis.Redis:
    lib = _import_redis()
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    def create() -> Any:
        try:
            return lib.Redis.from_url(
                url,
                socket_timeout=timeout,
                socket_connect_timeout=timeout,
                retry=Retry(NoBackoff(), 0),  # retries are ours, by the dataset's policy
            )
        except ValueError as exc:  # a malformed URL; the message may quote it
            raise HandlerError(
                f"cannot use Redis URL {redact_url(url)!r}: {scrub(str(exc))}"
            ) from None

    client: redis.Redis = resources.get(f"redis:{timeout}:{url}", create, lambda c: c.close())
    return client


def key_part(value: Any) -> str:
    """A primary-key value as key text: JSON scalars as JSON would spell them."""
    if type(value) is int or type(value) is str:
        return str(value)
    converted = to_jsonable(value)
    if isinstance(converted, str):
        return converted
    return json.dumps(converted, separators=(",", ":"), ensure_ascii=False)


class RedisHandler:
    """SET each row's JSON under its key, one round trip per batch; see the module docstring.

    ``written`` and ``skipped`` count rows set and rows left alone (``overwrite: false``
    and the key existed); ``retried`` counts attempts made again after a lost connection
    or a timeout.  A batch retried under ``overwrite: false`` counts the keys its first
    attempt set as skipped (their values are the same).
    """

    name: ClassVar[str] = "redis"
    Options: ClassVar[type[HandlerOptions]] = RedisOptions

    def __init__(self, options: RedisOptions) -> None:
        self.options = options
        self.written = 0
        self.skipped = 0
        self.retried = 0
        self._client: Any = None
        self._retries = RetryPolicy()
        self._dataset = "?"
        self._seed = 0
        self._pk: list[str] = []
        self._where = f"redis {redact_url(options.url)}"

    def __repr__(self) -> str:
        return f"RedisHandler({redact_url(self.options.url)!r})"

    def open(self, ctx: HandlerContext) -> None:
        self._dataset, self._seed, self._retries = ctx.dataset, ctx.seed, ctx.retries
        self._pk = [f.name for f in ctx.model.primary_key]
        self._where = (
            f"dataset '{ctx.dataset}' -> target '{ctx.target}' "
            f"(redis {redact_url(self.options.url)})"
        )
        try:
            self._client = _client(ctx.resources, self.options.url, self.options.timeout)
        except HandlerError as exc:
            raise HandlerError(f"{self._where}: {exc}") from None
        self._retrying("connect", self._client.ping)

    def write(self, batch: Batch) -> Batch | None:
        if batch.size == 0:
            return None
        keys = self.keys(batch)
        try:
            values = [dumps_row(r) for r in batch.records()]
        except (TypeError, ValueError) as exc:  # names a type, never a value
            raise HandlerError(f"{self._where}: cannot write batch {batch.index}: {exc}") from None
        ttl, nx = self.options.ttl, not self.options.overwrite
        extra: list[Any] = (["EX", ttl] if ttl is not None else []) + (["NX"] if nx else [])

        def send() -> list[Any]:
            if not extra:  # plain SETs: one MSET carries the batch, far cheaper to encode
                return [self._client.mset(dict(zip(keys, values, strict=True)))]
            pipe = self._client.pipeline(transaction=False)
            for key, value in zip(keys, values, strict=True):
                pipe.execute_command("SET", key, value, *extra)
            return pipe.execute()  # type: ignore[no-any-return]

        results = self._retrying(f"write batch {batch.index}", send)
        skipped = sum(1 for r in results if not r) if nx else 0
        self.skipped += skipped
        self.written += batch.size - skipped
        return None

    def close(self, error: BaseException | None) -> None:
        """Nothing to commit or roll back: every batch was final once it was sent."""
        self._client = None

    def undo(self, batch: Batch) -> int:
        """Delete the keys of ``batch``'s rows (destroy, with ``ledger: true``); how many
        existed.  Deleting a key already gone is no error, so an interrupted destroy can
        run again."""
        if batch.size == 0:
            return 0
        keys = self.keys(batch)
        what = f"delete batch {batch.index}"
        gone: int = self._retrying(what, lambda: self._client.delete(*keys))
        return gone

    # -- keys -------------------------------------------------------------------------

    def keys(self, batch: Batch) -> list[str]:
        """``{prefix}:{dataset}:{key}`` for each row of ``batch``."""
        head = f"{self.options.prefix}:{self._dataset}:"
        pk = [batch.columns[n] for n in self._pk if n in batch.columns]
        out: list[str] = []
        for i in range(batch.size):
            values = [col[i] for col in pk]
            if values and len(values) == len(self._pk) and all(v is not None for v in values):
                out.append(head + ":".join(key_part(v) for v in values))
            else:  # no primary key, or one the database has not assigned
                out.append(head + str(seeded_uuid(self._seed, self._dataset, batch.start + i)))
        return out

    # -- errors -----------------------------------------------------------------------

    def _retrying(self, what: str, action: Callable[[], T]) -> T:
        """Run ``action``, again after a lost connection or a timeout, per the policy."""
        attempt = 0
        while True:
            try:
                return action()
            except Exception as exc:
                mapped = translate(redis_errors(), exc, phase_of(what))
                if not issubclass(mapped.error, TransientHandlerError):
                    raise self._error(what, mapped) from None
                attempt += 1
                if attempt > self._retries.max:
                    raise self._error(what, mapped, attempt) from None
                self.retried += 1
                self._retries.sleep(attempt)

    def _error(self, what: str, mapped: Mapped, attempts: int = 1) -> Exception:
        tried = f" (after {attempts} attempts)" if attempts > 1 else ""
        kept = ""
        if phase_of(what) == "write":
            kept = " Batches written before this one stay in Redis (no transaction spans them)."
        return mapped.error(f"{self._where}: cannot {what}{tried}: {mapped.message}.{kept}")


@functools.cache
def redis_errors() -> tuple[ErrorRow, ...]:
    """Redis errors -> seedrunner errors, in the style of ``seedrunner.db.errors``: a
    refused password is not retried, a lost connection or a timeout is (built on first
    use: redis-py is optional)."""
    import redis.exceptions as rex

    return (
        ErrorRow((rex.AuthenticationError, rex.AuthorizationError), HandlerError, first_line),
        ErrorRow((rex.ConnectionError, rex.TimeoutError), TransientHandlerError, first_line),
        ErrorRow(rex.RedisError, HandlerError, first_line),
    )
