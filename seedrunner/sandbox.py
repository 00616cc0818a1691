"""The one place that builds Jinja2 environments: sandboxed, strict, and with resource guards.

A manifest is written by people, but it is read by CI jobs with database credentials, so
its templates run in ``ImmutableSandboxedEnvironment`` with:

- ``StrictUndefined`` (a typo is an error naming the name, never an empty string);
- no globals that hand out types or modules (``dict``, ``cycler``, ``joiner``, ``namespace``
  and ``lipsum`` are removed; ``range`` is replaced by one with a per-render budget, so nested
  loops cannot run for minutes);
- ``*`` and ``**`` intercepted, so ``'a' * 10**8`` or ``10 ** (10 ** 8)`` fail at once;
- every other way to build a huge value in one C call refused before the call: format widths
  (``'%999999999d' % 1``, ``'{:>999999999}'.format(1)``, ``|format``), padding and repeats
  (``center``, ``ljust``, ``zfill``, ``expandtabs``, ``|center``, ``|indent``, ``|batch``,
  ``|slice``), multiplying joins and replaces (``big.replace('', big)``), size arguments
  of Faker (``fake.pystr(max_chars=10**9)``), and every concatenation (``~``, ``+``, the
  output of macros and of the whole template) is capped while it is built;
- a cap on the size of every rendered value, and a budget of calls per render;
- no ``{% include %}``, ``{% import %}`` or ``{% extends %}`` and no loop inside a loop, so
  the work of one render is bounded by the size of its values even when the plan-time
  sample render never reached the branch (``{% if index > 3 %}<bomb>{% endif %}``);
- a static check at parse time: any attribute or key starting with ``_`` (``.__class__``,
  ``|attr('__class__')``, ``'{0.__class__}'.format``) is refused before anything renders,
  so the error names the attribute and the template's line;
- an optional time budget per render (``render_guarded(..., time_budget=s)``), used for the
  one-off renders of vars and target options and for the plan-time sample render of field
  templates, so loops over anything (not only ``range``) cannot hang a plan.

``new_environment(native=True)`` is the same sandbox for field templates, with one change:
a render whose whole output is one ``{{ ... }}`` value gives that value with its Python type
(``None``, a date, a number) instead of its text; ``render_value`` renders with it.
"""

from __future__ import annotations

import contextvars
import inspect
import re
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sized
from functools import wraps
from types import BuiltinMethodType, FrameType, MethodType
from typing import Any

from jinja2 import StrictUndefined, Template, TemplateSyntaxError, UndefinedError, nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment
from jinja2.utils import missing

MAX_OUTPUT = 64 * 1024  # characters per rendered value
MAX_REPEAT = 64 * 1024  # longest string or list a `*` may build
MAX_EXPONENT_BITS = 256  # `**` results are capped by size, not by time
RANGE_BUDGET = 100_000  # items all `range()` calls of one render may yield together
CALL_BUDGET = 100_000  # calls (functions, methods, macros) one render may make

_range_used: contextvars.ContextVar[int] = contextvars.ContextVar("range_used", default=0)
_calls_made: contextvars.ContextVar[int] = contextvars.ContextVar("calls_made", default=0)

__all__ = [
    "MAX_OUTPUT",
    "EnvVars",
    "SecurityError",
    "TemplateSyntaxError",
    "TemplateTimeout",
    "UndefinedError",
    "UnsafeTemplateError",
    "UnsetVariableError",
    "check_faker_sizes",
    "check_format",
    "new_environment",
    "render_guarded",
    "render_value",
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


_LOADING = {
    nodes.Include: "include",
    nodes.Import: "import",
    nodes.FromImport: "from ... import",
    nodes.Extends: "extends",
}


def unsafe_construct(ast: nodes.Template) -> tuple[str, int] | None:
    """A construct templates may not use (message, line), or None.

    Templates have no loader, so ``include``/``import``/``extends`` could only fail row by
    row.  A loop inside a loop (or inside a macro, which a loop may call) multiplies the
    sizes of two values, and an empty loop body calls nothing a budget could count
    (two 60,000-character strings make 3.6 billion iterations), so it is refused by shape.
    """
    for node in ast.find_all(tuple(_LOADING)):
        return f"template uses '{{% {_LOADING[type(node)]} %}}' (no other templates)", node.lineno
    for outer in ast.find_all((nodes.For, nodes.Macro, nodes.CallBlock)):
        inner = next(outer.find_all(nodes.For), None)
        if inner is not None:
            where = "a loop" if isinstance(outer, nodes.For) else "a macro"
            return f"template nests a loop inside {where} (line {outer.lineno})", inner.lineno
    return None


# -- size checks before a value is built ------------------------------------------------------

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_FAKER_SIZE_PARAM = re.compile(
    r"^(nb(_\w+)?|\w*length|\w*chars|\w*size|num_\w+|\w*digits|\w*_rows|count|depth|deep)$"
)


def _too_big(size: int, what: str) -> None:
    if size > MAX_OUTPUT:
        raise SecurityError(f"{what} would build {size:,} items (limit {MAX_OUTPUT:,})")


def _check_width(width: str | None, fmt: str) -> None:
    if width == "*":
        raise SecurityError(f"format {fmt[:40]!r} takes its width from an argument ('*')")
    if width is not None and (len(width) > 9 or int(width) > MAX_OUTPUT):
        raise SecurityError(
            f"format {fmt[:40]!r} pads to {width} characters (limit {MAX_OUTPUT:,})"
        )


def check_format(fmt: object, style: str) -> None:
    """Refuse ``%``- or ``{}``-format strings whose width or precision could be huge."""
    if not isinstance(fmt, str):
        return
    if style == "%":
        for m in _PERCENT_SPEC.finditer(fmt):
            for width in m.groups():
                _check_width(width, fmt)
        return
    for m in _BRACE_SPEC.finditer(fmt):
        spec = m.group(1)
        if "{" in spec:
            _check_width("*", fmt)
        for width in re.findall(r"\d+", spec):
            _check_width(width, fmt)


def _count(value: object) -> int:
    return len(value) if isinstance(value, Sized) else 0


def _replace_size(s: object, old: object, new: object) -> int:
    if not (isinstance(s, str) and isinstance(old, str) and isinstance(new, str)):
        return 0
    hits = s.count(old) if old else len(s) + 1
    return len(s) + hits * len(new)


def _int(value: object) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _str_method_size(name: str, s: str, a: dict[str, Any]) -> int:
    if name in ("center", "ljust", "rjust", "zfill"):
        return _int(a.get("width"))
    if name == "expandtabs":
        return len(s) * _int(a.get("tabsize", 8))
    if name == "replace":
        return _replace_size(s, a.get("old"), a.get("new"))
    if name == "join":
        return len(s) * _count(a.get("iterable"))
    return 0


_STR_PARAMS = {
    "center": ("width", "fillchar"),
    "ljust": ("width", "fillchar"),
    "rjust": ("width", "fillchar"),
    "zfill": ("width",),
    "expandtabs": ("tabsize",),
    "replace": ("old", "new", "count"),
    "join": ("iterable",),
}


def _bind(
    names: tuple[str, ...], args: tuple[Any, ...], kwargs: Mapping[str, Any]
) -> dict[str, Any]:
    return {**dict(zip(names, args, strict=False)), **kwargs}


def _check_call(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a call from a template that would build a huge value in one step."""
    owner = getattr(obj, "__self__", None)
    if isinstance(obj, BuiltinMethodType) and isinstance(owner, str):
        params = _STR_PARAMS.get(obj.__name__)
        if params is not None:
            size = _str_method_size(obj.__name__, owner, _bind(params, args, kwargs))
            _too_big(size, f"str.{obj.__name__}()")
    elif (
        isinstance(obj, MethodType)
        and type(owner).__module__.startswith("faker.")
        and any(_int(v) > MAX_REPEAT for v in (*args, *kwargs.values()))
    ):
        check_faker_sizes(obj, args, kwargs)


def check_faker_sizes(method: MethodType, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    try:
        bound = inspect.signature(method).bind_partial(*args, **kwargs)
    except (TypeError, ValueError):
        return  # Faker reports the bad call itself
    for name, value in bound.arguments.items():
        if _FAKER_SIZE_PARAM.match(name) and _int(value) > MAX_REPEAT:
            raise SecurityError(
                f"{method.__name__}({name}={value}) asks for more than {MAX_REPEAT:,} items"
            )


def _filter_size(name: str, a: dict[str, Any]) -> int:
    value = a.get("value")
    text = value if isinstance(value, str) else ""
    if name == "center":
        return _int(a.get("width"))
    if name == "indent":
        width = a.get("width", 4)
        pad = len(width) if isinstance(width, str) else _int(width)
        return len(text) + (text.count("\n") + 1) * pad
    if name == "wordwrap":
        wrap = a.get("wrapstring") or "\n"
        return len(text) + (len(text) // max(_int(a.get("width", 79)), 1) + 1) * _count(wrap)
    if name == "replace":
        return _replace_size(value, a.get("old"), a.get("new"))
    if name == "join":
        return _count(a.get("d", "")) * _count(value)
    if name in ("slice", "batch"):
        return _int(a.get("count"))
    if name == "format":
        check_format(value, "%")
    return 0


_FILTER_PARAMS = {
    "center": ("value", "width"),
    "indent": ("value", "width"),
    "wordwrap": ("value", "width", "break_long_words", "wrapstring"),
    "replace": ("value", "old", "new", "count"),
    "join": ("value", "d", "attribute"),
    "slice": ("value", "count", "fill_with"),
    "batch": ("value", "count", "fill_with"),
    "format": ("value",),
}


def _guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with a size check first; the Jinja pass-argument (if any) is kept in place."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
    params = _FILTER_PARAMS[name]

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        _too_big(_filter_size(name, _bind(params, args[skip:], kwargs)), f"|{name}")
        return func(*args, **kwargs)

    return guarded


# Faker's own machinery, not providers: reseeding (rows stop being reproducible), swapping
# formatters, and calling providers by name (``fake.format('pystr', max_chars=...)``, which
# would pass the size check by another name).
_FAKER_INTERNALS = frozenset(
    {
        "add_provider", "cache_pattern", "del_arguments", "factories", "format",
        "generator_attrs", "get_arguments", "get_formatter", "get_providers", "items",
        "parse", "provider", "providers", "seed", "seed_instance", "seed_locale",
        "set_arguments", "set_formatter",
    }
)  # fmt: skip
_RANDOM_STATE = frozenset({"seed", "setstate", "getstate"})


def _guarded_concat(parts: Iterable[str]) -> str:
    """``"".join`` that refuses before joining more than ``MAX_OUTPUT`` characters."""
    items = list(parts)
    _too_big(sum(map(len, items)), "template output")
    return "".join(items)


class _GuardedCodeGenerator(CodeGenerator):
    """Compiles ``a ~ b`` to the environment's capped concat instead of a plain join."""

    def visit_Concat(self, node: nodes.Concat, frame: Frame) -> None:
        self.write("environment.concat(map(str, (")
        for arg in node.nodes:
            self.visit(arg, frame)
            self.write(", ")
        self.write(")))")


def _native_concat(parts: Iterable[Any]) -> Any:
    """The one value a render output, kept as it is; else the capped text of every part."""
    items = list(parts)
    if len(items) == 1 and not isinstance(items[0], str):
        return items[0]
    return _guarded_concat(map(str, items))


class _NativeCodeGenerator(_GuardedCodeGenerator):
    """Outputs values as they are (no ``str()``); constants too, so ``{{ none }}`` is None.

    Like ``jinja2.nativetypes`` but without its ``literal_eval`` of the text: a template
    that renders the text ``[1, 2]`` gives that text, never a list.
    """

    @staticmethod
    def _default_finalize(value: Any) -> Any:
        return value

    def _output_const_repr(self, group: Iterable[Any]) -> str:
        return repr("".join(map(str, group)))

    def _output_child_to_const(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> Any:
        if not isinstance(node, nodes.TemplateData):
            raise nodes.Impossible()  # evaluated at render time, keeping its type
        return node.as_const(frame.eval_ctx)

    def _output_child_pre(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        pass

    def _output_child_post(
        self, node: nodes.Expr, frame: Frame, finalize: CodeGenerator._FinalizeInfo
    ) -> None:
        pass


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
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = _GuardedCodeGenerator
    concat = staticmethod(_guarded_concat)

    def _parse(self, source: str, name: str | None, filename: str | None) -> nodes.Template:
        ast = super()._parse(source, name, filename)
        found = unsafe_use(ast)
        if found is not None:
            attr, lineno = found
            raise UnsafeTemplateError(f"template uses unsafe attribute '{attr}'", lineno)
        construct = unsafe_construct(ast)
        if construct is not None:
            raise UnsafeTemplateError(*construct)
        return ast

    def call(self, context: Any, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        made = _calls_made.get() + 1
        if made > CALL_BUDGET:
            raise SecurityError(f"template makes more than {CALL_BUDGET:,} calls in one render")
        _calls_made.set(made)
        _check_call(obj, args, kwargs)
        return super().call(context, obj, *args, **kwargs)

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        module = type(obj).__module__
        if module.startswith("faker.") and attr in _FAKER_INTERNALS:
            return False
        if module == "random" and attr in _RANDOM_STATE:
            return False
        return super().is_safe_attribute(obj, attr, value)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        wrapped = super().wrap_str_format(value)
        if wrapped is not None:
            check_format(value.__self__, "{}")
        return wrapped

    def call_binop(self, context: Any, operator: str, left: Any, right: Any) -> Any:
        if operator == "**":
            if isinstance(left, int | float) and isinstance(right, int | float):
                base_bits = max(abs(int(left)), 2).bit_length()
                if right > 0 and base_bits * right > MAX_EXPONENT_BITS:
                    raise SecurityError(f"exponent too large in template ({left} ** {right})")
        elif operator == "%":
            check_format(left, "%")
        elif operator == "+":
            if isinstance(left, str | list | tuple) and isinstance(right, str | list | tuple):
                _too_big(len(left) + len(right), "'+'")
        elif operator == "*":
            for seq, times in ((left, right), (right, left)):
                sized = isinstance(seq, str | list | tuple) and isinstance(times, int)
                if sized and len(seq) * times > MAX_REPEAT:
                    raise SecurityError(
                        f"template builds a value of {len(seq) * times:,} items with '*' "
                        f"(limit {MAX_REPEAT:,})"
                    )
        return super().call_binop(context, operator, left, right)


class NativeGuardedEnvironment(GuardedEnvironment):
    code_generator_class = _NativeCodeGenerator
    concat = staticmethod(_native_concat)


def new_environment(*, native: bool = False) -> GuardedEnvironment:
    """The sandbox; ``native`` keeps the type of a template's one output value."""
    cls = NativeGuardedEnvironment if native else GuardedEnvironment
    env = cls(undefined=SeedUndefined, autoescape=False, keep_trailing_newline=False)
    for name in ("dict", "cycler", "joiner", "namespace", "lipsum"):
        env.globals.pop(name, None)
    env.globals["range"] = _budget_range
    for name in _FILTER_PARAMS:
        env.filters[name] = _guard_filter(name, env.filters[name])
    return env


Tracer = Callable[[FrameType, str, Any], Any]


def _deadline_tracer(deadline: float, budget: float) -> Tracer:
    """A ``sys.settrace`` function that stops a render running past ``deadline``.

    Every frame is traced line by line, the template's and those of what it calls
    (Faker, filters), so a provider asked for a billion items is stopped too.  It is
    meant for one-off and plan-time sample renders only.
    """

    def local(frame: FrameType, event: str, arg: Any) -> Any:
        if event == "line" and time.perf_counter() > deadline:
            raise TemplateTimeout(f"template ran longer than {budget * 1000:.0f} ms (loop bomb?)")
        return local

    return local


def shared_context(template: Template, base: Mapping[str, Any]) -> dict[str, Any]:
    """A context for ``render_guarded(..., shared=True)``: the template's globals and ``base``."""
    return {**template.globals, **base}


def _render_shared(template: Template, context: Mapping[str, Any]) -> Any:
    """``Template.render`` without its per-call copy of the context and the globals."""
    parent = context if isinstance(context, dict) else dict(context)
    ctx = template.new_context(parent, shared=True)
    try:
        return template.environment.concat(template.root_render_func(ctx))
    except Exception:
        template.environment.handle_exception()
        raise  # handle_exception always raises; this satisfies the type checker


def _render(template: Template, context: Mapping[str, Any], time_budget: float | None) -> Any:
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
    return str(render_value(template, context, time_budget=time_budget, shared=shared))


def render_value(
    template: Template,
    context: Mapping[str, Any],
    *,
    time_budget: float | None = None,
    shared: bool = False,
) -> Any:
    """``render_guarded`` that keeps the value of a native template (see ``new_environment``)."""
    token, calls = _range_used.set(0), _calls_made.set(0)
    try:
        if shared and time_budget is None:
            out = _render_shared(template, context)
        else:
            out = _render(template, context, time_budget)
    finally:
        _range_used.reset(token)
        _calls_made.reset(calls)
    if isinstance(out, Sized) and len(out) > MAX_OUTPUT:  # text, or a native list or dict
        raise SecurityError(f"template output is {len(out):,} characters (limit {MAX_OUTPUT:,})")
    return out
