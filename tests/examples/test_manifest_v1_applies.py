"""The format's own example (manifest-v1.md, kept as tests/examples/manifest_v1_example.yaml)
plans and applies end to end: SQLite target, HTTP API through the chain, JSONL fixtures."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

from seedrunner import apply, build_plan, load_manifest
from tests.httpserver import RecordingServer

EXAMPLE = Path(__file__).with_name("manifest_v1_example.yaml")

MODELS = """
from decimal import Decimal

from pydantic import BaseModel


class User(BaseModel):
    id: int
    email: str
    first_name: str
    last_name: str
    role: str
    age: int
    nickname: str | None = None
    status: str
    password_plain: str | None = None
    password_hash: str | None = None


class Order(BaseModel):
    id: int
    user_id: int
    number: str
    total: Decimal
"""

SEEDING = """
import hashlib


def hash_passwords(batch, ctx):
    hashes = [hashlib.sha256(e.encode()).hexdigest() for e in batch.columns["email"]]
    return batch.replace_columns({**batch.columns, "password_hash": hashes})
"""


def test_the_format_example_applies(tmp_path):
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "__init__.py").write_text("")
    (tmp_path / "app" / "models.py").write_text(MODELS)
    (tmp_path / "app" / "seeding.py").write_text(SEEDING)
    (tmp_path / "examples").mkdir()
    path = tmp_path / "examples" / "seed.yaml"
    shutil.copy(EXAMPLE, path)
    with RecordingServer() as api:
        m = load_manifest(
            path,
            overrides=[f"targets.api.url={api.url}/bulk"],
            environ={"API_TOKEN": "tok-123456", "DATABASE_URL": f"sqlite:///{tmp_path}/s.db"},
        )
        report = apply(build_plan(m))
        assert report.ok, report.error
        users_in_api = api.rows
    con = sqlite3.connect(tmp_path / "s.db")
    users = con.execute("SELECT id, email, password_hash, password_plain FROM users").fetchall()
    orders = con.execute("SELECT user_id FROM orders").fetchall()
    con.close()
    assert len(users) == 100
    assert [u["id"] for u in users_in_api] == [u[0] for u in users]  # the chain db -> api
    assert all(u[2] and u[3] is None for u in users)  # dropped, then hashed
    assert all("password_plain" not in u for u in users_in_api)
    assert {o[0] for o in orders} <= {u[0] for u in users}
    fixtures = tmp_path / "examples" / "build" / "fixtures" / "orders.jsonl"
    assert len(fixtures.read_text().splitlines()) == len(orders)
    assert json.loads(fixtures.read_text().splitlines()[0])["number"] == "ORD-000001"
