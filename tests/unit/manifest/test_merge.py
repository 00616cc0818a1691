"""Overlays: `extends` chains with per-file positions, and --set KEY=VALUE overrides."""

import pathlib

import pytest

from seedrunner.errors import ManifestError, SourceLocation
from seedrunner.manifest.merge import apply_overrides, resolve_extends
from seedrunner.manifest.yaml import load_yaml, load_yaml_file

BASE = """\
version: 1
defaults:
  batch_size: 500
  retries: {max: 2, wait: 0.5}
datasets:
  users:
    count: 100
    persist: [db, api]
    fields:
      email: {faker: email}
"""

STAGING = """\
extends: base.yaml
defaults:
  retries: {max: 5}
datasets:
  users:
    count: 10
    persist: [db]
  posts:
    count: 3
"""


def write(folder: pathlib.Path, name: str, text: str) -> pathlib.Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load(path: pathlib.Path, display: str):
    return resolve_extends(load_yaml_file(path, display=display), path=path)


def test_extends_merges_maps_and_replaces_lists_and_scalars(tmp_path: pathlib.Path):
    write(tmp_path / "seeds", "base.yaml", BASE)
    top = write(tmp_path / "seeds", "staging.yaml", STAGING)
    doc = load(top, "seeds/staging.yaml")
    assert doc.data == {
        "version": 1,
        "defaults": {"batch_size": 500, "retries": {"max": 5, "wait": 0.5}},
        "datasets": {
            "users": {"count": 10, "persist": ["db"], "fields": {"email": {"faker": "email"}}},
            "posts": {"count": 3},
        },
    }
    assert doc.file == "seeds/staging.yaml"
    src = doc.source

    def base(line: int, col: int) -> SourceLocation:
        return SourceLocation("seeds/base.yaml", line, col)

    def top_(line: int, col: int) -> SourceLocation:
        return SourceLocation("seeds/staging.yaml", line, col)

    assert src.locate(("version",)) == base(1, 10)
    assert src.locate(("defaults", "batch_size")) == base(3, 15)
    assert src.locate(("defaults", "retries", "wait")) == base(4, 27)
    assert src.locate(("defaults", "retries", "max")) == top_(3, 18)
    assert src.locate(("datasets", "users", "count")) == top_(6, 12)
    assert src.locate(("datasets", "users", "fields", "email", "faker")) == base(10, 22)
    assert src.locate(("datasets", "users", "persist", 0)) == top_(7, 15)
    # the replaced list's second item is gone from the map along with the value
    assert ("datasets", "users", "persist", 1) not in src.values
    assert src.locate(("datasets", "posts"), prefer_key=True) == top_(8, 3)
    assert ("extends",) not in src.keys
    assert src.scalars[("datasets", "users", "count")].raw == "10"


def test_extends_chain(tmp_path: pathlib.Path):
    write(tmp_path, "a.yaml", "version: 1\nseed: 1\nname: a\n")
    write(tmp_path, "sub/b.yaml", "extends: ../a.yaml\nseed: 2\n")
    top = write(tmp_path, "sub/c.yaml", "extends: b.yaml\nname: c\n")
    doc = load(top, "sub/c.yaml")
    assert doc.data == {"version": 1, "seed": 2, "name": "c"}
    assert doc.source.locate(("version",)) == SourceLocation("a.yaml", 1, 10)
    assert doc.source.locate(("seed",)) == SourceLocation("sub/b.yaml", 2, 7)
    assert doc.source.locate(("name",)) == SourceLocation("sub/c.yaml", 2, 7)


def test_no_extends_returns_the_document(tmp_path: pathlib.Path):
    top = write(tmp_path, "m.yaml", "version: 1\n")
    doc = load_yaml_file(top)
    assert resolve_extends(doc, path=top) is doc


def test_extends_cycle(tmp_path: pathlib.Path):
    write(tmp_path, "b.yaml", "extends: a.yaml\nversion: 1\n")
    top = write(tmp_path, "a.yaml", "version: 1\nextends: b.yaml\n")
    with pytest.raises(ManifestError) as info:
        load(top, "a.yaml")
    (p,) = info.value.problems
    assert p.message == "extends cycle: a.yaml -> b.yaml -> a.yaml"
    assert str(p.location) == "b.yaml:1:10"
    assert p.code == "SR-E007"


def test_extends_self(tmp_path: pathlib.Path):
    top = write(tmp_path, "a.yaml", "extends: a.yaml\n")
    with pytest.raises(ManifestError, match=r"extends cycle: a\.yaml -> a\.yaml"):
        load(top, "a.yaml")


def test_extends_missing_file(tmp_path: pathlib.Path):
    top = write(tmp_path, "seeds/a.yaml", "version: 1\nextends: base.yaml\n")
    with pytest.raises(ManifestError) as info:
        load(top, "seeds/a.yaml")
    (p,) = info.value.problems
    resolved = (tmp_path / "seeds" / "base.yaml").resolve()
    assert p.message == f"extends file 'base.yaml' not found (resolved to {resolved})"
    assert str(p.location) == "seeds/a.yaml:2:10"
    assert p.path == "extends"


def test_extends_must_be_a_path(tmp_path: pathlib.Path):
    top = write(tmp_path, "a.yaml", "extends: [x.yaml]\n")
    with pytest.raises(ManifestError, match=r"extends must be a file path, got \['x.yaml'\]"):
        load(top, "a.yaml")


def test_errors_in_the_base_name_the_base_file(tmp_path: pathlib.Path):
    write(tmp_path, "base.yaml", "a: 1\na: 2\n")
    top = write(tmp_path, "top.yaml", "extends: base.yaml\n")
    with pytest.raises(ManifestError) as info:
        load(top, "top.yaml")
    assert info.value.problems[0].message == "duplicate key 'a' (first defined at line 1)"


# -- --set ---------------------------------------------------------------------------------------


def doc_of(text: str):
    return load_yaml(text, file="m.yaml")


def test_set_overrides_values_and_records_their_origin():
    doc = doc_of(BASE)
    out = apply_overrides(
        doc,
        [
            "datasets.users.count=5",
            "defaults.retries={max: 9, wait: 1}",
            "datasets.users.persist[1]=files",
            "datasets.users.seed=7",
        ],
    )
    users = out.data["datasets"]["users"]
    assert users["count"] == 5
    assert users["persist"] == ["db", "files"]
    assert users["seed"] == 7
    assert out.data["defaults"]["retries"] == {"max": 9, "wait": 1}
    assert doc.data["datasets"]["users"]["count"] == 100  # the input is untouched
    src = out.source
    assert src.values[("datasets", "users", "count")] == SourceLocation("--set", 1, 22)
    assert src.keys[("datasets", "users", "count")] == SourceLocation("--set", 1, 1)
    assert src.values[("defaults", "retries", "wait")] == SourceLocation("--set", 2, 33)
    assert src.values[("datasets", "users", "persist", 1)] == SourceLocation("--set", 3, 27)
    assert src.values[("datasets", "users", "persist", 0)] == SourceLocation("m.yaml", 8, 15)
    assert src.scalars[("datasets", "users", "count")].raw == "5"
    assert src.locate(("datasets", "users", "seed")) == SourceLocation("--set", 4, 21)


def test_set_list_index_as_dotted_number_and_quoted_keys():
    doc = doc_of('locale_map: {"*.phone": en_US}\npersist: [a, b]\n')
    out = apply_overrides(doc, ['locale_map."*.phone"=en_GB', "persist.0=z"])
    assert out.data == {"locale_map": {"*.phone": "en_GB"}, "persist": ["z", "b"]}


def test_set_typo_suggests_the_close_key():
    with pytest.raises(ManifestError) as info:
        apply_overrides(doc_of(BASE), ["datasets.usres.count=5"])
    (p,) = info.value.problems
    assert p.message == "--set path 'datasets.usres' does not exist"
    assert p.hint == "did you mean 'datasets.users'?"
    assert p.location is None
    assert p.path == "datasets.usres.count"
    assert p.code == "SR-E008"


def test_set_reports_every_bad_override():
    with pytest.raises(ManifestError) as info:
        apply_overrides(
            doc_of(BASE),
            [
                "zzz.a=1",
                "datasets.users.persist[5]=x",
                "datasets.users.count.x=1",
                "novalue",
                "a..b=1",
                "datasets.users.count=[1, 2",
            ],
        )
    got = [(p.message, p.hint) for p in info.value.problems]
    assert got == [
        (
            "--set path 'zzz' does not exist",
            "top-level keys: version, defaults, datasets",
        ),
        (
            "--set path 'datasets.users.persist[5]' does not exist",
            "'datasets.users.persist' is a list of 2 items (indexes from 0)",
        ),
        (
            "--set path 'datasets.users.count.x' does not exist",
            "'datasets.users.count' is an integer, not a mapping or list",
        ),
        ("--set expects KEY=VALUE, got 'novalue'", "e.g. --set datasets.users.count=10"),
        (
            "--set key 'a..b' is not a valid path",
            "write dotted keys like datasets.users.count or persist[0]",
        ),
        (
            "--set datasets.users.count: YAML syntax error: expected ',' or ']', but got "
            "'<stream end>'",
            "while parsing a flow sequence (started at line 1, column 1)",
        ),
    ]
    assert all(p.location is None for p in info.value.problems)


def test_set_refuses_tags():
    with pytest.raises(ManifestError, match=r"--set x: YAML tags are not allowed"):
        apply_overrides(doc_of("x: 1\n"), ["x=!!python/name:os.system"])


def test_set_after_extends_sees_the_merged_document(tmp_path: pathlib.Path):
    write(tmp_path, "base.yaml", BASE)
    top = write(tmp_path, "staging.yaml", STAGING)
    doc = apply_overrides(load(top, "staging.yaml"), ["datasets.users.fields.email.faker=name"])
    assert doc.data["datasets"]["users"]["fields"]["email"] == {"faker": "name"}
