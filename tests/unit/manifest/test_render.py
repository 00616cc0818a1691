"""Rendering vars and target options: env, earlier vars, located failures, secrets registered."""

from __future__ import annotations

from typing import Any

import pytest

from seedrunner.errors import ProblemCollector
from seedrunner.manifest.render import render_options, render_vars, template_problem
from seedrunner.manifest.source import SourceMap
from seedrunner.manifest.yaml import load_yaml
from seedrunner.redact import scrub
from seedrunner.sandbox import TemplateSyntaxError, new_environment

F = "seeds/m.yaml"


def doc(text: str) -> tuple[dict[str, Any], SourceMap]:
    d = load_yaml(text, file=F)
    return d.data, d.source


def test_vars_see_env_and_earlier_vars() -> None:
    data, source = doc(
        "vars:\n  host: \"{{ env.H | default('localhost') }}\"\n"
        '  url: "http://{{ vars.host }}:{{ env.PORT }}"\n  n: 3\n  nested: {a: "{{ vars.n }}"}\n'
    )
    out = ProblemCollector()
    got = render_vars(data["vars"], {"PORT": "80"}, source, out)
    assert not out
    assert got == {"host": "localhost", "url": "http://localhost:80", "n": 3, "nested": {"a": "3"}}


def test_unset_env_var_is_located_and_named_without_values() -> None:
    data, source = doc('vars:\n  a: 1\n  url: "x{{ env.DATABASE_URL }}"\n')
    out = ProblemCollector()
    render_vars(data["vars"], {"OTHER": "s3cr3t-value"}, source, out)
    (p,) = out.problems
    assert (str(p.location), p.code, p.path) == (f"{F}:3:8", "SR-E050", "vars.url")
    assert p.message == "environment variable DATABASE_URL is not set"
    assert p.hint == "set it, or give a fallback: {{ env.DATABASE_URL | default('...') }}"
    assert "s3cr3t" not in p.format()


def test_every_failing_value_is_reported() -> None:
    data, source = doc('vars:\n  a: "{{ nope }}"\n  b: "{{ 1 }"\n  c: "{{ x.__class__ }}"\n')
    out = ProblemCollector()
    render_vars(data["vars"], {}, source, out)
    got = [(p.location.line if p.location else 0, p.code) for p in out.problems]
    assert got == [(2, "SR-E041"), (3, "SR-E041"), (4, "SR-E043")]
    assert out.problems[2].message == "template uses unsafe attribute '__class__'"


def test_block_scalar_errors_point_at_the_template_line() -> None:
    data, source = doc("vars:\n  a: |\n    line one\n    {{ 1 }\n")
    out = ProblemCollector()
    render_vars(data["vars"], {}, source, out)
    (p,) = out.problems
    assert str(p.location) == f"{F}:4:5"


def test_template_problem_without_a_line_keeps_the_value_location() -> None:
    _, source = doc('vars:\n  a: "{{ 1 }"\n')
    with pytest.raises(TemplateSyntaxError) as info:
        new_environment().from_string("{{ 1 }")
    p = template_problem(info.value, ("vars", "a"), source)
    assert str(p.location) == f"{F}:2:6"
    assert p.message.startswith("template syntax error:")


def test_target_options_render_and_register_secrets() -> None:
    data, source = doc(
        "targets:\n  db:\n    handler: sqlalchemy\n"
        '    url: "postgresql://app:{{ env.PW }}@db:5432/x"\n'
        '    headers: {Authorization: "Bearer {{ env.TOKEN }}"}\n'
    )
    out = ProblemCollector()
    opts = dict(data["targets"]["db"])
    env = {"PW": "pw-SENTINEL-1", "TOKEN": "tok-SENTINEL-2"}
    got = render_options("db", opts, ("targets", "db"), env, {}, source, out)
    assert not out
    assert got["url"] == "postgresql://app:pw-SENTINEL-1@db:5432/x"
    assert got["headers"] == {"Authorization": "Bearer tok-SENTINEL-2"}
    text = scrub(f"{got['url']} {got['headers']}")
    assert "SENTINEL-1" not in text
    assert "SENTINEL-2" not in text
