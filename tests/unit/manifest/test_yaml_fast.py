"""libyaml reads manifests (issue 7 L02: 100 datasets plan in under a second) with exactly
the result of the pure-Python reference path, and every error still comes from the latter.

The fast path only replaces PyYAML's scanner and parser; composing, limits, tags and the
source map are the same code.  Each case is read both ways and must give equal data and
equal positions, or (for a broken document) ``load_yaml`` must give the reference error.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from seedrunner.errors import ManifestError
from seedrunner.manifest import yaml as Y
from seedrunner.manifest.yamlloader import Loader

ROOT = Path(__file__).resolve().parents[3]
SHARED = ROOT.parent / "shared"

pytestmark = pytest.mark.skipif(Y._CParser is None, reason="PyYAML built without libyaml")

CASES = {
    "unicode": "version: 1\nname: Ünïcødé 名前\ndatasets:\n  ü: {count: 1, fields: {名: 'ß'}}\n",
    "block scalars": (
        "version: 1\ndatasets:\n  a:\n    fields:\n      t: |\n        {{ x }}\n\n"
        "        line two ü\n      f: >-\n        folded\n        text\n"
    ),
    "anchors and merge": (
        "version: 1\nbase: &b {count: 3, locale: de_DE}\ndatasets:\n"
        "  a:\n    <<: *b\n    count: 4\n  b: *b\n"
    ),
    "yaml 1.1 values": (
        "version: 1\nflags: [yes, no, on, off, ~, null, 0x1f, 1_000, 1.5e3, .inf, -.nan]\n"
        "when: 2026-01-01T00:00:00Z\nday: 2026-01-01\ndatasets: {a: {}}\n"
    ),
    "quoting and tags": (
        "version: 1\n'q': \"dq \\u00e9 \\t\"\nk: !!str 12\nf: !!float '1'\n"
        "? complex key\n: v\ndatasets: {a: {}}\n"
    ),
    "comments and flow": (
        "# top\nversion: 1 # one\ndatasets: {a: {count: 2, fields: {x: [1, {y: 2}]}}}  # x\n"
        "e:\nlist:\n- a\n-   - b\n    - c\n"
    ),
    "templates with percent": (
        "version: 1\ndatasets:\n  a:\n    fields:\n"
        '      t: "{% if index %}a{% else %}b{% endif %} 50%"\n'
    ),
    "windows newlines": "version: 1\r\ndatasets:\r\n  a: {count: 1}\r\n",
    # broken documents: load_yaml must answer exactly as the reference path does
    "tab indent": "version: 1\ndatasets:\n\ta: {}\n",
    "bad indent": "version: 1\ndatasets:\n  a: {}\n b: {}\n",
    "unclosed flow": "version: 1\ndatasets: {a: [1, 2}\n",
    "duplicate key": "version: 1\nversion: 2\ndatasets: {}\n",
    "python tag": "version: 1\nx: !!python/object:os.system [ls]\ndatasets: {}\n",
    "two documents": "version: 1\n---\nversion: 2\n",
    "directive": "%YAML 1.2\n---\nversion: 1\n",
    "control character": "version: 1\nname: a\x07b\n",
    "alias loop": "a: &a [*a]\n",
    "undefined alias": "a: *nope\n",
    "empty": "",
    "scalar": "just text\n",
}


def _blocks(path: Path) -> list[str]:
    return re.findall(r"```ya?ml\n(.*?)```", path.read_text(), re.S) if path.exists() else []


def _repo_documents() -> list[tuple[str, str]]:
    found = [
        (str(p.relative_to(ROOT)), p.read_text(encoding="utf-8-sig"))
        for pattern in ("tests/**/*.yaml", "tests/**/*.yml", "seeds/**/*.yaml")
        for p in sorted(ROOT.glob(pattern))
    ]
    for doc in (ROOT / "README.md", SHARED / "manifest-v1.md"):
        found += [(f"{doc.name}#{i}", text) for i, text in enumerate(_blocks(doc))]
    return found


def _outcome(make: type[Loader] | None, text: str) -> tuple[object, ...]:
    try:
        if make is None:
            doc = Y.load_yaml(text, file="m.yaml")
        else:
            loader = Y._reference_loader if make is Loader else make
            doc = Y._read(loader(text, "m.yaml"), text, "m.yaml")
    except ManifestError as exc:
        return ("error", str(exc), [p.location for p in exc.problems])
    return ("ok", doc.data, doc.source)


@pytest.mark.parametrize("name", sorted(CASES))
def test_fast_path_reads_like_the_reference(name):
    text = CASES[name]
    reference = _outcome(Loader, text)
    assert _outcome(None, text) == reference  # what load_yaml answers
    if reference[0] == "ok" and Y._fast_loader(text, "m.yaml") is not None:
        assert _outcome(Y._FastLoader, text) == reference


def test_every_manifest_in_the_repository_reads_the_same_both_ways():
    documents = _repo_documents()
    assert len(documents) > 20
    fast = 0
    for where, text in documents:
        reference = _outcome(Loader, text)
        assert _outcome(None, text) == reference, where
        if Y._fast_loader(text, "m.yaml") is not None:
            fast += 1
            got = _outcome(Y._FastLoader, text)
            if reference[0] == "ok":
                assert got == reference, where
    assert fast > len(documents) // 2  # the fast path is really taken


def test_large_manifest_takes_the_fast_path_and_errors_do_not():
    text = "version: 1\ndatasets:\n" + "".join(
        f"  d{i}: {{count: {i}, fields: {{x: '{{{{ index }}}}'}}}}\n" for i in range(200)
    )
    assert isinstance(Y._fast_loader(text, "m.yaml"), Y._FastLoader)
    assert Y.load_yaml(text, file="m.yaml").data["datasets"]["d199"]["count"] == 199
    broken = text + "  d0: {}\n"  # a duplicate key at the end
    with pytest.raises(ManifestError) as exc:
        Y.load_yaml(broken, file="m.yaml")
    assert str(exc.value) == _outcome(Loader, broken)[1]
    assert "m.yaml:203:3" in str(exc.value)


def test_a_control_character_is_a_manifest_error_with_its_position(manifest):
    """PyYAML's reader refuses it while the loader is built: that was an internal error
    (exit 1, no position) before; it is a syntax problem at file:line:column."""
    from seedrunner.manifest.loader import load_manifest

    path = manifest("version: 1\nname: a\x07b\ndatasets: {a: {}}\n")
    with pytest.raises(ManifestError) as exc:
        load_manifest(path)
    text = str(exc.value)
    assert f"{path}:2:8" in text
    assert "unacceptable character #x0007" in text
    assert "printable UTF-8" in text
    with pytest.raises(ManifestError, match="#x0007"):
        Y.read_value("a\x07", file="--set")
