"""The committed JSON Schema is the generated one, and the format document's example loads."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from seedrunner.manifest.jsonschema import manifest_json_schema, manifest_json_schema_text
from seedrunner.manifest.loader import load_manifest
from seedrunner.manifest.schema import FakerSpec, ManifestSpec
from seedrunner.manifest.yaml import load_yaml_file

ROOT = Path(__file__).resolve().parents[2]
SCHEMA = ROOT / "schemas" / "manifest-v1.schema.json"
EXAMPLE = ROOT / "tests" / "examples" / "manifest_v1_example.yaml"
FORMAT_DOC = Path("/work/shared/manifest-v1.md")


def test_committed_schema_is_current() -> None:
    assert SCHEMA.read_text(encoding="utf-8") == manifest_json_schema_text(), (
        "schemas/manifest-v1.schema.json is stale; regenerate it with "
        "`seedrunner schema > schemas/manifest-v1.schema.json`"
    )


def test_schema_is_valid_json_schema_with_descriptions() -> None:
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"].endswith("2020-12/schema")
    assert schema["title"] == "seedrunner manifest v1"
    assert set(schema["required"]) == {"version", "datasets"}
    for key, prop in schema["properties"].items():
        assert prop.get("description"), f"top-level key {key!r} has no description"


def test_example_matches_the_format_document() -> None:
    if not FORMAT_DOC.exists():
        pytest.skip("the shared format document is not present")
    doc = FORMAT_DOC.read_text(encoding="utf-8")
    assert EXAMPLE.read_text(encoding="utf-8") in doc


def test_example_validates_against_manifest_spec() -> None:
    doc = load_yaml_file(EXAMPLE)
    spec = ManifestSpec.model_validate(doc.data)
    assert spec.name == "staging"
    assert list(spec.datasets) == ["users", "orders"]
    assert list(spec.targets) == ["db", "api", "fixtures"]
    age = spec.datasets["users"].fields["age"]
    assert isinstance(age, FakerSpec)
    assert age.kwargs == {"min_value": 18, "max_value": 90}


def test_example_loads_with_its_templates_rendered() -> None:
    m = load_manifest(EXAMPLE, environ={"API_TOKEN": "t0ken"})
    assert m.vars == {"domain": "example.test"}
    assert m.targets["db"]["url"] == "sqlite:///staging.db"
    assert m.targets["api"]["headers"] == {"Authorization": "Bearer t0ken"}


def test_example_validates_against_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = load_yaml_file(EXAMPLE).data
    jsonschema.validate(json.loads(json.dumps(data, default=str)), manifest_json_schema())


def test_demo_manifest_validates_against_the_json_schema() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = load_yaml_file(ROOT / "seeds" / "staging.yaml").data
    jsonschema.validate(json.loads(json.dumps(data, default=str)), manifest_json_schema())


def test_json_schema_rejects_an_unknown_dataset_key() -> None:
    jsonschema = pytest.importorskip("jsonschema")
    data = {"version": 1, "datasets": {"users": {"cont": 5}}}
    with pytest.raises(jsonschema.ValidationError, match="cont"):
        jsonschema.validate(data, manifest_json_schema())


def test_schema_carries_each_builtin_handlers_options():
    import jsonschema

    from seedrunner.handlers.registry import BUILTIN

    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    for name in BUILTIN:
        assert f"Handler_{name.replace('-', '_')}" in schema["$defs"]
    validator = jsonschema.Draft202012Validator(schema)

    def errors(target):
        doc = {"version": 1, "targets": {"t": target}, "datasets": {"d": {"count": 1}}}
        return [e.message for e in validator.iter_errors(doc)]

    db = {"handler": "sqlalchemy", "url": "sqlite://"}
    assert errors({**db, "on_conflict": "ignore"}) == []
    assert errors({**db, "create_tables": "{{ env.X }}"}) == []  # a template, rendered first
    assert any("on_conflic" in m for m in errors({**db, "on_conflic": 1}))
    assert errors({"handler": "my.plugin:Thing", "anything": 1}) == []  # plugins stay open
