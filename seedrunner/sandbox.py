"""The one place that builds Jinja2 environments: sandboxed, strict, and with resource guards.

A manifest is written by people, but it is read by CI jobs with database credentials, so
its templates run in ``ImmutableSandboxedEnvironment`` with:

- ``StrictUndefined`` (a typo is an error naming the name, never an empty string);
- no globals that hand out types or modules (``dict``, ``cycler``, ``joiner``, ``namespace``
  and ``lipsum`` are removed; ``range`` is replaced by one with a per-render budget, so nested
  loops cannot run for minutes);
- ``*`` and ``**`` intercepted, so ``'a' * 10**8`` or ``10 ** (10 ** 8)`` fail at once;
- a cap on the size of every rendered value.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping
from typing import Any, NoReturn

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

MAX_OUTPUT = 64 * 1024  # characters per rendered value
MAX_REPEAT = 64 * 1024  # longest string or list a `*` may build
MAX_EXPONENT_BITS = 256  # `**` results are capped by size, not by time
RANGE_BUDGET = 100_000  # items all `range()` calls of one render may yield together

_range_used: contextvars.ContextVar[int] = contextvars.ContextVar("range_used", default=0)

__all__ = [
    "MAX_OUTPUT",
    "EnvVars",
    "SecurityError",
    "TemplateSyntaxError",
    "UndefinedError",
    "new_environment",
    "render_guarded",
]


class EnvVars(Mapping[str, str]):
    """``env`` in templates: the process environment, whose misses name the variable."""

    def __init__(self, environ: Mapping[str, str]) -> None:
        self._environ = dict(environ)

    def __getitem__(self, key: str) -> str:
        return self._environ[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._environ)

    def __len__(self) -> int:
        return len(self._environ)

    def __repr__(self) -> str:  # never print the environment's values
        return "<env>"


class SeedUndefined(StrictUndefined):
    """StrictUndefined with messages that say what to do."""

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if self._undefined_hint:
            return self._undefined_hint
        if isinstance(obj, EnvVars):
            return (
                f"environment variable {name} is not set; set it, or give a fallback: "
                f"{{{{ env.{name} | default('...') }}}}"
            )
        if obj is missing:
            return f"undefined name '{name}'"
        if isinstance(obj, Mapping) and isinstance(name, str):
            return f"'{name}' is not defined here (known: {', '.join(map(str, obj)) or 'none'})"
        return f"{type(obj).__name__} has no attribute '{name}'"

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UndefinedError(self._undefined_message)


def _budget_range(*args: int) -> range:
    r = range(*args)
    used = _range_used.get() + len(r)
    if used > RANGE_BUDGET:
        raise SecurityError(
            f"template loops exceed {RANGE_BUDGET:,} iterations in one render (range budget)"
        )
    _range_used.set(used)
    return r


class GuardedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**"})

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, int | float) and isinstance(right, int | float):
                base_bits = max(abs(int(left)), 2).bit_length()
                if right > 0 and base_bits * right > MAX_EXPONENT_BITS:
                    raise SecurityError(f"exponent too large in template ({left} ** {right})")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                if isinstance(seq, str | list | tuple) and isinstance(times, int):
                    if len(seq) * times > MAX_REPEAT:
                        raise SecurityError(
                            f"template builds a value of {len(seq) * times:,} items with '*' "
                            f"(limit {MAX_REPEAT:,})"
                        )
        return super().call_binop(context, operator, left, right)


def new_environment() -> GuardedEnvironment:
    env = GuardedEnvironment(undefined=SeedUndefined, autoescape=False, keep_trailing_newline=False)
    for name in ("dict", "cycler", "joiner", "namespace", "lipsum"):
        env.globals.pop(name, None)
    env.globals["range"] = _budget_range
    return env


def render_guarded(template: Template, context: Mapping[str, Any]) -> str:
    """Render with a fresh range budget and the output cap."""
    token = _range_used.set(0)
    try:
        out = template.render(context)
    finally:
        _range_used.reset(token)
    if len(out) > MAX_OUTPUT:
        raise SecurityError(f"template output is {len(out):,} characters (limit {MAX_OUTPUT:,})")
    return out
