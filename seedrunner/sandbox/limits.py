"""The sandbox's numbers, and the per-render counters they are checked against.

The counters are context variables, so renders on several threads each count their own;
``render_value`` starts them at zero for every render and restores them after.
"""

from __future__ import annotations

import contextvars

from jinja2.exceptions import SecurityError

MAX_OUTPUT = 64 * 1024  # characters per rendered value
MAX_REPEAT = 64 * 1024  # longest string or list a `*` may build
MAX_EXPONENT_BITS = 256  # `**` results are capped by size, not by time
RANGE_BUDGET = 100_000  # items all `range()` calls of one render may yield together
CALL_BUDGET = 100_000  # calls (functions, methods, macros) one render may make

range_used: contextvars.ContextVar[int] = contextvars.ContextVar("range_used", default=0)
calls_made: contextvars.ContextVar[int] = contextvars.ContextVar("calls_made", default=0)


def too_big(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise SecurityError(f"{what} would build {size:,} items (limit {MAX_OUTPUT:,})")
