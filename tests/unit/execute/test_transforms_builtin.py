"""Built-in transforms set, template and hash: end to end through apply, located errors."""

from __future__ import annotations

import hashlib
import json

import bcrypt
import pytest

from seedrunner import PlanError, apply, build_plan, load_manifest

MANIFEST = """
version: 1
seed: 11
now: "2026-01-01T00:00:00Z"
vars: {domain: shop.test}
targets:
  out: {handler: jsonl, path: "{dataset}.jsonl"}
datasets:
  users:
    count: 6
    fields:
      name: {faker: first_name}
      password: "pw-{{ index }}"
    transforms:
      - set: {role: member, active: true}
      - template: {email: "{{ name | lower }}.{{ index }}@{{ vars.domain }}"}
      - {hash: [password], algorithm: ALGO}
    persist: [out]
"""


def _rows(manifest, tmp_path, algo: str, name: str = "seed.yaml"):
    path = manifest(MANIFEST.replace("ALGO", algo), name)
    report = apply(build_plan(load_manifest(path)))
    assert report.ok, report.error
    return [json.loads(x) for x in (tmp_path / "users.jsonl").read_text().splitlines()]


def test_set_template_and_sha256(manifest, tmp_path):
    rows = _rows(manifest, tmp_path, "sha256")
    assert {r["role"] for r in rows} == {"member"}
    assert all(r["active"] is True for r in rows)
    for i, r in enumerate(rows):
        assert r["email"] == f"{r['name'].lower()}.{i}@shop.test"
        assert r["password"] == hashlib.sha256(f"pw-{i}".encode()).hexdigest()


def test_password_hashes_verify_and_repeat(manifest, tmp_path):
    rows = _rows(manifest, tmp_path, "bcrypt")
    for i, r in enumerate(rows):
        assert bcrypt.checkpw(f"pw-{i}".encode(), r["password"].encode())
    assert len({r["password"] for r in rows}) == len(rows)  # salted per row
    again = _rows(manifest, tmp_path, "bcrypt", "again.yaml")
    assert [r["password"] for r in again] == [r["password"] for r in rows]  # and repeatable


def test_pbkdf2_in_djangos_format(manifest, tmp_path):
    rows = _rows(manifest, tmp_path, "pbkdf2_sha256")
    algorithm, iterations, salt, digest = rows[0]["password"].split("$")
    assert (algorithm, iterations) == ("pbkdf2_sha256", "1000")
    import base64

    expected = hashlib.pbkdf2_hmac("sha256", b"pw-0", salt.encode(), 1000)
    assert base64.b64decode(digest) == expected


@pytest.mark.parametrize(
    ("transform", "message"),
    [
        ("{hash: [pasword]}", "hash names field 'pasword'"),
        ("{drop: [nam]}", "drop names field 'nam'"),
        ('{template: {x: "{{ nme }}"}}', "undefined name 'nme'"),
        ('{template: {x: "{{ name.__class__ }}"}}', "template transform 'x'"),
    ],
)
def test_transform_mistakes_are_located_plan_errors(manifest, transform, message):
    text = MANIFEST.replace("      - {hash: [password], algorithm: ALGO}", f"      - {transform}")
    path = manifest(text)
    with pytest.raises(PlanError) as e:
        build_plan(load_manifest(path))
    assert message in str(e.value)
    assert "seed.yaml:1" in str(e.value) or "seed.yaml:2" in str(e.value)
