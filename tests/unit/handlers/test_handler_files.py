"""jsonl, json and csv handlers end to end in a tmp folder: atomic output, no traversal."""

from __future__ import annotations

import csv
import datetime as dt
import json
import os
from decimal import Decimal

import pytest
from handler_support import make_ctx, user_batches

from seedrunner.errors import HandlerError
from seedrunner.generate.rows import Batch
from seedrunner.handlers.files import (
    CsvHandler,
    CsvOptions,
    JsonHandler,
    JsonlHandler,
    JsonlOptions,
    JsonOptions,
    resolve_output_path,
)

ROWS = [
    {"id": 1, "email": "u1@example.test", "name": "U0"},
    {"id": 2, "email": "u2@example.test", "name": None},
    {"id": 3, "email": "u3@example.test", "name": "U2"},
    {"id": 4, "email": "u4@example.test", "name": None},
]


def run(handler, ctx, batches, error=None):
    handler.open(ctx)
    for b in batches:
        assert handler.write(b) is None
    handler.close(error)


def leftovers(folder):
    return sorted(p.name for p in folder.rglob("*") if p.is_file())


def test_jsonl_writes_one_row_per_line_with_placeholders(tmp_path):
    h = JsonlHandler(JsonlOptions(path="out/{target}/{dataset}.jsonl"))
    run(h, make_ctx(tmp_path), user_batches())
    out = tmp_path / "out" / "t" / "users.jsonl"
    lines = out.read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == ROWS
    assert leftovers(tmp_path) == ["users.jsonl"]  # no temp file left


def test_json_compact_and_indented_equal_json_dumps(tmp_path):
    run(JsonHandler(JsonOptions(path="a.json")), make_ctx(tmp_path), user_batches())
    assert json.loads((tmp_path / "a.json").read_text()) == ROWS
    run(JsonHandler(JsonOptions(path="b.json", indent=2)), make_ctx(tmp_path), user_batches())
    assert (tmp_path / "b.json").read_text() == json.dumps(ROWS, indent=2) + "\n"


def test_json_with_no_rows_is_an_empty_array(tmp_path):
    for indent in (None, 4):
        run(JsonHandler(JsonOptions(path="e.json", indent=indent)), make_ctx(tmp_path), [])
        assert json.loads((tmp_path / "e.json").read_text()) == []


def test_csv_header_none_empty_and_nested_as_json(tmp_path):
    ctx = make_ctx(tmp_path, fields=["id", "email", "name", "tags", "price", "at"])
    batch = Batch.from_records(
        "users",
        0,
        0,
        [
            {
                "id": 1,
                "email": "a;b",
                "name": None,
                "tags": {"k": [1, 2]},
                "price": Decimal("9.90"),
                "at": dt.datetime(2024, 1, 1, 12),
            }
        ],
    )
    run(CsvHandler(CsvOptions(path="u.csv", delimiter=";")), ctx, [batch])
    with open(tmp_path / "u.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter=";"))
    assert rows == [
        ["id", "email", "name", "tags", "price", "at"],
        ["1", "a;b", "", '{"k":[1,2]}', "9.90", "2024-01-01T12:00:00"],
    ]


def test_csv_without_header(tmp_path):
    run(CsvHandler(CsvOptions(path="u.csv", header=False)), make_ctx(tmp_path), user_batches())
    with open(tmp_path / "u.csv", newline="") as f:
        rows = list(csv.reader(f))
    assert rows[0] == ["1", "u1@example.test", "U0"]
    assert len(rows) == 4


@pytest.mark.parametrize(
    "handler",
    [
        JsonlHandler(JsonlOptions(path="x.out")),
        JsonHandler(JsonOptions(path="x.out")),
        CsvHandler(CsvOptions(path="x.out")),
    ],
)
def test_failed_step_leaves_no_file(tmp_path, handler):
    run(handler, make_ctx(tmp_path), user_batches(), error=RuntimeError("boom"))
    assert leftovers(tmp_path) == []


def test_failed_step_keeps_the_previous_good_file(tmp_path):
    (tmp_path / "users.jsonl").write_text("old\n")
    h = JsonlHandler(JsonlOptions(path="users.jsonl"))
    run(h, make_ctx(tmp_path), user_batches(), error=RuntimeError("boom"))
    assert (tmp_path / "users.jsonl").read_text() == "old\n"
    assert leftovers(tmp_path) == ["users.jsonl"]


def test_unserialisable_value_is_a_handler_error_and_nothing_is_left(tmp_path):
    h = JsonlHandler(JsonlOptions(path="users.jsonl"))
    h.open(make_ctx(tmp_path))
    with pytest.raises(HandlerError, match=r"users.*'object'") as info:
        h.write(Batch.from_records("users", 0, 0, [{"id": object()}]))
    h.close(info.value)
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("path", ["../x.jsonl", "../../x.jsonl", "/tmp/x.jsonl", "a/../../x"])
def test_path_outside_the_manifest_folder_is_refused(tmp_path, path):
    base = tmp_path / "project"
    base.mkdir()
    with pytest.raises(HandlerError, match=r"outside the manifest folder.*allow_outside"):
        JsonlHandler(JsonlOptions(path=path)).open(make_ctx(base))
    assert leftovers(tmp_path) == []


def test_symlink_out_of_the_project_is_refused(tmp_path):
    base, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    base.mkdir()
    elsewhere.mkdir()
    os.symlink(elsewhere, base / "link")
    with pytest.raises(HandlerError, match="outside"):
        JsonlHandler(JsonlOptions(path="link/x.jsonl")).open(make_ctx(base))
    assert leftovers(elsewhere) == []


def test_nul_byte_refused(tmp_path):
    with pytest.raises(HandlerError, match="NUL"):
        resolve_output_path("a\0b", tmp_path, dataset="d", target="t")


def test_allow_outside(tmp_path):
    base = tmp_path / "project"
    base.mkdir()
    h = JsonlHandler(JsonlOptions(path="../out/{dataset}.jsonl", allow_outside=True))
    run(h, make_ctx(base), user_batches(1))
    assert len((tmp_path / "out" / "users.jsonl").read_text().splitlines()) == 2


def test_placeholders_do_not_allow_format_attribute_access(tmp_path):
    path = resolve_output_path("{dataset.__class__}.jsonl", tmp_path, dataset="d", target="t")
    assert path.name == "{dataset.__class__}.jsonl"


def test_options_forbid_unknown_keys():
    with pytest.raises(ValueError, match="pth"):
        JsonlOptions.model_validate({"handler": "jsonl", "path": "x", "pth": "y"})


def test_failure_to_replace_is_a_handler_error_and_cleans_up(tmp_path):
    (tmp_path / "taken").mkdir()
    h = JsonlHandler(JsonlOptions(path="taken"))
    h.open(make_ctx(tmp_path))
    h.write(user_batches(1)[0])
    with pytest.raises(HandlerError, match="taken"):
        h.close(None)
    assert leftovers(tmp_path) == []
    h.close(RuntimeError("again"))  # a second close (the executor's abort) is harmless
