"""The sandboxed Jinja2 environment: parse-time checks, a call budget, intercepted operators,
guarded filters and globals, and Faker's and ``random``'s internals out of reach.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from seedrunner.sandbox.codegen import (
    GuardedCodeGenerator,
    NativeCodeGenerator,
    guarded_concat,
    native_concat,
)
from seedrunner.sandbox.limits import (
    CALL_BUDGET,
    MAX_EXPONENT_BITS,
    MAX_REPEAT,
    RANGE_BUDGET,
    calls_made,
    range_used,
    too_big,
)
from seedrunner.sandbox.sizes import FILTER_PARAMS, check_call, check_format, guard_filter
from seedrunner.sandbox.static import UnsafeTemplateError, unsafe_construct, unsafe_use
from seedrunner.sandbox.undefined import SeedUndefined

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


def _budget_range(*args: int) -> range:
    r = range(*args)
    used = range_used.get() + len(r)
    if used > RANGE_BUDGET:
        raise SecurityError(
            f"template loops exceed {RANGE_BUDGET:,} iterations in one render (range budget)"
        )
    range_used.set(used)
    return r


class GuardedEnvironment(ImmutableSandboxedEnvironment):
    intercepted_binops = frozenset({"*", "**", "%", "+"})
    code_generator_class = GuardedCodeGenerator
    concat = staticmethod(guarded_concat)

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
        made = calls_made.get() + 1
        if made > CALL_BUDGET:
            raise SecurityError(f"template makes more than {CALL_BUDGET:,} calls in one render")
        calls_made.set(made)
        check_call(obj, args, kwargs)
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
                too_big(len(left) + len(right), "'+'")
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
    code_generator_class = NativeCodeGenerator
    concat = staticmethod(native_concat)


def new_environment(*, native: bool = False) -> GuardedEnvironment:
    """The sandbox; ``native`` keeps the type of a template's one output value."""
    cls = NativeGuardedEnvironment if native else GuardedEnvironment
    env = cls(undefined=SeedUndefined, autoescape=False, keep_trailing_newline=False)
    for name in ("dict", "cycler", "joiner", "namespace", "lipsum"):
        env.globals.pop(name, None)
    env.globals["range"] = _budget_range
    for name in FILTER_PARAMS:
        env.filters[name] = guard_filter(name, env.filters[name])
    return env
