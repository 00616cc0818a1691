"""Retry policy for handlers: how many times a failed batch is tried again, and when.

A handler retries only what can succeed on a retry (a lost connection, HTTP 429/503) and
only where a retry cannot duplicate a row; the policy says how long to wait.  Waits grow
exponentially with full jitter (a uniform draw up to the capped exponential), so clients
that failed together do not retry together; a server's ``Retry-After`` is honoured up to
``cap``.  Jitter is not row data: it comes from the system's random source, not a seed.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass

_JITTER = secrets.SystemRandom()


@dataclass(frozen=True)
class RetryPolicy:
    max: int = 2  # retries after the first attempt (0: no retry)
    wait: float = 0.5  # seconds: the first retry waits up to this
    backoff: float = 2.0  # each retry waits up to backoff times longer
    cap: float = 30.0  # no single wait is longer, Retry-After included
    forced: bool = False  # set from the command line: targets' own policies do not apply

    def delay(self, attempt: int, retry_after: float | None = None) -> float:
        """Seconds to wait before retry number ``attempt`` (1 for the first retry)."""
        if retry_after is not None and retry_after >= 0:
            return min(retry_after, self.cap)
        ceiling = min(self.cap, self.wait * self.backoff ** max(0, attempt - 1))
        return _JITTER.uniform(0, ceiling)

    def sleep(self, attempt: int, retry_after: float | None = None) -> float:
        seconds = self.delay(attempt, retry_after)
        if seconds > 0:
            time.sleep(seconds)
        return seconds
