"""stdout handler: JSON Lines or one JSON array on sys.stdout."""

from __future__ import annotations

import json

from handler_support import make_ctx, user_batches

from seedrunner.handlers.stdout import StdoutHandler, StdoutOptions


def test_jsonl(tmp_path, capsys):
    h = StdoutHandler(StdoutOptions())
    h.open(make_ctx(tmp_path))
    for b in user_batches():
        h.write(b)
    h.close(None)
    lines = capsys.readouterr().out.splitlines()
    assert [json.loads(x)["id"] for x in lines] == [1, 2, 3, 4]


def test_json_array(tmp_path, capsys):
    h = StdoutHandler(StdoutOptions(format="json"))
    h.open(make_ctx(tmp_path))
    for b in user_batches():
        h.write(b)
    h.close(None)
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == [1, 2, 3, 4]


def test_json_array_left_open_on_failure(tmp_path, capsys):
    h = StdoutHandler(StdoutOptions(format="json"))
    h.open(make_ctx(tmp_path))
    h.write(user_batches(1)[0])
    h.close(RuntimeError("boom"))
    assert not capsys.readouterr().out.rstrip().endswith("]")
