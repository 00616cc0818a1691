"""Hostile manifests end to end (issue 7 item 3; catalogue S01-S04, S06, S07).

Every attack is a manifest a CI job could be handed.  What must hold: ``plan`` and
``apply`` stop with exit 2 and ``file:line`` before anything runs or is written (the SQLite
target file never appears, the sentinel file is never created), or, for names that are
data (table and column names), they are quoted so that the other tables survive.
``tests/unit/test_sandbox.py`` holds the catalogue's twelve escapes and five bombs; this
module adds the ways around them that were found open and closed here: format widths,
padding methods and filters, multiplying replaces and joins, concatenation doubling,
Faker size arguments, template loading, nested loops, and sequence format strings.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedrunner.cli.app import app

REPO = Path(__file__).resolve().parents[2]
SENTINEL = "PWNED"
TOUCH = f"touch {SENTINEL}"

# Each of these was accepted, ran out of memory or hung before this module's fixes.
TEMPLATE_PAYLOADS = {
    "percent_width": "{{ '%999999999d' % 1 }}",
    "percent_star": "{{ '%*d' % (999999999, 1) }}",
    "format_width": "{{ '{:>999999999}'.format(1) }}",
    "format_nested_width": "{{ '{:>{}}'.format(1, 999999999) }}",
    "format_filter": "{{ '%999999999s'|format('a') }}",
    "str_center": "{{ 'a'.center(999999999) }}",
    "str_ljust": "{{ 'a'.ljust(999999999) }}",
    "str_zfill": "{{ 'a'.zfill(999999999) }}",
    "str_expandtabs": "{{ ('\\t' * 60000).expandtabs(60000) }}",
    "center_filter": "{{ 'a'|center(999999999) }}",
    "indent_filter": "{{ 'a\\nb'|indent(999999999) }}",
    "slice_filter": "{{ [1]|slice(999999999)|list|length }}",
    "batch_filter": "{{ [1]|batch(999999999, 0)|list|length }}",
    "replace_bomb": "{{ ('x' * 60000).replace('', 'y' * 60000)|length }}",
    "replace_filter": "{{ ('x' * 60000)|replace('', 'y' * 60000)|length }}",
    "join_bomb": "{{ ('y' * 60000).join('x' * 60000)|length }}",
    "join_filter": "{{ ('x' * 60000)|list|join('y' * 60000)|length }}",
    "macro_doubling": (
        "{% macro f(s, n) %}{{ f(s ~ s, n - 1) if n else s|length }}{% endmacro %}{{ f('a', 40) }}"
    ),
    "set_doubling": "{% set a = 'x' * 60000 %}{% set b = a ~ a %}{% set c = b ~ b %}{{ c|length }}",
    "plus_doubling": "{% set a = 'x' * 60000 %}{% set b = a + a %}{{ (b + b)|length }}",
    "output_in_loop": "{% set a = 'x' * 60000 %}{% for i in range(60000) %}{{ a }}{% endfor %}",
    "faker_pystr": "{{ fake.pystr(max_chars=999999999)|length }}",
    "faker_paragraphs": "{{ fake.paragraphs(nb=99999999)|length }}",
    "faker_binary_positional": "{{ fake.binary(999999999)|length }}",
    # Faker's machinery: reseeding breaks reproducible rows; format() calls by another name
    "fake_seed_instance": "{{ fake.seed_instance(1) }}x",
    "fake_random_seed": "{{ fake.random.seed(1) }}x",
    "fake_random_setstate": "{{ fake.random.setstate(fake.random.getstate()) }}x",
    "fake_factories": "{{ fake.factories[0].providers|length }}",
    "fake_format_bypass": "{{ fake.format('pystr', max_chars=999999999)|length }}",
    "fake_set_formatter": "{{ fake.factories[0].set_formatter('name', fake.pystr) }}x",
    "fake_attr_seed": "{{ (fake|attr('seed_instance'))(1) }}x",
    "nested_loop_behind_if": (
        "{% if index > 1000 %}{% for a in 'x' * 60000 %}{% for b in 'x' * 60000 %}"
        "{% endfor %}{% endfor %}{% endif %}x"
    ),
    "loop_in_macro": (
        "{% macro m() %}{% for a in 'x' * 60000 %}{% endfor %}{% endmacro %}"
        "{% for b in 'x' * 60000 %}{{ m() }}{% endfor %}"
    ),
    "macro_recursion": "{% macro r(n) %}{{ r(n + 1) }}{% endmacro %}{{ r(0) }}",
    "include": "{% include '/etc/passwd' %}",
    "import": "{% import 'os' as os %}{{ os.system('" + TOUCH + "') }}",
    "extends": "{% extends '/etc/passwd' %}",
    # escapes beyond the catalogue's twelve (already refused; kept so they stay refused)
    "self_dict": "{{ self.__dict__ }}",
    "joiner_globals": f"{{{{ joiner.__init__.__globals__.os.popen('{TOUCH}') }}}}",
    "range_class": "{{ range.__class__.__base__.__subclasses__() }}",
    "loop_cycle_globals": "{% for x in [1] %}{{ loop.cycle.__globals__ }}{% endfor %}",
    "attr_built_at_runtime": "{% set n = '_' ~ '_class__' %}{{ ''|attr(n) }}",
    "getitem_built_at_runtime": "{% set n = '_' ~ '_class__' %}{{ ''[n] }}",
    "format_built_at_runtime": "{% set f = '{0.' ~ '__class__}' %}{{ f.format(1) }}",
    "fake_getattr": "{{ fake.__getattr__('x') }}",
    "dict_setdefault": "{{ {}.setdefault('a', 1) }}",
    "power_right_assoc": "{{ 9 ** (9 ** 9) }}",
    "string_repeat": "{{ 'a' * 10 ** 9 }}",
    "config_name": "{{ config.items() }}",
    "request_name": "{{ request.application.__globals__ }}",
}

MANIFEST = """\
version: 1
targets:
  db: {{handler: sqlalchemy, url: "sqlite:///out.db", create_tables: true}}
datasets:
  users:
    count: 5
    fields:
      id: {{sequence: null, start: 1}}
      evil: {spec}
    persist: [db]
"""
EVIL_LINE = 9


def _quoted(template: str) -> str:
    return "'" + template.replace("'", "''") + "'"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _assert_refused(project: Path, command: str, line: int = EVIL_LINE) -> str:
    started = time.perf_counter()
    result = CliRunner().invoke(app, [command, "m.yaml"], env={"COLUMNS": "1000"})
    assert time.perf_counter() - started < 2.0
    assert result.exit_code == 2, result.output
    assert f"m.yaml:{line}:" in result.stderr
    assert "Traceback" not in result.output
    assert sorted(p.name for p in project.iterdir()) == ["m.yaml"]  # no out.db, no PWNED
    return result.stderr


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("payload", TEMPLATE_PAYLOADS.values(), ids=list(TEMPLATE_PAYLOADS.keys()))
def test_template_attacks_are_refused_at_plan(project: Path, command: str, payload: str) -> None:
    (project / "m.yaml").write_text(MANIFEST.format(spec=_quoted(payload)), encoding="utf-8")
    _assert_refused(project, command)


SPEC_PAYLOADS = {
    "sequence_attribute_walk": ("{sequence: '{n.__class__.__mro__}'}", "only {n}"),
    "sequence_real_walk": ("{sequence: '{n.real.__class__}'}", "only {n}"),
    "sequence_index": ("{sequence: '{n[0]}'}", "only {n}"),
    "sequence_width": ("{sequence: '{n:>999999999}'}", "pads to"),
    "sequence_nested_width": ("{sequence: '{n:>{n}}'}", "'*'"),
    "faker_size_kwarg": ("{faker: pystr, max_chars: 999999999}", "asks for more than"),
    "faker_nb_kwarg": ("{faker: paragraphs, nb: 99999999}", "asks for more than"),
}


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize(
    ("spec", "message"), SPEC_PAYLOADS.values(), ids=list(SPEC_PAYLOADS.keys())
)
def test_value_spec_attacks_are_refused_at_plan(
    project: Path, command: str, spec: str, message: str
) -> None:
    (project / "m.yaml").write_text(MANIFEST.format(spec=spec), encoding="utf-8")
    assert message in _assert_refused(project, command)


def _limit_memory() -> None:  # the child may not take the machine down if a guard is missing
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


# Behind `index >= 3` the plan-time sample render (rows 0-2) never reaches them: the
# per-row guards must refuse them at apply, fast and without allocating the value.
RUNTIME_PAYLOADS = {
    "center": "{{ 'a'.center(10 ** 10) }}",
    "percent_width": "{{ '%9999999999d' % 1 }}",
    "indent_filter": "{{ 'a'|indent(10 ** 10) }}",
    "faker_size": "{{ fake.pystr(max_chars=10 ** 10)|length }}",
    "replace_bomb": "{{ ('x' * 60000).replace('', 'y' * 60000)|length }}",
}


@pytest.mark.parametrize("payload", RUNTIME_PAYLOADS.values(), ids=list(RUNTIME_PAYLOADS.keys()))
def test_data_dependent_bombs_are_refused_per_row(tmp_path: Path, payload: str) -> None:
    guarded = "{% if index >= 3 %}" + payload + "{% endif %}x"
    (tmp_path / "m.yaml").write_text(
        MANIFEST.format(spec=_quoted(guarded)).replace("count: 5", "count: 6"), encoding="utf-8"
    )
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "seedrunner", "apply", "-q", "m.yaml"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_limit_memory,
        env={**os.environ, "PYTHONPATH": str(REPO), "COLUMNS": "1000"},
    )
    assert time.perf_counter() - started < 30
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "limit" in proc.stderr or "asks for more than" in proc.stderr, proc.stderr
    assert "MemoryError" not in proc.stderr
    assert "Traceback" not in proc.stderr


# -- S07: handlers and transforms by dotted path -----------------------------------------------

EVIL_MODULE = f"""
from pathlib import Path

MARKER = Path(__file__).with_name({SENTINEL!r})


def touch(*args, **kwargs):
    MARKER.write_text("called")


class Touching:
    def __init__(self, *args, **kwargs):
        MARKER.write_text("instantiated")

    def __call__(self, *args, **kwargs):
        MARKER.write_text("called")


touching = Touching.__new__(Touching)
"""

DOTTED = [
    "os:system",
    "os:popen",
    "subprocess:call",
    "subprocess:Popen",
    "subprocess:run",
    "builtins:eval",
    "builtins:exec",
    "shutil:rmtree",
    "evil:touch",
    "evil:Touching",
]


def _evil_module(project: Path, ref: str) -> str:
    """Write the marker module under a name of its own (imports are cached per process)."""
    name = f"evil_{uuid.uuid4().hex}"
    (project / f"{name}.py").write_text(EVIL_MODULE, encoding="utf-8")
    return ref.replace("evil:", f"{name}:")


def _handler_manifest(ref: str) -> str:
    return (
        "version: 1\ntargets:\n  t:\n    handler: '" + ref + "'\n"
        "datasets:\n  users:\n    count: 2\n    fields: {id: {sequence: null}}\n"
        "    persist: [t]\n"
    )


def _transform_manifest(ref: str) -> str:
    return (
        "version: 1\npython_path: ['.']\ndatasets:\n  users:\n    count: 2\n"
        "    fields: {id: {sequence: null}}\n    transforms:\n      - '" + ref + "'\n"
    )


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("ref", DOTTED)
def test_dotted_handler_that_is_not_a_handler_is_refused_uncalled(
    project: Path, command: str, ref: str
) -> None:
    ref = _evil_module(project, ref)
    (project / "m.yaml").write_text(_handler_manifest(ref), encoding="utf-8")
    result = CliRunner().invoke(app, [command, "m.yaml"], env={"COLUMNS": "1000"})
    assert result.exit_code == 2, result.output
    assert "m.yaml:4:" in result.stderr
    assert "is not a handler class" in result.stderr
    assert not (project / SENTINEL).exists()


@pytest.mark.parametrize("command", ["plan", "apply"])
@pytest.mark.parametrize("ref", [*DOTTED, "builtins:print", "evil:touching", "os.path:join"])
def test_dotted_transform_that_is_not_a_transform_is_refused_uncalled(
    project: Path, command: str, ref: str
) -> None:
    own = ref in ("evil:touch", "evil:touching")
    ref = _evil_module(project, ref)
    (project / "m.yaml").write_text(_transform_manifest(ref), encoding="utf-8")
    result = CliRunner().invoke(app, [command, "m.yaml"], env={"COLUMNS": "1000"})
    if own:
        # the author's own functions are transforms (a manifest is code, like conftest.py);
        # planning them calls nothing, applying runs them
        assert result.exit_code == 0, result.output
        assert (project / SENTINEL).exists() == (command == "apply")
        return
    assert result.exit_code == 2, result.output
    assert "m.yaml:8:" in result.stderr
    assert "is not a function taking (batch, ctx)" in result.stderr
    assert not (project / SENTINEL).exists()


# -- S06: file paths ----------------------------------------------------------------------------


def _file_manifest(path: str, extra: str = "") -> str:
    return (
        "version: 1\ntargets:\n  out: {handler: jsonl, path: '" + path + "'" + extra + "}\n"
        "datasets:\n  users:\n    count: 2\n    fields: {id: {sequence: null}}\n"
        "    persist: [out]\n"
    )


@pytest.fixture
def nested(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project in tmp_path/project, with ``link`` pointing out to tmp_path/elsewhere."""
    project = tmp_path / "project"
    project.mkdir()
    (tmp_path / "elsewhere").mkdir()
    os.symlink(tmp_path / "elsewhere", project / "link")
    monkeypatch.chdir(project)
    return project


OUTSIDE = ["../x.jsonl", "../../x.jsonl", "a/../../x.jsonl", "link/x.jsonl", "link/../../x.jsonl"]


@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
@pytest.mark.parametrize("path", [*OUTSIDE, "ABSOLUTE"])
def test_output_paths_leaving_the_project_are_refused_at_plan(
    nested: Path, command: str, path: str
) -> None:
    root = nested.parent
    if path == "ABSOLUTE":
        path = str(root / "abs.jsonl")
    (nested / "m.yaml").write_text(_file_manifest(path), encoding="utf-8")
    result = CliRunner().invoke(app, [command, "m.yaml"], env={"COLUMNS": "1000"})
    assert result.exit_code == 2, result.output
    assert "m.yaml:3:" in result.stderr
    assert "outside the manifest folder" in result.stderr
    assert "allow_outside: true" in result.stderr
    written = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
    assert written == ["project/m.yaml"]


def test_allow_outside_lets_the_same_path_through(nested: Path) -> None:
    manifest = _file_manifest("link/{dataset}.jsonl", ", allow_outside: true")
    (nested / "m.yaml").write_text(manifest, encoding="utf-8")
    result = CliRunner().invoke(app, ["apply", "-q", "m.yaml"], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    lines = (nested.parent / "elsewhere" / "users.jsonl").read_text().splitlines()
    assert len(lines) == 2


def test_paths_inside_the_project_are_fine(nested: Path) -> None:
    (nested / "m.yaml").write_text(_file_manifest("out/./{dataset}.jsonl"), encoding="utf-8")
    result = CliRunner().invoke(app, ["apply", "-q", "m.yaml"], env={"COLUMNS": "1000"})
    assert result.exit_code == 0, result.output
    assert len((nested / "out" / "users.jsonl").read_text().splitlines()) == 2


# -- S03 through the CLI --------------------------------------------------------------------------

TAGS = [
    f'!!python/object/apply:os.system ["{TOUCH}"]',
    f'!!python/object/apply:subprocess.call [["touch", "{SENTINEL}"]]',
    f"!!python/object/new:subprocess.Popen [[touch, {SENTINEL}]]",
    "!!python/name:os.system",
    "!!python/module:os",
    f'!!python/object:os.system {{"x": "{TOUCH}"}}',
]


@pytest.mark.parametrize("command", ["validate", "plan", "apply"])
@pytest.mark.parametrize("tag", TAGS)
def test_yaml_tags_construct_nothing(project: Path, command: str, tag: str) -> None:
    (project / "m.yaml").write_text(
        "version: 1\nvars:\n  x: " + tag + "\ndatasets:\n  users: {count: 1, fields: {x: 1}}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(app, [command, "m.yaml"], env={"COLUMNS": "1000"})
    assert result.exit_code == 2, result.output
    assert "m.yaml:3:" in result.stderr
    assert "tag" in result.stderr.lower()
    assert sorted(p.name for p in project.iterdir()) == ["m.yaml"]
