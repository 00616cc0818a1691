"""The ``http`` and ``http-async`` handlers: each batch is one JSON request (POST or PUT).

Delivery is at most once per batch *within a run*: every batch carries an
``Idempotency-Key`` derived from the run id, dataset, target and batch index, so a retry
reuses it and a server that honours the header stores the batch once; what may be retried
is decided in ``httpretry``.  A batch the server acknowledged (2xx) is never sent again.
HTTP has no rollback: batches acknowledged before a failure stay on the server, and a new
run has a new run id, hence new keys.  With ``ledger: true`` a state store records what was
acknowledged (``state.stored``), which sets ``delivery_key``: a batch whose answer a crash
lost is sent again by the next apply under the key it was first sent with.

Both handlers share everything but the client: ``http`` drives ``httpx.Client``,
``http-async`` an ``httpx.AsyncClient`` on the run's event loop (``aio.event_loop``).
Credential headers print as ``***`` and are not forwarded to another origin on a redirect.
"""

from __future__ import annotations

import asyncio
import functools
import json
import ssl
import time
from collections.abc import Callable, Generator
from pathlib import Path
from typing import Any, ClassVar

import httpx

from seedrunner._version import __version__
from seedrunner.db.aio import LoopRunner, event_loop
from seedrunner.errors import HandlerError, TransientHandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.base import HandlerContext, HandlerOptions
from seedrunner.handlers.httpoptions import AsyncHttpOptions, HttpOptions
from seedrunner.handlers.httpretry import (
    MAX_REDIRECTS,
    Attempts,
    Verdict,
    idempotency_key,
    judge_error,
    judge_response,
    redirected,
)
from seedrunner.jsonable import dumps, to_jsonable
from seedrunner.redact import redact_url

__all__ = ["AsyncHttpHandler", "AsyncHttpOptions", "HttpHandler", "HttpOptions"]

# What ``_exchange`` yields (a request to send, or seconds to wait), what it is resumed with.
Outcome = httpx.Response | httpx.TransportError | None
Exchange = Generator[httpx.Request | float, Outcome, Batch | None]
Deletion = Generator[httpx.Request | float, Outcome, int]

CONNECT_TIMEOUT_CAP = 10.0  # seconds: an unreachable host fails fast even with a long timeout


def encode_rows(batch: Batch, envelope: str | None) -> bytes:
    """The request body: the rows as a JSON array, or ``{envelope: [...]}``.

    ``json.dumps`` with ``to_jsonable`` as the fallback gives the text of
    ``jsonable.dumps`` at a fraction of the cost; mapping keys that are not strings
    (which the fast path refuses) take the slow path.
    """
    rows = batch.records()
    payload: Any = rows if envelope is None else {envelope: rows}
    try:
        text = json.dumps(payload, default=to_jsonable, ensure_ascii=False, separators=(",", ":"))
    except TypeError:
        text = dumps(payload)
    return text.encode("utf-8")


def merge_read_back(batch: Batch, payload: Any, envelope: str | None) -> Batch:
    """The batch with the server's rows' columns merged in (row i with row i)."""
    rows = payload.get(envelope) if envelope and isinstance(payload, dict) else payload
    if not (
        isinstance(rows, list)
        and len(rows) == batch.size
        and all(isinstance(r, dict) for r in rows)
    ):
        shape = f"{{{envelope!r}: [...]}} or " if envelope else ""
        raise ValueError(f"read_back expects {shape}a JSON array of {batch.size} objects")
    columns = {k: list(v) for k, v in batch.columns.items()}
    for name in dict.fromkeys(k for r in rows for k in r):
        old = columns.get(name) or [None] * batch.size
        columns[name] = [r[name] if name in r else old[i] for i, r in enumerate(rows)]
    return batch.replace_columns(columns)


class _HttpHandler:
    """What both clients share: request building, the failure message, read-back."""

    Options: ClassVar[type[HandlerOptions]]
    cannot_undo: ClassVar[str] = (
        "no 'delete' option: set delete: {method: DELETE, url: /path/{id}} so destroy can "
        "remove the rows it wrote"
    )

    def __init__(self, options: HttpOptions) -> None:
        self.options = options
        self.ctx: HandlerContext | None = None
        self._shown_url = redact_url(options.url)
        self._key_header = options.idempotency_header
        # Set by a stored ledger: each batch's key, the same when a batch whose outcome a
        # crash left unknown is sent again by a later apply.
        self.delivery_key: Callable[[Batch], str] | None = None

    @staticmethod
    def undoable(options: HttpOptions) -> bool:
        """Can destroy delete rows from this target (it has a ``delete`` option)?"""
        return options.delete is not None

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.options.method} {self._shown_url})"

    def _client_args(self, ctx: HandlerContext) -> dict[str, Any]:
        t = self.options.timeout
        verify, bundle = self.options.verify, self.options.ca_bundle
        cafile = None if bundle is None else resolve_ca_bundle(bundle, ctx.base_dir)
        # Loading the CA bundle costs ~0.1 s; one TLS context per run serves every step.
        tls = ctx.resources.get(f"http:tls:{verify}:{cafile}", lambda: tls_context(verify, cafile))
        headers = httpx.Headers(
            {
                "Content-Type": "application/json",
                "Accept": "application/json",
                "User-Agent": f"seedrunner/{__version__}",
            }
        )
        headers.update(self.options.headers)
        return {
            "headers": headers,
            "timeout": httpx.Timeout(t, connect=min(t, CONNECT_TIMEOUT_CAP)),
            "verify": tls,
            "follow_redirects": False,  # followed by hand: see httpretry.redirected
        }

    @property
    def context(self) -> HandlerContext:
        assert self.ctx is not None, "handler used before open()"
        return self.ctx

    def _request(self, client: httpx.Client | httpx.AsyncClient, batch: Batch) -> httpx.Request:
        ctx = self.context
        headers = {}
        if self._key_header:
            if self.delivery_key is not None:
                key = self.delivery_key(batch)
            else:
                key = idempotency_key(ctx.run_id, ctx.dataset, ctx.target, batch.index)
            headers[self._key_header] = key
        try:
            body = encode_rows(batch, self.options.envelope)
        except (TypeError, ValueError) as exc:
            raise HandlerError(
                f"{self._where(batch)}: cannot encode the rows as JSON: {exc}"
            ) from None
        return client.build_request(
            self.options.method, self.options.url, headers=headers, content=body
        )

    def _attempts(self, batch: Batch) -> Attempts:
        return Attempts(self.context.retries, lambda v, n: self._failure(batch, v, n))

    def _next(self, request: httpx.Request, response: httpx.Response) -> httpx.Request | None:
        keep = [self._key_header] if self._key_header else []
        return redirected(request, response, keep)

    def _transport_verdict(self, exc: httpx.TransportError) -> Verdict:
        return judge_error(exc, bool(self._key_header), self.options.timeout)

    def _where(self, batch: Batch) -> str:
        """Names what the runner's prefix may not (the URL), and what a caller of the
        handler outside the runner needs (dataset, batch)."""
        ctx = self.context
        return (
            f"{self.options.method} {self._shown_url} "
            f"(dataset '{ctx.dataset}', batch {batch.index})"
        )

    def _failure(self, batch: Batch, verdict: Verdict, attempts: int) -> HandlerError:
        text = f"{self._where(batch)}: {verdict.reason}"
        if attempts > 1:
            text += f" (after {attempts} attempts)"
        if verdict.hint:
            text += f"; {verdict.hint}"
        # Transient only where a later attempt is safe: a batch that may have been stored
        # without a key must not be retried by anyone.
        cls = TransientHandlerError if verdict.retry else HandlerError
        return cls(text)

    def _exchange(self, client: httpx.Client | httpx.AsyncClient, batch: Batch) -> Exchange:
        """Delivery of one batch without I/O, so both clients follow one policy.

        Yields a request to send (resumed with its response or transport error) or seconds
        to wait (resumed with None); returns what ``write`` returns.  Each attempt sends the
        same request, key included, following 307/308 redirects (``httpretry.redirected``).
        """
        first = self._request(client, batch)
        attempts = self._attempts(batch)
        while True:
            request, hops = first, 0
            outcome = yield request
            while isinstance(outcome, httpx.Response) and hops < MAX_REDIRECTS:
                following = self._next(request, outcome)
                if following is None:
                    break
                request, hops = following, hops + 1
                outcome = yield request
            if isinstance(outcome, httpx.Response):
                verdict = judge_response(outcome, bool(self._key_header))
                if verdict is None:
                    return self._done(batch, outcome)
            else:
                assert outcome is not None, "a request is resumed with its outcome"
                verdict = self._transport_verdict(outcome)
            wait = attempts.after(verdict)
            if wait > 0:
                yield wait

    def _deletion(self, client: httpx.Client | httpx.AsyncClient, batch: Batch) -> Deletion:
        """Delete each row of ``batch`` (the ``delete`` option), like ``_exchange`` without
        I/O; returns how many the server deleted.  A 404 or 410 means already gone, so an
        interrupted destroy can run again; DELETE is idempotent, so what failed on the way
        is retried by the dataset's policy."""
        delete = self.options.delete
        assert delete is not None, "undo without a delete option"
        gone = 0
        for row in batch.records():
            url = httpx.URL(self.options.url).join(delete.for_row(row))
            request = client.build_request(delete.method, url)
            shown = f"{delete.method} {redact_url(str(url))} (dataset '{self.context.dataset}')"
            attempts = Attempts(self.context.retries, functools.partial(_undo_failure, shown))
            while True:
                outcome = yield request
                if isinstance(outcome, httpx.Response):
                    if outcome.status_code in (404, 410):
                        break
                    verdict = judge_response(outcome, True)
                    if verdict is None:
                        gone += 1
                        break
                else:
                    assert outcome is not None, "a request is resumed with its outcome"
                    verdict = judge_error(outcome, True, self.options.timeout)
                wait = attempts.after(verdict)
                if wait > 0:
                    yield wait
        return gone

    def _done(self, batch: Batch, response: httpx.Response) -> Batch | None:
        if not self.options.read_back:
            return None
        try:
            return merge_read_back(batch, response.json(), self.options.envelope)
        except ValueError as exc:  # includes a body that is not JSON
            raise HandlerError(
                f"{self._where(batch)}: the server acknowledged the batch (HTTP "
                f"{response.status_code}), but its answer cannot be read back: {exc}; it is not "
                "sent again"
            ) from None


class HttpHandler(_HttpHandler):
    """POST or PUT each batch with ``httpx.Client`` (one connection pool per step)."""

    name: ClassVar[str] = "http"
    Options: ClassVar[type[HandlerOptions]] = HttpOptions

    def __init__(self, options: HttpOptions) -> None:
        super().__init__(options)
        self._client: httpx.Client | None = None

    def open(self, ctx: HandlerContext) -> None:
        self.ctx = ctx
        self._client = httpx.Client(**self._client_args(ctx))

    def write(self, batch: Batch) -> Batch | None:
        written: Batch | None = self._drive(self._exchange(self.client, batch))
        return written

    def undo(self, batch: Batch) -> int:
        """Delete the rows of ``batch`` (destroy, with a ``delete`` option)."""
        gone: int = self._drive(self._deletion(self.client, batch))
        return gone

    @property
    def client(self) -> httpx.Client:
        assert self._client is not None, "handler used before open() or after close()"
        return self._client

    def _drive(self, steps: Generator[httpx.Request | float, Outcome, Any]) -> Any:
        try:
            step = next(steps)
            while True:
                outcome: Outcome = None
                if not isinstance(step, httpx.Request):
                    time.sleep(step)
                else:
                    try:
                        outcome = self.client.send(step)
                    except httpx.TransportError as exc:
                        outcome = exc
                step = steps.send(outcome)
        except StopIteration as done:
            return done.value

    def close(self, error: BaseException | None) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None


class AsyncHttpHandler(_HttpHandler):
    """POST or PUT each batch with ``httpx.AsyncClient`` on the run's event loop."""

    name: ClassVar[str] = "http-async"
    Options: ClassVar[type[HandlerOptions]] = AsyncHttpOptions

    def __init__(self, options: HttpOptions) -> None:
        super().__init__(options)
        self._client: httpx.AsyncClient | None = None
        self._loop: LoopRunner | None = None

    def open(self, ctx: HandlerContext) -> None:
        self.ctx = ctx
        self._loop = event_loop(ctx.resources)
        self._client = self._loop.run(self._new_client(ctx))

    def write(self, batch: Batch) -> Batch | None:
        assert self._loop is not None, "handler used before open()"
        written: Batch | None = self._loop.run(self._drive(self._exchange(self.client, batch)))
        return written

    def undo(self, batch: Batch) -> int:
        """Delete the rows of ``batch`` (destroy, with a ``delete`` option)."""
        assert self._loop is not None, "handler used before open()"
        gone: int = self._loop.run(self._drive(self._deletion(self.client, batch)))
        return gone

    @property
    def client(self) -> httpx.AsyncClient:
        assert self._client is not None, "handler used before open() or after close()"
        return self._client

    def close(self, error: BaseException | None) -> None:
        if self._client is not None and self._loop is not None:
            client, self._client = self._client, None
            self._loop.run(client.aclose())

    async def _new_client(self, ctx: HandlerContext) -> httpx.AsyncClient:
        return httpx.AsyncClient(**self._client_args(ctx))

    async def _drive(self, steps: Generator[httpx.Request | float, Outcome, Any]) -> Any:
        client = self.client
        try:
            step = next(steps)
            while True:
                outcome: Outcome = None
                if not isinstance(step, httpx.Request):
                    await asyncio.sleep(step)
                else:
                    try:
                        outcome = await client.send(step)
                    except httpx.TransportError as exc:
                        outcome = exc
                step = steps.send(outcome)
        except StopIteration as done:
            return done.value


def _undo_failure(shown: str, verdict: Verdict, attempts: int) -> HandlerError:
    text = f"{shown}: {verdict.reason}"
    if attempts > 1:
        text += f" (after {attempts} attempts)"
    return HandlerError(text + ". Rows deleted before this one stay deleted; run destroy again")


def resolve_ca_bundle(bundle: str, base_dir: Path) -> Path:
    """The CA bundle file, relative to the manifest's folder; a clear error when missing."""
    path = Path(bundle).expanduser()
    path = path if path.is_absolute() else base_dir / path
    if not path.is_file():
        raise HandlerError(f"ca_bundle {bundle!r}: no such file ({path})")
    return path


def tls_context(verify: bool, cafile: Path | None) -> ssl.SSLContext:
    """The TLS context: the system's CAs, or only ``cafile``'s; none checked without verify."""
    if cafile is not None:
        try:
            return ssl.create_default_context(cafile=str(cafile))
        except (OSError, ssl.SSLError) as exc:
            why = f"ca_bundle {cafile}: not a PEM file of certificates ({exc})"
            raise HandlerError(why) from None
    return httpx.create_ssl_context(verify=verify)
