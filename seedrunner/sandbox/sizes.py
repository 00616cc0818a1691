"""Size checks before a value is built: every way a template could build a huge value in one
C call (format widths, padding, repeats, multiplying joins and replaces, Faker size
arguments) is refused before the call.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Mapping, Sized
from functools import wraps
from types import BuiltinMethodType, MethodType
from typing import Any

from jinja2.exceptions import SecurityError

from seedrunner.sandbox.limits import MAX_OUTPUT, MAX_REPEAT, too_big

_PERCENT_SPEC = re.compile(r"%(?:\([^)]*\))?[#0\- +]*(\*|\d+)?(?:\.(\*|\d+))?")
_BRACE_SPEC = re.compile(r"\{[^{}]*:([^{}]*(?:\{[^{}]*\}[^{}]*)*)\}")
_FAKER_SIZE_PARAM = re.compile(
    r"^(nb(_\w+)?|\w*length|\w*chars|\w*size|num_\w+|\w*digits|\w*_rows|count|depth|deep)$"
)


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


def check_call(obj: Any, args: tuple[Any, ...], kwargs: Mapping[str, Any]) -> None:
    """Refuse a call from a template that would build a huge value in one step."""
    owner = getattr(obj, "__self__", None)
    if isinstance(obj, BuiltinMethodType) and isinstance(owner, str):
        params = _STR_PARAMS.get(obj.__name__)
        if params is not None:
            size = _str_method_size(obj.__name__, owner, _bind(params, args, kwargs))
            too_big(size, f"str.{obj.__name__}()")
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


FILTER_PARAMS = {
    "center": ("value", "width"),
    "indent": ("value", "width"),
    "wordwrap": ("value", "width", "break_long_words", "wrapstring"),
    "replace": ("value", "old", "new", "count"),
    "join": ("value", "d", "attribute"),
    "slice": ("value", "count", "fill_with"),
    "batch": ("value", "count", "fill_with"),
    "format": ("value",),
}


def guard_filter(name: str, func: Callable[..., Any]) -> Callable[..., Any]:
    """``func`` with a size check first; the Jinja pass-argument (if any) is kept in place."""
    skip = 1 if getattr(func, "jinja_pass_arg", None) is not None else 0
    params = FILTER_PARAMS[name]

    @wraps(func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        too_big(_filter_size(name, _bind(params, args[skip:], kwargs)), f"|{name}")
        return func(*args, **kwargs)

    return guarded
