"""Rendering under the budgets: fresh range and call counters per render, the output cap,
and an optional time budget that traces the render's frames (for one-off and sample renders).
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Mapping, Sized
from types import FrameType
from typing import Any

from jinja2 import Template
from jinja2.exceptions import SecurityError

from seedrunner.sandbox.limits import MAX_OUTPUT, calls_made, range_used


class TemplateTimeout(SecurityError):
    """A render that ran past its time budget (a loop bomb)."""


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
    token, calls = range_used.set(0), calls_made.set(0)
    try:
        if shared and time_budget is None:
            out = _render_shared(template, context)
        else:
            out = _render(template, context, time_budget)
    finally:
        range_used.reset(token)
        calls_made.reset(calls)
    if isinstance(out, Sized) and len(out) > MAX_OUTPUT:  # text, or a native list or dict
        raise SecurityError(f"template output is {len(out):,} characters (limit {MAX_OUTPUT:,})")
    return out
