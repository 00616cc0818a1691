"""Fixed-rows files: each row with its line; malformed files refused at the right line."""

from __future__ import annotations

import pytest

from seedrunner.plan.rowfiles import RowFileError, read_rows, resolve_rows_path


def rows(tmp_path, name, text):
    path = tmp_path / name
    if text is not None:
        path.write_text(text)
    full, fmt = resolve_rows_path(name, tmp_path)
    return [(r.line, r.values) for r in read_rows(full, fmt)]


def test_csv_rows_carry_their_line(tmp_path):
    text = 'code,label\na,"two\nlines"\nb,B\n'
    assert rows(tmp_path, "s.csv", text) == [
        (3, {"code": "a", "label": "two\nlines"}),
        (4, {"code": "b", "label": "B"}),
    ]


def test_json_and_jsonl_rows_carry_their_line(tmp_path):
    assert rows(tmp_path, "s.json", '[\n  {"a": 1},\n\n  {"a": 2}\n]\n') == [
        (2, {"a": 1}),
        (4, {"a": 2}),
    ]
    assert rows(tmp_path, "s.jsonl", '{"a": 1}\n\n{"a": 2}\n') == [(1, {"a": 1}), (3, {"a": 2})]


@pytest.mark.parametrize(
    ("name", "text", "line", "message"),
    [
        ("a.csv", "a,b\n1,2,3\n", 2, "more cells than the header"),
        ("b.csv", "a,b\n1\n", 2, "fewer cells than the header"),
        ("c.csv", "a,a\n1,2\n", 1, "names column 'a' twice"),
        ("d.csv", "", 1, "no header line"),
        ("e.json", '{"a": 1}', 1, "must hold a JSON list"),
        ("f.json", '[{"a": 1},\n 2]', 2, "holds a number, not an object"),
        ("g.json", '[{"a": 1}\n {"a": 2}]', 2, "expected ',' or ']'"),
        ("h.jsonl", '{"a": 1}\n{"a": \n', 2, "is not valid JSON"),
    ],
)
def test_malformed_files_are_refused_at_their_line(tmp_path, name, text, line, message):
    with pytest.raises(RowFileError, match=message) as caught:
        rows(tmp_path, name, text)
    assert caught.value.line == line


def test_paths_stay_inside_the_manifest_folder(tmp_path):
    (tmp_path / "in").mkdir()
    (tmp_path / "out.csv").write_text("a\n1\n")
    (tmp_path / "in" / "link.csv").symlink_to(tmp_path / "out.csv")
    with pytest.raises(RowFileError, match="outside the manifest folder"):
        resolve_rows_path("../out.csv", tmp_path / "in")
    with pytest.raises(RowFileError, match="outside the manifest folder"):
        resolve_rows_path("link.csv", tmp_path / "in")
    with pytest.raises(RowFileError, match=r"not a \.csv, \.json or \.jsonl"):
        resolve_rows_path("x.txt", tmp_path / "in")
    with pytest.raises(RowFileError, match="no such file"):
        resolve_rows_path("missing.csv", tmp_path / "in")


def test_a_file_that_is_not_utf8_is_refused(tmp_path):
    (tmp_path / "latin.csv").write_bytes("name\ncaf\xe9\n".encode("latin-1"))
    with pytest.raises(RowFileError, match="is not UTF-8 text"):
        rows(tmp_path, "latin.csv", None)
