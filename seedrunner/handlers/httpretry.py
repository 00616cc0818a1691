"""What the http handlers send again, when, and which headers never leave the origin.

A batch is sent again only when a second copy cannot be stored twice: the request never
reached the server (connection refused, body not fully written), the server said so
(429, 502, 503, 504), or an ``Idempotency-Key`` lets the server drop a duplicate (a 500,
or no answer after the body went out).  Everything else fails at once.  This module holds
that policy and the redirect rule, free of the sync/async split, so both clients share it.
"""

from __future__ import annotations

import email.utils
import math
import ssl
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import httpx

from seedrunner.handlers.httpoptions import is_secret_header
from seedrunner.handlers.retry import RetryPolicy
from seedrunner.redact import scrub

RETRY_ALWAYS = frozenset({429, 502, 503, 504})  # the server did not take the batch
RETRY_WITH_KEY = frozenset({500})  # it may have: only a key makes a second copy harmless
FOLLOWED_REDIRECTS = frozenset({307, 308})  # the only ones that keep the method and body
MAX_REDIRECTS = 5
SNIPPET_BYTES = 200

_KEY_NAMESPACE = uuid.UUID("5f0c6b8e-2d1a-4c4e-9b7e-1f3a8d2c6e90")


def idempotency_key(run_id: str, dataset: str, target: str, index: int) -> str:
    """The same key for every attempt at one batch of one step of one run (a UUID 5)."""
    return str(uuid.uuid5(_KEY_NAMESPACE, f"{run_id}\x1f{dataset}\x1f{target}\x1f{index}"))


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds a ``Retry-After`` asks for: delay-seconds (decimals tolerated) or an
    HTTP date; None when absent or unreadable, never negative."""
    if value is None:
        return None
    text = value.strip()
    try:
        seconds = float(text)
    except ValueError:
        pass
    else:
        return max(0.0, seconds) if math.isfinite(seconds) else None
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    clock = time.time() if now is None else now
    return max(0.0, when.timestamp() - clock)  # a date without zone is taken as UTC


def body_snippet(content: bytes, limit: int = SNIPPET_BYTES) -> str:
    """The start of a response body for an error message: one line, secrets masked.

    Scrubbed before it is cut, so a secret straddling the cut cannot leave half of itself.
    """
    text = " ".join(content[: limit * 8].decode("utf-8", "replace").split())
    text = scrub(text)
    return text[:limit] + ("…" if len(text) > limit or len(content) > limit * 8 else "")


# -- redirects ------------------------------------------------------------------------


def same_origin(a: httpx.URL, b: httpx.URL) -> bool:
    return (a.scheme, a.host, a.port) == (b.scheme, b.host, b.port)


def redirected(
    request: httpx.Request, response: httpx.Response, keep: Iterable[str] = ()
) -> httpx.Request | None:
    """The request to send for a 307/308 (same method, same body), else None.

    httpx's own redirects would forward ``X-Api-Key`` and other custom credentials to
    another origin and turn a POST answered by 301/302/303 into a GET (whose 200 would
    look like a delivered batch), so the handlers follow redirects here: credential headers
    (names in ``keep`` excepted) are dropped when the origin changes.
    """
    location = response.headers.get("location")
    if response.status_code not in FOLLOWED_REDIRECTS or not location:
        return None
    url = request.url.join(location)
    headers = httpx.Headers(request.headers)
    if not same_origin(url, request.url):
        kept = {k.lower() for k in keep}
        for name in {n for n in headers if is_secret_header(n) and n.lower() not in kept}:
            del headers[name]
        headers["Host"] = url.netloc.decode("ascii")
    return httpx.Request(request.method, url, headers=headers, content=request.content)


# -- verdicts -------------------------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """Why an attempt did not deliver the batch, and whether another attempt may."""

    reason: str
    retry: bool  # another attempt cannot store the batch twice (and may succeed)
    retry_after: float | None = None
    hint: str = ""


def judge_response(response: httpx.Response, keyed: bool) -> Verdict | None:
    """None when the server acknowledged the batch (2xx)."""
    status = response.status_code
    if 200 <= status < 300:
        return None
    reason = f"HTTP {status} {response.reason_phrase}".rstrip()
    snippet = body_snippet(response.content)
    if snippet:
        reason += f": {snippet}"
    if status in RETRY_ALWAYS:
        after = parse_retry_after(response.headers.get("retry-after"))
        return Verdict(reason, True, after)
    if status in RETRY_WITH_KEY:
        return Verdict(reason, keyed, hint="" if keyed else _NO_KEY_HINT)
    if 300 <= status < 400:
        target = response.headers.get("location", "?")
        return Verdict(
            f"HTTP {status} redirect to {scrub(target)} not followed",
            False,
            hint="only 307/308 are followed (up to 5; 301/302/303 would turn the write into a "
            "GET); set url to the final address",
        )
    return Verdict(reason, False, hint=_STATUS_HINTS.get(status, ""))


_NO_KEY_HINT = (
    "the batch may have been stored, and without an idempotency key a second copy could be "
    "stored twice, so it was not sent again; set idempotency_header (on by default) or check "
    "the server before running again"
)
_STATUS_HINTS = {
    401: "check the credential headers (headers: {Authorization: ...})",
    403: "check the credential headers and the account's permissions",
    404: "check the url",
    405: "check method (POST or PUT) and the url",
    413: "the batch is too large for the server: lower batch_size",
}


def judge_error(exc: httpx.TransportError, keyed: bool, timeout: float) -> Verdict:
    """A transport failure: retried when the batch cannot have arrived, or a key is sent."""
    if _certificate_error(exc):
        return Verdict(
            f"TLS certificate verification failed ({exc})",
            False,
            hint="fix the server's certificate chain, or set verify: false for a test server",
        )
    if isinstance(exc, httpx.ConnectTimeout | httpx.PoolTimeout):
        return Verdict(f"could not connect within {timeout:g} s", True)
    if isinstance(exc, httpx.ConnectError | httpx.ProxyError):
        return Verdict(f"could not connect ({_text(exc)})", True)
    if isinstance(exc, httpx.WriteError | httpx.WriteTimeout):  # body not fully sent
        return Verdict(f"connection lost while sending ({_text(exc)})", True)
    if isinstance(exc, httpx.ReadTimeout):
        reason = f"no answer within {timeout:g} s (read timeout)"
    elif isinstance(exc, httpx.ReadError | httpx.RemoteProtocolError | httpx.NetworkError):
        reason = f"connection lost before the answer ({_text(exc)})"
    else:  # a local protocol error, an unsupported scheme: no retry can help
        return Verdict(f"{type(exc).__name__}: {_text(exc)}", False)
    return Verdict(reason, keyed, hint="" if keyed else _NO_KEY_HINT)


def _certificate_error(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, ssl.SSLCertVerificationError):
            return True
        seen = seen.__cause__ or seen.__context__
    return "CERTIFICATE_VERIFY_FAILED" in str(exc)


def _text(exc: BaseException) -> str:
    return scrub(str(exc) or type(exc).__name__)


@dataclass
class Attempts:
    """Counts the attempts at one batch; ``after`` says how long to wait before the next."""

    policy: RetryPolicy
    fail: Callable[[Verdict, int], Exception]  # the error for a verdict after n attempts
    made: int = 0

    def after(self, verdict: Verdict) -> float:
        """Seconds to wait before attempt ``made + 1``; raises when there is none."""
        self.made += 1
        if not verdict.retry or self.made > self.policy.max:
            raise self.fail(verdict, self.made)
        return self.policy.delay(self.made, verdict.retry_after)
