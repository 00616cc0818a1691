"""Per-row rendering with one shared context gives what a fresh render gives, row by row:
no state leaks between rows, and the sandbox still refuses what it refused."""

from __future__ import annotations

import pytest

from seedrunner.generate.templates import ENV
from seedrunner.sandbox import SecurityError, render_guarded, shared_context


def test_rows_render_as_if_each_were_alone():
    template = ENV.from_string(
        "{% set n = index * 2 %}{{ name | upper }}-{{ n }}{% if flag %}!{% endif %}"
    )
    rows = [
        {"name": "ada", "flag": True},
        {"name": "bob", "flag": False},
        {"name": "cy", "flag": True},
    ]
    ctx = shared_context(template, {"vars": {}})
    shared = []
    for i, row in enumerate(rows):
        ctx.update(row, index=i)
        shared.append(render_guarded(template, ctx, shared=True))
    alone = [render_guarded(template, {**row, "index": i}) for i, row in enumerate(rows)]
    assert shared == alone == ["ADA-0!", "BOB-2", "CY-4!"]


def test_the_sandbox_still_refuses_with_a_shared_context():
    template = ENV.from_string("{{ items.append(1) }}")  # mutation: refused at run time
    ctx = shared_context(template, {"items": [0]})
    with pytest.raises(SecurityError):
        render_guarded(template, ctx, shared=True)
    assert ctx["items"] == [0]
    bomb = ENV.from_string("{% for i in range(10**9) %}{% endfor %}")
    with pytest.raises(SecurityError):
        render_guarded(bomb, shared_context(bomb, {}), shared=True)
