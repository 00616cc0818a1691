"""Render ``vars`` and target options: Jinja2 in the sandbox, seeing ``env`` and earlier vars.

Rendering happens once, before planning; a template that fails is a located problem.
Values that came out of secret-looking options (passwords, tokens, URL passwords) are
registered with ``redact`` so no later error can print them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from jinja2 import TemplateError

from seedrunner.errors import Problem, ProblemCollector, SourceLocation
from seedrunner.manifest.source import Path, SourceMap, dotted
from seedrunner.redact import SECRETS, is_secret_key
from seedrunner.sandbox import (
    EnvVars,
    SecurityError,
    TemplateSyntaxError,
    UnsafeTemplateError,
    UnsetVariableError,
    new_environment,
    render_guarded,
)

_ENV = new_environment()
#: seconds one var or target option may take to render (they render once, at load).
RENDER_TIME_BUDGET = 0.25
SANDBOX_HINT = (
    "templates may read values and call filters and Faker; no attributes starting with _, "
    "no mutation, no huge values or loops"
)


def is_template(value: object) -> bool:
    return isinstance(value, str) and ("{{" in value or "{%" in value)


def template_problem(
    exc: Exception, path: Path, source: SourceMap, what: str = "template"
) -> Problem:
    """A located problem for a template error; the line inside the template is added on."""
    loc = source.locate(path)
    lineno = getattr(exc, "lineno", None)
    if loc is not None and isinstance(lineno, int) and lineno > 1:
        # a block scalar's location is its first text line (see manifest.yaml)
        loc = SourceLocation(loc.file, loc.line + lineno - 1, loc.column)
    hint: str | None
    if isinstance(exc, TemplateSyntaxError):
        message, code = f"{what} syntax error: {exc.message}", "SR-E041"
        hint = "check the {{ }} and {% %} pairs"
    elif isinstance(exc, SecurityError):
        text = (
            str(exc) if isinstance(exc, UnsafeTemplateError) else f"refused by the sandbox: {exc}"
        )
        message, code = text if text.startswith(what) else f"{what} {text}", "SR-E043"
        hint = SANDBOX_HINT
    elif isinstance(exc, UnsetVariableError):
        message, code = str(exc), "SR-E050"
        hint = exc.hint
    else:
        message, code = f"{what} failed: {exc}", "SR-E041"
        hint = None
    return Problem(message, location=loc, path=dotted(path), hint=hint, code=code)


def _render_value(
    value: Any, path: Path, context: Mapping[str, Any], source: SourceMap, out: ProblemCollector
) -> Any:
    if isinstance(value, dict):
        return {k: _render_value(v, (*path, k), context, source, out) for k, v in value.items()}
    if isinstance(value, list):
        return [_render_value(v, (*path, i), context, source, out) for i, v in enumerate(value)]
    if not is_template(value):
        return value
    try:
        return render_guarded(_ENV.from_string(value), context, time_budget=RENDER_TIME_BUDGET)
    except (TemplateError, SecurityError) as exc:
        out.extend([template_problem(exc, path, source)])
        return value


def render_vars(
    raw: Mapping[str, Any], environ: Mapping[str, str], source: SourceMap, out: ProblemCollector
) -> dict[str, Any]:
    """Render vars in order; each sees ``env`` and the vars before it."""
    env = EnvVars(environ)
    done: dict[str, Any] = {}
    for name, value in raw.items():
        done[name] = _render_value(value, ("vars", name), {"env": env, "vars": done}, source, out)
    return done


def _register_secrets(key: str, value: Any) -> None:
    if isinstance(value, dict):
        for k, v in value.items():
            _register_secrets(str(k), v)
    elif isinstance(value, str):
        if is_secret_key(key):
            SECRETS.add(value)
            if value.lower().startswith(("bearer ", "basic ", "token ")):
                SECRETS.add(value.split(" ", 1)[1])
        if "://" in value:
            try:
                parts = urlsplit(value)
                password = parts.password
            except ValueError:
                return
            if password:
                SECRETS.add(password)
                SECRETS.add(unquote(password))
            for name, secret in parse_qsl(parts.query, keep_blank_values=False):
                if is_secret_key(name):  # ?token=..., &sslpassword=...
                    SECRETS.add(secret)


def render_options(
    name: str,
    options: Mapping[str, Any],
    path: Path,
    environ: Mapping[str, str],
    variables: Mapping[str, Any],
    source: SourceMap,
    out: ProblemCollector,
) -> dict[str, Any]:
    """Render one target's options (every string, at any depth)."""
    context = {"env": EnvVars(environ), "vars": variables, "target": name}
    rendered = {k: _render_value(v, (*path, k), context, source, out) for k, v in options.items()}
    for k, v in rendered.items():
        _register_secrets(k, v)
    return rendered
