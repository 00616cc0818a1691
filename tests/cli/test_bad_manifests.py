"""Bad manifests get a clear error: file:line:col, code, message, hint, exit 2, nothing written.

The corpus is ``tests/bad_manifests/*.yaml``.  Each file states what it expects in leading
comments (a sidecar ``NAME.yaml.expect`` holds them for a file that must stay empty)::

    # expect: 7:5 SR-E010 unknown key 'cont' in dataset 'users'    (line:col, code, text)
    # expect: parts/b.yaml:2:10 SR-E007 ...                         (a location in another file)
    # expect: - SR-E008 ...                                          (no location)
    # hint: did you mean 'count'?
    # args: --set datasets.usres.count=5
    # xfail: lead: <what to fix where>                              (a known gap, strict)

Every case runs ``seedrunner validate`` and ``seedrunner apply`` in a copy of the corpus in a
temporary working directory; targets point at SQLite files there, and the test checks that no
file appeared.  Models come from ``tests/bad_manifests/models`` (``python_path: [models]``).
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from typer.testing import CliRunner

from seedrunner.cli.app import app

CORPUS = Path(__file__).resolve().parents[1] / "bad_manifests"
WIDE = {"COLUMNS": "1000", "NO_COLOR": "1"}
_EXPECT = re.compile(r"^# expect: (?P<loc>\S+) (?P<code>SR-E\d{3}) (?P<message>.+)$")


@dataclass
class Expected:
    location: str | None  # "file:line:col" as printed, or None
    code: str
    message: str


@dataclass
class Case:
    name: str
    expects: list[Expected] = field(default_factory=list)
    hints: list[str] = field(default_factory=list)
    args: list[str] = field(default_factory=list)
    xfail: str | None = None


def _parse(name: str, text: str) -> Case:
    case = Case(name)
    for line in text.splitlines():
        if m := _EXPECT.match(line):
            loc = m["loc"]
            where = None if loc == "-" else (loc if loc.count(":") == 2 else f"{name}:{loc}")
            case.expects.append(Expected(where, m["code"], m["message"]))
        elif line.startswith("# hint: "):
            case.hints.append(line.removeprefix("# hint: "))
        elif line.startswith("# args: "):
            case.args = shlex.split(line.removeprefix("# args: "))
        elif line.startswith("# xfail: "):
            case.xfail = line.removeprefix("# xfail: ")
    return case


def load_cases() -> list[Case]:
    cases = []
    for path in sorted(CORPUS.glob("*.yaml")):
        sidecar = path.with_name(path.name + ".expect")
        holder = sidecar if sidecar.exists() else path
        cases.append(_parse(path.name, holder.read_text(encoding="utf-8")))
    return cases


CASES = load_cases()


def _param(case: Case) -> object:
    marks = [pytest.mark.xfail(strict=True, reason=case.xfail)] if case.xfail else []
    return pytest.param(case, id=case.name.removesuffix(".yaml"), marks=marks)


def snapshot(root: Path) -> set[str]:
    """Every file under ``root`` (Python's own __pycache__ aside)."""
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture
def work(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the corpus as the working directory, with a clean import path."""
    shutil.copytree(CORPUS, tmp_path, dirs_exist_ok=True, ignore=shutil.ignore_patterns("__py*"))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "path", list(sys.path))
    monkeypatch.setattr(sys, "dont_write_bytecode", True)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return tmp_path


def invoke(args: list[str]) -> tuple[int, str, str]:
    result = CliRunner().invoke(app, args, env=WIDE)
    return result.exit_code, result.stdout, result.stderr


def problem_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(r"error SR-E\d{3}: ", line)]


def assert_reported(case: Case, output: str) -> None:
    lines = problem_lines(output)
    for exp in case.expects:
        head = f"{exp.location}: error {exp.code}: " if exp.location else f"error {exp.code}: "
        hits = [line for line in lines if line.startswith(head) and exp.message in line]
        assert hits, f"expected {head}...{exp.message!r}; got:\n{output}"
    hints = output.split("  hint: ")[1:]
    for hint in case.hints:
        assert any(hint in h for h in hints), f"expected hint {hint!r}; got:\n{output}"


def assert_nothing_written(root: Path, before: set[str]) -> None:
    assert snapshot(root) == before
    assert not (root / "bad.db").exists()
    assert not (root / "PWNED").exists()


def test_corpus_covers_every_bad_manifest_class() -> None:
    assert len(CASES) >= 40
    classes = {c.name[:3] for c in CASES}
    assert classes >= {f"b{n:02d}" for n in range(1, 16)}
    for case in CASES:
        assert case.expects, f"{case.name} states no '# expect:'"


@pytest.mark.parametrize("command", ["validate", "apply"])
@pytest.mark.parametrize("case", [_param(c) for c in CASES])
def test_bad_manifest_is_reported(case: Case, command: str, work: Path) -> None:
    before = snapshot(work)
    code, out, err = invoke([command, case.name, *case.args])
    assert code == 2, f"exit {code}\n{out}\n{err}"
    assert "Traceback" not in out + err
    assert "internal error" not in err
    assert_reported(case, err)
    assert "nothing was written" in err
    assert_nothing_written(work, before)


JSON_CASES = [
    "b05_unknown_dataset_key.yaml",
    "b03_name_no.yaml",
    "b07_missing_attribute.yaml",
    "b14_env_unset.yaml",
]


@pytest.mark.parametrize("name", JSON_CASES)
def test_json_errors(name: str, work: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    before = snapshot(work)
    code, out, err = invoke(["--json-errors", "apply", name, *case.args])
    assert code == 2
    errors = json.loads(err)["errors"]
    exp = case.expects[0]
    assert exp.location is not None
    file, line, column = exp.location.rsplit(":", 2)
    (first,) = [e for e in errors if e["code"] == exp.code and exp.message in e["message"]]
    assert set(first) == {"file", "line", "column", "path", "code", "message", "hint"}
    assert (first["file"], first["line"], first["column"]) == (file, int(line), int(column))
    assert first["path"].startswith(("datasets", "name", "targets"))
    for hint in case.hints:
        assert hint in first["hint"]
    assert "Traceback" not in out + err
    assert_nothing_written(work, before)


def test_json_errors_keeps_the_key_path(work: Path) -> None:
    code, _, err = invoke(["--json-errors", "validate", "b05_unknown_dataset_key.yaml"])
    assert code == 2
    (problem,) = json.loads(err)["errors"]
    assert problem["path"] == "datasets.users.cont"
    assert problem["hint"] == "did you mean 'count'?"


def test_json_errors_as_an_apply_option(work: Path) -> None:
    code, _, err = invoke(["apply", "b05_unknown_dataset_key.yaml", "--json-errors"])
    assert code == 2
    assert json.loads(err)["errors"][0]["code"] == "SR-E010"


def test_unset_env_var_names_the_variable_never_a_value(work: Path) -> None:
    code, _, err = invoke(["validate", "b14_env_unset.yaml"])
    assert code == 2
    assert "environment variable DATABASE_URL is not set" in err
    assert "hint: set it, or give a fallback" in err


def test_all_problems_are_reported_at_once(work: Path) -> None:
    code, _, err = invoke(["validate", "b06_many_errors.yaml"])
    assert code == 2
    assert len(problem_lines(err)) == 3
    assert "3 problems; nothing was written." in err


def _seedrunner() -> list[str]:
    exe = shutil.which("seedrunner")
    return [exe] if exe else [sys.executable, "-c", "from seedrunner.cli.app import main; main()"]


@pytest.mark.parametrize(
    "name",
    ["b04_python_object_apply.yaml", "b05_unknown_dataset_key.yaml", "b07_not_a_model.yaml"],
)
@pytest.mark.parametrize("command", ["validate", "apply"])
def test_real_process(name: str, command: str, work: Path) -> None:
    case = next(c for c in CASES if c.name == name)
    before = snapshot(work)
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(WIDE, PYTHONDONTWRITEBYTECODE="1")
    proc = subprocess.run(
        [*_seedrunner(), command, name, *case.args],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr
    assert_reported(case, proc.stderr)
    assert_nothing_written(work, before)
