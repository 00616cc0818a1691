"""A plugin that raises on batch 2 of a chain ``[db, boom]`` (SQL with its ledger, then a
plugin keeping a stored ledger): the run fails naming the plugin, dataset and batch; the
database keeps the committed batches; apply again writes each handler only what it lacks:
the database gets no duplicate and the plugin gets every row exactly once."""

from __future__ import annotations

import json

from seedrunner import apply, build_plan, load_manifest
from tests.integration.shopmodels import dump, shop_manifest

PLUGIN = """
import json, os
from typing import ClassVar

from seedrunner.handlers.storeoptions import StoredLedgerOptions


class Options(StoredLedgerOptions):
    handler: str = "boom:Boom"
    path: str


class Boom:
    name: ClassVar[str] = "boom"
    Options: ClassVar[type] = Options

    def __init__(self, options):
        self.options = options

    def open(self, ctx):
        self.file = ctx.base_dir / self.options.path

    def write(self, batch):
        if batch.index == 2 and os.environ.get("BOOM_FAIL") == "1":
            raise RuntimeError("boom: the downstream system refused batch 2")
        with open(self.file, "a") as f:
            for row in batch.records():
                f.write(json.dumps({"id": row["id"]}) + "\\n")

    def close(self, error):
        pass
"""


def _text(url: str, tmp_path) -> str:
    text = shop_manifest(
        url, batch_size=16, customers=80, datasets=["customers"], db={"transaction": "batch"}
    )
    text = text.replace("persist: [db]", "persist: [db, boom]")
    boom = '  boom: {"handler": "boom:Boom", "path": "boom.jsonl", "ledger": true}\n'
    text = text.replace("\ndatasets:", "\n" + boom + "datasets:", 1)
    return text.replace("python_path: [", f"python_path: [{json.dumps(str(tmp_path))}, ", 1)


def test_a_failing_plugin_in_a_chain_resumes_each_handler_where_it_stopped(
    manifest, make_database, tmp_path, monkeypatch
):
    db, clean = make_database("sqlite"), make_database("sqlite")
    path = manifest(_text(db.url, tmp_path), "chain.yaml", **{"boom.py": PLUGIN})
    monkeypatch.setenv("BOOM_FAIL", "1")
    failed = apply(build_plan(load_manifest(path)))
    assert not failed.ok
    error = failed.error or ""
    assert "boom" in error
    assert "batch 2" in error
    assert "customers" in error
    assert len(dump(db.engine)["customers"]) == 48  # db committed batches 0..2 before boom
    monkeypatch.delenv("BOOM_FAIL")
    again = apply(build_plan(load_manifest(path)))
    assert again.ok, again.error
    skipped = {s.name: s.skipped for s in again.steps if s.kind == "persist"}
    assert skipped == {"db": 48, "boom": 32}  # each handler skips what its ledger holds
    ids = [json.loads(line)["id"] for line in (tmp_path / "boom.jsonl").read_text().splitlines()]
    assert ids == list(range(1, 81))  # every row once, in order
    clean_path = manifest(_text(clean.url, tmp_path).replace("boom.jsonl", "clean.jsonl"), "c.yaml")
    assert apply(build_plan(load_manifest(clean_path))).ok
    assert dump(db.engine) == dump(clean.engine)
