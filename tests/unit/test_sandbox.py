"""Hostile templates are refused at plan time, located, fast, and nothing runs (S01-S03).

Each payload is put in three places a manifest renders templates: a ``vars`` value, a target
option (both rendered once at load) and a field template (parsed, checked and sample-rendered
at plan).  Every one must end ``seedrunner validate`` / ``apply`` with exit 2 and a
``file:line`` pointing at the payload, within a second, and the sentinel file must not exist.
"""

from __future__ import annotations

import re
import sys
import time
import types
from pathlib import Path

import jinja2
import pytest
from typer.testing import CliRunner

from seedrunner.cli.app import app
from seedrunner.errors import ManifestError
from seedrunner.generate import templates
from seedrunner.manifest import render
from seedrunner.manifest.loader import load_manifest
from seedrunner.plan.planner import build_plan
from seedrunner.sandbox import (
    MAX_OUTPUT,
    EnvVars,
    SecurityError,
    TemplateTimeout,
    UnsafeTemplateError,
    UnsetVariableError,
    new_environment,
    render_guarded,
    unsafe_use,
)

SENTINEL = "PWNED"
TOUCH = f"touch {SENTINEL}"

ESCAPES = {
    "mro_subclasses": "{{ ''.__class__.__mro__[1].__subclasses__() }}",
    "attr_filter": "{{ ''|attr('__class__') }}",
    "str_format": "{{ '{0.__class__}'.format(1) }}",
    "str_format_map": "{{ '{a.__class__}'.format_map({'a': 1}) }}",
    "attr_format_cve_2025_27516": "{{ ('{0.__class__}'|attr('format'))(1) }}",
    "cycler_globals": f"{{{{ cycler.__init__.__globals__.os.popen('{TOUCH}') }}}}",
    "namespace_globals": f"{{{{ namespace.__init__.__globals__.os.popen('{TOUCH}') }}}}",
    "lipsum_globals": f"{{{{ lipsum.__globals__['os'].popen('{TOUCH}') }}}}",
    "template_reference_context": "{{ self._TemplateReference__context }}",
    "int_class": "{{ (1).__class__ }}",
    "dict_update": "{% set d = {} %}{{ d.update({'a': 1}) }}",
    "list_append": "{% set l = [] %}{{ l.append(1) }}",
}
BOMBS = {
    "string_repeat": "{{ 'a' * 10**8 }}",
    "power": "{{ 10 ** (10 ** 8) }}",
    "nested_range": (
        "{% for i in range(100000) %}{% for j in range(100000) %}{{ j }}{% endfor %}{% endfor %}"
    ),
    "big_range": "{% for i in range(10**7) %}{{ i }}{% endfor %}",
    "nested_string_loops": (
        "{% for a in 'x' * 60000 %}{% for b in 'x' * 60000 %}{% endfor %}{% endfor %}"
    ),
}
PAYLOADS = {**ESCAPES, **BOMBS}


def _indent(text: str, spaces: int) -> str:
    return " " * spaces + text


# Each place: (manifest text with {payload}, the line the payload is on).
PLACES = {
    "vars": (
        "version: 1\nvars:\n  evil: |-\n{payload}\n"
        "datasets:\n  users: {{count: 1, fields: {{x: 1}}}}\n",
        4,
        4,
    ),
    "target_option": (
        "version: 1\ntargets:\n  out:\n    handler: jsonl\n    path: |-\n{payload}\n"
        "datasets:\n  users: {{count: 1, fields: {{x: 1}}, persist: [out]}}\n",
        6,
        6,
    ),
    "field_template": (
        "version: 1\ndatasets:\n  users:\n    count: 1\n    fields:\n      x: 1\n"
        "      evil: |-\n{payload}\n",
        8,
        8,
    ),
}


def write_manifest(root: Path, place: str, payload: str) -> tuple[Path, int]:
    text, line, indent = PLACES[place]
    path = root / "m.yaml"
    path.write_text(text.format(payload=_indent(payload, indent)), encoding="utf-8")
    return path, line


@pytest.fixture
def cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("place", PLACES)
def test_refused_at_plan_with_location(place: str, payload: str, cwd: Path) -> None:
    path, line = write_manifest(cwd, place, payload)
    started = time.perf_counter()
    with pytest.raises(ManifestError) as info:
        build_plan(load_manifest(path.name))
    elapsed = time.perf_counter() - started
    assert elapsed < 1.0
    (problem,) = info.value.problems
    assert problem.location is not None
    assert (problem.location.file, problem.location.line) == ("m.yaml", line)
    assert problem.code in ("SR-E041", "SR-E043")
    assert re.search(
        r"unsafe attribute '_\w*'|refused by the sandbox|nests a loop", problem.message
    )
    assert not (cwd / SENTINEL).exists()


@pytest.mark.parametrize("payload", PAYLOADS.values(), ids=PAYLOADS.keys())
@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize("command", ["validate", "apply"])
def test_cli_exit_2_fast_and_no_sentinel(command: str, place: str, payload: str, cwd: Path) -> None:
    _, line = write_manifest(cwd, place, payload)
    started = time.perf_counter()
    result = CliRunner().invoke(app, [command, "m.yaml"], env={"COLUMNS": "1000"})
    assert time.perf_counter() - started < 1.0
    assert result.exit_code == 2, result.output
    assert f"m.yaml:{line}:" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in cwd.iterdir()) == ["m.yaml"]


# -- the environment itself -------------------------------------------------------------------


def test_jinja_has_the_format_escape_fix() -> None:
    version = tuple(int(x) for x in jinja2.__version__.split(".")[:3])
    assert version >= (3, 1, 6)


@pytest.mark.parametrize(
    "env", [new_environment(), templates.ENV, render._ENV], ids=["new", "fields", "vars"]
)
def test_globals_hold_no_type_module_or_builtin(env: jinja2.Environment) -> None:
    assert isinstance(env, jinja2.sandbox.ImmutableSandboxedEnvironment)
    assert env.undefined is not jinja2.Undefined
    for name, value in env.globals.items():
        assert not isinstance(value, type), name
        assert not isinstance(value, types.ModuleType), name
        assert not isinstance(value, types.BuiltinFunctionType | types.BuiltinMethodType), name
    assert not {"cycler", "joiner", "namespace", "lipsum", "dict"} & set(env.globals)


@pytest.mark.parametrize(
    ("source", "attr", "line"),
    [
        ("{{ x.__class__ }}", "__class__", 1),
        ("a\n{{ x['__dict__'] }}", "__dict__", 2),
        ("{{ x|attr('_private') }}", "_private", 1),
        ("\n\n{{ '{0._x}'.format(y) }}", "_x", 3),
        ("{{ ('{0[__globals__]}'|attr('format'))(f) }}", "__globals__", 1),
    ],
)
def test_unsafe_use_finds_private_attributes(source: str, attr: str, line: int) -> None:
    env = new_environment()
    assert unsafe_use(jinja2.Environment().parse(source)) == (attr, line)
    with pytest.raises(UnsafeTemplateError) as info:
        env.from_string(source)
    assert info.value.lineno == line
    assert str(info.value) == f"template uses unsafe attribute '{attr}'"


@pytest.mark.parametrize(
    "source",
    ["{{ x.name }}", "{{ '{0}-{1}'.format(a, b) }}", "{{ '%s'|format(x) }}", "{{ '{_}' }}"],
)
def test_ordinary_templates_pass_the_static_check(source: str) -> None:
    assert unsafe_use(jinja2.Environment().parse(source)) is None


def test_time_budget_stops_loops_that_range_does_not_count() -> None:
    def spin() -> None:  # what the template calls is traced too (a Faker provider's loop)
        while True:
            pass

    env = new_environment()
    bomb = env.from_string("{% for a in 'x' * 10 %}{{ spin() }}{% endfor %}")
    started = time.perf_counter()
    with pytest.raises(TemplateTimeout):
        render_guarded(bomb, {"spin": spin}, time_budget=0.05)
    assert time.perf_counter() - started < 0.5


def test_time_budget_restores_the_previous_tracer() -> None:
    before = sys.gettrace()
    render_guarded(new_environment().from_string("{{ 1 }}"), {}, time_budget=0.05)
    assert sys.gettrace() is before


def test_output_cap() -> None:
    env = new_environment()
    template = env.from_string("{% for i in range(200) %}{{ x }}{% endfor %}")
    with pytest.raises(SecurityError, match="limit"):
        render_guarded(template, {"x": "y" * (MAX_OUTPUT // 100)})


def test_unset_env_variable_is_named_with_a_hint() -> None:
    env = new_environment()
    with pytest.raises(UnsetVariableError) as info:
        render_guarded(env.from_string("{{ env.NOPE_SR }}"), {"env": EnvVars({"X": "secret"})})
    assert str(info.value) == "environment variable NOPE_SR is not set"
    assert "default(" in info.value.hint
    assert "secret" not in str(info.value) + info.value.hint
    fallback = env.from_string("{{ env.NOPE_SR | default('d') }}")
    assert render_guarded(fallback, {"env": EnvVars({})}) == "d"


def test_field_templates_still_render_ordinary_values(cwd: Path) -> None:
    (cwd / "m.yaml").write_text(
        "version: 1\nvars: {domain: example.test}\ndatasets:\n  users:\n    count: 2\n"
        "    fields:\n      n: {sequence: null, start: 1}\n"
        "      email: \"u{{ n }}.{{ '{0}'.format(index) }}@{{ vars.domain }}\"\n",
        encoding="utf-8",
    )
    plan = build_plan(load_manifest("m.yaml"))
    assert [f.name for f in plan.datasets[0].fields] == ["n", "email"]


# -- S03: YAML loading ------------------------------------------------------------------------


def test_no_unsafe_yaml_loading_in_the_package() -> None:
    package = Path(__file__).resolve().parents[2] / "seedrunner"
    for path in package.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "FullLoader" not in text, path
        assert "UnsafeLoader" not in text, path
        assert "unsafe_load" not in text, path
        for m in re.finditer(r"yaml\.load\(([^)]*)\)", text):
            assert "SafeLoader" in m.group(1), f"{path}: {m.group(0)}"
