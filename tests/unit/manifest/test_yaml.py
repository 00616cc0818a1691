"""Safe manifest YAML loading: positions, syntax, duplicates, YAML 1.1 surprises, tags, bombs."""

import datetime as dt
import pathlib
import re
import time

import pytest

from seedrunner.errors import ManifestError, SourceLocation
from seedrunner.manifest.source import ScalarInfo
from seedrunner.manifest.yaml import (
    describe_surprise,
    load_yaml,
    load_yaml_file,
    read_scalar,
)

F = "seeds/m.yaml"


def problems(text: str) -> list[str]:
    """Each problem as 'line:col code message' for exact assertions."""
    with pytest.raises(ManifestError) as info:
        load_yaml(text, file=F)
    out = []
    for p in info.value.problems:
        assert p.location is not None
        assert p.location.file == F
        out.append(f"{p.location.line}:{p.location.column} {p.code} {p.message}")
    return out


def only(text: str):
    with pytest.raises(ManifestError) as info:
        load_yaml(text, file=F)
    assert len(info.value.problems) == 1, info.value.problems
    return info.value.problems[0]


# -- positions --------------------------------------------------------------------------------

MANIFEST = """\
version: 1
datasets:
  users:
    count: 3
    fields:
      email: {faker: email}
    persist:
      - db
      - "api"
"""


def test_positions_of_nested_keys_values_and_list_items():
    doc = load_yaml(MANIFEST, file=F)
    assert doc.data == {
        "version": 1,
        "datasets": {
            "users": {"count": 3, "fields": {"email": {"faker": "email"}}, "persist": ["db", "api"]}
        },
    }
    assert doc.file == F
    src = doc.source
    assert src.file == F

    def at(line: int, col: int) -> SourceLocation:
        return SourceLocation(F, line, col)

    assert src.keys[("version",)] == at(1, 1)
    assert src.values[("version",)] == at(1, 10)
    assert src.keys[("datasets", "users")] == at(3, 3)
    assert src.values[("datasets", "users")] == at(4, 5)
    assert src.keys[("datasets", "users", "count")] == at(4, 5)
    assert src.values[("datasets", "users", "count")] == at(4, 12)
    assert src.keys[("datasets", "users", "fields", "email")] == at(6, 7)
    assert src.values[("datasets", "users", "fields", "email")] == at(6, 14)
    assert src.keys[("datasets", "users", "fields", "email", "faker")] == at(6, 15)
    assert src.values[("datasets", "users", "fields", "email", "faker")] == at(6, 22)
    assert src.values[("datasets", "users", "persist", 0)] == at(8, 9)
    assert src.values[("datasets", "users", "persist", 1)] == at(9, 9)
    assert src.scalars[("datasets", "users", "count")] == ScalarInfo(
        "3", "tag:yaml.org,2002:int", True
    )
    assert src.scalars[("datasets", "users", "persist", 1)] == ScalarInfo(
        "api", "tag:yaml.org,2002:str", False
    )
    assert src.locate(("datasets", "users", "fields", "email", "missing")) == at(6, 14)


def test_load_yaml_file_uses_display_name(tmp_path: pathlib.Path):
    path = tmp_path / "m.yaml"
    path.write_text("\ufeffversion: 1\n", encoding="utf-8")
    doc = load_yaml_file(path, display="seeds/m.yaml")
    assert doc.data == {"version": 1}
    assert doc.source.keys[("version",)] == SourceLocation("seeds/m.yaml", 1, 1)
    assert load_yaml_file(path).file == str(path)


def test_load_yaml_file_missing(tmp_path: pathlib.Path):
    with pytest.raises(ManifestError, match=r"manifest 'x\.yaml' not found"):
        load_yaml_file(tmp_path / "nope.yaml", display="x.yaml")


# -- B01 structure ---------------------------------------------------------------------------


def test_unclosed_flow_sequence_is_a_syntax_error_at_the_problem_mark():
    p = only("version: 1\ndatasets: [a, b\nname: x\n")
    assert (p.location.line, p.location.column) == (3, 5)
    assert p.code == "SR-E001"
    assert p.message == "YAML syntax error: expected ',' or ']', but got ':'"
    assert p.hint == "while parsing a flow sequence (started at line 2, column 11)"


def test_bad_indent_is_a_syntax_error():
    assert problems("datasets:\n  users: 1\n posts: 2\n") == [
        "3:2 SR-E001 YAML syntax error: expected <block end>, but found '<block mapping start>'"
    ]


def test_tab_indentation():
    p = only("datasets:\n\tusers: 1\n")
    assert str(p.location) == f"{F}:2:1"
    assert p.message == "found a tab character; YAML indentation must use spaces"
    assert p.code == "SR-E001"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n# and another\n", "---\n"])
def test_empty_manifest(text: str):
    p = only(text)
    assert p.message == "manifest is empty"
    assert p.code == "SR-E006"
    assert (p.location.line, p.location.column) == (1, 1)
    assert "version: 1" in p.hint
    assert "datasets:" in p.hint


def test_two_documents():
    assert problems("version: 1\n---\nversion: 2\n") == [
        "2:1 SR-E006 expected one YAML document, found 2 (second starts at line 2)"
    ]


def test_three_documents_are_counted():
    msg = problems("a: 1\n---\nb: 2\n---\nc: 3\n")[0]
    assert msg.endswith("found 3 (second starts at line 2)")


@pytest.mark.parametrize(
    ("text", "found"),
    [("- a\n- b\n", "a list"), ("just text\n", "a string"), ("42\n", "an integer")],
)
def test_top_level_must_be_a_mapping(text: str, found: str):
    assert problems(text) == [f"1:1 SR-E006 top level must be a mapping (found {found})"]


# -- B02 duplicate keys -------------------------------------------------------------------------


def test_every_duplicate_key_is_reported_in_file_order():
    text = """\
datasets:
  users:
    fields:
      email: a
      email: b
  users:
    count: 1
datasets: {}
"""
    with pytest.raises(ManifestError) as info:
        load_yaml(text, file=F)
    got = [(str(p.location), p.message, p.path, p.hint) for p in info.value.problems]
    assert got == [
        (
            f"{F}:5:7",
            "duplicate key 'email' (first defined at line 4)",
            "datasets.users.fields.email",
            "remove or rename one",
        ),
        (
            f"{F}:6:3",
            "duplicate key 'users' (first defined at line 2)",
            "datasets.users",
            "remove or rename one",
        ),
        (
            f"{F}:8:1",
            "duplicate key 'datasets' (first defined at line 1)",
            "datasets",
            "remove or rename one",
        ),
    ]
    assert all(p.code == "SR-E002" for p in info.value.problems)


def test_merge_keys_stay_legal_and_explicit_keys_win():
    text = """\
base: &base
  count: 10
  batch_size: 5
extra: &extra {batch_size: 7, locale: de_DE}
datasets:
  users:
    <<: [*base, *extra]
    count: 3
"""
    doc = load_yaml(text, file=F)
    assert doc.data["datasets"]["users"] == {"count": 3, "batch_size": 5, "locale": "de_DE"}
    src = doc.source
    # explicit key at its own line; merged keys point where they were written
    assert src.keys[("datasets", "users", "count")] == SourceLocation(F, 8, 5)
    assert src.values[("datasets", "users", "batch_size")] == SourceLocation(F, 3, 15)
    assert src.values[("datasets", "users", "locale")] == SourceLocation(F, 4, 39)


def test_aliased_mapping_with_duplicate_is_reported_once():
    text = "a: &a {x: 1, x: 2}\nb: *a\nc: *a\n"
    assert problems(text) == ["1:14 SR-E002 duplicate key 'x' (first defined at line 1)"]


def test_aliases_give_independent_copies():
    doc = load_yaml("a: &a {x: [1]}\nb: *a\n", file=F)
    assert doc.data["a"] == doc.data["b"]
    assert doc.data["a"] is not doc.data["b"]


# -- B03 YAML 1.1 surprises ----------------------------------------------------------------------


def test_non_string_keys_are_explained():
    text = "locale_map: {no: nb_NO}\nzips:\n  012345: a\n  1: b\n  1:30: c\n  2024-01-01: d\n"
    assert problems(text) == [
        "1:14 SR-E003 key 'no' was read as boolean false (YAML 1.1); quote it: \"no\"",
        "3:3 SR-E003 key '012345' was read as integer 5349 (octal); quote it: \"012345\"",
        '4:3 SR-E003 key 1 was read as an integer; quote it: "1"',
        "5:3 SR-E003 key '1:30' was read as integer 90 (base 60); quote it: \"1:30\"",
        "6:3 SR-E003 key '2024-01-01' was read as date 2024-01-01; quote it: \"2024-01-01\"",
    ]


def test_quoted_keys_are_fine():
    doc = load_yaml('locale_map: {"no": nb_NO, "1": x}\n', file=F)
    assert doc.data == {"locale_map": {"no": "nb_NO", "1": "x"}}


def _surprise(text: str):
    doc = load_yaml(f"v: {text}\n", file=F)
    return describe_surprise(doc.source.scalars[("v",)], doc.data["v"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("no", 'was read as boolean false (YAML 1.1); quote it: "no"'),
        ("on", 'was read as boolean true (YAML 1.1); quote it: "on"'),
        ("Off", 'was read as boolean false (YAML 1.1); quote it: "Off"'),
        ("012345", 'was read as integer 5349 (octal); quote it: "012345"'),
        ("1:30", 'was read as integer 90 (base 60); quote it: "1:30"'),
        ("0x1F", 'was read as integer 31 (hexadecimal); quote it: "0x1F"'),
        ("3.10", 'was read as number 3.1; quote it: "3.10"'),
        ("2024-01-01", 'was read as date 2024-01-01; quote it: "2024-01-01"'),
        ("true", None),
        ("42", None),
        ("1.5", None),
        ("'no'", None),
        ("hello", None),
    ],
)
def test_describe_surprise(text: str, expected: str | None):
    assert _surprise(text) == expected


def test_describe_surprise_is_for_plain_scalars_only():
    info = ScalarInfo("no", "tag:yaml.org,2002:bool", plain=False)
    assert describe_surprise(info, False) is None
    assert describe_surprise(
        ScalarInfo("x", "tag:yaml.org,2002:timestamp", True), dt.date(2024, 1, 1)
    )


# -- B04 / S03 tags ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "tag",
    [
        "!!python/object/apply:os.system",
        "!!python/name:os.system",
        "!!python/object/new:os.system",
        "!env",
        "!!binary",
    ],
)
def test_tags_are_refused(tag: str):
    p = only(f'version: 1\nx: {tag} ["echo"]\n')
    assert p.code == "SR-E004"
    assert (p.location.line, p.location.column) == (2, 4)
    assert p.message == (
        f"YAML tags are not allowed ('{tag}'); use {{{{ env.NAME }}}} templates for "
        "environment values"
    )


def test_python_tag_never_runs(tmp_path: pathlib.Path):
    sentinel = tmp_path / "SENTINEL"
    texts = [
        f'x: !!python/object/apply:os.system ["touch {sentinel}"]\n',
        f'x: !!python/object/apply:subprocess.call [["touch", "{sentinel}"]]\n',
        f"x: !!python/object/new:subprocess.Popen [[touch, {sentinel}]]\n",
        f'- !!python/object/apply:os.system ["touch {sentinel}"]\n',
        f'x: &a !!python/object/apply:os.system ["touch {sentinel}"]\ny: *a\n',
    ]
    for text in texts:
        with pytest.raises(ManifestError, match="YAML tags are not allowed"):
            load_yaml(text, file=F)
        with pytest.raises(ManifestError):
            read_scalar(f'!!python/object/apply:os.system ["touch {sentinel}"]')
    assert not sentinel.exists()


def test_core_tags_are_allowed_and_wrong_kinds_refused():
    doc = load_yaml("a: !!str 012\nb: !!int '7'\nc: !!map {x: 1}\n", file=F)
    assert doc.data == {"a": "012", "b": 7, "c": {"x": 1}}
    assert problems("a: !!map x\nb: !!int zz\n") == [
        "1:4 SR-E004 tag '!!map' cannot be used on a scalar",
        "2:4 SR-E004 cannot read 'zz' as !!int",
    ]


def test_tag_and_duplicate_problems_reported_together():
    assert problems("a: !env X\nb: 1\nb: 2\n") == [
        "1:4 SR-E004 YAML tags are not allowed ('!env'); use {{ env.NAME }} templates for "
        "environment values",
        "3:1 SR-E002 duplicate key 'b' (first defined at line 2)",
    ]


def test_no_unsafe_yaml_loading_in_the_package():
    root = pathlib.Path(__file__).resolve().parents[3] / "seedrunner"
    unsafe = re.compile(
        r"FullLoader|UnsafeLoader|unsafe_load|full_load|yaml\.load\((?![^)]*SafeLoader)"
    )
    hits = [
        f"{path}:{n}"
        for path in root.rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if unsafe.search(line)
    ]
    assert hits == []


# -- B15 resource bombs ------------------------------------------------------------------------


def _billion_laughs() -> str:
    lines = ["a: &a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_billion_laughs_is_refused_fast():
    text = _billion_laughs()
    assert len(text) < 400
    start = time.perf_counter()
    result = problems(text)
    assert time.perf_counter() - start < 2
    # g = 9**7 nodes is the first to pass the limit
    assert result == ["7:4 SR-E005 document expands beyond 1,000,000 nodes"]


def test_too_many_aliases():
    text = "a: &a 1\nb: [" + ", ".join(["*a"] * 101) + "]\n"
    p = only(text)
    assert p.message == "too many aliases (limit 100)"
    assert p.code == "SR-E005"
    assert (p.location.line, p.location.column) == (2, 5 + 4 * 100)
    assert load_yaml("a: &a 1\nb: [" + ", ".join(["*a"] * 100) + "]\n", file=F)


def test_deep_flow_nesting_is_refused_fast():
    text = "x: " + "[" * 5000 + "]" * 5000 + "\n"
    start = time.perf_counter()
    assert problems(text) == ["1:67 SR-E005 nesting deeper than 64 levels"]
    assert time.perf_counter() - start < 2


def test_nesting_at_the_limit_is_fine():
    doc = load_yaml("x: " + "[" * 63 + "]" * 63 + "\n", file=F)
    assert doc.data["x"] is not None


def test_deep_nesting_through_aliases_is_refused():
    lines = ["a0: &a0 [" + "[" * 40 + "]" * 40 + "]"]
    lines.append("a1: &a1 [" + "[" * 40 + "*a0" + "]" * 40 + "]")
    p = only("\n".join(lines) + "\n")
    assert p.message == "nesting deeper than 64 levels"


def test_recursive_alias_is_refused():
    assert problems("a: &a [1, *a]\n") == [
        "1:11 SR-E005 alias '*a' refers to a node that contains it"
    ]


# -- read_scalar ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("10", 10),
        ("sqlite:///other.db", "sqlite:///other.db"),
        ("[a, b]", ["a", "b"]),
        ("{min: 1, max: 2}", {"min": 1, "max": 2}),
        ('"no"', "no"),
        ("no", False),
        ("", ""),
        ("a: b", "a: b"),
        ("- x", "- x"),
        ("null", None),
    ],
)
def test_read_scalar(text: str, value: object):
    assert read_scalar(text) == value


def test_read_scalar_rejects_bad_yaml():
    with pytest.raises(ManifestError, match=r"YAML syntax error"):
        read_scalar("[1, 2")
