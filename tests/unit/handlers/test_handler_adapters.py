"""polyfactory-style save/save_many objects (sync and async) and async handler classes,
used from manifests as they are; what a store returns flows on to children."""

from __future__ import annotations

import json

from seedrunner import apply, build_plan, load_manifest

APP = '''
import asyncio
import json
from pathlib import Path
from typing import ClassVar

from pydantic import BaseModel

from seedrunner.handlers.base import HandlerOptions

SAVED = []


class User(BaseModel):
    id: int | None = None
    name: str


class Post(BaseModel):
    id: int
    user_id: int
    title: str


class Repo:
    """Assigns ids, as a database would."""

    def __init__(self):
        self.next_id = 1000

    def save_many(self, users):
        out = []
        for u in users:
            out.append(u.model_copy(update={"id": self.next_id}))
            self.next_id += 1
        SAVED.extend(out)
        return out


repo = Repo()


class AsyncSaver:
    """Instantiated with no arguments; async save() one item at a time."""

    async def save(self, post):
        await asyncio.sleep(0)
        SAVED.append(post)
        return post


class FileOptions(HandlerOptions):
    path: str


class AsyncFileHandler:
    name: ClassVar[str] = "async-file"
    Options: ClassVar[type[HandlerOptions]] = FileOptions

    def __init__(self, options):
        self.options = options
        self.lines = []

    async def open(self, ctx):
        self.path = ctx.base_dir / self.options.path

    async def write(self, batch):
        await asyncio.sleep(0)
        self.lines += [json.dumps(r, default=str) for r in batch.records()]

    async def close(self, error):
        if error is None:
            self.path.write_text("\\n".join(self.lines) + "\\n")
'''


def test_save_many_ids_reach_children_and_async_handlers_run(manifest, tmp_path):
    path = manifest(
        """
        version: 1
        seed: 4
        python_path: ["."]
        targets:
          repo: {handler: "persist_app:repo"}
          posts_store: {handler: "persist_app:AsyncSaver"}
          file: {handler: "persist_app:AsyncFileHandler", path: posts.jsonl}
        datasets:
          users:
            model: persist_app:User
            count: 12
            batch_size: 5
            fields: {id: {skip: true}}
            persist: [repo]
          posts:
            model: persist_app:Post
            count: 30
            fields: {user_id: {ref: users.id}}
            persist: [posts_store, file]
        """,
        **{"persist_app.py": APP},
    )
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    import persist_app as app  # the manifest's module, on sys.path through python_path

    users = [s for s in app.SAVED if isinstance(s, app.User)]
    posts = [s for s in app.SAVED if isinstance(s, app.Post)]
    assert [u.id for u in users] == list(range(1000, 1012))
    assert len(posts) == 30
    assert {p.user_id for p in posts} <= set(range(1000, 1012))
    rows = [json.loads(x) for x in (tmp_path / "posts.jsonl").read_text().splitlines()]
    assert [r["user_id"] for r in rows] == [p.user_id for p in posts]
