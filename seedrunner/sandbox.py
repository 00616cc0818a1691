"""The one place that builds Jinja2 environments: sandboxed, strict, and with resource guards.

A manifest is written by people, but it is read by CI jobs with database credentials, so
its templates run in ``ImmutableSandboxedEnvironment`` with:

- ``StrictUndefined`` (a typo is an error naming the name, never an empty string);
- no globals that hand out types or modules (``dict``, ``cycler``, ``joiner``, ``namespace``
  and ``lipsum`` are removed; ``range`` is replaced by one with a per-render budget, so nested
  loops cannot run for minutes);
- ``*`` and ``**`` intercepted, so ``'a' * 10**8`` or ``10 ** (10 ** 8)`` fail at once;
- a cap on the size of every rendered value;
- a static check at parse time: any attribute or key starting with ``_`` (``.__class__``,
  ``|attr('__class__')``, ``'{0.__class__}'.format``) is refused before anything renders,
  so the error names the attribute and the template's line;
- an optional time budget per render (``render_guarded(..., time_budget=s)``), used for the
  one-off renders of vars and target options and for the plan-time sample render of field
  templates, so loops over anything (not only ``range``) cannot hang a plan.
"""

from __future__ import annotations

import contextvars
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from types import FrameType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

MAX_OUTPUT = 64 * 1024  # characters per rendered value
MAX_REPEAT = 64 * 1024  # longest string or list a `*` may build
MAX_EXPONENT_BITS = 256  # `**` results are capped by size, not by time
RANGE_BUDGET = 100_000  # items all `range()` calls of one render may yield together
TEMPLATE_FILENAME = "<template>"  # the code filename Jinja compiles string templates under

_range_used: contextvars.ContextVar[int] = contextvars.ContextVar("range_used", default=0)

__all__ = [
    "MAX_OUTPUT",
    "EnvVars",
    "SecurityError",
    "TemplateSyntaxError",
    "TemplateTimeout",
    "UndefinedError",
    "UnsafeTemplateError",
    "UnsetVariableError",
    "new_environment",
    "render_guarded",
    "unsafe_use",
]


class UnsetVariableError(UndefinedError):
    """``{{ env.NAME }}`` with NAME unset; the message names the variable, never a value."""

    def __init__(self, message: str | None = None) -> None:
        super().__init__(message)
        self.name = (message or "").removeprefix("environment variable ").split(" ", 1)[0]
        self.hint = f"set it, or give a fallback: {{{{ env.{self.name} | default('...') }}}}"


class UnsafeTemplateError(SecurityError):
    """A template that reaches for private attributes; found by parsing, before rendering."""

    def __init__(self, message: str, lineno: int) -> None:
        super().__init__(message)
        self.lineno = lineno


class TemplateTimeout(SecurityError):
    """A render that ran past its time budget (a loop bomb)."""


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
            return f"environment variable {name} is not set"
        if obj is missing:
            return f"undefined name '{name}'"
        if isinstance(obj, Mapping) and isinstance(name, str):
            return f"'{name}' is not defined here (known: {', '.join(map(str, obj)) or 'none'})"
        return f"{type(obj).__name__} has no attribute '{name}'"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if isinstance(self._undefined_obj, EnvVars) and not self._undefined_hint:
            # the class is raised by every failing use, dunders (str, iter ...) included
            self._undefined_exception = UnsetVariableError


# -- static check -----------------------------------------------------------------------------

_FORMAT_FIELD = re.compile(r"\{[^{}]*?[.\[]\s*(_\w*)")
_FORMAT_NAMES = frozenset({"format", "format_map"})


def _private(name: object) -> bool:
    return isinstance(name, str) and name.startswith("_")


def _attr_filter_arg(node: nodes.Node) -> object:
    """The constant argument of ``|attr('...')`` (or None for anything else)."""
    if not isinstance(node, nodes.Filter | nodes.Test) or node.name != "attr" or not node.args:
        return None
    arg = node.args[0]
    return arg.value if isinstance(arg, nodes.Const) else None


def _uses_format(ast: nodes.Template) -> bool:
    used = {n.attr for n in ast.find_all(nodes.Getattr)}
    used |= {str(_attr_filter_arg(n)) for n in ast.find_all((nodes.Filter, nodes.Test))}
    return bool(used & _FORMAT_NAMES)


def unsafe_use(ast: nodes.Template) -> tuple[str, int] | None:
    """The first private attribute a template reaches for, and its line, or None.

    Covers ``x.__class__``, ``x['__class__']``, ``x|attr('__class__')`` and format strings
    such as ``'{0.__class__}'.format(1)``.  The sandbox would refuse these at render time
    too; checking the parsed template makes the refusal happen at plan, for every template,
    whatever data it would have seen.
    """
    for node in ast.find_all((nodes.Getattr, nodes.Getitem, nodes.Filter, nodes.Test)):
        if isinstance(node, nodes.Getattr):
            name: object = node.attr
        elif isinstance(node, nodes.Getitem):
            name = node.arg.value if isinstance(node.arg, nodes.Const) else None
        else:
            name = _attr_filter_arg(node)
        if _private(name):
            return str(name), node.lineno
    if _uses_format(ast):
        for const in ast.find_all(nodes.Const):
            if isinstance(const.value, str):
                m = _FORMAT_FIELD.search(const.value)
                if m:
                    return m.group(1), const.lineno
    return None


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

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        ast = super()._parse(source, name, filename)
        found = unsafe_use(ast)
        if found is not None:
            attr, lineno = found
            raise UnsafeTemplateError(f"template uses unsafe attribute '{attr}'", lineno)
        return ast

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, int | float) and isinstance(right, int | float):
                base_bits = max(abs(int(left)), 2).bit_length()
                if right > 0 and base_bits * right > MAX_EXPONENT_BITS:
                    raise SecurityError(f"exponent too large in template ({left} ** {right})")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_REPEAT:
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


Tracer = Callable[[FrameType, str, Any], Any]


def _deadline_tracer(deadline: float, budget: float) -> Tracer:
    """A ``sys.settrace`` function that stops template code running past ``deadline``.

    Only frames of compiled templates are traced (line by line), so the cost falls on
    the template's own loops; Faker and filters run untraced.
    """

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and time.perf_counter() > deadline:
            raise TemplateTimeout(f"template ran longer than {budget * 1000:.0f} ms (loop bomb?)")
        return local

    def calls(frame: FrameType, event: str, arg: Any) -> Any:
        return local if frame.f_code.co_filename == TEMPLATE_FILENAME else None

    return calls


def shared_context(template: Template, base: Mapping[str, Any]) -> dict[str, Any]:
    """A context for ``render_guarded(..., shared=True)``: the template's globals and ``base``."""
    return {**template.globals, **base}


def _render_shared(template: Template, context: Mapping[str, Any]) -> str:
    """``Template.render`` without its per-call copy of the context and the globals."""
    parent = context if isinstance(context, dict) else dict(context)
    ctx = template.new_context(parent, shared=True)
    try:
        return str(template.environment.concat(template.root_render_func(ctx)))
    except Exception:
        template.environment.handle_exception()
        raise  # handle_exception always raises; this satisfies the type checker


def _render(template: Template, context: Mapping[str, Any], time_budget: float | None) -> str:
    if time_budget is None:
        return template.render(context)
    previous = sys.gettrace()
    sys.settrace(_deadline_tracer(time.perf_counter() + time_budget, time_budget))
    try:
        return template.render(context)
    finally:
        sys.settrace(previous)


def render_guarded(
    template: Template,
    context: Mapping[str, Any],
    *,
    time_budget: float | None = None,
    shared: bool = False,
) -> str:
    """Render with a fresh range budget and the output cap (and a time budget, if given).

    The time budget traces the template's frames, which slows them down; it is meant for
    one-off and sample renders, not for rendering every row of a run.  ``shared`` is for
    per-row rendering: ``context`` already holds the template's globals (see
    ``shared_context``) and is used as it is instead of being copied for every row, which
    is most of the cost of rendering a small template.
    """
    token = _range_used.set(0)
    try:
        if shared and time_budget is None:
            out = _render_shared(template, context)
        else:
            out = _render(template, context, time_budget)
    finally:
        _range_used.reset(token)
    if len(out) > MAX_OUTPUT:
        raise SecurityError(f"template output is {len(out):,} characters (limit {MAX_OUTPUT:,})")
    return out
